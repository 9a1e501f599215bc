"""``carepath completion``: the shell completion script (bash, zsh or fish)."""

from __future__ import annotations

import argparse
import sys

HELP = "print the shell completion script (bash, zsh or fish)"
DESCRIPTION = """\
Print a script that makes the shell complete carepath's commands, options and
file names (argcomplete's, which asks carepath itself, so it never goes out
of date). Install it once:

  bash   carepath completion bash > ~/.local/share/bash-completion/completions/carepath
  zsh    carepath completion zsh > "${fpath[1]}/_carepath"
  fish   carepath completion fish > ~/.config/fish/completions/carepath.fish

or, for the current shell only: eval "$(carepath completion bash)".
"""

SHELLS = ("bash", "zsh", "fish")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def run(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    sys.stdout.write(shellcode(["carepath"], shell=args.shell))
    return 0

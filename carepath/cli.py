"""The ``carepath`` command line: one entry point, one module per sub-command.

Exit codes, as ruff and tflint use them: 0 nothing at or above ``--fail-on``,
1 findings (or failed cases, or an incomplete evaluation), 2 usage, I/O or
internal error. Command modules import nothing heavy at module level so that
``carepath --help`` and ``carepath check`` start fast.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from carepath.version import __version__

# sub-command -> module in carepath.commands (order is the order in --help)
COMMANDS = {
    "check": "check",
    "fmt": "fmt",
    "test": "test",
    "run": "run",
    "compile": "compile",
    "cases": "cases",
    "render": "render",
    "html": "html",
    "diff": "diff",
    "audit": "audit",
    "explain": "explain",
    "lsp": "lsp",
    "completion": "completion",
}

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Commands that read a configuration file (carepath.toml or [tool.carepath]).
CONFIGURED = ("check", "fmt", "test", "html", "lsp")

_EPILOG = """\
examples:
  carepath check pathways/                      check every .cpath file under pathways/
  carepath check --format sarif p.cpath > p.sarif
  carepath fmt --check pathways/                fail if a file is not formatted
  carepath run p.cpath --patient patient.json   evaluate one patient
  carepath test --coverage pathways/            run the case blocks with coverage
  carepath render p.cpath -f svg -o p.svg       draw the flowchart
  carepath html pathways/ -o site/              build the HTML pages
  carepath diff --git HEAD~1 p.cpath            which patients the change treats differently
  carepath audit p.cpath --data registry.parquet   what the pathway does for a population
  carepath explain CP304                        what a diagnostic code means, and its fix
  carepath lsp                                  the language server, for editors
  eval "$(carepath completion bash)"            complete commands and options in bash

exit codes: 0 clean, 1 findings / failures / needs input, 2 usage or I/O error.
Run `carepath COMMAND --help` for a command's options.
"""


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"carepath.commands.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"carepath.commands.{name}":
            return None  # not built yet
        raise


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=None,
        metavar="FILE",
        help="the configuration file (carepath.toml, or a pyproject.toml with "
        "[tool.carepath]); default: the nearest one above the first path",
    )
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the settings in force and where each came from, then exit",
    )


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="carepath",
        description="Clinical care pathways as code: check a pathway is sound, test it, "
        "evaluate patients, draw its flowchart and publish it as HTML.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"carepath {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for command, module_name in COMMANDS.items():
        module = _load(module_name)
        if module is None:
            continue
        modules[command] = module
        command_parser = sub.add_parser(
            command,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(command_parser)
        if command in CONFIGURED:
            _add_config_options(command_parser)
        SUBPARSERS[command] = command_parser
    return parser, modules


SUBPARSERS: dict[str, argparse.ArgumentParser] = {}


def _configure(args: argparse.Namespace, argv: Sequence[str]) -> int | None:
    """Apply the configuration file to ``args``; an exit code when the command must
    not go on (a bad file: 2; --show-settings: 0)."""
    from pathlib import Path

    from carepath import config

    rest = list(argv)
    rest = rest[rest.index(args.command) + 1 :] if args.command in rest else rest
    given = config.given_options(SUBPARSERS[args.command], rest)
    try:
        if args.config is not None:
            found: Path | None = Path(args.config)
        else:
            first = (getattr(args, "paths", None) or [None])[0]
            start = Path(first) if first not in (None, "-") else Path.cwd()
            found = config.find(start)
        loaded = config.load(found) if found is not None else config.Config(None, {})
    except config.ConfigError as error:
        print(f"carepath: configuration error: {error}", file=sys.stderr)
        return EXIT_ERROR
    args.config_folder = loaded.folder
    settings = config.apply(args, args.command, loaded, given)
    if args.show_settings:
        sys.stdout.write(config.show(settings, loaded))
        return EXIT_OK
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    if "_ARGCOMPLETE" in os.environ:
        # The shell asks what may come next (see `carepath completion`): answer and exit.
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args.command in CONFIGURED:
        stop = _configure(args, sys.argv[1:] if argv is None else argv)
        if stop is not None:
            return stop
    try:
        code: int = modules[args.command].run(args)
        return code
    except KeyboardInterrupt:
        print("carepath: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away before the end (`carepath check | head`): what it did
        # not read was not reported, so this is not a success.
        return EXIT_ERROR
    except Exception as error:
        if os.environ.get("CAREPATH_DEBUG"):
            raise
        print(
            f"carepath: internal error: {type(error).__name__}: {error}\n"
            "  this is a bug in carepath; run again with CAREPATH_DEBUG=1 for details",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI timeout, `kill`) as an interruption: the output being written is
    aborted and its temporary file removed, as on Ctrl-C, instead of left behind."""
    raise KeyboardInterrupt


def console() -> NoReturn:
    """The ``carepath`` command: ``main``, then leave without tearing the heap down.

    A 10,000-node pathway leaves some 750,000 objects behind; freeing them one by one
    at exit (and the collector's last walk over them) took half a second for nothing,
    since the process ends anyway. Output is flushed first; files are written
    atomically and closed before ``main`` returns.

    A command allocates a large, long-lived heap (a 10,000-node pathway and its
    analysis) in one go; at the collector's default pace (a young collection every
    700 allocations) it walks that heap again and again as it grows. A young
    collection every 10,000 allocations still frees every reference cycle and takes
    ``check`` from 1.22 to 0.86 s at 1,000 nodes and from 7.4 to 6.1 s at 10,000
    (medians of 3 interleaved runs, `python bench/bench_gc.py --rounds 3`)."""
    gc.set_threshold(10_000, 10, 10)
    signal.signal(signal.SIGTERM, _terminated)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or EXIT_ERROR
    except ValueError:
        pass  # already closed: the language server's client hung up at exit
    os._exit(code)

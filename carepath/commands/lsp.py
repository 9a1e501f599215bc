"""``carepath lsp``: the language server, for editors."""

from __future__ import annotations

import argparse

from carepath.commands.common import add_cache_options

HELP = "run the language server (for editors; speaks LSP over stdio)"
DESCRIPTION = """\
Start carepath's language server on standard input and output, for an editor
to talk to (VS Code, Neovim, Emacs, Helix …). It gives, as you type:

  diagnostics    everything `carepath check` reports, with the witness patient
                 of a logic finding as related information; on a half-typed file
                 every syntax error is reported and the rest still works
  hover          an input's type, unit, range and description; a node's kind
                 and label; a define's formula; a reference's title and year
  navigation     go to definition, find references, rename (inputs, defines,
                 nodes, references), and an outline of the file
  completion     node ids after -> and next, inputs and defines in conditions,
                 enumeration values after == and in, units after a number
  formatting     `carepath fmt`
  quick fixes    every "did you mean" suggestion, and the missing branch for a
                 gap in a decision (offered once carepath has proven it closes it)

Editors start it themselves; run by hand it waits for a client on stdin.
Findings are kept in the result cache as `carepath check` keeps them.

example (Neovim):
  vim.lsp.start({ name = "carepath", cmd = { "carepath", "lsp" } })
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_cache_options(parser)


def run(args: argparse.Namespace) -> int:
    from carepath.cache import ResultCache, folder_for
    from carepath.lsp.server import serve

    serve(None if args.no_cache else ResultCache(folder_for(args.cache_dir)))
    return 0

"""Text -> AST: the fast reader for well-formed files, Lark for everything else.

Two readers, one language. ``dsl.fastparse`` reads a well-formed pathway about ten
times faster than Lark (faster still when compiled, see ``dsl.native``) and gives up
on anything it is not sure of;
``dsl.lark_parser`` (the grammar in dsl/pathway.lark) then reads the file again
and makes every syntax diagnostic. Lark is imported only when it is needed.

>>> result = parse('pathway p "P"\\nstart a\\nend a "Done"\\n', "p.cpath")
>>> result.pathway.header.id, [d.code for d in result.diagnostics]
('p', [])
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ast
from .diagnostics import Diagnostic
from .gc_pause import gc_paused
from .native import reader

# Deeper expressions than this are almost certainly generated or broken, and every
# later stage walks expressions recursively.
MAX_EXPRESSION_DEPTH = 64
# One error per top-level block; past this many the rest is noise.
MAX_SYNTAX_ERRORS = 20


@dataclass(frozen=True)
class ParseResult:
    pathway: ast.PathwayFile | None
    diagnostics: tuple[Diagnostic, ...]


def parse(text: str, file: str) -> ParseResult:
    """Parse one pathway file. Never raises on bad input: problems come back as diagnostics."""
    with gc_paused():
        pathway = reader()(text, file)
        if pathway is not None:
            return ParseResult(pathway, ())
        from .lark_parser import parse_with_lark  # imports Lark (60 ms): only when needed

        return parse_with_lark(text, file)

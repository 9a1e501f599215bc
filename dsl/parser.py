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

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

from . import ast
from .diagnostics import Diagnostic
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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a pathway is read.

    Parsing builds hundreds of thousands of small objects, none in a cycle; the
    collector would walk them again and again for nothing (a third of the time on
    a 10,000-node pathway, bench/bench_parse.py). Nesting is fine."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _promote_young_objects()
            gc.enable()


def _promote_young_objects() -> None:
    """Move everything made during a pause to the oldest generation, unwalked.

    It is all still in the youngest generation, so the collector's first pass after
    the pause would walk all of it (0.17 s after reading a 10,000-node pathway), and
    walk it again on promoting it. ``freeze()`` moves every generation's list to the
    permanent one and ``unfreeze()`` moves that list to the oldest generation, each
    in one step; the objects are then walked only by the next full collection. Not
    done when anything else is frozen: ``unfreeze()`` would release it too."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def parse(text: str, file: str) -> ParseResult:
    """Parse one pathway file. Never raises on bad input: problems come back as diagnostics."""
    with gc_paused():
        pathway = reader()(text, file)
        if pathway is not None:
            return ParseResult(pathway, ())
        from .lark_parser import parse_with_lark  # imports Lark (60 ms): only when needed

        return parse_with_lark(text, file)

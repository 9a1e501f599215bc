"""What the structural passes (CP2xx) share: where a declared name is, and which
nodes a patient can reach from ``start`` by following the graph alone."""

from __future__ import annotations

import functools
import re

import networkx as nx

from carepath.dsl.spans import Span

from ..pathway import Pathway
from . import codes_structure as _codes  # noqa: F401 - registers the CP2xx codes


@functools.lru_cache(maxsize=2)
def _lines(source: str) -> tuple[str, ...]:
    return tuple(source.split("\n"))


def name_span(pathway: Pathway, declaration: Span, name: str) -> Span:
    """The name on the first line of a declaration (``end acute_care`` -> ``acute_care``),
    so that a finding about the whole block underlines one word, not the block."""
    lines = _lines(pathway.source)
    if 0 < declaration.line <= len(lines):
        text = lines[declaration.line - 1]
        # Skip the keyword: in `end end "…"` the name is the second word.
        after_keyword = text.find(" ", declaration.column - 1)
        found = re.compile(rf"\b{re.escape(name)}\b").search(text, max(after_keyword, 0))
        if found is not None:
            return Span(
                declaration.file,
                declaration.line,
                found.start() + 1,
                declaration.line,
                found.end() + 1,
            )
        end = len(text.rstrip()) + 1
        return Span(declaration.file, declaration.line, declaration.column, declaration.line, end)
    return declaration


def start_nodes(pathway: Pathway) -> tuple[str, ...]:
    """Every node a ``start`` line names, in written order, without repeats. With more
    than one start (CP202) all of them count as entries, so that one misplaced
    ``start`` does not also make half the pathway unreachable."""
    found: dict[str, None] = {}
    for start in pathway.syntax.starts:
        if start.target.id in pathway.graph:
            found.setdefault(start.target.id)
    return tuple(found)


def reachable(pathway: Pathway) -> frozenset[str]:
    """Nodes some path from a start leads to, ignoring guards: a superset of what
    any patient can reach (whether a guard can hold is the logic checks' question)."""
    seen: set[str] = set()
    for root in start_nodes(pathway):
        if root not in seen:
            seen.add(root)
            seen.update(nx.descendants(pathway.graph, root))
    return frozenset(seen)


def quoted(names: list[str] | tuple[str, ...]) -> str:
    """```a`, `b` and `c``` for a note."""
    items = [f"`{n}`" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]

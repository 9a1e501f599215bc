"""CP203: every node can be reached from ``start`` by following branches and ``next``.

Reported once per node, at its name, with a note on what leads to it. Without a
start (CP201) there is nothing to measure from, so nothing is reported.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\n\\nstart a\\n\\nend a "A"\\nend b "B"\\n'
>>> [(d.code, d.span.line, d.message) for d in check_reachability(load_text(text).pathway)]
[('CP203', 6, 'no path from `start` reaches end `b`')]
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from ..pathway import Pathway
from .structure_common import name_span, quoted, reachable, start_nodes


def check_reachability(pathway: Pathway) -> Iterator[Diagnostic]:
    if not start_nodes(pathway):
        return
    graph = pathway.graph
    seen = reachable(pathway)
    for node, data in graph.nodes(data=True):
        if node in seen:
            continue
        sources = sorted(graph.predecessors(node))
        if not sources:
            notes = [f"no branch and no `next` names `{node}`"]
        elif sources == [node]:
            notes = [f"only `{node}` itself leads to `{node}`"]
        else:
            notes = [
                f"only {quoted(sources)} lead{'s' if len(sources) == 1 else ''} here, "
                f"and {'it is' if len(sources) == 1 else 'they are'} unreachable too"
            ]
        related: list[tuple[Span, str]] = [
            (graph.edges[source, node]["span"], f"`{source}` leads here")
            for source in sources
            if source != node
        ]
        yield make(
            "CP203",
            f"no path from `start` reaches {data['kind']} `{node}`",
            name_span(pathway, data["span"], node),
            notes=notes,
            related=related,
        )

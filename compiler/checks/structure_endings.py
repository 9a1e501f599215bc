"""CP205: every ``end`` a patient can be led to states an outcome.

An end nothing leads to is reported as unreachable (CP203) instead.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\n\\nstart a\\n\\nend a\\n'
>>> [(d.code, d.message) for d in check_endings(load_text(text).pathway)]
[('CP205', 'end `a` states no outcome')]
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from ..pathway import Pathway
from .structure_common import name_span, start_nodes


def check_endings(pathway: Pathway) -> Iterator[Diagnostic]:
    graph = pathway.graph
    starts = start_nodes(pathway)
    for node, data in graph.nodes(data=True):
        if data["kind"] != "end" or data["has_outcome"]:
            continue
        related: list[tuple[Span, str]] = [
            (graph.edges[source, node]["span"], f"`{source}` leads here")
            for source in sorted(graph.predecessors(node))
        ]
        if not related and node not in starts:
            continue
        yield make(
            "CP205",
            f"end `{node}` states no outcome",
            name_span(pathway, data["span"], node),
            notes=(f'a patient can finish here; write the outcome: end {node} "OUTCOME"',),
            related=related,
        )

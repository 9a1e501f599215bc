"""CP204, CP206: every step that is not an ``end`` has a way on, and not back to itself.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\n\\nstart a\\n\\naction a "Rest"\\n  recommend "Rest"\\n'
>>> [(d.code, d.message) for d in check_dead_ends(load_text(text).pathway)]
[('CP204', 'action `a` has no `next`: a patient who reaches it has nowhere to go')]
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.dsl.diagnostics import Diagnostic, make

from ..pathway import Pathway
from .structure_common import name_span


def check_dead_ends(pathway: Pathway) -> Iterator[Diagnostic]:
    graph = pathway.graph
    for node, data in graph.nodes(data=True):
        if data["kind"] == "action" and data["next"] is None:
            yield make(
                "CP204",
                f"action `{node}` has no `next`: a patient who reaches it has nowhere to go",
                name_span(pathway, data["span"], node),
                notes=("add `next NODE`, or make it an `end` if the pathway finishes here",),
            )
        elif data["kind"] == "decision" and not data["branches"]:
            yield make(
                "CP204",
                f"decision `{node}` has no branches: a patient who reaches it has nowhere to go",
                name_span(pathway, data["span"], node),
                notes=("add `when CONDITION -> NODE` lines and an `otherwise -> NODE`",),
            )
        elif data["kind"] == "action" and data["next"] == node:
            yield make(
                "CP206",
                f"action `{node}` leads to itself: a patient who reaches it never leaves",
                graph.edges[node, node]["span"],
                notes=(
                    "nothing changes between visits; to repeat a step until something "
                    "changes, go through a `decision` that asks whether it has",
                ),
            )

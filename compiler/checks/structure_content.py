"""CP210, CP211: every decision asks something and every step says something.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\nstart d\\ndecision d "Q?"\\n  otherwise -> x\\nend x "X"\\n'
>>> [(d.code, d.message) for d in check_content(load_text(text).pathway)]
[('CP210', 'decision `d` has only `otherwise`: every patient goes to `x`')]
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.dsl.diagnostics import Diagnostic, make

from ..pathway import Pathway
from .structure_common import name_span


def check_content(pathway: Pathway) -> Iterator[Diagnostic]:
    for node, data in pathway.graph.nodes(data=True):
        blank = not data["label"].strip()
        if data["kind"] == "decision":
            branches = data["branches"]
            if len(branches) == 1 and branches[0].guard is None:
                yield make(
                    "CP210",
                    f"decision `{node}` has only `otherwise`: every patient goes to "
                    f"`{branches[0].target}`",
                    name_span(pathway, data["span"], node),
                    notes=(
                        "add the `when` branches that were meant, or replace the decision "
                        f"by `next {branches[0].target}` on the step before",
                    ),
                )
            if blank:
                yield make(
                    "CP211",
                    f"decision `{node}` asks a blank question",
                    name_span(pathway, data["span"], node),
                    notes=("write the question the clinician answers at this step",),
                )
        elif data["kind"] == "action" and blank and not data["items"]:
            yield make(
                "CP211",
                f"action `{node}` has a blank label and no recommendations",
                name_span(pathway, data["span"], node),
                notes=("write what is done at this step, or remove the step",),
            )

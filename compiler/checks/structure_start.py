"""CP201, CP202: a pathway has exactly one ``start``.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\n\\nend home "Home care"\\n'
>>> [(d.code, d.message) for d in check_start(load_text(text).pathway)]
[('CP201', 'pathway `p` has no `start`')]
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.dsl.diagnostics import Diagnostic, make

from ..pathway import Pathway
from .structure_common import name_span


def check_start(pathway: Pathway) -> Iterator[Diagnostic]:
    starts = pathway.syntax.starts
    if not starts:
        header = pathway.syntax.header
        entries = sorted(n for n in pathway.graph if pathway.graph.in_degree(n) == 0)
        notes = ["add `start NODE` naming the first step"]
        if len(entries) == 1:
            notes.append(f"nothing leads to `{entries[0]}`: did you mean `start {entries[0]}`?")
        yield make(
            "CP201",
            f"pathway `{header.id}` has no `start`",
            name_span(pathway, header.span, header.id),
            notes=notes,
        )
        return
    first = starts[0]
    for extra in starts[1:]:
        again = extra.target.id == first.target.id
        yield make(
            "CP202",
            f"`start {extra.target.id}` is written twice"
            if again
            else f"second `start`: the pathway already starts at `{first.target.id}`",
            extra.span,
            notes=(
                ("remove this line",)
                if again
                else (
                    "a pathway has one entry; to choose between entries, start at a "
                    "`decision` that asks which applies",
                )
            ),
            related=((first.span, f"first `start {first.target.id}`"),),
        )

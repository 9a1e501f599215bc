"""CP309: a part of an `and` that the other parts, or the path, already imply.

``age >= 65 and age >= 18``: the second part changes nothing. The question is
asked for the patients who reach the decision, so ``age >= 18`` after an
upstream ``age >= 75`` is redundant too. A part is redundant when every patient
who reaches the decision and satisfies the other parts satisfies it as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .logic_analysis import Analysis, Region, analysis


def check_redundant(pathway: Pathway) -> Iterator[Diagnostic]:
    a = analysis(pathway)
    for node, info in a.decisions.items():
        reach = a.reach[node]
        if a.empty(reach) is not False:
            continue
        for b in info.branches:
            if isinstance(b.guard, ir.And) and len(b.guard.operands) > 1:
                yield from _conjuncts(a, node, reach, b.guard)


def _conjuncts(a: Analysis, node: str, reach: Region, guard: ir.And) -> Iterator[Diagnostic]:
    kept = list(guard.operands)
    for part in guard.operands:
        others = [o for o in kept if o is not part]
        if not others:
            break
        rest = a.inter(*(a.holds(o) for o in others))
        if a.empty(a.inter(reach, rest)) is not False:
            return  # the whole branch is dead: reported elsewhere
        if a.empty(a.minus(a.inter(reach, rest), a.holds(part))) is not True:
            continue
        alone = a.empty(a.minus(rest, a.holds(part))) is True
        text = _text(a, part)
        why = "the rest of the condition" if alone else f"what the path to `{node}` established"
        kept.remove(part)
        yield make(
            "CP309",
            f"`{text}` is redundant: {why} already implies it",
            part.span,
            notes=["a redundant test may hide a threshold that was meant to differ"],
        )


def _text(a: Analysis, e: ir.Expr) -> str:
    span = e.span
    lines = a.pathway.source.split("\n")
    if span.line == span.end_line and 1 <= span.line <= len(lines):
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    return "this part"

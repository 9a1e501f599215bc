"""CP310: two thresholds on one input that almost, but not quite, coincide.

``3 months`` is 91.3125 days and ``13 weeks`` 91 days: a guideline that says
"three months" in one place and "13 weeks" in another almost certainly meant
one cut-off. Durations that differ by less than a day, and thresholds on an
integer input that differ by less than one step, are reported with both values
shown in days (durations) or in the input's unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from functools import partial
from itertools import pairwise

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.compiler.units import format_number
from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from .boxes import fold
from .witness import guards

DAY = Fraction(86400)


def thresholds(pathway: Pathway) -> dict[str, dict[Fraction, ir.Const]]:
    """Per input, each threshold value with the first constant (in source order) that sets it."""
    found: dict[str, dict[Fraction, ir.Const]] = {}

    def visit(e: ir.Expr) -> None:
        kind = type(e)
        if kind is ir.Compare:
            assert isinstance(e, ir.Compare)
            left, right = fold(e.left), fold(e.right)
            for ref, const in ((left, right), (right, left)):
                if (
                    isinstance(ref, ir.Ref)
                    and ref.is_input
                    and isinstance(const, ir.Const)
                    and isinstance(const.value, Fraction)
                ):
                    seen = found.setdefault(ref.name, {})
                    if const.value not in seen or const.span < seen[const.value].span:
                        seen[const.value] = const
            for side in (e.left, e.right):
                if type(side) is not ir.Ref and type(side) is not ir.Const:
                    visit(side)  # counts and points hold conditions of their own
            return
        if kind is ir.And or kind is ir.Or:
            for child in e.operands:  # type: ignore[attr-defined]
                visit(child)
            return
        for child in ir.children(e):
            visit(child)

    for guard in guards(pathway):
        try:
            visit(guard)
        except Exception:
            continue
    return found


def check_thresholds(pathway: Pathway) -> Iterator[Diagnostic]:
    from .logic_analysis import analysis

    for name, values in analysis(pathway).thresholds.items():
        t = pathway.inputs[name].type
        if not isinstance(t, ir.NumberType):
            continue
        if t.duration:
            tolerance, unit_name, factor = DAY, "days", DAY
        elif t.integer:
            tolerance = t.unit.factor if t.unit else Fraction(1)
            unit_name, factor = (t.unit.text if t.unit else ""), tolerance
        else:
            continue
        ordered = sorted(values)
        for low, high in pairwise(ordered):
            if high - low >= tolerance:
                continue
            a, b = values[low], values[high]
            first, second = (a, b) if a.span < b.span else (b, a)
            shown = partial(_shown, factor=factor, unit_name=unit_name)
            gap = format_number((high - low) / factor)
            yield make(
                "CP310",
                f"thresholds on `{name}` almost coincide: {shown(second)} here and "
                f"{shown(first)} differ by only {gap} {unit_name}".rstrip(),
                _span(second),
                notes=["patients in between are treated inconsistently; use one cut-off"],
                related=[(_span(first), "the other threshold")],
            )


def _shown(c: ir.Const, factor: Fraction, unit_name: str) -> str:
    assert isinstance(c.value, Fraction)
    amount = format_number(c.value / factor)
    return f"`{c.text}` ({amount} {unit_name})".replace(" )", ")")


def _span(c: ir.Const) -> Span:
    return c.span

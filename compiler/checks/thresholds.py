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

from .logic_analysis import analysis

DAY = Fraction(86400)


def check_thresholds(pathway: Pathway) -> Iterator[Diagnostic]:
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

"""Holes between the bands of one input inside a condition or a score (CP314).

A decision's branches are proven to cover every patient (CP304), but the same band
table is often written inside one condition or one score instead:

    define febrile = (2 years <= age <= 5 years and temp > 38.5 Cel)
                     or ((age < 2 years or age > 6 years) and temp > 38 Cel)
    define age_points = points of (1 if 65 <= age <= 74, 2 if age >= 75)

There no patient falls through: the first is simply false at age 5.5 years and the
second scores nothing at 74.5. Both are slips a decision would have caught. So for
every ``or`` and every ``count of`` / ``points of``, the rows that band one number
input are laid side by side, and a hole between two neighbouring bands is reported
when it is at most one unit wide in the units the bands are written in (``<= 5
years`` then ``> 6 years``; ``<= 74`` then ``>= 75`` on a decimal). A wider hole
(``age < 18 or age > 65``) reads as meant and is left alone.

Each hole comes with a patient inside it, run through the evaluator to confirm that
no row of the band table holds for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from itertools import pairwise

from carepath.compiler import ir
from carepath.compiler.evaluate import Evaluator, evaluate
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, Witness, make

from .boxes import Box, Interval, NumVar
from .logic_analysis import Analysis, analysis
from .regions import describe
from .witness import show_value

Rows = tuple[ir.Expr, ...]


def check_band_holes(pathway: Pathway) -> Iterator[Diagnostic]:
    a = analysis(pathway)
    seen: set[int] = set()
    for owner, root in _roots(pathway):
        for e in ir.walk(root):
            if id(e) in seen:
                continue
            seen.add(id(e))
            if isinstance(e, ir.Or):
                yield from _holes(a, owner, e, e.operands, score=False)
            elif isinstance(e, ir.Count):
                yield from _holes(a, owner, e, e.operands, score=True)
            elif isinstance(e, ir.Points):
                yield from _holes(a, owner, e, tuple(c for _, c in e.weights), score=True)


def _roots(pathway: Pathway) -> Iterator[tuple[str, ir.Expr]]:
    """Each expression once, with what it belongs to (a derived value is visited as its
    own root, never through the references to it)."""
    for name, define in pathway.defines.items():
        yield f"`{name}`", define.expr
    for node, data in pathway.graph.nodes(data=True):
        for branch in data.get("branches", ()):
            if branch.guard is not None:
                yield f"the condition to `{branch.target}` at `{node}`", branch.guard
        for item in data.get("items", ()):
            if item.guard is not None:
                yield f"the condition of “{item.text}”", item.guard


def _holes(a: Analysis, owner: str, e: ir.Expr, rows: Rows, score: bool) -> Iterator[Diagnostic]:
    pathway = a.pathway
    reads = [ir.inputs_of(r, pathway.defines) for r in rows]
    for name, decl in pathway.inputs.items():
        if not isinstance(decl.type, ir.NumberType):
            continue
        var = a.domain.vars[name]
        assert isinstance(var, NumVar)
        banded: list[tuple[ir.Expr, tuple[Interval, ...]]] = []
        for row, read in zip(rows, reads, strict=True):
            # A score's criterion that also reads another input is not a band of this one.
            if name not in read or (score and read != {name}):
                continue
            band = _band(a, row, name)
            known = a.domain.known(name)
            assert not isinstance(known, frozenset)
            if band is not None and band != known[0]:
                banded.append((row, band))
        if len(banded) < 2:
            continue
        covered = a.domain.normalised(name, [iv for _, band in banded for iv in band])
        for below, above in pairwise(covered):
            hole = _slip(a, name, below, above)
            if hole is None:
                continue
            found = _witness(a, e, banded, name, hole, score)
            if found is None:
                continue
            yield _finding(a, owner, e, banded, name, hole, found, score)


def _band(a: Analysis, row: ir.Expr, name: str) -> tuple[Interval, ...] | None:
    """The known values of ``name`` for which ``row`` can hold, or None when the row is
    beyond the box engine."""
    holds = a.holds(row)
    if not isinstance(holds, list):
        return None
    intervals: list[Interval] = []
    for box in holds:
        dim = box.get(name, a.domain.known(name))
        assert not isinstance(dim, frozenset)
        intervals.extend(dim[0])
    return a.domain.normalised(name, intervals)


def _slip(a: Analysis, name: str, below: Interval, above: Interval) -> Interval | None:
    """The hole between two neighbouring bands, when it is at most one unit wide in the
    units its two ends are written in."""
    var = a.domain.vars[name]
    assert isinstance(var, NumVar)
    low, high = below[2], above[0]
    assert low is not None and high is not None  # neighbours, sorted and apart
    start, end = var.down(low), var.down(high)
    if end - start > max(_unit_at(a, name, start), _unit_at(a, name, end)):
        return None
    return (low, not below[3], high, not above[1])


def _unit_at(a: Analysis, name: str, value: Fraction) -> Fraction:
    const = a.thresholds.get(name, {}).get(value)
    if const is not None and const.unit is not None:
        return const.unit.factor
    t = a.pathway.inputs[name].type
    assert isinstance(t, ir.NumberType)
    return t.unit.factor if t.unit is not None else Fraction(1)


def _witness(
    a: Analysis,
    e: ir.Expr,
    banded: list[tuple[ir.Expr, tuple[Interval, ...]]],
    name: str,
    hole: Interval,
    score: bool,
) -> dict[str, ir.Value] | None:
    """A patient in the hole for whom no band row holds, confirmed by the evaluator.

    The other inputs come from the band just below the hole, so the patient is one the
    table plainly meant to cover: move them to the band's edge and the row holds."""
    pathway = a.pathway
    below = next(row for row, band in banded if any(_ends_at(iv, hole) for iv in band))
    holds = a.holds(below)
    assert isinstance(holds, list)
    read = {n for row, _ in banded for n in ir.inputs_of(row, pathway.defines)}
    relevant = [n for n in pathway.inputs if n in read]
    for box in holds:
        dim = box.get(name, a.domain.known(name))
        assert not isinstance(dim, frozenset)
        if not any(_ends_at(iv, hole) for iv in dim[0]):
            continue
        inside: Box = {**box, name: ((hole,), False)}
        patient = a.domain.pick(inside, relevant, a.steps)
        ev = Evaluator(pathway, patient)
        if all(ev.holds(row) is False for row, _ in banded) and (score or ev.holds(e) is False):
            return patient
    return None


def _ends_at(iv: Interval, hole: Interval) -> bool:
    return iv[2] is not None and iv[2] == hole[0] and iv[3] != hole[1]


def _finding(
    a: Analysis,
    owner: str,
    e: ir.Expr,
    banded: list[tuple[ir.Expr, tuple[Interval, ...]]],
    name: str,
    hole: Interval,
    patient: dict[str, ir.Value],
    score: bool,
) -> Diagnostic:
    pathway = a.pathway
    where = describe(a.domain, {name: ((hole,), False)}, pathway.inputs, a.units)
    decl = pathway.inputs[name]
    units = a.units.get(name, [])
    shown = show_value(decl, patient[name], units)
    var = a.domain.vars[name]
    assert isinstance(var, NumVar) and hole[2] is not None
    edge = show_value(decl, var.down(hole[2]), units)
    closed = hole[3]
    meet = (
        f"`{name} <= {edge}` then `{name} > {edge}`"
        if closed
        else f"`{name} < {edge}` then `{name} >= {edge}`"
    )
    if score:
        what = "score" if isinstance(e, ir.Points) else "count"
        message = f"the criteria on `{name}` in {owner} leave a hole: none holds when {where}"
        consequence = f"a patient with {name} = {shown} gets nothing from them in this {what}"
    else:
        message = f"the bands on `{name}` in {owner} leave a hole: no row holds when {where}"
        consequence = (
            f"for a patient with {name} = {shown} this condition is false whatever else "
            "the record says"
        )
    result = evaluate(pathway, patient)
    witness = Witness(
        patient=tuple(
            (n, show_value(d, patient[n], a.units.get(n, [])))
            for n, d in pathway.inputs.items()
            if n in patient
        ),
        path=result.path,
    )
    return make(
        "CP314",
        message,
        e.span,
        notes=[
            consequence,
            f"make neighbouring bands meet ({meet}), or write the band for the hole if it is meant",
        ],
        witness=witness,
        related=[(row.span, "a band next to the hole") for row, _ in _neighbours(banded, hole)],
    )


def _neighbours(
    banded: list[tuple[ir.Expr, tuple[Interval, ...]]], hole: Interval
) -> list[tuple[ir.Expr, tuple[Interval, ...]]]:
    def touches(iv: Interval) -> bool:
        below = iv[2] == hole[0] and iv[3] != hole[1]
        above = iv[0] == hole[2] and iv[1] != hole[3]
        return below or above

    return [(row, band) for row, band in banded if any(touches(iv) for iv in band)]

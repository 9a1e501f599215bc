"""Witness patients: concrete records in the author's units, confirmed by the evaluator.

A logic finding is reported as proven only with a patient that the reference
interpreter (:func:`carepath.compiler.evaluate.evaluate`) runs into the very
problem: a conflict at the decision for an overlap, ``stuck`` for a gap, a
``loop`` for a cycle. :func:`confirm` does that run and trims the record to the
inputs the path actually reads, so the witness stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

from carepath.compiler import ir
from carepath.compiler.evaluate import Result, evaluate
from carepath.compiler.pathway import Pathway, node_conditions
from carepath.compiler.units import Unit, format_duration, format_number
from carepath.dsl.diagnostics import Witness

Patient = dict[str, ir.Value]
Predicate = Callable[[Result], bool]
PatientPredicate = Callable[[Mapping[str, ir.Value]], bool]


def guards(pathway: Pathway) -> Iterable[ir.Expr]:
    """Every condition in the pathway: branch guards, recommendation guards, defines."""
    yield from node_conditions(pathway)
    for define in pathway.defines.values():
        yield define.expr


def display_units(pathway: Pathway, units: Mapping[str, list[Unit]]) -> dict[str, list[Fraction]]:
    """Per number input, the unit factors to pick round witness values in: the declared
    unit first, then the units its thresholds are written in."""
    found: dict[str, list[Fraction]] = {}
    for name, decl in pathway.inputs.items():
        t = decl.type
        if isinstance(t, ir.NumberType):
            factors = [t.unit.factor] if t.unit is not None else []
            factors += [u.factor for u in units.get(name, []) if u.factor not in factors]
            if factors:
                found[name] = factors
    return found


def show_value(decl: ir.InputDecl, value: ir.Value, units: list[Unit]) -> str:
    """A value as the author would write it: declared unit, else a threshold's unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    t = decl.type
    if isinstance(t, ir.NumberType) and t.unit is not None:
        return f"{format_number(value / t.unit.factor)} {t.unit.text}"
    for unit in units:
        amount = value / unit.factor
        if amount.denominator == 1:
            return f"{amount.numerator} {unit.text}"
    for unit in units:
        shown = format_number(value / unit.factor)
        if "/" not in shown:
            return f"{shown} {unit.text}"
    if isinstance(t, ir.NumberType) and t.duration:
        return format_duration(value)
    return format_number(value)


def read_on_path(
    pathway: Pathway, result: Result, reads: dict[str, frozenset[str]] | None = None
) -> set[str]:
    """Inputs the decisions on a path read (every branch of each, as the evaluator may).
    ``reads`` memoises them per node (a wide decision is read once, not per witness)."""
    needed: set[str] = set()
    graph = pathway.graph
    for node in result.path:
        if reads is not None and node in reads:
            needed |= reads[node]
            continue
        mine: set[str] = set()
        for branch in graph.nodes[node].get("branches", ()):
            if branch.guard is not None:
                mine |= ir.inputs_of(branch.guard, pathway.defines)
        if reads is not None:
            reads[node] = frozenset(mine)
        needed |= mine
    return needed


def confirm(
    pathway: Pathway,
    patient: Mapping[str, ir.Value],
    shows_problem: Predicate,
    units: Mapping[str, list[Unit]],
    reads: dict[str, frozenset[str]] | None = None,
    also_read: frozenset[str] = frozenset(),
    also_shows: PatientPredicate | None = None,
) -> Witness | None:
    """The witness for ``patient`` if the evaluator shows the problem, else None. It
    keeps the inputs the decisions on its path read, and ``also_read`` (what the
    problem is about, say the conditions of a group's items). ``also_shows`` is asked
    of the patient too, for a problem the result alone does not show (which of two
    identical recommendations a group's item is, what a derived value is)."""

    def shows(p: Mapping[str, ir.Value], r: Result) -> bool:
        return shows_problem(r) and (also_shows is None or also_shows(p))

    result = evaluate(pathway, patient)
    if not shows(patient, result):
        return None
    keep = read_on_path(pathway, result, reads) | also_read
    trimmed = {k: v for k, v in patient.items() if k in keep}
    if trimmed != dict(patient):
        shorter = evaluate(pathway, trimmed)
        if shows(trimmed, shorter):
            patient, result = trimmed, shorter
    shown = tuple(
        (name, show_value(decl, patient[name], units.get(name, [])))
        for name, decl in pathway.inputs.items()
        if name in patient
    )
    return Witness(patient=shown, path=result.path)

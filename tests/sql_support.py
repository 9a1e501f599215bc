"""Shared by the SQL tests: patients into a real engine's table, results out, and
what the interpreter says for the same patients, in the same shape."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from carepath.compiler import ir
from carepath.compiler.evaluate import Evaluator, evaluate
from carepath.compiler.pathway import Pathway
from carepath.compiler.sql.columns import Column, columns
from carepath.compiler.sql.query import item_ids
from carepath.compiler.units import TIME
from tests.strategies import thresholds


@dataclass(frozen=True)
class Row:
    """One patient's result, as the SQL query reports it."""

    status: str
    outcome: str | None
    path: tuple[str, ...]
    recommendations: tuple[str, ...]
    undetermined: tuple[str, ...]
    needs: tuple[str, ...]


def expected(pathway: Pathway, patient: Mapping[str, ir.Value]) -> Row:
    """The interpreter's result for ``patient``, with items named by their ids."""
    result = evaluate(pathway, patient, explain=False)
    ev = Evaluator(pathway, patient)
    given: list[str] = []
    undetermined: list[str] = []
    if result.status != "invalid":
        for item in item_ids(pathway, result.path):
            holds = True if item.item.guard is None else ev.holds(item.item.guard)
            if holds:
                given.append(item.id)
            elif holds is None:
                undetermined.append(item.id)
    # The interpreter's own list, to hold the ids to it.
    assert [(r.node, r.text) for r in result.recommendations] == [
        (i.split(".")[0], _item(pathway, i).text) for i in given
    ]
    return Row(
        result.status,
        result.outcome,
        result.path,
        tuple(given),
        tuple(undetermined),
        result.needs,
    )


def _item(pathway: Pathway, item_id: str) -> ir.ItemIR:
    node, _, n = item_id.rpartition(".")
    item: ir.ItemIR = pathway.graph.nodes[node]["items"][int(n) - 1]
    return item


def sql_type(c: Column) -> str:
    """As a registry would store it: whole numbers of the declared unit as BIGINT."""
    t = c.input.type
    declared = t.unit.factor if isinstance(t, ir.NumberType) and t.unit else Fraction(1)
    if isinstance(t, ir.NumberType) and t.integer and c.factor == declared:
        return "BIGINT"
    return {"boolean": "BOOLEAN", "enum": "VARCHAR"}.get(c.kind, "DECIMAL(38, 9)")


def cell(c: Column, value: ir.Value | None) -> Any:
    """A patient value as the table holds it: numbers in the column's unit, exact."""
    if value is None or c.kind != "number":
        return value
    assert isinstance(value, Fraction)
    x = value / c.factor
    d = Decimal(x.numerator) / Decimal(x.denominator)
    assert Fraction(d) == x, f"{c.name}: {x} has no exact nine-place decimal"
    return d


def exact_units(pathway: Pathway) -> dict[str, str]:
    """Columns in seconds for every time input: values drawn in hours or days are
    not nine-place decimals of months, and the table must hold them exactly."""
    return {
        name: "s"
        for name, decl in pathway.inputs.items()
        if isinstance(decl.type, ir.NumberType) and decl.type.dimension == TIME and not decl.setting
    }


def table_rows(
    pathway: Pathway,
    patients: Sequence[Mapping[str, ir.Value]],
    units: Mapping[str, str] | None = None,
) -> list[list[Any]]:
    cols = columns(pathway, units)
    return [[i] + [cell(c, p.get(c.name)) for c in cols] for i, p in enumerate(patients)]


def create_duckdb_table(
    con: Any,
    pathway: Pathway,
    patients: Sequence[Mapping[str, ir.Value]],
    units: Mapping[str, str] | None = None,
) -> None:
    cols = columns(pathway, units)
    con.execute("DROP TABLE IF EXISTS patients")
    con.execute(
        "CREATE TABLE patients (rid INTEGER, "
        + ", ".join(f'"{c.name}" {sql_type(c)}' for c in cols)
        + ")"
    )
    if patients:
        marks = ", ".join("?" * (len(cols) + 1))
        con.executemany(
            f"INSERT INTO patients VALUES ({marks})", table_rows(pathway, patients, units)
        )


def rows_of(records: Sequence[Sequence[Any]]) -> dict[int, Row]:
    """Query results (rid first, then the outputs in order) by row id."""
    found: dict[int, Row] = {}
    for rid, status, outcome, path, recs, undetermined, needs, _problem in records:
        found[rid] = Row(
            status, outcome, tuple(path), tuple(recs), tuple(undetermined), tuple(needs)
        )
    return found


# ---------------------------------------------------------------- many patients, fast


def random_patients(
    pathway: Pathway, count: int, seed: int, missing: float = 0.3
) -> list[dict[str, ir.Value]]:
    """``count`` patients drawn with ``random`` (hypothesis is slow for 10^4 of them):
    numbers on, next to and between the pathway's thresholds, inputs missing now and then."""
    rng = random.Random(seed)
    near = thresholds(pathway)
    pools: dict[str, list[ir.Value]] = {}
    settings: dict[str, ir.Value] = {}
    for name, decl in pathway.inputs.items():
        t = decl.type
        if decl.setting:
            # The place of care's, the same for every patient: here, its default
            # (the query's constant).
            assert decl.default is not None
            settings[name] = decl.default
        elif isinstance(t, ir.BooleanType):
            pools[name] = [True, False]
        elif isinstance(t, ir.EnumType):
            pools[name] = list(t.values)
        else:
            assert isinstance(t, ir.NumberType)
            pools[name] = _numbers(decl, t, near.get(t.dimension, set()))
    found: list[dict[str, ir.Value]] = []
    for _ in range(count):
        patient: dict[str, ir.Value] = dict(settings)
        for name, pool in pools.items():
            if rng.random() >= missing:
                patient[name] = rng.choice(pool)
        found.append(patient)
    return found


def _numbers(decl: ir.InputDecl, t: ir.NumberType, near: set[Fraction]) -> list[ir.Value]:
    unit = t.unit.factor if t.unit else (Fraction(86400) if t.duration else Fraction(1))
    step = unit if t.integer else unit / 1000
    low = decl.lowest if decl.lowest is not None else Fraction(0)
    high = decl.high if decl.high is not None else low + 1000 * unit
    values: set[Fraction] = {low, high}
    for v in near:
        for delta in (-step, Fraction(0), step):
            values.add(v + delta)
    for k in range(0, 21):
        values.add(low + (high - low) * k / 20)
    fitted = set()
    for v in values:
        v = low + math.floor((v - low) / step) * step
        if low <= v <= high:
            fitted.add(v)
    return sorted(fitted)

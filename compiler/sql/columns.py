"""The patients table a pathway's query reads: one column per input, and its unit.

The contract (docs/audit.md):

- a boolean input is a BOOLEAN column, an enumeration a text column holding
  the pathway's values exactly as written;
- a number is a numeric column in the input's declared unit (``age: integer
  years`` holds years), a duration a numeric column in days, a number without a
  unit a plain number; ``--unit NAME=UNIT`` states another unit for a column
  (``--unit fracture_age=wk``); the query reads numbers as DECIMAL(38, 9), so a
  floating-point column is taken to nine decimal places;
- NULL is unknown, as an absent field is in a patient record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.compiler.units import (
    Unit,
    UnknownUnit,
    dimension_words,
    format_number,
    parse_unit,
)

DURATION_UNIT = "days"
NUMBER_TYPE = "DECIMAL(38, 9)"


@dataclass(frozen=True)
class Column:
    """Where one input's values are: the column and, for a number, its unit."""

    input: ir.InputDecl
    unit: Unit | None  # numbers only; None for a plain number

    @property
    def name(self) -> str:
        return self.input.name

    @property
    def kind(self) -> str:
        t = self.input.type
        if isinstance(t, ir.BooleanType):
            return "boolean"
        if isinstance(t, ir.EnumType):
            return "enum"
        return "number"

    @property
    def factor(self) -> Fraction:
        """The column's unit in SI base units (1 for a plain number)."""
        return self.unit.factor if self.unit is not None else Fraction(1)

    def describe(self) -> str:
        t = self.input.type
        if isinstance(t, ir.BooleanType):
            return "BOOLEAN"
        if isinstance(t, ir.EnumType):
            return "text: " + ", ".join(t.values)
        assert isinstance(t, ir.NumberType)
        kind = "whole number" if t.integer else "number"
        text = f"{kind} in {self.unit.text}" if self.unit is not None else kind
        decl = self.input
        if decl.low is not None and decl.high is not None:
            low, high = (format_number(v / self.factor) for v in (decl.low, decl.high))
            text += f", {low}..{high}"
        elif decl.lowest is not None:
            text += f", at least {format_number(decl.lowest / self.factor)}"
        return text


class UnitProblem(ValueError):
    """A ``--unit`` that names no input, is not a unit, or measures something else."""


def columns(pathway: Pathway, units: Mapping[str, str] | None = None) -> tuple[Column, ...]:
    """The columns of ``pathway``'s patients table, in declaration order.

    ``units`` states a column's unit where it is not the default (see the module
    docstring); a wrong one raises :class:`UnitProblem` before anything runs."""
    units = dict(units or {})
    for name in units:
        if name not in pathway.inputs or pathway.inputs[name].setting:
            raise UnitProblem(f"--unit {name}=…: the pathway has no input `{name}`")
    found: list[Column] = []
    for name, decl in pathway.inputs.items():
        if decl.setting:  # the same for every row: a constant of the query, not a column
            continue
        t = decl.type
        if not isinstance(t, ir.NumberType):
            if name in units:
                raise UnitProblem(f"--unit {name}=…: `{name}` is {t}, not a number")
            found.append(Column(decl, None))
            continue
        if name in units:
            found.append(Column(decl, _stated_unit(name, units[name], t)))
        elif t.unit is not None:
            found.append(Column(decl, t.unit))
        elif t.duration:
            found.append(Column(decl, parse_unit(DURATION_UNIT)))
        else:
            found.append(Column(decl, None))
    return tuple(found)


def _stated_unit(name: str, text: str, t: ir.NumberType) -> Unit:
    try:
        unit = parse_unit(text)
    except UnknownUnit as problem:
        raise UnitProblem(f"--unit {name}={text}: {problem.message(text)}") from None
    if unit.dimension != t.dimension:
        measured = "a duration" if t.duration else dimension_words(t.dimension)
        raise UnitProblem(
            f"--unit {name}={text}: `{text}` measures {dimension_words(unit.dimension)}, "
            f"but `{name}` is {measured}"
        )
    return unit


def parse_unit_options(options: list[str]) -> dict[str, str]:
    """``["fracture_age=wk", …]`` -> ``{"fracture_age": "wk"}``."""
    found: dict[str, str] = {}
    for option in options:
        name, sep, unit = option.partition("=")
        if not sep or not name.strip() or not unit.strip():
            raise UnitProblem(f"--unit {option}: write NAME=UNIT, e.g. --unit fracture_age=wk")
        if name.strip() in found:
            raise UnitProblem(f"--unit {name.strip()} is given twice")
        found[name.strip()] = unit.strip()
    return found


def parse_type_options(options: list[str], pathway: Pathway) -> dict[str, str]:
    """``["age=INTEGER", …]`` -> ``{"age": "INTEGER"}``: number inputs only, each a
    type SQL knows (as sqlglot reads it)."""
    from sqlglot import exp
    from sqlglot.errors import ParseError

    found: dict[str, str] = {}
    for option in options:
        name, sep, sql_type = (part.strip() for part in option.partition("="))
        if not sep or not name or not sql_type:
            raise UnitProblem(f"--type {option}: write NAME=TYPE, e.g. --type age=INTEGER")
        decl = pathway.inputs.get(name)
        if decl is None or decl.setting:
            raise UnitProblem(f"--type {name}: the pathway has no input called {name}")
        if not isinstance(decl.type, ir.NumberType):
            raise UnitProblem(f"--type {name}: only number columns take a type")
        if name in found:
            raise UnitProblem(f"--type {name} is given twice")
        try:
            built = exp.DataType.build(sql_type)
        except (ParseError, ValueError):
            raise UnitProblem(f"--type {option}: {sql_type} is not a SQL type") from None
        found[name] = built.sql().upper()
    return found

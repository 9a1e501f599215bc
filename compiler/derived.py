"""The derived values a patient's path used: each ``define`` read by a decision on
the path or by a condition of a recommendation there (and the defines those read),
with its formula as written and its value for this patient, so that a clinician
sees why, not only what (``carepath run`` shows them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import ir
from .evaluate import Between, Evaluated, Evaluator, Result
from .pathway import Pathway, node_conditions
from .units import format_duration, format_number


@dataclass(frozen=True)
class Derived:
    name: str
    formula: str  # as written in the file
    value: str  # as a person reads it: true, false, unknown, 3, between 1 and 3, 70 years


def derived_values(
    pathway: Pathway, patient: Mapping[str, ir.Value], result: Result
) -> list[Derived]:
    """The defines the path used, in the order they are declared."""
    wanted: set[str] = set()
    for expr in node_conditions(pathway, result.path):
        _collect(pathway, expr, wanted)
    evaluator = Evaluator(pathway, patient)
    out = []
    for name, decl in pathway.defines.items():
        if name in wanted:
            value = evaluator.value(ir.Ref(decl.span, name, decl.type, False))
            out.append(Derived(name, formula(pathway, name), shown(decl.type, value)))
    return out


def defines_read(pathway: Pathway, expr: ir.Expr) -> list[str]:
    """The defines ``expr`` reads, directly or through other defines, in declaration
    order."""
    wanted: set[str] = set()
    _collect(pathway, expr, wanted)
    return [name for name in pathway.defines if name in wanted]


def _collect(pathway: Pathway, expr: ir.Expr, wanted: set[str]) -> None:
    for part in ir.walk(expr):
        if isinstance(part, ir.Ref) and not part.is_input and part.name not in wanted:
            wanted.add(part.name)
            _collect(pathway, pathway.defines[part.name].expr, wanted)


def formula(pathway: Pathway, name: str) -> str:
    """The define's expression as the author wrote it (on one line)."""
    for define in pathway.syntax.defines:
        if define.id == name:
            span = define.expr.span
            lines = pathway.source.split("\n")[span.line - 1 : span.end_line]
            if len(lines) == 1:
                return lines[0][span.column - 1 : span.end_column - 1]
            lines[0] = lines[0][span.column - 1 :]
            lines[-1] = lines[-1][: span.end_column - 1]
            return " ".join(line.strip().rstrip("\\").strip() for line in lines)
    return name


def shown(t: ir.ValueType, value: Evaluated) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Between):
        return f"between {shown(t, value.low)} and {shown(t, value.high)}"
    if isinstance(t, ir.NumberType) and t.unit is not None:
        return f"{format_number(value / t.unit.factor)} {t.unit.text}"
    if isinstance(t, ir.NumberType) and t.duration:
        return format_duration(value)
    return format_number(value)

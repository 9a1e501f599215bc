"""A minimal patient-record reader for ``carepath render --highlight``.

Used only while the shared loader (``carepath.compiler.patient``) is not there:
a JSON object mapping input names to ``true``/``false``, an enumeration value,
a number in the input's declared unit, or a quantity string such as
``"10 weeks"``; ``null`` and ``"unknown"`` mean unknown. Every problem is a
CP503 diagnostic naming the field.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.compiler.resolve import InvalidValue, value_for
from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from . import codes as _codes  # noqa: F401 - registers CP503

_QUANTITY = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(\S.*?)?\s*$")


def load_record(
    pathway: Pathway, path: str
) -> tuple[dict[str, ir.Value] | None, list[Diagnostic]]:
    where = Span.point(path, 1)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        return None, [make("CP503", f"cannot read `{path}`: {error.strerror}", where)]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, [make("CP503", f"`{path}` is not JSON: {error}", where)]
    if not isinstance(data, dict):
        return None, [make("CP503", f"`{path}` must hold a JSON object of input values", where)]
    patient: dict[str, ir.Value] = {}
    problems: list[Diagnostic] = []
    for name, raw in data.items():
        decl = pathway.inputs.get(name)
        if decl is None:
            problems.append(make("CP503", f"`{name}` is not an input of this pathway", where))
            continue
        try:
            value = _value(decl, raw)
        except InvalidValue as error:
            problems.append(make("CP503", f"`{name}`: {error}", where, notes=error.notes))
            continue
        if value is not None:
            patient[name] = value
    return (None if problems else patient), problems


def _value(decl: ir.InputDecl, raw: object) -> ir.Value | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return value_for(decl, "true" if raw else "false", None, None)
    if isinstance(raw, int | float):
        return value_for(decl, None, Fraction(str(raw)), None)
    if isinstance(raw, str):
        match = _QUANTITY.fullmatch(raw)
        if match and not isinstance(decl.type, ir.EnumType | ir.BooleanType):
            return value_for(decl, None, Fraction(match.group(1)), match.group(2))
        return value_for(decl, raw.strip(), None, None)
    raise InvalidValue("expected true/false, a number, or a string")

"""Diagnostics as JSON records (one schema, documented in docs/diagnostics.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from carepath.dsl.diagnostics import Diagnostic, Witness

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_QUANTITY = re.compile(r"(-?\d+(?:\.\d+)?) (\S+)")


def typed_value(text: str) -> Any:
    """A witness value as JSON data a patient record can hold: ``true`` a boolean, ``65``
    a number, ``11 g/dL`` a FHIR-style quantity ``{"value": 11, "unit": "g/dL"}``; an
    enumeration value (or anything else) stays text.

    >>> [typed_value(t) for t in ("true", "65", "44.99", "11 g/dL", "3 mo", "severe")]
    [True, 65, 44.99, {'value': 11, 'unit': 'g/dL'}, {'value': 3, 'unit': 'mo'}, 'severe']
    """
    if text in ("true", "false"):
        return text == "true"
    if _NUMBER.fullmatch(text):
        return _number(text)
    quantity = _QUANTITY.fullmatch(text)
    if quantity:
        return {"value": _number(quantity.group(1)), "unit": quantity.group(2)}
    return text


def _number(text: str) -> int | float:
    # Written with at most a few decimals (format_number): a float prints them back.
    return int(text) if "." not in text else float(text)


def witness_record(w: Witness) -> dict[str, Any]:
    """A witness as JSON: its patient is a record `carepath run --patient` accepts."""
    return {
        "patient": {name: typed_value(value) for name, value in w.patient},
        "path": list(w.path),
        "description": w.description,
        # What the path read, typed like the patient's values (unknown: null).
        "derived": {
            name: None if value == "unknown" else typed_value(value) for name, value in w.derived
        },
    }


def diagnostic_record(d: Diagnostic) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": d.code,
        "severity": str(d.severity),
        "title": d.title,
        "message": d.message,
        "file": d.span.file,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "notes": list(d.notes),
    }
    if d.witness is not None:
        record["witness"] = witness_record(d.witness)
    return record


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps(
        {"diagnostics": [diagnostic_record(d) for d in diagnostics]}, indent=2, ensure_ascii=False
    )

"""Diagnostics as JSON records (one schema, documented in docs/diagnostics.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from carepath.dsl.diagnostics import Diagnostic


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
        record["witness"] = {
            "patient": d.witness.as_dict(),
            "path": list(d.witness.path),
            "description": d.witness.description,
        }
    return record


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps(
        {"diagnostics": [diagnostic_record(d) for d in diagnostics]}, indent=2, ensure_ascii=False
    )

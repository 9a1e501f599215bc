"""Diagnostics as a GitLab Code Quality report (the JSON array GitLab reads from a
``codequality`` artifact and shows in merge requests).

Each finding: ``description``, ``check_name`` (the code), ``fingerprint`` (stable
when lines move: the same one SARIF gives), ``severity`` and ``location`` with the
path relative to the working directory (the repository root in a CI job).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carepath.dsl.diagnostics import Diagnostic, Severity

from .report_sarif import fingerprints, message_text

# GitLab's scale is info, minor, major, critical, blocker: an error blocks a merge
# request's pathway from being trusted, so it is "critical", not "blocker" (that is
# for a crash).
SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.INFO: "info"}


def gitlab_report(diagnostics: Sequence[Diagnostic], root: str | None = None) -> list[Any]:
    base = Path(root or ".").resolve()
    found = list(diagnostics)
    return [
        {
            "type": "issue",
            "check_name": d.code,
            "description": f"{d.code} {message_text(d)}",
            "categories": ["Bug Risk"],
            "fingerprint": fingerprint.replace(":", "-"),
            "severity": SEVERITIES[d.severity],
            "location": {
                "path": _path(d.span.file, base),
                "lines": {"begin": d.span.line, "end": d.span.end_line},
            },
        }
        for d, fingerprint in zip(found, fingerprints(found, base), strict=True)
    ]


def _path(file: str, base: Path) -> str:
    """Relative to ``base`` as GitLab matches it to the repository; absolute outside."""
    path = Path(os.path.abspath(file))
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def format_gitlab(diagnostics: Sequence[Diagnostic], root: str | None = None) -> str:
    return json.dumps(gitlab_report(diagnostics, root), indent=2, ensure_ascii=False)

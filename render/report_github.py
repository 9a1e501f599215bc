"""Diagnostics as GitHub Actions workflow commands, which GitHub shows as annotations
on the changed lines of a pull request::

    ::error file=p.cpath,line=3,col=7,endLine=3,endColumn=11,title=CP207 unused input::…

Escaping follows the Actions runner (``toolkit/packages/core/src/command.ts``):
in the message ``%``, CR and LF are percent-encoded; in a property ``:`` and
``,`` are too, since they separate properties. Notes and the witness follow the
message on lines of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from carepath.dsl.diagnostics import Diagnostic, Severity

from .report_sarif import message_text

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _path(file: str) -> str:
    """Relative to the working directory (the repository root in a workflow), which
    is how GitHub matches an annotation to a file; unchanged when outside it."""
    relative = os.path.relpath(os.path.abspath(file))
    return file if relative.startswith("..") else relative.replace(os.sep, "/")


def github_command(d: Diagnostic) -> str:
    span = d.span
    properties = {
        "file": _path(span.file),
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{d.code} {d.title}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[d.severity]} {joined}::{escape_data(message_text(d))}"


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(github_command(d) for d in diagnostics)

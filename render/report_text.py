"""Diagnostics as a compiler prints them: ``file:line:col: error[CP203]: message``,
the source line, a caret underline, notes and the witness patient."""

from __future__ import annotations

from collections.abc import Iterable

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.spans import source_line

from .printable import printable


def format_diagnostic(diagnostic: Diagnostic, source: str | None) -> str:
    span = diagnostic.span
    lines = [f"{span}: {diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"]
    line = source_line(source, span.line)
    if line is not None:
        text = line.rstrip().replace("\t", " ")
        gutter = str(span.line)
        pad = " " * len(gutter)
        end = span.end_column if span.end_line == span.line else len(text) + 1
        width = max(1, min(end, len(text) + 1) - span.column)
        lines.append(f"{pad} |")
        lines.append(f"{gutter} | {text}")
        lines.append(f"{pad} | {' ' * (span.column - 1)}{'^' * width}")
    for note in diagnostic.notes:
        lines.append(f"  = note: {note}")
    for where, what in diagnostic.related:
        lines.append(f"  = note: {where}: {what}")
    if diagnostic.witness is not None:
        witness = diagnostic.witness
        patient = ", ".join(f"{k} = {v}" for k, v in witness.patient) or "(any patient)"
        lines.append(f"  = witness: {patient}")
        if witness.path:
            lines.append(f"  = path: {' -> '.join(witness.path)}")
        if witness.description:
            lines.append(f"  = {witness.description}")
    return "\n".join(printable(line) for line in lines)


def format_text(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> str:
    return "\n\n".join(format_diagnostic(d, sources.get(d.span.file)) for d in diagnostics)


def summary(diagnostics: list[Diagnostic]) -> str:
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[str(d.severity)] = counts.get(str(d.severity), 0) + 1
    parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items())]
    return "found " + ", ".join(parts) if parts else "no problems found"

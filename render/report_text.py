"""Diagnostics as a compiler prints them: ``file:line:col: error[CP203]: message``,
the source line, a caret underline, notes and the witness patient."""

from __future__ import annotations

from collections.abc import Iterable

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.spans import source_line

from .colour import PLAIN, Palette
from .printable import printable


def format_diagnostic(diagnostic: Diagnostic, source: str | None, palette: Palette = PLAIN) -> str:
    span = diagnostic.span
    severity = str(diagnostic.severity)
    paint = palette.paint
    label = paint(f"{severity}[{diagnostic.code}]", severity)
    lines = [f"{paint(printable(str(span)), 'location')}: {label}: {printable(diagnostic.message)}"]
    line = source_line(source, span.line)
    if line is not None:
        text = line.rstrip().replace("\t", " ")
        gutter = str(span.line)
        pad = " " * len(gutter)
        end = span.end_column if span.end_line == span.line else len(text) + 1
        width = max(1, min(end, len(text) + 1) - span.column)
        lines.append(paint(f"{pad} |", "note"))
        lines.append(f"{paint(f'{gutter} |', 'note')} {printable(text)}")
        carets = paint("^" * width, severity)
        lines.append(f"{paint(f'{pad} |', 'note')} {' ' * (span.column - 1)}{carets}")
    note = paint("note", "note")
    for text in diagnostic.notes:
        lines.append(f"  = {note}: {printable(text)}")
    for where, what in diagnostic.related:
        lines.append(f"  = {note}: {printable(str(where))}: {printable(what)}")
    if diagnostic.witness is not None:
        witness = diagnostic.witness
        patient = ", ".join(f"{k} = {v}" for k, v in witness.patient) or "(any patient)"
        lines.append(f"  = {paint('witness', 'witness')}: {printable(patient)}")
        if witness.path:
            lines.append(f"  = {paint('path', 'witness')}: {printable(' -> '.join(witness.path))}")
        if witness.derived:
            derived = ", ".join(f"{k} = {v}" for k, v in witness.derived)
            lines.append(f"  = {paint('derived', 'witness')}: {printable(derived)}")
        if witness.description:
            lines.append(f"  = {printable(witness.description)}")
    return "\n".join(lines)


def format_text(
    diagnostics: Iterable[Diagnostic], sources: dict[str, str], palette: Palette = PLAIN
) -> str:
    return "\n\n".join(format_diagnostic(d, sources.get(d.span.file), palette) for d in diagnostics)


def summary(diagnostics: list[Diagnostic]) -> str:
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[str(d.severity)] = counts.get(str(d.severity), 0) + 1
    parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items())]
    return "found " + ", ".join(parts) if parts else "no problems found"

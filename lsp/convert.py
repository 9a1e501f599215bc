"""carepath's spans and diagnostics as the Language Server Protocol has them.

carepath counts lines and columns from 1 in characters; LSP counts from 0 in
UTF-16 code units (its default position encoding), so a character outside the
Basic Multilingual Plane (an emoji in a label) is two columns to an editor.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from carepath.dsl.diagnostics import Diagnostic, Severity
from carepath.dsl.spans import Span

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class Lines:
    """A document's lines, for converting between the two ways of counting, in the
    position encoding the client and server agreed (``utf-16`` unless both say
    otherwise)."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.lines = text.split("\n")
        self.width = _WIDTHS.get(encoding, _WIDTHS["utf-16"])

    def line(self, number: int) -> str:
        """Line ``number`` (from 1), empty past the end."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def position(self, line: int, column: int) -> types.Position:
        """carepath's line:column (from 1, characters) as an LSP position."""
        text = self.line(line)[: max(column - 1, 0)]
        return types.Position(max(line - 1, 0), sum(self.width(char) for char in text))

    def range(self, span: Span) -> types.Range:
        return types.Range(
            self.position(span.line, span.column), self.position(span.end_line, span.end_column)
        )

    def from_position(self, position: types.Position) -> tuple[int, int]:
        """An LSP position as carepath's line and column (from 1, characters)."""
        text = self.line(position.line + 1)
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += self.width(char)
        return position.line + 1, len(text) + 1


_WIDTHS: dict[str, Callable[[str], int]] = {
    "utf-16": lambda char: 2 if ord(char) > 0xFFFF else 1,
    "utf-8": lambda char: len(char.encode("utf-8")),
    "utf-32": lambda char: 1,
}


def diagnostic(d: Diagnostic, lines: Lines, uri: str) -> types.Diagnostic:
    """One finding with its notes in the message (editors show the message only) and
    its witness patient and related places as related information."""
    message = "\n".join([d.message, *(f"note: {note}" for note in d.notes)])
    related = [
        types.DiagnosticRelatedInformation(types.Location(uri, lines.range(span)), text)
        for span, text in d.related
    ]
    if d.witness is not None:
        patient = ", ".join(f"{name} = {value}" for name, value in d.witness.patient)
        related.append(
            types.DiagnosticRelatedInformation(
                types.Location(uri, lines.range(d.span)),
                f"witness: {patient or 'any patient'}"
                + (f" (path: {' -> '.join(d.witness.path)})" if d.witness.path else "")
                + (
                    "; derived: " + ", ".join(f"{k} = {v}" for k, v in d.witness.derived)
                    if d.witness.derived
                    else ""
                ),
            )
        )
    return types.Diagnostic(
        range=lines.range(d.span),
        message=message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        source="carepath",
        related_information=related or None,
    )

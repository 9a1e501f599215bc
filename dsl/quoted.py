"""Quoted text: the escapes ``\\" \\\\ \\n \\t \\uXXXX`` applied, shared by both readers."""

from __future__ import annotations

from .spans import Span

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_HEX = frozenset("0123456789abcdefABCDEF")


class BadEscape(Exception):
    def __init__(self, span: Span, sequence: str) -> None:
        super().__init__(sequence)
        self.span = span
        self.sequence = sequence


def unquote(quoted: str, file: str, line: int, column: int) -> str:
    """The text of a quoted string written at ``line``:``column`` (the opening quote)."""
    raw = quoted[1:-1]
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and len(raw) >= i + 6 and _HEX.issuperset(raw[i + 2 : i + 6]):
            out.append(chr(int(raw[i + 2 : i + 6], 16)))
            i += 6
        else:
            col = column + 1 + i
            raise BadEscape(Span(file, line, col, line, col + 2), "\\" + nxt)
    return "".join(out)

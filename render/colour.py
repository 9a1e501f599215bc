"""Colour in text output, as compilers and ruff colour theirs: only on a terminal
unless asked, never when ``NO_COLOR`` is set, always when ``FORCE_COLOR`` is
(https://no-color.org, https://force-color.org), and ``--color`` over both.

Text is made printable (control characters escaped) before it is painted, so
pathway text can never smuggle its own escape sequences in.
"""

from __future__ import annotations

import os
from typing import TextIO

CHOICES = ("auto", "always", "never")

# SGR parameters per kind of text.
_STYLES = {
    "error": "1;31",
    "warning": "1;33",
    "info": "1;36",
    "location": "1",
    "note": "1;34",
    "witness": "35",
    "ok": "1;32",
    "failed": "1;31",
}


def wants_colour(choice: str, stream: TextIO) -> bool:
    """Whether to colour what goes to ``stream`` (``--color`` auto, always or never)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Palette:
    """Paints text by kind when ``on``; leaves it alone otherwise."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def paint(self, text: str, kind: str) -> str:
        style = _STYLES.get(kind)
        if not self.on or style is None or not text:
            return text
        return f"\x1b[{style}m{text}\x1b[0m"


PLAIN = Palette(False)

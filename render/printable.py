"""Pathway and record text made safe for a terminal or a CI log.

Text a pathway author or a record wrote reaches text output (a recommendation, a
label, a value): a newline in it would start a line GitHub Actions reads as a
workflow command (``::error …``, ``::add-mask::``), and an escape sequence would
drive the terminal. Control characters, line and paragraph separators and the
bidirectional overrides (which reorder what a reader sees) are shown escaped.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(line: str) -> str:
    r"""One line of output with every unsafe character escaped.

    >>> printable("ok\n::error::x \x1b[31m")
    'ok\\n::error::x \\x1b[31m'
    >>> printable("tab\tand ünïcode stay")
    'tab\tand ünïcode stay'
    """
    return _UNSAFE.sub(_escaped, line)

"""``# carepath: ignore[CP203]`` comments: silence named codes on one line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .diagnostics import Diagnostic

_IGNORE = re.compile(r"#\s*carepath:\s*ignore\[([A-Z0-9,\s]+)\]")


def code_characters(line: str) -> Iterator[tuple[int, str]]:
    """Each character of a line outside quoted text, with its index (escapes honoured)."""
    in_string = False
    escaped = False
    for i, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        else:
            yield i, ch


def comment_start(line: str) -> int | None:
    """The index of the ``#`` that starts a comment on this line, outside quoted text."""
    return next((i for i, ch in code_characters(line) if ch == "#"), None)


def suppressions(source: str) -> dict[int, frozenset[str]]:
    """Line number -> codes ignored on that line."""
    found: dict[int, frozenset[str]] = {}
    if "carepath:" not in source:
        return found  # the common case, without a character scan of every line
    for number, line in enumerate(source.split("\n"), start=1):
        if "carepath:" not in line:
            continue
        start = comment_start(line)
        if start is None:
            continue
        match = _IGNORE.search(line[start:])
        if match:
            found[number] = frozenset(c.strip() for c in match.group(1).split(",") if c.strip())
    return found


def apply_suppressions(diagnostics: Iterable[Diagnostic], source: str) -> list[Diagnostic]:
    ignored = suppressions(source)
    return [d for d in diagnostics if d.code not in ignored.get(d.span.line, frozenset())]

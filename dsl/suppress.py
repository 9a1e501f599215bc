"""``# carepath: ignore[CP203]`` comments silence named codes on one line, and
``# carepath: ignore-file[CP208]`` in the whole file.

A suppression that names no real code (CP015), or that silences nothing (CP016,
as ruff's RUF100), is reported: a typo must not quietly disable nothing, and a
stale comment must not hide the next real finding on its line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .diagnostics import Diagnostic, make
from .spans import Span

_IGNORE = re.compile(r"#\s*carepath:\s*ignore(?P<file>-file)?\[(?P<codes>[^\]]*)\]")
FILE = 0  # the "line" of a file-level suppression


@dataclass(frozen=True)
class Suppression:
    line: int  # where the comment is
    codes: tuple[tuple[str, int], ...]  # each code with its column (1-based)
    whole_file: bool


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


def suppressions(source: str) -> list[Suppression]:
    """Every suppression comment, in file order."""
    found: list[Suppression] = []
    if "carepath:" not in source:
        return found  # the common case, without a character scan of every line
    for number, line in enumerate(source.split("\n"), start=1):
        if "carepath:" not in line:
            continue
        start = comment_start(line)
        if start is None:
            continue
        match = _IGNORE.search(line, start)
        if match is None:
            continue
        codes: list[tuple[str, int]] = []
        offset = match.start("codes")
        for piece in re.finditer(r"[^,\s]+", match.group("codes")):
            codes.append((piece.group().upper(), offset + piece.start() + 1))
        found.append(Suppression(number, tuple(codes), match.group("file") is not None))
    return found


def _silenced(found: list[Suppression]) -> tuple[dict[int, frozenset[str]], frozenset[str]]:
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    for s in found:
        names = {code for code, _ in s.codes}
        if s.whole_file:
            whole |= names
        else:
            lines.setdefault(s.line, set()).update(names)
    return {n: frozenset(c) for n, c in lines.items()}, frozenset(whole)


def split_suppressed(
    diagnostics: Iterable[Diagnostic], source: str
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(kept, silenced by a suppression comment)."""
    by_line, whole = _silenced(suppressions(source))
    kept: list[Diagnostic] = []
    silenced: list[Diagnostic] = []
    for d in diagnostics:
        if d.code in whole or d.code in by_line.get(d.span.line, frozenset()):
            silenced.append(d)
        else:
            kept.append(d)
    return kept, silenced


def apply_suppressions(diagnostics: Iterable[Diagnostic], source: str) -> list[Diagnostic]:
    return split_suppressed(diagnostics, source)[0]


def audit_suppressions(
    source: str, file: str, silenced: Iterable[Diagnostic], known: Mapping[str, object]
) -> list[Diagnostic]:
    """CP015 for a code no registry knows, CP016 for a suppression that silenced nothing.

    ``silenced`` is every finding a comment silenced; ``known`` the registered codes."""
    used_lines = {(d.span.line, d.code) for d in silenced}
    used_codes = {d.code for d in silenced}
    out: list[Diagnostic] = []
    for s in suppressions(source):
        for code, column in s.codes:
            span = Span(file, s.line, column, s.line, column + len(code))
            if code not in known:
                near = difflib.get_close_matches(code, list(known), n=1, cutoff=0.6)
                out.append(
                    make(
                        "CP015",
                        f"`{code}` is not a carepath code: this comment silences nothing",
                        span,
                        notes=[f"did you mean `{near[0]}`?"] if near else [],
                    )
                )
            elif (code not in used_codes) if s.whole_file else ((s.line, code) not in used_lines):
                where = "in this file" if s.whole_file else "on this line"
                out.append(
                    make(
                        "CP016",
                        f"unused suppression: nothing {where} reports {code}",
                        span,
                        notes=["remove it, so that it cannot hide a later finding"],
                    )
                )
    return out

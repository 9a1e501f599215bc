"""Where something is in a pathway file."""

from __future__ import annotations

import functools
from typing import NamedTuple


class Span(NamedTuple):
    """A region of a source file. Lines and columns count from 1; the end is inclusive
    of the last character's line and exclusive of its column, as editors expect.

    A named tuple rather than a frozen dataclass: spans are half the objects of a
    large AST, and a tuple is made in one step and holds no instance dictionary
    (a 10,000-node pathway has 125,000 of them). Equal, hashed and ordered
    field by field, as the dataclass was."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(file: str, line: int, column: int = 1) -> Span:
        return Span(file, line, column, line, column + 1)

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)

    def __str__(self) -> str:
        if self.line == 0:  # not in a file: a command-line option such as --set
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


def source_line(source: str | None, line: int) -> str | None:
    """The text of line ``line`` (from 1) of ``source``, without its newline; None
    when there is no such line.

    >>> source_line("a\\nb\\n", 2), source_line("a\\nb\\n", 3), source_line("a\\nb", 4)
    ('b', '', None)
    >>> source_line(None, 1), source_line("a", 0)
    (None, None)
    """
    lines = _lines(source) if source else ()
    return lines[line - 1] if 0 < line <= len(lines) else None


@functools.lru_cache(maxsize=4)
def _lines(source: str) -> tuple[str, ...]:
    # A report shows a line for every finding; splitting a 50,000-line file again for
    # each took 4 ms a finding (the string's hash, the cache key, is computed once).
    return tuple(source.split("\n"))

"""Fixes an editor can apply with one click: every "did you mean" a finding
suggests, and, for a decision that leaves patients without a branch (CP304), the
missing branch, sending that region's patients to a node the author picks.

A missing branch is offered only when carepath has checked that the file with it
no longer has that gap and has no new error on the added line: a fix must never
make a claim the checker has not proven.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from carepath.dsl import ast
from carepath.dsl.diagnostics import Diagnostic, Severity
from carepath.dsl.spans import Span

from .symbols import Index

_SUGGESTION = re.compile(r'did you mean (?:`([^`]+)`|"([^"]+)")\?')
_BRANCH = re.compile(r"a branch for these patients: `when (.+) -> …`")
_TICKED = re.compile(r'`([^`]+)`|"([^"]*)"')


@dataclass(frozen=True)
class Fix:
    """Replace ``span`` (an empty span inserts) with ``text``."""

    title: str
    span: Span
    text: str
    diagnostic: Diagnostic
    preferred: bool = False


def fixes(
    found: Index,
    diagnostic: Diagnostic,
    check: Callable[[str], Sequence[Diagnostic]],
) -> list[Fix]:
    """The fixes for one finding; ``check`` checks a whole edited text (for the
    missing branch, which is offered only once proven)."""
    out: list[Fix] = []
    for note in diagnostic.notes:
        suggestion = _SUGGESTION.search(note)
        if suggestion:
            fix = _replacement(found.text, diagnostic, suggestion)
            if fix is not None:
                out.append(fix)
        branch = _BRANCH.search(note)
        if branch and diagnostic.code == "CP304":
            out.extend(_missing_branch(found, diagnostic, branch.group(1), check))
    return out


def apply(text: str, fix: Fix) -> str:
    """``text`` with ``fix`` applied."""
    lines = text.split("\n")
    start = _offset(lines, fix.span.line, fix.span.column)
    end = _offset(lines, fix.span.end_line, fix.span.end_column)
    return text[:start] + fix.text + text[end:]


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def _replacement(text: str, d: Diagnostic, suggestion: re.Match[str]) -> Fix | None:
    """The misspelt word inside the finding's span replaced by the suggestion. The
    word is the one the message quotes that is written in the span and is closest
    to the suggestion (``pain: `sever` is not one of…`` quotes two)."""
    quoted = suggestion.group(2) is not None
    wanted = suggestion.group(2) if quoted else suggestion.group(1)
    lines = text.split("\n")
    line = lines[d.span.line - 1] if d.span.line <= len(lines) else ""
    end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(line)
    region = line[d.span.column - 1 : end]
    best: tuple[float, int, str] | None = None
    for match in _TICKED.finditer(d.message):
        word = match.group(1) if match.group(1) is not None else match.group(2)
        if word is None or word == wanted:
            continue
        written = f'"{word}"' if match.group(2) is not None else word
        pattern = re.escape(written) if quoted else rf"(?<![\w]){re.escape(written)}(?![\w])"
        at = re.search(pattern, region)
        if at is None:
            continue
        score = difflib.SequenceMatcher(None, word, wanted).ratio()
        if best is None or score > best[0]:
            best = (score, at.start(), written)
    if best is None:
        return None
    _, start, written = best
    column = d.span.column + start
    span = Span(d.span.file, d.span.line, column, d.span.line, column + len(written))
    replacement = f'"{wanted}"' if quoted else wanted
    return Fix(f"Change `{written}` to `{replacement}`", span, replacement, d, preferred=True)


def _missing_branch(
    found: Index,
    d: Diagnostic,
    condition: str,
    check: Callable[[str], Sequence[Diagnostic]],
) -> list[Fix]:
    decision = _decision_at(found, d.span.line)
    if decision is None or not decision.branches:
        return []
    last = decision.branches[-1]
    lines = found.text.split("\n")
    branch_line = lines[last.span.line - 1]
    indent = branch_line[: len(branch_line) - len(branch_line.lstrip())]
    at = Span(d.span.file, last.span.end_line + 1, 1, last.span.end_line + 1, 1)
    targets = list(dict.fromkeys(b.target.id for b in decision.branches))

    def fix(target: str) -> Fix:
        return Fix(
            f"Add `when {condition} -> {target}` to `{decision.id}`",
            at,
            f"{indent}when {condition} -> {target}\n",
            d,
        )

    if not _proven(found.text, fix(targets[0]), d, check):
        return []
    return [fix(target) for target in targets]


def _decision_at(found: Index, line: int) -> ast.Decision | None:
    nodes = found.pathway.nodes if found.pathway is not None else ()
    return next((n for n in nodes if isinstance(n, ast.Decision) and n.span.line == line), None)


def _proven(
    text: str, fix: Fix, d: Diagnostic, check: Callable[[str], Sequence[Diagnostic]]
) -> bool:
    """With the branch added, the gap is gone and the added line has no error. (Which
    node it leads to changes neither.)"""
    after = check(apply(text, fix))
    for other in after:
        if other.code == d.code and other.message == d.message:
            return False
        if other.severity >= Severity.ERROR and other.span.line == fix.span.line:
            return False
    return True

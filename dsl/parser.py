"""Text -> AST: Lark's LALR parser on dsl/pathway.lark, the one reader of the language.

The AST is built during the parse (``transform.ToAst`` is Lark's inline
transformer), so no parse tree is made. A file with a syntax error is read again
one top-level block at a time (the grammar's ``fragment`` rule), so that every
block with an error reports its own, each in plain words
(dsl/syntax_errors.py), and the blocks without one still make a partial AST for
tools that can use one (the language server).

>>> result = parse('pathway p "P"\\nstart a\\nend a "Done"\\n', "p.cpath")
>>> result.pathway.header.id, [d.code for d in result.diagnostics]
('p', [])
>>> broken = parse('pathway p "P"\\nstart a\\ndecision d Q\\nend a "Done"\\nend b\\n  oops\\n', "p")
>>> [(d.code, d.span.line, d.message) for d in broken.diagnostics]  # doctest: +NORMALIZE_WHITESPACE
[('CP001', 3, 'the label must be text in double quotes'),
 ('CP001', 6, 'unexpected `oops`')]
>>> broken.pathway is None, [n.id for n in broken.partial.nodes]
(True, ['a'])
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from lark import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import UnexpectedEOF
from lark.indenter import DedentError, Indenter

from . import ast
from . import codes as _codes  # noqa: F401 - registers the CP0xx codes
from .diagnostics import Diagnostic, make
from .quoted import BadEscape
from .spans import Span
from .syntax_errors import EXAMPLES, Signature, expected_words, match_label, signature
from .transform import MAX_EXPRESSION_DEPTH, Misplaced, ToAst

__all__ = ["MAX_EXPRESSION_DEPTH", "MAX_SYNTAX_ERRORS", "ParseResult", "iter_tokens", "parse"]

# One error per top-level block; past this many the rest is noise.
MAX_SYNTAX_ERRORS = 20


@dataclass(frozen=True)
class ParseResult:
    """``pathway`` is the file when it has no syntax error. ``partial`` is what could
    be read: the whole file, or, after errors, the header and the blocks that parsed
    (None when the header itself could not be read)."""

    pathway: ast.PathwayFile | None
    diagnostics: tuple[Diagnostic, ...]
    partial: ast.PathwayFile | None = None


class PathwayIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = ["LPAR", "LBRACE"]
    CLOSE_PAREN_types: ClassVar[list[str]] = ["RPAR", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


class _Reader:
    """One Lark parser with its AST builder. The builder holds the text being read,
    so one parse runs at a time."""

    def __init__(self) -> None:
        self.builder = ToAst()
        self.lark = Lark.open(
            "pathway.lark",
            rel_to=__file__,
            parser="lalr",
            start=["start", "fragment"],
            postlex=PathwayIndenter(),
            transformer=self.builder,
            maybe_placeholders=False,
            cache=True,
        )
        self.lock = threading.Lock()

    def read(self, text: str, file: str, start: str, line_offset: int = 0) -> Any:
        with self.lock:
            self.builder.reset(file, text, line_offset)
            try:
                return self.lark.parse(text, start=start)
            finally:
                self.builder.depths = {}
                self.builder.extents = {}


@functools.cache
def _reader() -> _Reader:
    return _Reader()


_PROBLEMS = (UnexpectedInput, DedentError, Misplaced, BadEscape)


def parse(text: str, file: str) -> ParseResult:
    """Parse one pathway file. Never raises on bad input: problems come back as diagnostics."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.split("\n")):
        what = "the file is empty" if not text.strip() else "the file holds only comments"
        message = f'{what}: a pathway file begins with `pathway <id> "<title>"`'
        return ParseResult(None, (make("CP001", message, Span.point(file, 1)),))
    if not text.endswith("\n"):
        text += "\n"
    try:
        pathway: ast.PathwayFile = _reader().read(text, file, "start")
    except _PROBLEMS as error:
        return _recover(text, file, error)
    duplicates = tuple(
        make("CP009", "this header field was already given above", span)
        for span in pathway.header.metadata.duplicates
    )
    return ParseResult(pathway, duplicates, pathway)


# ---------------------------------------------------------------- recovery


def _blocks(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(first, end) line indexes of each top-level block: a line that starts at the
    margin (not a comment) begins one, unless the line before ends with ``\\``.
    Blank and comment lines before the first block belong to it."""
    first = 0
    for index in range(1, len(lines)):
        line = lines[index]
        if (
            line[:1].strip()
            and not line.startswith("#")
            and not lines[index - 1].rstrip().endswith("\\")
            and any(_is_code(earlier) for earlier in lines[first:index])
        ):
            yield first, index
            first = index
    yield first, len(lines)


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _read_blocks(lines: list[str], file: str) -> Iterator[tuple[int, int, str, Any]]:
    """(first, end, text, what it reads as) of each top-level block that holds code, read
    alone: its AST node, or the exception that stopped it."""
    reader = _reader()
    for first, end in _blocks(lines):
        if not any(_is_code(line) for line in lines[first:end]):
            continue
        block = "\n".join(lines[first:end]) + "\n"
        try:
            yield first, end, block, reader.read(block, file, "fragment", line_offset=first)
        except _PROBLEMS as error:
            yield first, end, block, error


def _recover(text: str, file: str, whole_file_error: Exception) -> ParseResult:
    """Read the blocks one by one: each bad block's first error, and the good blocks."""
    lines = text.split("\n")
    last_code_line = max(n for n, line in enumerate(lines, start=1) if _is_code(line))
    diagnostics: list[Diagnostic] = []
    header: ast.PathwayHeader | None = None
    items: list[object] = []
    for first, end, block, node in _read_blocks(lines, file):
        if isinstance(node, Exception):
            diagnostics.append(_diagnostic(node, block, file, first, end >= last_code_line))
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
        elif not isinstance(node, ast.PathwayHeader):
            items.append(node)
        elif header is None:
            header = node
        else:
            diagnostics.append(
                make(
                    "CP001",
                    "a second `pathway` header: a file holds one pathway",
                    node.span,
                    notes=("put each pathway in its own file",),
                )
            )
    first_code = next(n for n, line in enumerate(lines, start=1) if _is_code(line))
    if header is None and not lines[first_code - 1].startswith("pathway"):
        word = lines[first_code - 1].split(maxsplit=1)[0]
        where = Span(file, first_code, 1, first_code, 1 + len(word))
        diagnostics.insert(0, make("CP001", 'a file begins with `pathway <id> "<title>"`', where))
    if not diagnostics:  # the blocks read alone, but not together: say what Lark said
        diagnostics.append(_diagnostic(whole_file_error, text, file, 0, True))
    partial = None
    if header is not None:
        end_line = last_code_line
        span = Span(file, header.span.line, 1, end_line, len(lines[end_line - 1]) + 1)
        partial = ast.pathway_file(span, header, items)
    return ParseResult(None, tuple(diagnostics[:MAX_SYNTAX_ERRORS]), partial)


def _shift(diagnostic: Diagnostic, lines: int) -> Diagnostic:
    if not lines:
        return diagnostic
    s = diagnostic.span
    return dataclasses.replace(
        diagnostic, span=Span(s.file, s.line + lines, s.column, s.end_line + lines, s.end_column)
    )


def _diagnostic(error: Exception, block: str, file: str, offset: int, is_last: bool) -> Diagnostic:
    """The diagnostic for the first error in ``block`` (which starts after ``offset``
    lines of the file)."""
    if isinstance(error, Misplaced):
        notes = (error.note,) if error.note else ()
        return make(error.code, error.message, error.span, notes=notes)
    if isinstance(error, BadEscape):
        return make(
            "CP004",
            f"unknown escape `{error.sequence}` in quoted text",
            error.span,
            notes=(
                'inside quotes write \\" for a quote, \\\\ for a backslash, '
                "\\n for a new line, \\uXXXX for any character",
            ),
        )
    if isinstance(error, DedentError):
        line = _dedent_line(block)
        return make(
            "CP003",
            "this line is indented differently from every enclosing block",
            Span.point(file, line + offset),
            notes=("indent each block by the same amount (two spaces is the convention)",),
        )
    assert isinstance(error, UnexpectedInput)
    return _shift(_syntax_diagnostic(error, block, file, is_last), offset)


def _syntax_diagnostic(error: UnexpectedInput, text: str, file: str, is_last: bool) -> Diagnostic:
    lines = text.split("\n")
    line = error.line if isinstance(error.line, int) and error.line > 0 else 1
    column = error.column if isinstance(error.column, int) and error.column > 0 else 1
    label = match_label(signature(error), _example_signatures(), _block_starts())
    if isinstance(error, UnexpectedCharacters):
        char = lines[line - 1][column - 1 : column] if line <= len(lines) else ""
        return make(
            "CP002",
            label or f"unexpected character {char!r}",
            Span(file, line, column, line, column + 1),
            notes=() if label else _expected_note(error),
        )
    token = error.token if isinstance(error, UnexpectedToken | UnexpectedEOF) else None
    if isinstance(error, UnexpectedEOF) or (token is not None and token.type == "$END"):
        last = max(n for n, text_line in enumerate(lines, start=1) if _is_code(text_line))
        where = Span(file, last, 1, last, len(lines[last - 1].rstrip()) + 1)
        if is_last:
            return make(
                "CP001",
                "the file ends in the middle of a block",
                where,
                notes=_expected_note(error),
            )
        return make(
            "CP001",
            label or "this block ends before it is complete",
            where,
            notes=() if label else _expected_note(error),
        )
    assert token is not None
    width = max(1, len(token.value)) if token.type not in ("_NL", "_INDENT", "_DEDENT") else 1
    if token.type in ("_INDENT", "_DEDENT", "_NL"):
        # Lark reports layout tokens at the end of the previous line; point at the
        # start of the line that caused them.
        line, column = _layout_position(lines, token, line)
    return make(
        "CP001",
        label or f"unexpected {_token_words(token)}",
        Span(file, line, column, line, column + width),
        notes=() if label else _expected_note(error),
    )


@functools.cache
def _block_starts() -> frozenset[int]:
    """The parser states in which a top-level block begins: there, what the wrong
    token is decides what the mistake is."""
    table = _reader().lark.parser.parser.parser.parse_table
    return frozenset(table.start_states.values())


@functools.cache
def _example_signatures() -> tuple[tuple[str, Signature], ...]:
    """The signature of the first error in every labelled bad snippet, found the way
    a real file's errors are (block by block), once per process."""
    found: list[tuple[str, Signature]] = []
    for label, snippets in EXAMPLES.items():
        for snippet in snippets:
            for _, _, _, read in _read_blocks(snippet.split("\n"), "example"):
                if isinstance(read, UnexpectedInput):
                    found.append((label, signature(read)))
                if isinstance(read, Exception):
                    break
    return tuple(found)


def _layout_position(lines: list[str], token: Token, line: int) -> tuple[int, int]:
    if token.type == "_NL":
        return line, max(1, len(lines[line - 1]) + 1) if line <= len(lines) else 1
    # The next non-blank line after the reported one; at the end of the file (the
    # layout the file ends with), the end of its last line of code.
    following = [n for n in range(line + 1, len(lines) + 1) if _is_code(lines[n - 1])]
    if not following:
        last = max((n for n, text in enumerate(lines, start=1) if _is_code(text)), default=1)
        return last, len(lines[last - 1].rstrip()) + 1 if last <= len(lines) else 1
    n = following[0]
    indent = len(lines[n - 1]) - len(lines[n - 1].lstrip())
    return n, indent + 1


def _token_words(token: Token) -> str:
    if token.type == "_NL":
        return "end of line"
    if token.type == "_INDENT":
        return "indented block"
    if token.type == "_DEDENT":
        return "end of the indented block"
    return f"`{token.value}`"


def _expected_note(error: UnexpectedInput) -> tuple[str, ...]:
    expected = getattr(error, "expected", None) or getattr(error, "allowed", None)
    if not expected:
        return ()
    words = expected_words(set(expected), _reader().lark.terminals)
    return (f"expected {words}",) if words else ()


def _dedent_line(text: str) -> int:
    # DedentError carries no position; find the first line whose indentation does not
    # match any enclosing level.
    levels = [0]
    for number, raw in enumerate(text.split("\n"), start=1):
        if not _is_code(raw):
            continue
        indent = len(raw.expandtabs(8)) - len(raw.expandtabs(8).lstrip())
        if indent > levels[-1]:
            levels.append(indent)
        else:
            while indent < levels[-1]:
                levels.pop()
            if indent != levels[-1]:
                return number
    return 1


def iter_tokens(text: str) -> Iterator[Token]:
    """The token stream (after layout), for tools that need it."""
    return _reader().lark.lex(text if text.endswith("\n") else text + "\n")

"""The reference reader: Lark's LALR parser on dsl/pathway.lark, with syntax errors a
clinician can read.

``dsl.parser.parse`` tries the fast reader (dsl/fastparse.py) first and comes here
for everything it does not take: every file with a problem, so every syntax
diagnostic is made here.

>>> result = parse_with_lark('pathway p "P"\\nstart a\\nend a "Done"\\n', "p.cpath")
>>> result.pathway.header.id, [d.code for d in result.diagnostics]
('p', [])
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import ClassVar

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import UnexpectedEOF, VisitError
from lark.indenter import DedentError, Indenter

from . import codes as _codes  # noqa: F401 - registers the CP0xx codes
from .diagnostics import Diagnostic, make
from .parser import MAX_EXPRESSION_DEPTH, MAX_SYNTAX_ERRORS, ParseResult
from .quoted import BadEscape
from .spans import Span
from .syntax_errors import describe_unexpected, expected_words
from .transform import Misplaced, ToAst, depth_step, tree_depth


class PathwayIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = ["LPAR", "LBRACE"]
    CLOSE_PAREN_types: ClassVar[list[str]] = ["RPAR", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


@functools.cache
def _parser() -> Lark:
    return Lark.open(
        "pathway.lark",
        rel_to=__file__,
        parser="lalr",
        postlex=PathwayIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


def parse_with_lark(text: str, file: str) -> ParseResult:
    """Parse one pathway file with Lark. Never raises on bad input: problems come back
    as diagnostics."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.split("\n")):
        what = "the file is empty" if not text.strip() else "the file holds only comments"
        return ParseResult(
            None,
            (
                make(
                    "CP001",
                    f'{what}: a pathway file begins with `pathway <id> "<title>"`',
                    Span.point(file, 1),
                ),
            ),
        )
    if not text.endswith("\n"):
        text += "\n"
    diagnostics: list[Diagnostic] = []
    lines = text.split("\n")
    working = text
    while True:
        try:
            tree = _parser().parse(working)
            break
        except (UnexpectedInput, DedentError) as error:
            diagnostic, line = _syntax_diagnostic(error, working, file)
            if (
                diagnostics
                and isinstance(error, UnexpectedEOF | UnexpectedToken)
                and (getattr(error, "token", None) is None or error.token.type == "$END")
            ):
                # Running off the end after an earlier error is that error's echo.
                break
            diagnostics.append(diagnostic)
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                return ParseResult(None, tuple(diagnostics))
            blanked = _blank_block(lines, line)
            if blanked is None:
                return ParseResult(None, tuple(diagnostics))
            lines = blanked
            working = "\n".join(lines)
    if diagnostics:
        return ParseResult(None, tuple(diagnostics))
    depth_problem = _too_deep(tree, file)
    if depth_problem:
        return ParseResult(None, (depth_problem,))
    try:
        pathway = ToAst(file, working).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, BadEscape):
            bad = error.orig_exc
            return ParseResult(
                None,
                (
                    make(
                        "CP004",
                        f"unknown escape `{bad.sequence}` in quoted text",
                        bad.span,
                        notes=(
                            'inside quotes write \\" for a quote, \\\\ for a backslash, '
                            "\\n for a new line, \\uXXXX for any character",
                        ),
                    ),
                ),
            )
        if isinstance(error.orig_exc, Misplaced):
            problem = error.orig_exc
            notes = (problem.note,) if problem.note else ()
            return ParseResult(
                None, (make(problem.code, problem.message, problem.span, notes=notes),)
            )
        raise
    duplicates = tuple(
        make("CP009", "this header field was already given above", span)
        for span in pathway.header.metadata.duplicates
    )
    return ParseResult(pathway, duplicates)


def _too_deep(tree: Tree[Token], file: str) -> Diagnostic | None:
    if tree_depth(tree) <= MAX_EXPRESSION_DEPTH + 8:
        return None
    # Report at the deepest expression's line: find a tree at the limit.
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    where = Span.point(file, 1)
    while stack:
        node, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH and not getattr(node.meta, "empty", True):
            where = Span(
                file, node.meta.line, node.meta.column, node.meta.line, node.meta.column + 1
            )
            break
        stack.extend((c, depth + depth_step(node)) for c in node.children if isinstance(c, Tree))
    return make(
        "CP005",
        f"expression nested more than {MAX_EXPRESSION_DEPTH} levels deep",
        where,
        notes=("split it into `define` values that each say one thing",),
    )


def _syntax_diagnostic(
    error: UnexpectedInput | DedentError, text: str, file: str
) -> tuple[Diagnostic, int]:
    if isinstance(error, DedentError):
        line = _dedent_line(text, str(error))
        return make(
            "CP003",
            "this line is indented differently from every enclosing block",
            Span.point(file, line),
            notes=("indent each block by the same amount (two spaces is the convention)",),
        ), line
    line = error.line if isinstance(error.line, int) and error.line > 0 else 1
    column = error.column if isinstance(error.column, int) and error.column > 0 else 1
    if isinstance(error, UnexpectedCharacters):
        char = text.split("\n")[line - 1][column - 1 : column] if line <= text.count("\n") else ""
        label = describe_unexpected(error, _parser, text)
        message = label or f"unexpected character {char!r}"
        return make(
            "CP002",
            message,
            Span(file, line, column, line, column + 1),
            notes=() if label else _expected_note(error),
        ), line
    token = error.token if isinstance(error, UnexpectedToken | UnexpectedEOF) else None
    if isinstance(error, UnexpectedEOF) or (token is not None and token.type == "$END"):
        last = max(1, text.rstrip("\n").count("\n") + 1)
        return make(
            "CP001",
            "the file ends in the middle of a block",
            Span.point(file, last),
            notes=_expected_note(error),
        ), last
    assert token is not None
    width = max(1, len(token.value)) if token.type not in ("_NL", "_INDENT", "_DEDENT") else 1
    if token.type in ("_INDENT", "_DEDENT", "_NL"):
        # Lark reports layout tokens at the end of the previous line; point at the
        # start of the line that caused them.
        line, column = _layout_position(text, token, line)
    label = describe_unexpected(error, _parser, text)
    message = label or f"unexpected {_token_words(token)}"
    return make(
        "CP001",
        message,
        Span(file, line, column, line, column + width),
        notes=() if label else _expected_note(error),
    ), line


def _layout_position(text: str, token: Token, line: int) -> tuple[int, int]:
    lines = text.split("\n")
    if token.type == "_NL":
        return line, max(1, len(lines[line - 1]) + 1) if line <= len(lines) else 1
    # The next non-blank line after the reported one.
    n = line
    for n in range(line + 1, len(lines) + 1):
        stripped = lines[n - 1].strip()
        if stripped and not stripped.startswith("#"):
            break
    indent = len(lines[n - 1]) - len(lines[n - 1].lstrip()) if n <= len(lines) else 0
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
    words = expected_words(set(expected), _parser())
    return (f"expected {words}",) if words else ()


def _dedent_line(text: str, message: str) -> int:
    # DedentError carries no position; find the first line whose indentation does not
    # match any enclosing level.
    levels = [0]
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
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


def _blank_block(lines: list[str], line: int) -> list[str] | None:
    """Blank out the top-level block holding ``line`` so parsing can resume after it.

    Returns None when nothing more can be recovered (the error is in the header)."""
    if line < 1 or line > len(lines):
        return None
    start = line
    while start > 1 and not _is_top_level(lines[start - 1]):
        start -= 1
    end = line
    while end < len(lines) and not _is_top_level(lines[end]):
        end += 1
    block = range(start, end + 1)
    if any(lines[n - 1].startswith("pathway") for n in block) or all(
        not lines[n - 1].strip() for n in block
    ):
        return None
    return [("" if (n + 1) in block else text) for n, text in enumerate(lines)]


def _is_top_level(text: str) -> bool:
    return bool(text.strip()) and not text[0].isspace() and not text.startswith("#")


def iter_tokens(text: str) -> Iterator[Token]:
    """The token stream (after layout), for tools that need it."""
    return _parser().lex(text if text.endswith("\n") else text + "\n")

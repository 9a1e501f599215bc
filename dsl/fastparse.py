"""A fast reader for well-formed pathway files, beside the Lark parser.

Lark's LALR parser is the language's definition and gives the syntax errors, but
it reads about 12,000 lines a second; a 10,000-node pathway took five seconds.
This module reads the same language by hand, line by line, and builds exactly the
AST ``dsl.transform.ToAst`` builds from Lark's tree, spans included. It is
deliberately narrow: on anything it is not sure of (a syntax error, a keyword
used as a name where a keyword could also stand, tabs or form feeds in
indentation, Windows line ends, a repeated ``next``, brackets nested past 40, an
expression near the depth limit) it gives up with ``Unsupported``, and
``dsl.parser.parse`` hands the text to Lark, which decides and explains. So the
fast reader never has to produce a diagnostic, and tests/test_fastparse.py
checks on generated, golden and documented pathways that whenever it answers,
its answer equals Lark's.

>>> pathway = parse_fast('pathway p "P"\\nstart a\\nend a "Done"\\n', "p.cpath")
>>> pathway.header.id, [node.id for node in pathway.nodes]
('p', ['a'])
>>> parse_fast('pathway p "P"\\nstart\\n', "p.cpath") is None  # Lark will say why
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from . import ast
from .quoted import BadEscape, unquote
from .spans import Span

# Every quoted word of the grammar. A name spelt like one of them goes to Lark
# unless only a name fits where it stands: whether Lark reads it as a keyword
# depends on its parser state.
KEYWORDS = frozenset(
    re.findall(
        r'"([a-z]+)"',
        re.sub(r"//[^\n]*", "", (Path(__file__).parent / "pathway.lark").read_text("utf-8")),
    )
)

# dsl/pathway.lark's UNIT, anchored.
_UNIT = re.compile(
    r"(?:(?:[A-Za-z%µ][A-Za-z0-9%µ_\[\]]*|\[[A-Za-z_]+\][A-Za-z0-9_]*)"
    r"(?:/(?:[A-Za-z0-9%µ_\[\]]+|\{[^}\s]*\}))*|/[A-Za-z%µ\[][A-Za-z0-9%µ_\[\]]*)\Z"
)
# One token. A word is scanned as wide as a unit can be (``mL/min``, ``mm[Hg]``);
# where the grammar wants a name, a word that is not one sends the file to Lark.
_WORD = (
    r"(?:[A-Za-z_%µ][A-Za-z0-9%µ_\[\]]*|\[[A-Za-z_]+\][A-Za-z0-9_]*)"
    r"(?:/(?:[A-Za-z0-9%µ_\[\]]+|\{[^}\s]*\}))*"
)
# Lark's STRING, unrolled: no per-character alternation.
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
# One token and the blanks before it. The alternatives start with different
# characters, so their order is only for speed. A number takes its unit with it
# (split again by ``_NUMBER_UNIT``): Lark's UNIT may follow a NUMBER unspaced.
_PIECE = re.compile(
    r"([ \t\f]*)("
    rf"{_WORD}"
    rf"|{_STRING}"
    r"|->|\.\.|<=|>=|==|!=|[<>=+\-*/(){},:]"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|\d+(?:\.\d+)?(?:[ \t\f]*(?:{_WORD}|/[A-Za-z%µ\[][A-Za-z0-9%µ_\[\]]*))?"
    r"|#.*"
    r"|.)"
)
_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)([ \t\f]*)(.+)")
_WORD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_%µ[")
_DIGITS = frozenset("0123456789")
_OPERATORS = frozenset(
    ("->", "..", "<=", ">=", "==", "!=", "<", ">", "=", "+", "-", "*", "/", *"(){},:")
)
# A line with none of these outside quoted text is tokenized only if no line
# pattern below takes it.
_SPECIAL = re.compile(r"[(){}\\#]").search
_QUOTED = re.compile(_STRING)
_PLAIN_NAME = r"[A-Za-z_][A-Za-z0-9_]*+"  # possessive: never half a word
_NAME = re.compile(_PLAIN_NAME + r"\Z")
_NAME_IN = re.compile(_PLAIN_NAME)
_ITEM_LINE = re.compile(
    r" *(recommend|consider|avoid)[ \t\f]+(\"[^\"\\\n]*\")"
    rf"(?:[ \t\f]+cite[ \t\f]+({_PLAIN_NAME}(?:[ \t\f]*,[ \t\f]*{_PLAIN_NAME})*))?"
    rf"(?:[ \t\f]+strength[ \t\f]+({_PLAIN_NAME}))?[ \t\f]*\Z"
).match
_NEXT_LINE = re.compile(rf" *next[ \t\f]+({_PLAIN_NAME})[ \t\f]*\Z").match
_COMPARATORS = frozenset(("<=", ">=", "==", "!=", "<", ">"))
_ARITHMETIC = frozenset("+-*/")
# Past this many tokens an expression may be deep enough for Lark's CP005; measure it.
_SHALLOW_TOKENS = 50
# The deepest expression taken here; Lark's limit (dsl.parser) counts up to eight
# levels of statement structure on top, so anything near it goes to Lark.
_DEEPEST = 56
# Each bracket costs the recursive reader nine Python frames; Lark has no such limit.
_DEEPEST_BRACKETS = 40


class Unsupported(Exception):
    """Not something the fast reader takes; Lark decides."""


# A token: (kind, text, line, column). Kinds: "s" quoted text, "d" date, "n" number,
# "u" unit (a word right after a number), "w" word, "k" keyword, "o" operator.
Token = tuple[str, str, int, int]

_new = object.__new__
_make_tuple = tuple.__new__
_Built = TypeVar("_Built")


def _built(cls: type[_Built], **fields: object) -> _Built:
    """A frozen AST node with its instance dictionary filled directly: a third faster
    than the dataclass's per-field ``object.__setattr__``, for the commonest nodes."""
    node: _Built = _new(cls)
    node.__dict__.update(fields)
    return node


def _span(file: str, line: int, column: int, end_line: int, end_column: int) -> Span:
    return _make_tuple(Span, (file, line, column, end_line, end_column))


class _Line:
    """A logical line: its tokens (several physical lines when brackets are open) and
    the lines indented under it. A plain line (no bracket, comment or backslash) is
    tokenized only when read, and the commonest shapes never are (``_ITEM_LINE``)."""

    __slots__ = ("children", "end", "indent", "number", "text", "tokens")

    def __init__(self, indent: int, tokens: list[Token] | None) -> None:
        self.indent = indent
        self.tokens = tokens
        self.children: list[_Line] = []
        self.end = (0, 0)  # where its code ends: line, column after the last character
        self.number = 0  # of a plain line
        self.text = ""  # of a plain line


def _tokenize(line: str, number: int, tokens: list[Token], depth: int) -> tuple[int, int]:
    """Append the tokens of one physical line. Return the bracket depth after it and
    the column of a final ``\\`` that continues the line (else 0)."""
    column = 1
    for blank, text in _PIECE.findall(line):
        column += len(blank)
        first = text[0]
        if first != '"' and "{" in text and ("#" in text or '"' in text):
            # A unit such as mL/{a#b}: Lark's span trimming (ToAst._code) would take
            # the # for a comment or the " for a quote; leave the span to it.
            raise Unsupported("a comment or quote character inside a unit")
        if first in _WORD_START:
            tokens.append(("k" if text in KEYWORDS else "w", text, number, column))
        elif first in _DIGITS:
            if "-" in text:
                tokens.append(("d", text, number, column))
            elif text.replace(".", "", 1).isdigit():
                tokens.append(("n", text, number, column))
            else:
                digits, space, unit = _NUMBER_UNIT.match(text).groups()  # type: ignore[union-attr]
                tokens.append(("n", digits, number, column))
                kind = "k" if unit in KEYWORDS else "u"
                tokens.append((kind, unit, number, column + len(digits) + len(space)))
        elif first == '"' and len(text) > 1:  # a lone quote is an unterminated string
            tokens.append(("s", text, number, column))
        elif text in _OPERATORS:
            if first in "({":
                depth += 1
                if depth > _DEEPEST_BRACKETS:
                    raise Unsupported("brackets nested too deep for a recursive reader")
            elif first in ")}":
                depth -= 1
            elif (
                first == "/"
                and tokens
                and tokens[-1][0] == "n"
                and line[column : column + 1] in _WORD_START
            ):
                # A number ending an earlier line, its per-unit starting this one
                # (inside brackets or after a backslash): Lark reads one quantity.
                raise Unsupported("a unit on the line after its number")
            tokens.append(("o", text, number, column))
        elif first == "\\":
            if line[column:].strip(" \t\f"):
                raise Unsupported("a backslash that does not end the line")
            return depth, column
        elif first == "#" or first in " \t\f":
            # A comment, or the trailing blanks (the last alternative takes one when
            # the leading [ \t\f]* gives it back): the line's code is over.
            if first != "#" and line[column - 1 :].strip(" \t\f"):
                raise Unsupported("a character outside the language")
            break
        else:
            raise Unsupported("a character outside the language")
        column += len(text)
    return depth, 0


def _logical_lines(text: str) -> list[_Line]:
    """The lines holding code, in order; blank lines and comments dropped, open
    brackets joining physical lines as Lark's indenter does."""
    result: list[_Line] = []
    if not text.endswith("\n"):
        text += "\n"  # as dsl.lark_parser does; the last element below is then ""
    physical = text.split("\n")
    count = len(physical)
    index = 0
    while index < count:
        raw = physical[index]
        index += 1
        stripped = raw.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if stripped[0] in "\t\f":
            content = stripped.lstrip(" \t\f")
            if "\f" not in stripped[: len(stripped) - len(content)] and (
                not content or content[0] == "#"
            ):
                continue  # a blank or comment line; a form feed in one is Lark's CP001
            raise Unsupported("a line indented with tabs or form feeds")
        indent = len(raw) - len(stripped)
        if _SPECIAL(_QUOTED.sub("", stripped) if '"' in stripped else stripped) is None:
            plain = _Line(indent, None)
            plain.number, plain.text = index, raw
            plain.end = (index, len(raw.rstrip(" \t\f")) + 1)
            result.append(plain)
            continue
        tokens: list[Token] = []
        depth, backslash = _tokenize(raw, index, tokens, 0)
        # Lark drops newlines inside brackets and ignores a ``\\`` before one.
        last_backslash = (index, backslash) if backslash else None
        while (depth > 0 or backslash) and index < count:
            if backslash and depth == 0 and index == count - 1:
                # The backslash took the file's last newline: Lark finds no line end.
                raise Unsupported("a continuation at the end of the file")
            index += 1
            before = len(tokens)
            depth, backslash = _tokenize(physical[index - 1], index, tokens, depth)
            if len(tokens) == before:
                if backslash:
                    raise Unsupported("a line holding only a continuation")
                if depth == 0:
                    break  # a blank line after a continuation ends the statement
                continue
            last_backslash = (index, backslash) if backslash else None
        if depth != 0 or not tokens:
            raise Unsupported("unbalanced brackets")
        line = _Line(indent, tokens)
        last = tokens[-1]
        if last_backslash is not None and last_backslash[0] == last[2]:
            # Lark's statement span then ends after the backslash (ToAst._span).
            line.end = (last[2], last_backslash[1] + 1)
        else:
            line.end = (last[2], last[3] + len(last[1]))
        tokens.append(("$", "", *line.end))  # the end: no bounds checks when reading
        result.append(line)
    return result


def _nest(lines: list[_Line]) -> list[_Line]:
    """Top-level lines, each holding the lines indented under it (Lark's indenter:
    a deeper line opens a block, a shallower one must return to an open level)."""
    top: list[_Line] = []
    levels = [0]
    parents: list[_Line] = []  # parents[i] holds the lines at levels[i + 1]
    previous: _Line | None = None
    for line in lines:
        indent = line.indent
        if indent > levels[-1]:
            if previous is None:
                raise Unsupported("an indented first line")
            levels.append(indent)
            parents.append(previous)
        else:
            while indent < levels[-1]:
                levels.pop()
                parents.pop()
            if indent != levels[-1]:
                raise Unsupported("inconsistent indentation")
        (parents[-1].children if parents else top).append(line)
        previous = line
    return top


def parse_fast(text: str, file: str) -> ast.PathwayFile | None:
    """The AST of ``text`` when it is a well-formed pathway the fast reader takes, else
    None (then only Lark can say what it is)."""
    if "\r" in text:
        return None  # Windows line ends: rare, and Lark's reading is the one to trust
    try:
        return _Reader(file).pathway(text)
    except (Unsupported, RecursionError, IndexError):
        return None


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.tokens: list[Token] = []
        self.at = 0
        self.bracketed: dict[int, tuple[int, int, int, int]] = {}

    # ------------------------------------------------------------ tokens
    def begin(self, line: _Line) -> Token:
        tokens = line.tokens
        if tokens is None:
            tokens = line.tokens = []
            _tokenize(line.text, line.number, tokens, 0)
            tokens.append(("$", "", *line.end))
        self.tokens = tokens
        self.at = 1
        return tokens[0]

    def peek(self) -> Token:
        return self.tokens[self.at]  # at the end, the "$" token

    def take(self) -> Token:
        token = self.tokens[self.at]
        if token[0] == "$":
            raise Unsupported("the line ends early")
        self.at += 1
        return token

    def take_kind(self, kind: str) -> Token:
        token = self.take()
        if token[0] != kind:
            raise Unsupported(f"expected a token of kind {kind}")
        return token

    def take_op(self, op: str) -> Token:
        token = self.take()
        if token[0] != "o" or token[1] != op:
            raise Unsupported(f"expected {op}")
        return token

    def take_word(self, word: str) -> Token:
        token = self.take()
        if token[0] != "k" or token[1] != word:
            raise Unsupported(f"expected {word}")
        return token

    def take_name(self, keyword_ok: bool = False) -> Token:
        """A NAME. ``keyword_ok`` where the grammar accepts a name and nothing that
        could be a keyword, so Lark too reads any word as a name."""
        token = self.take()
        if (token[0] == "w" and _NAME.match(token[1])) or (keyword_ok and token[0] == "k"):
            return token
        raise Unsupported("expected a name")

    def take_names(self) -> list[Token]:
        names = [self.take_name(keyword_ok=True)]
        while self.at_op(","):
            self.at += 1
            names.append(self.take_name(keyword_ok=True))
        return names

    def at_op(self, op: str) -> bool:
        token = self.tokens[self.at]
        return token[0] == "o" and token[1] == op

    def at_word(self, word: str) -> bool:
        token = self.tokens[self.at]
        return token[0] == "k" and token[1] == word

    def done(self) -> None:
        if self.tokens[self.at][0] != "$":
            raise Unsupported("more on the line than the statement takes")

    def tok(self, token: Token) -> Span:
        return _span(self.file, token[2], token[3], token[2], token[3] + len(token[1]))

    def text(self, token: Token) -> str:
        try:
            return unquote(token[1], self.file, token[2], token[3])
        except BadEscape as error:
            raise Unsupported("a bad escape") from error  # Lark: CP004

    def statement_span(self, first: Token, line: _Line) -> Span:
        """From the first token to the end of the last token under ``line`` (Lark's
        span runs through the newline; ToAst._span trims it to this)."""
        last_line = line
        while last_line.children:
            last_line = last_line.children[-1]
        return _span(self.file, first[2], first[3], *last_line.end)

    @staticmethod
    def no_children(line: _Line) -> None:
        if line.children:
            raise Unsupported("an indented block where none belongs")

    # ------------------------------------------------------------ the file
    def pathway(self, text: str) -> ast.PathwayFile | None:
        top = _nest(_logical_lines(text))
        if not top:
            return None
        header = self.header(top[0])
        order: list[Any] = []
        readers = {
            "reference": self.reference,
            "input": self.input,
            "define": self.define,
            "start": self.start,
            "decision": self.decision,
            "action": self.action,
            "end": self.end,
            "case": self.case,
        }
        for line in top[1:]:
            first = self.begin(line)
            reader = readers.get(first[1]) if first[0] == "k" else None
            if reader is None:
                raise Unsupported("not a top-level declaration")
            order.append(reader(line))
        first_code = self.begin(top[0])
        column = first_code[3]
        if first_code[2] > 1 and text.lstrip(" \t\f").startswith("\\"):
            raise Unsupported("a continuation before the header")  # Lark: no leading newline
        if first_code[2] > 1:
            # Lark's span then starts at the newline token after line 1's blanks.
            first_line = text[: text.find("\n")]
            column = len(first_line) - len(first_line.lstrip(" \t\f")) + 1
        end = self.statement_span(first_code, top[-1])
        span = _span(self.file, 1, column, end.end_line, end.end_column)
        return ast.pathway_file(span, header, order)

    def header(self, line: _Line) -> ast.PathwayHeader:
        first = self.begin(line)
        if first[:2] != ("k", "pathway"):
            raise Unsupported("no pathway header")
        name = self.take_name(keyword_ok=True)
        title = self.take_kind("s")
        self.done()
        values: dict[str, Any] = {}
        for child in line.children:
            self.no_children(child)
            keyword = self.begin(child)
            span = self.statement_span(keyword, child)
            key = keyword[1] if keyword[0] == "k" else ""
            if key == "author":
                authors = [self.text(self.take_kind("s"))]
                while self.at_op(","):
                    self.at += 1
                    authors.append(self.text(self.take_kind("s")))
                values["authors"] = values.get("authors", ()) + tuple(authors)
                self.done()
                continue
            if key in values:
                raise Unsupported("a header field given twice")  # Lark reports CP009
            if key in ("version", "population", "description"):
                values[key] = self.text(self.take_kind("s"))
            elif key == "status":
                values[key] = self.take_name(keyword_ok=True)[1]
            elif key == "reviewed":
                values[key] = self.take_kind("d")[1]
            else:
                raise Unsupported("not a header field")
            self.done()
            if key in ("status", "reviewed"):
                values[f"{key}_span"] = _span(
                    self.file,
                    span.line,
                    span.end_column - len(values[key]),
                    span.line,
                    span.end_column,
                )
        span = self.statement_span(first, line)
        metadata = ast.Metadata(span=span, duplicates=(), **values)
        return ast.PathwayHeader(span, name[1], self.text(title), metadata)

    # ------------------------------------------------------------ declarations
    def reference(self, line: _Line) -> ast.Reference:
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        title = self.take_kind("s")
        attrs: dict[str, Any] = {}
        while self.peek()[0] != "$":
            self.reference_attribute(attrs)
        for child in line.children:
            self.no_children(child)
            self.begin(child)
            self.at = 0
            self.reference_attribute(attrs)
            self.done()
        return ast.Reference(self.statement_span(first, line), name[1], self.text(title), **attrs)

    def reference_attribute(self, attrs: dict[str, Any]) -> None:
        keyword = self.take()
        key = keyword[1] if keyword[0] == "k" else ""
        if key in attrs:
            raise Unsupported("a reference attribute given twice")  # Lark: CP009
        if key == "year":
            year = self.take_kind("n")
            if not year[1].isdigit():
                raise Unsupported("a year that is not a whole number")
            attrs["year"] = int(year[1])
        elif key in ("url", "publisher"):
            attrs[key] = self.text(self.take_kind("s"))
        elif key == "grade":
            grade = self.take()
            if grade[0] == "s":
                attrs["grade"] = self.text(grade)
            elif grade[0] == "k" or (grade[0] == "w" and _NAME.match(grade[1])):
                attrs["grade"] = grade[1]
            else:
                raise Unsupported("a grade that is neither quoted text nor a name")
        else:
            raise Unsupported("not a reference attribute")

    def input(self, line: _Line) -> ast.Input:
        self.no_children(line)
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        self.take_op(":")
        type_spec = self.type_spec()
        rng: ast.Range | None = None
        token = self.peek()
        if token[0] == "n" or (token[0] == "o" and token[1] == "-"):
            low = self.range_bound()
            self.take_op("..")
            high = self.range_bound()
            rng = ast.Range(
                _span(self.file, low[3].line, low[3].column, high[3].end_line, high[3].end_column),
                low[0],
                high[0],
                low[1],
                high[1],
                low[2],
                high[2],
            )
        description = self.text(self.take_kind("s")) if self.peek()[0] != "$" else None
        self.done()
        return ast.Input(self.statement_span(first, line), name[1], type_spec, rng, description)

    def type_spec(self) -> ast.TypeSpec:
        keyword = self.take()
        kind = keyword[1] if keyword[0] == "k" else ""
        if kind == "boolean":
            return ast.BooleanSpec(self.tok(keyword))
        if kind == "duration":
            return ast.DurationSpec(self.tok(keyword))
        if kind == "one":
            self.take_word("of")
            names = self.take_names()
            end = names[-1]
            return ast.EnumSpec(
                _span(self.file, keyword[2], keyword[3], end[2], end[3] + len(end[1])),
                tuple(t[1] for t in names),
                tuple(self.tok(t) for t in names),
            )
        if kind in ("integer", "decimal"):
            unit = self.peek()
            end = keyword
            unit_text: str | None = None
            if unit[:2] == ("o", "/"):
                # A per-unit (``decimal /min``): the tokenizer split it at the slash.
                word = self.tokens[self.at + 1]
                if word[0] != "w" or word[2:] != (unit[2], unit[3] + 1):
                    raise Unsupported("not a unit")
                self.at += 1
                unit = ("w", "/" + word[1], unit[2], unit[3])
            if unit[0] == "w":
                if not _UNIT.match(unit[1]):
                    raise Unsupported("not a unit")
                self.at += 1
                end, unit_text = unit, unit[1]
            span = _span(self.file, keyword[2], keyword[3], end[2], end[3] + len(end[1]))
            return ast.NumberSpec(span, kind == "integer", unit_text)
        raise Unsupported("not a type")

    def signed_number(self) -> tuple[Fraction, str, Token, Token]:
        """A number with an optional minus: its value, its text, first and last token."""
        first = self.take()
        if first[0] == "o" and first[1] == "-":
            number = self.take_kind("n")
            text = "-" + number[1]
        elif first[0] == "n":
            number, text = first, first[1]
        else:
            raise Unsupported("expected a number")
        return Fraction(text), text, first, number

    def unit_after(self) -> Token | None:
        token = self.peek()
        if token[0] == "u":
            if not _UNIT.match(token[1]):
                raise Unsupported("not a unit")
            self.at += 1
            return token
        return None

    def range_bound(self) -> tuple[Fraction, str, str | None, Span]:
        value, text, first, last = self.signed_number()
        unit = self.unit_after()
        if unit is not None:
            last = unit
        span = _span(self.file, first[2], first[3], last[2], last[3] + len(last[1]))
        unit_text = unit[1] if unit else None
        return value, text + (" " + unit_text if unit_text else ""), unit_text, span

    def define(self, line: _Line) -> ast.Define:
        self.no_children(line)
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        self.take_op("=")
        expr = self.expression()
        description = self.text(self.take_kind("s")) if self.peek()[0] != "$" else None
        self.done()
        return ast.Define(self.statement_span(first, line), name[1], expr, description)

    def start(self, line: _Line) -> ast.Start:
        self.no_children(line)
        first = self.begin(line)
        target = self.take_name(keyword_ok=True)
        self.done()
        return ast.Start(self.statement_span(first, line), self.target(target))

    def target(self, token: Token) -> ast.Target:
        return _built(ast.Target, span=self.tok(token), id=token[1])

    # ------------------------------------------------------------ nodes
    def decision(self, line: _Line) -> ast.Decision:
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        label = self.take_kind("s")
        policy = "unique"
        token = self.peek()
        if token[0] == "k" and token[1] in ("first", "unique"):
            policy = token[1]
            self.at += 1
        self.done()
        if not line.children:
            raise Unsupported("a decision without branches")
        branches: list[ast.Branch] = []
        otherwise: ast.Target | None = None
        notes: list[str] = []
        citations: list[ast.Citation] = []
        for child in line.children:
            self.no_children(child)
            keyword = self.begin(child)
            if otherwise is not None and keyword[1] != "note" and keyword[1] != "cite":
                raise Unsupported("a branch after otherwise")  # Lark: CP011 or CP009
            if keyword[0] == "k" and keyword[1] == "when":
                guard = self.expression()
                self.take_op("->")
                target = self.take_name(keyword_ok=True)
                self.done()
                branches.append(
                    ast.Branch(self.statement_span(keyword, child), guard, self.target(target))
                )
            elif keyword[0] == "k" and keyword[1] == "otherwise":
                self.take_op("->")
                target = self.take_name(keyword_ok=True)
                self.done()
                otherwise = self.target(target)
            else:
                self.note_or_cite(keyword, notes, citations)
        return ast.Decision(
            self.statement_span(first, line),
            name[1],
            self.text(label),
            tuple(notes),
            tuple(citations),
            policy,
            tuple(branches),
            otherwise,
        )

    def note_or_cite(self, keyword: Token, notes: list[str], citations: list[ast.Citation]) -> None:
        if keyword[0] == "k" and keyword[1] == "note":
            notes.append(self.text(self.take_kind("s")))
        elif keyword[0] == "k" and keyword[1] == "cite":
            citations.extend(self.citations())
        else:
            raise Unsupported("not a statement of this block")
        self.done()

    def citations(self) -> list[ast.Citation]:
        return [self.citation(token) for token in self.take_names()]

    def citation(self, token: Token) -> ast.Citation:
        return _built(ast.Citation, span=self.tok(token), reference=token[1])

    def action(self, line: _Line) -> ast.Action:
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        label = self.take_kind("s")
        self.done()
        if not line.children:
            raise Unsupported("an action with nothing in it")
        notes: list[str] = []
        citations: list[ast.Citation] = []
        items: list[ast.Item] = []
        following: ast.Target | None = None
        for child in line.children:
            if child.tokens is None and not child.children and following is None:
                plain = _NEXT_LINE(child.text)
                if plain is not None:
                    following = self.target(("w", plain[1], child.number, plain.start(1) + 1))
                    continue
            item = self.item_line(child)
            if item is not None:
                items.append(item)
                continue
            keyword = self.begin(child)
            self.no_children(child)
            if keyword[0] == "k" and keyword[1] == "next":
                if following is not None:
                    raise Unsupported("a second next")  # Lark: CP009
                following = self.target(self.take_name(keyword_ok=True))
                self.done()
            else:
                self.note_or_cite(keyword, notes, citations)
        return ast.Action(
            self.statement_span(first, line),
            name[1],
            self.text(label),
            tuple(notes),
            tuple(citations),
            tuple(items),
            following,
        )

    def end(self, line: _Line) -> ast.End:
        first = self.begin(line)
        name = self.take_name(keyword_ok=True)
        has_label = self.peek()[0] != "$"
        label = self.text(self.take_kind("s")) if has_label else ""
        self.done()
        notes: list[str] = []
        citations: list[ast.Citation] = []
        items: list[ast.Item] = []
        for child in line.children:
            item = self.item_line(child)
            if item is not None:
                items.append(item)
                continue
            keyword = self.begin(child)
            self.no_children(child)
            self.note_or_cite(keyword, notes, citations)
        return ast.End(
            self.statement_span(first, line),
            name[1],
            label,
            tuple(notes),
            tuple(citations),
            tuple(items),
            has_label,
        )

    def item_line(self, line: _Line) -> ast.Item | None:
        """The ``recommend``/``consider``/``avoid`` on this line of an action or end,
        or None when the line holds something else."""
        if line.tokens is None and not line.children:
            plain = _ITEM_LINE(line.text)
            if plain is not None:
                return self.plain_item(plain, line)
        keyword = self.begin(line)
        if keyword[0] == "k" and keyword[1] in ("recommend", "consider", "avoid"):
            return self.item(keyword, line)
        return None

    def plain_item(self, match: re.Match[str], line: _Line) -> ast.Item:
        """An item line in its commonest shape, read without tokens: the text has no
        escapes, at most a ``cite`` list then a ``strength``, nothing after."""
        number = line.number
        citations = []
        if match.start(3) >= 0:
            for name in _NAME_IN.finditer(line.text, match.start(3), match.end(3)):
                citations.append(self.citation(("w", name[0], number, name.start() + 1)))
        strength = match[4]
        strength_span = None
        if strength is not None:
            column = match.start(4) + 1
            strength_span = _span(self.file, number, column, number, column + len(strength))
        return ast.Item(
            _span(self.file, number, match.start(1) + 1, *line.end),
            match[1],
            match[2][1:-1],
            tuple(citations),
            strength,
            strength_span,
            None,
        )

    def item(self, kind: Token, line: _Line) -> ast.Item:
        text = self.take_kind("s")
        citations: list[ast.Citation] = []
        found: dict[str, Any] = {}
        while self.peek()[0] != "$":
            self.item_attribute(citations, found)
        for child in line.children:
            self.no_children(child)
            self.begin(child)
            self.at = 0
            self.item_attribute(citations, found)
            self.done()
        strength = found.get("strength")
        return ast.Item(
            self.statement_span(kind, line),
            kind[1],
            self.text(text),
            tuple(citations),
            strength[1] if strength else None,
            self.tok(strength) if strength else None,
            found.get("when"),
        )

    def item_attribute(self, citations: list[ast.Citation], found: dict[str, Any]) -> None:
        keyword = self.take()
        key = keyword[1] if keyword[0] == "k" else ""
        if key == "cite":
            citations.extend(self.citations())
            return
        if key in found:
            raise Unsupported("a second strength or when")  # Lark: CP009
        if key == "strength":
            found["strength"] = self.take_name(keyword_ok=True)
        elif key == "when":
            found["when"] = self.expression()
        else:
            raise Unsupported("not an attribute of a recommendation")

    # ------------------------------------------------------------ cases
    def case(self, line: _Line) -> ast.Case:
        first = self.begin(line)
        name = self.take_kind("s")
        self.done()
        if not line.children:
            raise Unsupported("a case with nothing in it")
        given: list[ast.Assignment] = []
        expectations: list[ast.Expectation] = []
        for child in line.children:
            self.no_children(child)
            keyword = self.begin(child)
            if keyword[0] == "k" and keyword[1] == "given":
                given.append(self.assignment())
                while self.at_op(","):
                    self.at += 1
                    given.append(self.assignment())
            elif keyword[0] == "k" and keyword[1] == "expect":
                expectations.append(self.expectation(keyword, child))
            else:
                raise Unsupported("not a statement of a case")
            self.done()
        return ast.Case(
            self.statement_span(first, line), self.text(name), tuple(given), tuple(expectations)
        )

    def assignment(self) -> ast.Assignment:
        name = self.take_name(keyword_ok=True)
        self.take_op("=")
        token = self.peek()
        if token[0] in ("w", "k"):
            self.at += 1
            if token[0] == "w" and not _NAME.match(token[1]):
                raise Unsupported("not a name")
            value = ast.Value(self.tok(token), token[1], name=token[1])
            end = token
        else:
            number, text, first, end = self.signed_number()
            unit = self.unit_after()
            unit_text = unit[1] if unit else None
            if unit is not None:
                end = unit
            value = ast.Value(
                _span(self.file, first[2], first[3], end[2], end[3] + len(end[1])),
                text + (" " + unit_text if unit_text else ""),
                number=number,
                unit=unit_text,
            )
        span = _span(self.file, name[2], name[3], end[2], end[3] + len(end[1]))
        return ast.Assignment(span, name[1], value)

    def expectation(self, keyword: Token, line: _Line) -> ast.Expectation:
        kind = self.take()
        if kind[0] != "k" or kind[1] not in ("end", "recommends", "needs", "path"):
            raise Unsupported("not an expectation")
        values: tuple[str, ...]
        if kind[1] == "recommends":
            tokens = [self.take_kind("s")]
            values = (self.text(tokens[0]),)
        elif kind[1] == "end":
            tokens = [self.take_name(keyword_ok=True)]
            values = (tokens[0][1],)
        else:
            tokens = self.take_names()
            values = tuple(t[1] for t in tokens)
        return ast.Expectation(
            self.statement_span(keyword, line),
            kind[1],
            values,
            tuple(self.tok(t) for t in tokens),
        )

    # ------------------------------------------------------------ expressions
    # Lark builds most expression spans from its children's "containers": a child in
    # brackets counts from its "(" to its ")", though its own span is the inside
    # only. ``bracketed`` keeps those outer extents for the expressions that have
    # one; the arithmetic chains (``ToAst._fold``) use the inner spans instead.

    def starts(self, expr: ast.Expr) -> tuple[int, int]:
        outer = self.bracketed.get(id(expr))
        return (outer[0], outer[1]) if outer else (expr.span.line, expr.span.column)

    def ends(self, expr: ast.Expr) -> tuple[int, int]:
        outer = self.bracketed.get(id(expr))
        return (outer[2], outer[3]) if outer else (expr.span.end_line, expr.span.end_column)

    def around(self, first: ast.Expr, last: ast.Expr) -> Span:
        return _span(self.file, *self.starts(first), *self.ends(last))

    def after(self, token: Token, last: ast.Expr) -> Span:
        return _span(self.file, token[2], token[3], *self.ends(last))

    def expression(self) -> ast.Expr:
        start = self.at
        expr = self.or_expr()
        if self.at - start > _SHALLOW_TOKENS and _depth(expr) > _DEEPEST:
            raise Unsupported("an expression too deep for the fast reader")
        return expr

    def or_expr(self) -> ast.Expr:
        return self.joined("or", self.and_expr, ast.Or)

    def and_expr(self) -> ast.Expr:
        return self.joined("and", self.not_expr, ast.And)

    def joined(
        self, word: str, operand: Callable[[], ast.Expr], node: type[ast.Or] | type[ast.And]
    ) -> ast.Expr:
        """``a or b or c`` (``and`` alike): one node holding every operand."""
        first = operand()
        if not self.at_word(word):
            return first
        operands = [first]
        while self.at_word(word):
            self.at += 1
            operands.append(operand())
        return node(self.around(first, operands[-1]), tuple(operands))

    def not_expr(self) -> ast.Expr:
        token = self.peek()
        if token[0] == "k" and token[1] == "not":
            self.at += 1
            operand = self.not_expr()
            return ast.Not(self.after(token, operand), operand)
        return self.comparison()

    def comparison(self) -> ast.Expr:
        left = self.arithmetic()
        token = self.peek()
        kind, text = token[0], token[1]
        if kind == "o" and text in _COMPARATORS:
            self.at += 1
            right = self.arithmetic()
            return ast.Compare(self.around(left, right), text, left, right)
        if kind != "k":
            return left
        if text == "in" or (text == "not" and self.tokens[self.at + 1][:2] == ("k", "in")):
            negated = text == "not"
            self.at += 2 if negated else 1
            self.take_op("{")
            names = self.take_names()
            close = self.take_op("}")
            values = tuple(ast.Name(self.tok(t), t[1]) for t in names)
            span = _span(self.file, *self.starts(left), close[2], close[3] + 1)
            return ast.InSet(span, left, values, negated)
        if text == "is":
            self.at += 1
            word = self.take()
            if word[0] != "k" or word[1] not in ("known", "unknown"):
                raise Unsupported("expected known or unknown")
            span = _span(self.file, *self.starts(left), word[2], word[3] + len(word[1]))
            return ast.IsKnown(span, left, negated=word[1] == "unknown")
        return left

    def arithmetic(self) -> ast.Expr:
        """A sum of products; most operands are a lone name or number, so look for an
        operator once before taking the general road."""
        first = self.unary()
        token = self.tokens[self.at]
        if token[0] != "o" or token[1] not in _ARITHMETIC:
            return first
        head = self.chain(self.unary, ("*", "/"), first)
        return self.chain(self.product, ("+", "-"), head)

    def product(self) -> ast.Expr:
        return self.chain(self.unary, ("*", "/"))

    def chain(
        self,
        operand: Callable[[], ast.Expr],
        operators: tuple[str, str],
        first: ast.Expr | None = None,
    ) -> ast.Expr:
        """``a + b - c``: left-nested, each span from its inner operands (ToAst._fold),
        the whole chain's outer extent from the outermost ones. ``first`` is the first
        operand when already read."""
        if first is None:
            first = operand()
        result = first
        token = self.peek()
        if token[0] != "o" or token[1] not in operators:
            return result
        while token[0] == "o" and token[1] in operators:
            self.at += 1
            right = operand()
            result = ast.Arithmetic(result.span.to(right.span), token[1], result, right)
            token = self.peek()
        outer = (*self.starts(first), *self.ends(right))
        span = result.span
        if outer != (span.line, span.column, span.end_line, span.end_column):
            self.bracketed[id(result)] = outer
        return result

    def unary(self) -> ast.Expr:
        token = self.take()
        kind, text = token[0], token[1]
        if kind == "w":
            if not _NAME.match(text):
                raise Unsupported("not a name")
            return _built(ast.Name, span=self.tok(token), name=text)
        if kind == "n":
            unit = self.unit_after()
            end = unit or token
            return _built(
                ast.Quantity,
                span=_span(self.file, token[2], token[3], end[2], end[3] + len(end[1])),
                number=text,
                unit=unit[1] if unit else None,
            )
        if kind == "o":
            if text == "-":
                operand = self.unary()
                return ast.Negate(self.after(token, operand), operand)
            if text == "(":
                inner = self.or_expr()
                close = self.take_op(")")
                # Lark inlines the brackets: the span is the inside's, the outer
                # extent (for the enclosing expression) the brackets'.
                self.bracketed[id(inner)] = (token[2], token[3], close[2], close[3] + 1)
                return inner
        if kind == "k" and text in ("count", "points"):
            self.take_word("of")
            self.take_op("(")
            parts: list[Any] = [self.or_expr() if text == "count" else self.weight()]
            while self.at_op(","):
                self.at += 1
                parts.append(self.or_expr() if text == "count" else self.weight())
            close = self.take_op(")")
            span = _span(self.file, token[2], token[3], close[2], close[3] + 1)
            if text == "count":
                return ast.CountOf(span, tuple(parts))
            return ast.PointsOf(span, tuple(parts))
        raise Unsupported("not an expression")

    def weight(self) -> ast.Weight:
        points, text, first, _ = self.signed_number()
        self.take_word("if")
        condition = self.or_expr()
        return ast.Weight(self.after(first, condition), points, text, condition)


def _depth(expr: ast.Expr) -> int:
    """The depth Lark's ``tree_depth`` gives an expression, counted without recursion:
    every operand of a chain ``a + b - c`` sits one level per operator deeper
    (``transform.depth_step``). Brackets are not seen here, so a bracketed chain
    counts with its neighbours: never less than Lark's count."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        operands = _chain(node) if isinstance(node, ast.Arithmetic) else None
        if operands is not None:
            stack.extend((operand, depth + len(operands) - 1) for operand in operands)
        else:
            stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _chain(node: ast.Arithmetic) -> list[ast.Expr]:
    """The operands of the left-nested chain of ``+ -`` (or ``* /``) rooted at ``node``."""
    group = "+-" if node.op in "+-" else "*/"
    operands = [node.right]
    left = node.left
    while isinstance(left, ast.Arithmetic) and left.op in group:
        operands.append(left.right)
        left = left.left
    operands.append(left)
    return operands


def _children(node: Any) -> tuple[Any, ...]:
    if isinstance(node, ast.Arithmetic | ast.Compare):
        return (node.left, node.right)
    if isinstance(node, ast.Not | ast.Negate | ast.InSet | ast.IsKnown):
        return (node.operand,)
    if isinstance(node, ast.And | ast.Or | ast.CountOf):
        return node.operands
    if isinstance(node, ast.PointsOf):
        return node.weights
    if isinstance(node, ast.Weight):
        return (node.condition,)
    return ()

"""The AST (dsl/ast.py) built while Lark parses: one method per grammar rule.

``ToAst`` is given to Lark as its inline ``transformer``, so each method runs when
the LALR parser reduces its rule and no parse tree is ever made. A method sees the
rule's kept children (tokens and what the methods below returned), not Lark's
positions, so spans come from the tokens: a statement begins where its line's text
does (every statement starts a line) and ends with the last character of code on
its last line; an expression runs from its first token to its last.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

from lark import Token, Transformer

from . import ast
from .files import MAX_NUMBER_DIGITS
from .quoted import unquote
from .spans import Span
from .suppress import comment_start

# Deeper expressions than this are almost certainly generated or broken, and every
# later stage walks expressions recursively.
MAX_EXPRESSION_DEPTH = 64


class Misplaced(Exception):
    """A block that parses but cannot stand as written (a field given twice, a
    statement out of order, an expression nested too deep)."""

    def __init__(self, code: str, message: str, span: Span, note: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.note = note


def _once(statements: list[Any], key: str, what: str) -> None:
    """Refuse a second ``key`` statement in one block (``next``, ``otherwise``)."""
    found = [c for c in statements if isinstance(c, tuple) and c[0] == key]
    if len(found) > 1:
        first, second = found[0][1], found[1][1]
        raise Misplaced(
            "CP009",
            f"a second `{what}` in one block",
            second.span,
            f"the first is on line {first.span.line}; keep one",
        )


def _readable(token: Token, span: Span) -> None:
    """Refuse a number with more digits than carepath computes with (CP013)."""
    digits = sum(ch.isdigit() for ch in token.value)
    if digits > MAX_NUMBER_DIGITS:
        raise Misplaced(
            "CP013",
            f"a number of {digits} digits; carepath reads at most {MAX_NUMBER_DIGITS}",
            span,
            "no clinical threshold needs that many: check for a pasted or repeated value",
        )


class _Number:
    """A signed number as written, with where it was written."""

    __slots__ = ("span", "text", "value")

    def __init__(self, value: Fraction, text: str, span: Span) -> None:
        self.value = value
        self.text = text
        self.span = span


class ToAst(Transformer[Token, Any]):
    """Builds the AST for one text. ``line_offset`` is added to every line number, for
    a block parsed on its own (dsl/parser.py's recovery)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.reset("<text>", "")

    def reset(self, file: str, text: str, line_offset: int = 0) -> None:
        self.file = file
        self.lines = text.split("\n")
        self.offset = line_offset
        # The depth of every expression deeper than a leaf, and the extent of every
        # expression written in parentheses (its span does not hold them, the span
        # of an expression around it does), by identity: the nodes stay alive in the
        # parse for as long as these are read.
        self.depths: dict[int, int] = {}
        self.extents: dict[int, Span] = {}

    # -------------------------------------------------------------- spans
    def _tok(self, token: Token) -> Span:
        line = (token.line or 1) + self.offset
        column = token.column or 1
        end_line = (token.end_line or token.line or 1) + self.offset
        end_column = token.end_column or column + len(token.value)
        return Span(self.file, line, column, end_line, end_column)

    def _where(self, child: Any) -> Span:
        """The span of a child: a token, a span, a node, or a (key, value, where) tuple."""
        if isinstance(child, Token):
            return self._tok(child)
        if isinstance(child, Span):
            return child
        if isinstance(child, tuple):
            last = child[-1]
            return self._where(last if isinstance(last, Span | Token) else child[1])
        span: Span = child.span
        return span

    def _statement(self, children: list[Any]) -> Span:
        """From the start of the first child's line to the last code on the last one's."""
        first = self._where(children[0]).line
        last = max(first, self._where(children[-1]).end_line)
        return Span(self.file, first, self._indent(first) + 1, last, len(self._code(last)) + 1)

    def _line(self, line: int) -> str:
        index = line - self.offset - 1
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def _code(self, line: int) -> str:
        text = self._line(line)
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            return ""
        # A trailing comment is not part of the statement: end its span before it.
        comment = comment_start(text) if "#" in text else None
        return (text if comment is None else text[:comment]).rstrip()

    def _indent(self, line: int) -> int:
        text = self._line(line)
        return len(text) - len(text.lstrip()) if text.strip() else 0

    def _str(self, token: Token) -> str:
        return unquote(token.value, self.file, (token.line or 1) + self.offset, token.column or 1)

    def _outer(self, expr: Any) -> Span:
        """The span of ``expr`` with the parentheses written around it."""
        span: Span = self.extents.get(id(expr)) or expr.span
        return span

    def _expression(self, expr: ast.Expr, *children: Any) -> ast.Expr:
        """``expr`` with its depth noted; too deep an expression stops the parse."""
        depth = 1 + max((self.depths.get(id(c), 1) for c in children), default=0)
        if depth > MAX_EXPRESSION_DEPTH:
            raise Misplaced(
                "CP005",
                f"expression nested more than {MAX_EXPRESSION_DEPTH} levels deep",
                expr.span,
                "split it into `define` values that each say one thing",
            )
        self.depths[id(expr)] = depth
        return expr

    # -------------------------------------------------------------- file
    def start(self, children: list[Any]) -> ast.PathwayFile:
        header: ast.PathwayHeader = children[0]
        last = children[-1]
        # Blank and comment lines before the header belong to the file too.
        span = Span(self.file, 1, 1, last.span.end_line, last.span.end_column)
        return ast.pathway_file(span, header, children[1:])

    def fragment(self, children: list[Any]) -> Any:
        return children[0]

    def pathway_block(self, children: list[Any]) -> ast.PathwayHeader:
        name, title, *fields = children
        span = self._statement(children)
        values: dict[str, Any] = {}
        duplicates: list[Span] = []
        for key, value, field_span in fields:
            if key in values and key != "authors":
                duplicates.append(field_span)
            if key == "authors":
                values["authors"] = values.get("authors", ()) + value
            else:
                values[key] = value
            if key in ("status", "reviewed"):
                values[f"{key}_span"] = Span(
                    field_span.file,
                    field_span.line,
                    field_span.end_column - len(value),
                    field_span.line,
                    field_span.end_column,
                )
        metadata = ast.Metadata(span=span, duplicates=tuple(duplicates), **values)
        return ast.PathwayHeader(span, name.value, self._str(title), metadata)

    def _field(self, key: str, value: Any, c: list[Token]) -> tuple[str, Any, Span]:
        return (key, value, self._statement(c))

    def version(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("version", self._str(c[0]), c)

    def status(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("status", c[0].value, c)

    def population(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("population", self._str(c[0]), c)

    def authors(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("authors", tuple(self._str(t) for t in c), c)

    def reviewed(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("reviewed", c[0].value, c)

    def description(self, c: list[Token]) -> tuple[str, Any, Span]:
        return self._field("description", self._str(c[0]), c)

    # -------------------------------------------------------------- references
    def reference(self, children: list[Any]) -> ast.Reference:
        name, title, *attrs = children
        span = self._statement(children)
        keys = [key for key, _, _ in attrs]
        repeated = next((key for i, key in enumerate(keys) if key in keys[:i]), None)
        if repeated is not None:
            raise Misplaced(
                "CP009",
                f"a second `{repeated}` on reference `{name.value}`",
                span,
                "a reference has one of each; keep the right one",
            )
        return ast.Reference(
            span, name.value, self._str(title), **{key: value for key, value, _ in attrs}
        )

    def ref_year(self, c: list[Token]) -> tuple[str, Any, Token]:
        return ("year", int(c[0].value), c[0])

    def ref_url(self, c: list[Token]) -> tuple[str, Any, Token]:
        return ("url", self._str(c[0]), c[0])

    def ref_grade(self, c: list[Token]) -> tuple[str, Any, Token]:
        token = c[0]
        return ("grade", self._str(token) if token.type == "STRING" else token.value, token)

    def ref_publisher(self, c: list[Token]) -> tuple[str, Any, Token]:
        return ("publisher", self._str(c[0]), c[0])

    # -------------------------------------------------------------- inputs
    def input_decl(self, children: list[Any]) -> ast.Input:
        name, type_spec, *rest = children
        rng = next((c for c in rest if isinstance(c, ast.Range)), None)
        desc = next((self._str(c) for c in rest if isinstance(c, Token)), None)
        return ast.Input(self._statement(children), name.value, type_spec, rng, desc)

    def setting_decl(self, children: list[Any]) -> ast.Input:
        name, type_spec, *rest = children
        rng = next((c for c in rest if isinstance(c, ast.Range)), None)
        default = next((c for c in rest if isinstance(c, ast.Value)), None)
        desc = next((self._str(c) for c in rest if isinstance(c, Token)), None)
        span = self._statement(children)
        return ast.Input(span, name.value, type_spec, rng, desc, setting=True, default=default)

    def setting_default(self, c: list[Any]) -> ast.Value:
        value: ast.Value = c[0]
        return value

    def _type_span(self, c: list[Token]) -> Span:
        return self._tok(c[0]).to(self._tok(c[-1]))

    def boolean_type(self, c: list[Token]) -> ast.TypeSpec:
        return ast.BooleanSpec(self._type_span(c))

    def enum_type(self, c: list[Token]) -> ast.TypeSpec:
        values = c[1:]
        return ast.EnumSpec(
            self._type_span(c), tuple(t.value for t in values), tuple(map(self._tok, values))
        )

    def integer_type(self, c: list[Token]) -> ast.TypeSpec:
        return ast.NumberSpec(self._type_span(c), True, c[1].value if len(c) > 1 else None)

    def decimal_type(self, c: list[Token]) -> ast.TypeSpec:
        return ast.NumberSpec(self._type_span(c), False, c[1].value if len(c) > 1 else None)

    def duration_type(self, c: list[Token]) -> ast.TypeSpec:
        return ast.DurationSpec(self._type_span(c))

    def range(self, c: list[tuple[_Number, str | None, Span]]) -> ast.Range:
        (low, low_unit, low_span), (high, high_unit, high_span) = c
        return ast.Range(
            low_span.to(high_span),
            low.value,
            high.value,
            low.text + (" " + low_unit if low_unit else ""),
            high.text + (" " + high_unit if high_unit else ""),
            low_unit,
            high_unit,
        )

    def range_bound(self, c: list[Any]) -> tuple[_Number, str | None, Span]:
        number, *unit = c
        span = number.span.to(self._tok(unit[0])) if unit else number.span
        return number, unit[0].value if unit else None, span

    def signed_number(self, c: list[Token]) -> _Number:
        text = "".join(t.value for t in c)
        span = self._tok(c[0]).to(self._tok(c[-1]))
        _readable(c[-1], span)
        return _Number(Fraction(text), text, span)

    def define(self, children: list[Any]) -> ast.Define:
        name, expr, *rest = children
        desc = self._str(rest[0]) if rest else None
        return ast.Define(self._statement(children), name.value, expr, desc)

    # -------------------------------------------------------------- nodes
    def start_stmt(self, c: list[Token]) -> ast.Start:
        return ast.Start(self._statement(c), ast.Target(self._tok(c[0]), c[0].value))

    def decision(self, children: list[Any]) -> ast.Decision:
        name, label, *rest = children
        span = self._statement(children)
        policy = "unique"
        if rest and isinstance(rest[0], Token) and rest[0].type == "POLICY":
            policy = rest.pop(0).value
        _once(rest, "otherwise", "otherwise")
        branches = tuple(c for c in rest if isinstance(c, ast.Branch))
        for position, c in enumerate(rest):
            if (
                isinstance(c, tuple)
                and c[0] == "otherwise"
                and any(isinstance(later, ast.Branch) for later in rest[position:])
            ):
                raise Misplaced(
                    "CP011",
                    "`otherwise` must come after every `when`",
                    c[1].span,
                    "it is taken only when no `when` holds; write it last",
                )
        otherwise = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "otherwise"), None)
        return ast.Decision(
            span,
            name.value,
            self._str(label),
            _notes(rest),
            _cites(rest),
            policy,
            branches,
            otherwise,
        )

    def branch(self, c: list[Any]) -> ast.Branch:
        guard, target = c
        return ast.Branch(self._statement(c), guard, ast.Target(self._tok(target), target.value))

    def otherwise(self, c: list[Token]) -> tuple[str, ast.Target]:
        return ("otherwise", ast.Target(self._tok(c[0]), c[0].value))

    def action(self, children: list[Any]) -> ast.Action:
        name, label, *rest = children
        _once(rest, "next", "next")
        nxt = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "next"), None)
        return ast.Action(
            self._statement(children),
            name.value,
            self._str(label),
            _notes(rest),
            _cites(rest),
            _items(rest),
            nxt,
        )

    def next_stmt(self, c: list[Token]) -> tuple[str, ast.Target]:
        return ("next", ast.Target(self._tok(c[0]), c[0].value))

    def end_node(self, children: list[Any]) -> ast.End:
        name, *rest = children
        span = self._statement(children)
        has_label = bool(rest) and isinstance(rest[0], Token)
        label = self._str(rest.pop(0)) if has_label else ""
        return ast.End(
            span,
            name.value,
            label,
            _notes(rest),
            _cites(rest),
            _items(rest),
            has_label,
        )

    def item(self, children: list[Any]) -> ast.Item:
        kind, text, *attrs = children
        citations: tuple[ast.Citation, ...] = ()
        strength: str | None = None
        strength_span: Span | None = None
        guard: ast.Expr | None = None
        for key, value, span in attrs:
            if key == "cite":
                citations += value
            elif (key == "strength" and strength is not None) or (key == "when" and guard):
                raise Misplaced(
                    "CP009",
                    f"a second `{key}` on one recommendation",
                    span,
                    "join the conditions with `and`"
                    if key == "when"
                    else "a recommendation has one strength",
                )
            elif key == "strength":
                strength, strength_span = value, span
            else:
                guard = value
        return ast.Item(
            self._statement(children),
            kind.value,
            self._str(text),
            citations,
            strength,
            strength_span,
            guard,
        )

    def group(self, c: list[Any]) -> tuple[str, tuple[ast.Item, ...], Span]:
        label, policy, *items = c
        span = self._statement(c)
        group = ast.Group(span, self._str(label), " ".join(policy.value.split()))
        return ("group", tuple(dataclasses.replace(i, group=group) for i in items), span)

    def cite(self, c: list[Token]) -> tuple[str, Any, Span]:
        citations = tuple(ast.Citation(self._tok(t), t.value) for t in c)
        return ("cite", citations, citations[0].span.to(citations[-1].span))

    def strength(self, c: list[Token]) -> tuple[str, Any, Span]:
        return ("strength", c[0].value, self._tok(c[0]))

    def item_guard(self, c: list[Any]) -> tuple[str, Any, Span]:
        return ("when", c[0], c[0].span)

    def note(self, c: list[Token]) -> tuple[str, str, Span]:
        return ("note", self._str(c[0]), self._tok(c[0]))

    def cite_stmt(self, c: list[Any]) -> Any:
        return c[0]

    # -------------------------------------------------------------- cases
    def case(self, children: list[Any]) -> ast.Case:
        name, *rest = children
        given: tuple[ast.Assignment, ...] = ()
        expectations: list[ast.Expectation] = []
        for c in rest:
            if isinstance(c, ast.Expectation):
                expectations.append(c)
            else:
                given += c[1]
        return ast.Case(self._statement(children), self._str(name), given, tuple(expectations))

    def given(self, c: list[ast.Assignment]) -> tuple[str, tuple[ast.Assignment, ...], Span]:
        return ("given", tuple(c), c[0].span.to(c[-1].span))

    def assignment(self, c: list[Any]) -> ast.Assignment:
        return ast.Assignment(self._tok(c[0]).to(c[1].span), c[0].value, c[1])

    def name_value(self, c: list[Token]) -> ast.Value:
        return ast.Value(self._tok(c[0]), c[0].value, name=c[0].value)

    def number_value(self, c: list[Any]) -> ast.Value:
        number, *unit = c
        unit_text = unit[0].value if unit else None
        full = number.text + (" " + unit_text if unit_text else "")
        span = number.span.to(self._tok(unit[0])) if unit else number.span
        return ast.Value(span, full, number=number.value, unit=unit_text)

    def _expect(self, kind: str, tokens: list[Token]) -> ast.Expectation:
        values = tuple(self._str(t) if t.type == "STRING" else t.value for t in tokens)
        return ast.Expectation(self._statement(tokens), kind, values, tuple(map(self._tok, tokens)))

    def expect_end(self, c: list[Token]) -> ast.Expectation:
        return self._expect("end", c)

    def expect_recommends(self, c: list[Token]) -> ast.Expectation:
        return self._expect("recommends", c)

    def expect_not_recommends(self, c: list[Token]) -> ast.Expectation:
        return self._expect("not recommends", c)

    def expect_incomplete(self, c: list[Token]) -> ast.Expectation:
        expectation = self._expect("incomplete", c)
        return ast.Expectation(expectation.span, "incomplete", (), ())

    def expect_needs(self, c: list[Token]) -> ast.Expectation:
        return self._expect("needs", c)

    def expect_path(self, c: list[Token]) -> ast.Expectation:
        return self._expect("path", c)

    # -------------------------------------------------------------- expressions
    def or_expr(self, c: list[ast.Expr]) -> ast.Expr:
        return self._expression(ast.Or(self._outer(c[0]).to(self._outer(c[-1])), tuple(c)), *c)

    def and_expr(self, c: list[ast.Expr]) -> ast.Expr:
        return self._expression(ast.And(self._outer(c[0]).to(self._outer(c[-1])), tuple(c)), *c)

    def not_op(self, c: list[Any]) -> ast.Expr:
        keyword, operand = c
        span = self._tok(keyword).to(self._outer(operand))
        return self._expression(ast.Not(span, operand), operand)

    def compare(self, c: list[Any]) -> ast.Expr:
        left, op, right = c
        span = self._outer(left).to(self._outer(right))
        return self._expression(ast.Compare(span, op.value, left, right), left, right)

    def chain(self, c: list[Any]) -> ast.Expr:
        low, first, middle, second, high = c
        ops = (first.value, second.value)
        span = self._outer(low).to(self._outer(high))
        if not (set(ops) <= {"<", "<="} or set(ops) <= {">", ">="}):
            written = f"{ops[0]} … {ops[1]}"
            raise Misplaced(
                "CP012",
                f"a chained comparison runs one way: `{written}` does not",
                span,
                "write `low <= x < high` (or `high > x >= low`); join other comparisons with `and`",
            )
        chain = ast.Chain(span, low, middle, high, ops)
        return self._expression(chain, low, middle, high)

    def between(self, c: list[Any]) -> ast.Expr:
        middle, low, high = c
        span = self._outer(middle).to(self._outer(high))
        chain = ast.Chain(span, low, middle, high, ("<=", "<="), between=True)
        return self._expression(chain, low, middle, high)

    def in_set(self, c: list[Any]) -> ast.Expr:
        return self._in(c, negated=False)

    def not_in_set(self, c: list[Any]) -> ast.Expr:
        return self._in(c, negated=True)

    def _in(self, c: list[Any], negated: bool) -> ast.Expr:
        operand, *names, close = (t for t in c if not (isinstance(t, Token) and t.type == "NOT"))
        values = tuple(ast.Name(self._tok(t), t.value) for t in names)
        span = self._outer(operand).to(self._tok(close))
        return self._expression(ast.InSet(span, operand, values, negated), operand)

    def is_known(self, c: list[Any]) -> ast.Expr:
        operand, keyword = c
        span = self._outer(operand).to(self._tok(keyword))
        return self._expression(ast.IsKnown(span, operand, negated=False), operand)

    def is_unknown(self, c: list[Any]) -> ast.Expr:
        operand, keyword = c
        span = self._outer(operand).to(self._tok(keyword))
        return self._expression(ast.IsKnown(span, operand, negated=True), operand)

    def sum(self, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def product(self, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def _fold(self, c: list[Any]) -> ast.Expr:
        # Left-associative: a - b - c is (a - b) - c.
        result: ast.Expr = c[0]
        for op, right in zip(c[1::2], c[2::2], strict=True):
            result = self._expression(
                ast.Arithmetic(result.span.to(right.span), op.value, result, right), result, right
            )
        return result

    def negate(self, c: list[Any]) -> ast.Expr:
        minus, operand = c
        span = self._tok(minus).to(self._outer(operand))
        return self._expression(ast.Negate(span, operand), operand)

    def parenthesized(self, c: list[Any]) -> ast.Expr:
        opening, expr, closing = c
        self.extents[id(expr)] = self._tok(opening).to(self._tok(closing))
        result: ast.Expr = expr
        return result

    def quantity(self, c: list[Token]) -> ast.Expr:
        unit = c[1].value if len(c) > 1 else None
        span = self._tok(c[0]).to(self._tok(c[-1]))
        _readable(c[0], span)
        return ast.Quantity(span, c[0].value, unit)

    def name(self, c: list[Token]) -> ast.Expr:
        return ast.Name(self._tok(c[0]), c[0].value)

    def count_of(self, c: list[Any]) -> ast.Expr:
        keyword, *operands, close = c
        span = self._tok(keyword).to(self._tok(close))
        return self._expression(ast.CountOf(span, tuple(operands)), *operands)

    def points_of(self, c: list[Any]) -> ast.Expr:
        keyword, *weights, close = c
        span = self._tok(keyword).to(self._tok(close))
        conditions = [w.condition for w in weights]
        return self._expression(ast.PointsOf(span, tuple(weights)), *conditions)

    def weight(self, c: list[Any]) -> ast.Weight:
        points, condition = c
        span = points.span.to(self._outer(condition))
        return ast.Weight(span, points.value, points.text, condition)


def _items(children: list[Any]) -> tuple[ast.Item, ...]:
    """The items as written, a group's in its place."""
    found: list[ast.Item] = []
    for c in children:
        if isinstance(c, ast.Item):
            found.append(c)
        elif isinstance(c, tuple) and c[0] == "group":
            found.extend(c[1])
    return tuple(found)


def _notes(children: list[Any]) -> tuple[str, ...]:
    return tuple(c[1] for c in children if isinstance(c, tuple) and c[0] == "note")


def _cites(children: list[Any]) -> tuple[ast.Citation, ...]:
    found: tuple[ast.Citation, ...] = ()
    for c in children:
        if isinstance(c, tuple) and c[0] == "cite":
            found += c[1]
    return found

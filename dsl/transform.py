"""Lark parse tree -> AST (dsl/ast.py). One method per grammar rule."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import GrammarError, VisitError
from lark.tree import Meta

from . import ast
from .quoted import unquote
from .spans import Span
from .suppress import comment_start


class Misplaced(Exception):
    """A statement that parses but cannot stand where it is (given twice, out of order)."""

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


@v_args(meta=True)
class ToAst(Transformer[Token, ast.PathwayFile]):
    """Builds the AST. Spans come from Lark's propagated positions."""

    def __init__(self, file: str, text: str = "") -> None:
        # No method here handles a token type, so tokens need not be visited.
        super().__init__(visit_tokens=False)
        self.file = file
        self.lines = text.split("\n")

    def _call_userfunc(self, tree: Tree[Token], new_children: list[Any] | None = None) -> Any:
        # Lark resolves a v_args method by building a new wrapper (functools.update_wrapper)
        # for every tree node, a third of the AST's cost; call the plain function instead,
        # with the same (meta, children) arguments and the same VisitError wrapping.
        method = type(self).__dict__.get(tree.data)
        base = getattr(method, "base_func", None)
        if base is None:
            return super()._call_userfunc(tree, new_children)  # type: ignore[no-untyped-call]
        children = new_children if new_children is not None else tree.children
        try:
            return base(self, tree.meta, children)
        except GrammarError:
            raise
        except Exception as error:
            raise VisitError(tree.data, tree, error) from error  # type: ignore[no-untyped-call]

    # -------------------------------------------------------------- helpers
    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return Span.point(self.file, 1)
        end_line, end_column = meta.end_line, meta.end_column
        # A statement's positions run through its newline token; end it at the last
        # character of its text instead.
        while end_line > meta.line and end_column <= self._indent(end_line) + 1:
            end_line -= 1
            end_column = len(self._code(end_line)) + 1
        return Span(self.file, meta.line, meta.column, end_line, end_column)

    def _code(self, line: int) -> str:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            return ""
        # A trailing comment is not part of the statement: end its span before it.
        comment = comment_start(text) if "#" in text else None
        return (text if comment is None else text[:comment]).rstrip()

    def _indent(self, line: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text) - len(text.lstrip()) if text.strip() else len(text)

    def _tok(self, token: Token) -> Span:
        return Span(
            self.file,
            token.line or 1,
            token.column or 1,
            token.end_line or token.line or 1,
            token.end_column or (token.column or 1) + len(token.value),
        )

    def _str(self, token: Token) -> str:
        return unquote(token.value, self.file, token.line or 1, token.column or 1)

    # -------------------------------------------------------------- file
    def start(self, meta: Meta, children: list[Any]) -> ast.PathwayFile:
        header: ast.PathwayHeader = children[0]
        return ast.pathway_file(self._span(meta), header, children[1:])

    def pathway_block(self, meta: Meta, children: list[Any]) -> ast.PathwayHeader:
        name, title, *fields = children
        values: dict[str, Any] = {}
        duplicates: list[Span] = []
        for key, value, span in fields:
            if key in values and key != "authors":
                duplicates.append(span)
            if key == "authors":
                values["authors"] = values.get("authors", ()) + value
            else:
                values[key] = value
            if key in ("status", "reviewed"):
                values[f"{key}_span"] = Span(
                    span.file, span.line, span.end_column - len(value), span.line, span.end_column
                )
        metadata = ast.Metadata(span=self._span(meta), duplicates=tuple(duplicates), **values)
        return ast.PathwayHeader(self._span(meta), name.value, self._str(title), metadata)

    def version(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("version", self._str(c[0]), self._span(meta))

    def status(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("status", c[0].value, self._span(meta))

    def population(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("population", self._str(c[0]), self._span(meta))

    def authors(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("authors", tuple(self._str(t) for t in c), self._span(meta))

    def reviewed(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("reviewed", c[0].value, self._span(meta))

    def description(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("description", self._str(c[0]), self._span(meta))

    # -------------------------------------------------------------- references
    def reference(self, meta: Meta, children: list[Any]) -> ast.Reference:
        name, title, *attrs = children
        keys = [key for key, _ in attrs]
        repeated = next((key for i, key in enumerate(keys) if key in keys[:i]), None)
        if repeated is not None:
            raise Misplaced(
                "CP009",
                f"a second `{repeated}` on reference `{name.value}`",
                self._span(meta),
                "a reference has one of each; keep the right one",
            )
        return ast.Reference(self._span(meta), name.value, self._str(title), **dict(attrs))

    def ref_year(self, meta: Meta, c: list[Token]) -> tuple[str, Any]:
        return ("year", int(c[0].value))

    def ref_url(self, meta: Meta, c: list[Token]) -> tuple[str, Any]:
        return ("url", self._str(c[0]))

    def ref_grade(self, meta: Meta, c: list[Token]) -> tuple[str, Any]:
        token = c[0]
        return ("grade", self._str(token) if token.type == "STRING" else token.value)

    def ref_publisher(self, meta: Meta, c: list[Token]) -> tuple[str, Any]:
        return ("publisher", self._str(c[0]))

    # -------------------------------------------------------------- inputs
    def input_decl(self, meta: Meta, children: list[Any]) -> ast.Input:
        name, type_spec, *rest = children
        rng = next((c for c in rest if isinstance(c, ast.Range)), None)
        desc = next((self._str(c) for c in rest if isinstance(c, Token)), None)
        return ast.Input(self._span(meta), name.value, type_spec, rng, desc)

    def boolean_type(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        return ast.BooleanSpec(self._span(meta))

    def enum_type(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        return ast.EnumSpec(self._span(meta), tuple(t.value for t in c), tuple(map(self._tok, c)))

    def integer_type(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        return ast.NumberSpec(self._span(meta), True, c[0].value if c else None)

    def decimal_type(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        return ast.NumberSpec(self._span(meta), False, c[0].value if c else None)

    def duration_type(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        return ast.DurationSpec(self._span(meta))

    def range(self, meta: Meta, c: list[tuple[Fraction, str, str | None]]) -> ast.Range:
        (low, low_text, low_unit), (high, high_text, high_unit) = c
        return ast.Range(self._span(meta), low, high, low_text, high_text, low_unit, high_unit)

    def range_bound(self, meta: Meta, c: list[Any]) -> tuple[Fraction, str, str | None]:
        (number, text), *unit = c
        unit_text = unit[0].value if unit else None
        return number, text + (" " + unit_text if unit_text else ""), unit_text

    def signed_number(self, meta: Meta, c: list[Token]) -> tuple[Fraction, str]:
        text = "".join(t.value for t in c)
        return Fraction(text), text

    def define(self, meta: Meta, children: list[Any]) -> ast.Define:
        name, expr, *rest = children
        desc = self._str(rest[0]) if rest else None
        return ast.Define(self._span(meta), name.value, expr, desc)

    # -------------------------------------------------------------- nodes
    def start_stmt(self, meta: Meta, c: list[Token]) -> ast.Start:
        return ast.Start(self._span(meta), ast.Target(self._tok(c[0]), c[0].value))

    def decision(self, meta: Meta, children: list[Any]) -> ast.Decision:
        name, label, *rest = children
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
            self._span(meta),
            name.value,
            self._str(label),
            _notes(rest),
            _cites(rest),
            policy,
            branches,
            otherwise,
        )

    def branch(self, meta: Meta, c: list[Any]) -> ast.Branch:
        guard, target = c
        return ast.Branch(self._span(meta), guard, ast.Target(self._tok(target), target.value))

    def otherwise(self, meta: Meta, c: list[Token]) -> tuple[str, ast.Target]:
        return ("otherwise", ast.Target(self._tok(c[0]), c[0].value))

    def action(self, meta: Meta, children: list[Any]) -> ast.Action:
        name, label, *rest = children
        _once(rest, "next", "next")
        nxt = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "next"), None)
        return ast.Action(
            self._span(meta),
            name.value,
            self._str(label),
            _notes(rest),
            _cites(rest),
            tuple(c for c in rest if isinstance(c, ast.Item)),
            nxt,
        )

    def next_stmt(self, meta: Meta, c: list[Token]) -> tuple[str, ast.Target]:
        return ("next", ast.Target(self._tok(c[0]), c[0].value))

    def end_node(self, meta: Meta, children: list[Any]) -> ast.End:
        name, *rest = children
        has_label = bool(rest) and isinstance(rest[0], Token)
        label = self._str(rest.pop(0)) if has_label else ""
        return ast.End(
            self._span(meta),
            name.value,
            label,
            _notes(rest),
            _cites(rest),
            tuple(c for c in rest if isinstance(c, ast.Item)),
            has_label,
        )

    def item(self, meta: Meta, children: list[Any]) -> ast.Item:
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
            self._span(meta), kind.value, self._str(text), citations, strength, strength_span, guard
        )

    def cite(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("cite", tuple(ast.Citation(self._tok(t), t.value) for t in c), self._span(meta))

    def strength(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return ("strength", c[0].value, self._tok(c[0]))

    def item_guard(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return ("when", c[0], self._span(meta))

    def note(self, meta: Meta, c: list[Token]) -> tuple[str, str]:
        return ("note", self._str(c[0]))

    def cite_stmt(self, meta: Meta, c: list[Any]) -> Any:
        return c[0]

    # -------------------------------------------------------------- cases
    def case(self, meta: Meta, children: list[Any]) -> ast.Case:
        name, *rest = children
        given: tuple[ast.Assignment, ...] = ()
        expectations: list[ast.Expectation] = []
        for c in rest:
            if isinstance(c, ast.Expectation):
                expectations.append(c)
            else:
                given += c
        return ast.Case(self._span(meta), self._str(name), given, tuple(expectations))

    def given(self, meta: Meta, c: list[ast.Assignment]) -> tuple[ast.Assignment, ...]:
        return tuple(c)

    def assignment(self, meta: Meta, c: list[Any]) -> ast.Assignment:
        return ast.Assignment(self._span(meta), c[0].value, c[1])

    def name_value(self, meta: Meta, c: list[Token]) -> ast.Value:
        return ast.Value(self._span(meta), c[0].value, name=c[0].value)

    def number_value(self, meta: Meta, c: list[Any]) -> ast.Value:
        (number, text), *unit = c
        unit_text = unit[0].value if unit else None
        full = text + (" " + unit_text if unit_text else "")
        return ast.Value(self._span(meta), full, number=number, unit=unit_text)

    def _expect(self, meta: Meta, kind: str, tokens: list[Token]) -> ast.Expectation:
        values = tuple(self._str(t) if t.type == "STRING" else t.value for t in tokens)
        return ast.Expectation(self._span(meta), kind, values, tuple(map(self._tok, tokens)))

    def expect_end(self, meta: Meta, c: list[Token]) -> ast.Expectation:
        return self._expect(meta, "end", c)

    def expect_recommends(self, meta: Meta, c: list[Token]) -> ast.Expectation:
        return self._expect(meta, "recommends", c)

    def expect_needs(self, meta: Meta, c: list[Token]) -> ast.Expectation:
        return self._expect(meta, "needs", c)

    def expect_path(self, meta: Meta, c: list[Token]) -> ast.Expectation:
        return self._expect(meta, "path", c)

    # -------------------------------------------------------------- expressions
    def or_expr(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Or(self._span(meta), tuple(c))

    def and_expr(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.And(self._span(meta), tuple(c))

    def not_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Not(self._span(meta), c[0])

    def compare(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Compare(self._span(meta), c[1].value, c[0], c[2])

    def in_set(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return self._in(meta, c, negated=False)

    def not_in_set(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return self._in(meta, c, negated=True)

    def _in(self, meta: Meta, c: list[Any], negated: bool) -> ast.Expr:
        operand, *names = c
        values = tuple(ast.Name(self._tok(t), t.value) for t in names)
        return ast.InSet(self._span(meta), operand, values, negated)

    def is_known(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.IsKnown(self._span(meta), c[0], negated=False)

    def is_unknown(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.IsKnown(self._span(meta), c[0], negated=True)

    def sum(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def product(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def _fold(self, c: list[Any]) -> ast.Expr:
        # Left-associative: a - b - c is (a - b) - c.
        result: ast.Expr = c[0]
        for op, right in zip(c[1::2], c[2::2], strict=True):
            result = ast.Arithmetic(result.span.to(right.span), op.value, result, right)
        return result

    def negate(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Negate(self._span(meta), c[1])

    def quantity(self, meta: Meta, c: list[Token]) -> ast.Expr:
        unit = c[1].value if len(c) > 1 else None
        return ast.Quantity(self._span(meta), c[0].value, unit)

    def name(self, meta: Meta, c: list[Token]) -> ast.Expr:
        return ast.Name(self._span(meta), c[0].value)

    def count_of(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.CountOf(self._span(meta), tuple(c))

    def points_of(self, meta: Meta, c: list[ast.Weight]) -> ast.Expr:
        return ast.PointsOf(self._span(meta), tuple(c))

    def weight(self, meta: Meta, c: list[Any]) -> ast.Weight:
        (points, text), condition = c
        return ast.Weight(self._span(meta), points, text, condition)


def _notes(children: list[Any]) -> tuple[str, ...]:
    return tuple(c[1] for c in children if isinstance(c, tuple) and c[0] == "note")


def _cites(children: list[Any]) -> tuple[ast.Citation, ...]:
    found: tuple[ast.Citation, ...] = ()
    for c in children:
        if isinstance(c, tuple) and c[0] == "cite":
            found += c[1]
    return found


def depth_step(node: Tree[Token]) -> int:
    """How much deeper the AST is below ``node`` than the parse tree: a flat
    ``a + b + c + ...`` becomes a left-nested chain, one level per operator."""
    if node.data in ("sum", "product"):
        return max(1, (len(node.children) - 1) // 2)
    return 1


def tree_depth(tree: Tree[Token]) -> int:
    """The depth of the AST a parse tree becomes, computed without recursion (the tree
    may be deep)."""
    deepest = 0
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        step = depth_step(node)
        stack.extend((child, depth + step) for child in node.children if isinstance(child, Tree))
    return deepest

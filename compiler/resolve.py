"""AST -> resolved declarations: every name found, every expression typed, every unit converted.

The result feeds ``graph.build_graph``. Problems are collected as diagnostics;
resolution goes on after an error so that one run shows as many as it can.
"""

from __future__ import annotations

import datetime
import difflib
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from carepath.dsl import ast
from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from . import codes as _codes  # noqa: F401 - registers the CP1xx codes
from . import ir
from .units import (
    DIMENSIONLESS,
    Dimension,
    Unit,
    UnknownUnit,
    dimension_words,
    format_duration,
    format_number,
    parse_unit,
)

STATUSES = ("draft", "active", "retired", "unknown")
STRENGTHS = ("strong", "moderate", "weak", "conditional")
RESERVED = ("true", "false", "unknown")


class _Invalid(Exception):
    """An expression that cannot be typed; its diagnostic has been recorded."""


# AST expression class -> Resolver._expr_<class name>, filled as classes are met.
_EXPRESSIONS: dict[type, Callable[[Resolver, Any], ir.Expr]] = {}


@functools.cache
def _number_type(dimension: Dimension, integer: bool) -> ir.NumberType:
    """One shared (immutable) type per kind of constant, not one per constant."""
    return ir.NumberType(dimension, integer=integer)


@dataclass
class Resolved:
    """Everything in a pathway file, resolved. ``nodes`` keeps the AST nodes (first of
    each id) with their resolved branches and items."""

    header: ast.PathwayHeader
    inputs: dict[str, ir.InputDecl] = field(default_factory=dict)
    defines: dict[str, ir.DefineDecl] = field(default_factory=dict)
    references: dict[str, ir.ReferenceDecl] = field(default_factory=dict)
    nodes: dict[str, ast.Node] = field(default_factory=dict)
    branches: dict[str, tuple[ir.BranchIR, ...]] = field(default_factory=dict)
    items: dict[str, tuple[ir.ItemIR, ...]] = field(default_factory=dict)
    starts: tuple[ast.Start, ...] = ()
    cases: tuple[ir.CaseIR, ...] = ()
    # Where each declared name is used, for "unused" checks.
    used_inputs: set[str] = field(default_factory=set)
    used_defines: set[str] = field(default_factory=set)
    used_references: set[str] = field(default_factory=set)


def did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return (f"did you mean `{close[0]}`?",) if close else ()


class Resolver:
    def __init__(self, pathway: ast.PathwayFile, source: str) -> None:
        self.ast = pathway
        self._values: dict[tuple[str, Unit | None], Fraction] = {}
        self.lines = source.split("\n")
        self.diagnostics: list[Diagnostic] = []
        self.out = Resolved(header=pathway.header)
        self._define_asts: dict[str, ast.Define] = {}
        self._resolving: list[str] = []
        # Defines that could not be typed: their problem is reported once, not at every use.
        self._failed: set[str] = set()
        self._groups: dict[Span, ir.GroupIR] = {}

    # ------------------------------------------------------------ helpers
    def error(self, code: str, message: str, span: Span, *notes: str) -> None:
        self.diagnostics.append(make(code, message, span, notes=notes))

    def text_of(self, span: Span) -> str:
        """The source text of a span (single or multi-line), whitespace collapsed."""
        if span.line == span.end_line:
            return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]
        parts = [self.lines[span.line - 1][span.column - 1 :]]
        parts += self.lines[span.line : span.end_line - 1]
        parts.append(self.lines[span.end_line - 1][: span.end_column - 1])
        return " ".join(p.strip() for p in parts if p.strip())

    def unit(self, text: str, span: Span) -> Unit:
        try:
            return parse_unit(text)
        except UnknownUnit as problem:
            self.error(
                "CP107",
                problem.message(text),
                span,
                "write a UCUM code (wk, mo, a, d, mg/d, mm[Hg]) or a plain word "
                "(weeks, months, years)",
            )
            raise _Invalid from None

    # ------------------------------------------------------------ entry
    def run(self) -> Resolved:
        self._header()
        self._references()
        self._inputs()
        self._defines()
        self._nodes()
        self._cases()
        return self.out

    def _header(self) -> None:
        meta = self.ast.header.metadata
        if meta.status is not None and meta.status not in STATUSES:
            self.error(
                "CP114",
                f"unknown status `{meta.status}`",
                meta.status_span or meta.span,
                "use one of: " + ", ".join(STATUSES),
                *did_you_mean(meta.status, STATUSES),
            )
        if meta.reviewed is not None:
            try:
                datetime.date.fromisoformat(meta.reviewed)
            except ValueError:
                self.error(
                    "CP115",
                    f"`{meta.reviewed}` is not a calendar date",
                    meta.reviewed_span or meta.span,
                    "write the date as YYYY-MM-DD",
                )

    def _references(self) -> None:
        for ref in self.ast.references:
            if ref.id in self.out.references:
                self._duplicate("reference", ref.id, ref.span, self.out.references[ref.id].span)
                continue
            self.out.references[ref.id] = ir.ReferenceDecl(
                ref.id, ref.title, ref.span, ref.year, ref.url, ref.grade, ref.publisher
            )

    def _duplicate(self, kind: str, name: str, span: Span, first: Span) -> None:
        self.diagnostics.append(
            make(
                "CP105",
                f"{kind} `{name}` is declared twice",
                span,
                related=((first, "first declared here"),),
                notes=(f"first declared at line {first.line}",),
            )
        )

    # ------------------------------------------------------------ inputs and defines
    def _inputs(self) -> None:
        for decl in self.ast.inputs:
            if decl.id in RESERVED:
                self.error("CP117", f"`{decl.id}` is a value, not a name", decl.span)
                continue
            if decl.id in self.out.inputs:
                self._duplicate("input", decl.id, decl.span, self.out.inputs[decl.id].span)
                continue
            try:
                value_type = self._input_type(decl.type)
            except _Invalid:
                continue
            low = high = None
            if decl.range is not None:
                low, high = self._range(decl.range, value_type)
            made = ir.InputDecl(decl.id, value_type, decl.description, decl.span, low, high)
            if decl.setting:
                made = self._setting(decl, made)
            self.out.inputs[decl.id] = made

    def _setting(self, decl: ast.Input, made: ir.InputDecl) -> ir.InputDecl:
        """A setting with its default checked like a case's value (type, unit, range)."""
        made = replace(made, setting=True)
        if decl.default is None:
            return made
        given = decl.default
        try:
            value = value_for(made, given.name, given.number, given.unit)
        except InvalidValue as problem:
            self.error("CP119", f"default of `{decl.id}`: {problem}", given.span, *problem.notes)
            return made
        if value is None:
            self.error(
                "CP119",
                f"a setting's default cannot be unknown: `{decl.id}`",
                given.span,
                "leave the default out to make every run give the value with --set",
            )
            return made
        return replace(made, default=value, default_text=given.text)

    def _range(
        self, rng: ast.Range, value_type: ir.ValueType
    ) -> tuple[Fraction | None, Fraction | None]:
        """A plausible range in SI base units; each bound may carry its own unit."""
        if not isinstance(value_type, ir.NumberType):
            self.error(
                "CP110",
                f"{_input_kind(value_type)} input cannot have a plausible range",
                rng.span,
                "ranges are for integer, decimal and duration inputs",
            )
            return None, None
        bounds: list[Fraction] = []
        for number, unit_text, text in (
            (rng.low, rng.low_unit, rng.low_text),
            (rng.high, rng.high_unit, rng.high_text),
        ):
            if unit_text is not None:
                try:
                    unit = self.unit(unit_text, rng.span)
                except _Invalid:
                    return None, None
                if unit.dimension != value_type.dimension:
                    self.error(
                        "CP108",
                        f"the bound `{text}` is {dimension_words(unit.dimension)}"
                        f", but the input is {dimension_words(value_type.dimension)}",
                        rng.span,
                    )
                    return None, None
                bounds.append(number * unit.factor)
            elif value_type.unit is not None:
                bounds.append(number * value_type.unit.factor)
            elif value_type.dimension == DIMENSIONLESS:
                bounds.append(number)
            else:
                self.error(
                    "CP109", f"the bound `{text}` needs a unit", rng.span, "e.g. `0 days..10 years`"
                )
                return None, None
        if bounds[0] > bounds[1]:
            self.error(
                "CP110",
                f"the range {rng.low_text}..{rng.high_text} runs backwards",
                rng.span,
                f"write {rng.high_text}..{rng.low_text}",
            )
            return None, None
        return bounds[0], bounds[1]

    def _input_type(self, spec: ast.TypeSpec) -> ir.ValueType:
        if isinstance(spec, ast.BooleanSpec):
            return ir.BOOLEAN
        if isinstance(spec, ast.DurationSpec):
            return ir.DURATION
        if isinstance(spec, ast.EnumSpec):
            seen: dict[str, Span] = {}
            for value, span in zip(spec.values, spec.value_spans, strict=True):
                if value in seen:
                    self._duplicate("value", value, span, seen[value])
                elif value in RESERVED:
                    self.error("CP117", f"`{value}` cannot be an enumeration value", span)
                seen.setdefault(value, span)
            return ir.EnumType(tuple(seen))
        assert isinstance(spec, ast.NumberSpec)
        if spec.unit is None:
            return ir.NumberType(DIMENSIONLESS, integer=spec.integer)
        unit = self.unit(spec.unit, spec.span)
        return ir.NumberType(unit.dimension, integer=spec.integer, unit=unit)

    def _defines(self) -> None:
        for define in self.ast.defines:
            if define.id in RESERVED:
                self.error("CP117", f"`{define.id}` is a value, not a name", define.span)
            elif define.id in self.out.inputs:
                self._duplicate("name", define.id, define.span, self.out.inputs[define.id].span)
            elif define.id in self._define_asts:
                self._duplicate("define", define.id, define.span, self._define_asts[define.id].span)
            else:
                self._define_asts[define.id] = define
        for name in self._define_asts:
            self._resolve_define(name)

    def _resolve_define(self, name: str) -> ir.DefineDecl | None:
        if name in self.out.defines:
            return self.out.defines[name]
        if name in self._failed:
            return None
        define = self._define_asts[name]
        if name in self._resolving:
            cycle = [*self._resolving[self._resolving.index(name) :], name]
            self.error(
                "CP111",
                f"`{name}` is defined in terms of itself",
                define.span,
                "through " + " -> ".join(cycle),
            )
            return None
        self._resolving.append(name)
        try:
            expr = self.expr(define.expr)
        except _Invalid:
            self._failed.add(name)
            return None
        finally:
            self._resolving.pop()
        decl = ir.DefineDecl(name, expr, ir.type_of(expr), define.description, define.span)
        self.out.defines[name] = decl
        return decl

    # ------------------------------------------------------------ nodes
    def _nodes(self) -> None:
        for node in self.ast.nodes:
            if node.id in self.out.nodes:
                self._duplicate("node", node.id, node.span, self.out.nodes[node.id].span)
                continue
            self.out.nodes[node.id] = node
        self.out.starts = self.ast.starts
        for start in self.ast.starts:
            self.target(start.target)
        for node in self.out.nodes.values():
            self._citations(node.citations)
            if isinstance(node, ast.Decision):
                self.out.branches[node.id] = self._branches(node)
            elif isinstance(node, ast.Action | ast.End):
                self.out.items[node.id] = tuple(self._item(i) for i in node.items)
                if isinstance(node, ast.Action) and node.next is not None:
                    self.target(node.next)

    def target(self, target: ast.Target, *, ends_only: bool = False) -> bool:
        node = self.out.nodes.get(target.id)
        if node is not None and (not ends_only or isinstance(node, ast.End)):
            return True
        # Only on an error: building the pool for every target made loading quadratic.
        pool = [k for k, v in self.out.nodes.items() if not ends_only or isinstance(v, ast.End)]
        what = "end node" if ends_only else "node"
        if ends_only and target.id in self.out.nodes:
            self.error(
                "CP101",
                f"`{target.id}` is not an end node",
                target.span,
                "`expect end` names the `end` where the patient finishes",
            )
        else:
            self.error(
                "CP101",
                f"unknown {what} `{target.id}`",
                target.span,
                *did_you_mean(target.id, pool),
            )
        return False

    def _branches(self, node: ast.Decision) -> tuple[ir.BranchIR, ...]:
        out: list[ir.BranchIR] = []
        for branch in node.branches:
            self.target(branch.target)
            try:
                guard = self.condition(branch.guard)
            except _Invalid:
                continue
            out.append(
                ir.BranchIR(
                    len(out), branch.target.id, branch.span, guard, self.text_of(branch.guard.span)
                )
            )
        if node.otherwise is not None:
            self.target(node.otherwise)
            out.append(
                ir.BranchIR(len(out), node.otherwise.id, node.otherwise.span, None, "otherwise")
            )
        return tuple(out)

    def _item(self, item: ast.Item) -> ir.ItemIR:
        self._citations(item.citations)
        if item.strength is not None and item.strength not in STRENGTHS:
            self.error(
                "CP112",
                f"unknown strength `{item.strength}`",
                item.strength_span or item.span,
                "use one of: " + ", ".join(STRENGTHS),
                *did_you_mean(item.strength, STRENGTHS),
            )
        guard = None
        guard_text = None
        if item.guard is not None:
            try:
                guard = self.condition(item.guard)
                guard_text = self.text_of(item.guard.span)
            except _Invalid:
                pass
        group = None
        if item.group is not None:
            # One GroupIR for all the items of a group, numbered in the file's order.
            group = self._groups.get(item.group.span)
            if group is None:
                index = len(self._groups)
                group = ir.GroupIR(index, item.group.label, item.group.policy, item.group.span)
                self._groups[item.group.span] = group
        return ir.ItemIR(
            item.kind,
            item.text,
            item.span,
            tuple([c.reference for c in item.citations]),
            item.strength,
            guard,
            guard_text,
            group,
        )

    def _citations(self, citations: Iterable[ast.Citation]) -> None:
        for citation in citations:
            if citation.reference in self.out.references:
                self.out.used_references.add(citation.reference)
            else:
                self.error(
                    "CP104",
                    f"unknown reference `{citation.reference}`",
                    citation.span,
                    *did_you_mean(citation.reference, self.out.references),
                )

    # ------------------------------------------------------------ expressions
    def condition(self, expr: ast.Expr) -> ir.Expr:
        """An expression that must be a yes/no condition."""
        typed = self.expr(expr)
        if not isinstance(ir.type_of(typed), ir.BooleanType):
            self.error(
                "CP106",
                f"this is {_a(ir.type_of(typed))}, not a yes/no condition",
                expr.span,
                "compare it with something, e.g. `score >= 2`",
            )
            raise _Invalid
        return typed

    def expr(self, expr: ast.Expr) -> ir.Expr:
        method = _EXPRESSIONS.get(type(expr))
        if method is None:
            method = _EXPRESSIONS[type(expr)] = getattr(Resolver, "_expr_" + type(expr).__name__)
        result: ir.Expr = method(self, expr)
        return result

    def _expr_Name(self, e: ast.Name) -> ir.Expr:
        if e.name in ("true", "false"):
            return ir.Const(e.span, e.name == "true", ir.BOOLEAN, e.name)
        if e.name in self.out.inputs:
            self.out.used_inputs.add(e.name)
            return ir.Ref(e.span, e.name, self.out.inputs[e.name].type, True)
        if e.name in self._define_asts:
            self.out.used_defines.add(e.name)
            decl = self._resolve_define(e.name)
            if decl is None:
                raise _Invalid
            return ir.Ref(e.span, e.name, decl.type, False)
        self.error(
            "CP102",
            f"unknown name `{e.name}`",
            e.span,
            # Not the defines being resolved: suggesting one would make a cycle.
            *did_you_mean(
                e.name,
                [*self.out.inputs, *(d for d in self._define_asts if d not in self._resolving)],
            ),
        )
        raise _Invalid

    def _expr_Quantity(self, e: ast.Quantity) -> ir.Expr:
        if e.unit is None:
            integer = "." not in e.number
            value = self._value(e.number, None)
            return ir.Const(e.span, value, _number_type(DIMENSIONLESS, integer), e.number)
        unit = self.unit(e.unit, e.span)
        return ir.Const(
            e.span,
            self._value(e.number, unit),
            _number_type(unit.dimension, False),
            f"{e.number} {e.unit}",
            unit,
        )

    def _value(self, number: str, unit: Unit | None) -> Fraction:
        """The exact value of a number as written, in base units. Thresholds repeat,
        and reading "1102" into a Fraction takes a regular expression."""
        key = (number, unit)
        value = self._values.get(key)
        if value is None:
            value = Fraction(number) * (unit.factor if unit is not None else 1)
            self._values[key] = value
        return value

    def _expr_Not(self, e: ast.Not) -> ir.Expr:
        return ir.Not(e.span, self.condition(e.operand))

    def _expr_And(self, e: ast.And) -> ir.Expr:
        return ir.And(e.span, self._conditions(e.operands))

    def _expr_Or(self, e: ast.Or) -> ir.Expr:
        return ir.Or(e.span, self._conditions(e.operands))

    def _conditions(self, operands: Iterable[ast.Expr]) -> tuple[ir.Expr, ...]:
        results: list[ir.Expr] = []
        failed = False
        for operand in operands:
            try:
                results.append(self.condition(operand))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid
        return tuple(results)

    def _expr_CountOf(self, e: ast.CountOf) -> ir.Expr:
        return ir.Count(e.span, self._conditions(e.operands))

    def _expr_PointsOf(self, e: ast.PointsOf) -> ir.Expr:
        conditions = self._conditions(w.condition for w in e.weights)
        integer = all(w.points.denominator == 1 for w in e.weights)
        weights = tuple((w.points, c) for w, c in zip(e.weights, conditions, strict=True))
        return ir.Points(e.span, weights, ir.NumberType(DIMENSIONLESS, integer=integer))

    def _expr_IsKnown(self, e: ast.IsKnown) -> ir.Expr:
        operand = self.expr(e.operand)
        known: ir.Expr = ir.IsKnown(e.span, operand)
        return ir.Not(e.span, known) if e.negated else known

    def _expr_InSet(self, e: ast.InSet) -> ir.Expr:
        operand = self.expr(e.operand)
        operand_type = ir.type_of(operand)
        if not isinstance(operand_type, ir.EnumType):
            self.error(
                "CP106",
                f"`in {{…}}` needs an enumeration, but this is {_a(operand_type)}",
                e.operand.span,
            )
            raise _Invalid
        values = [self._enum_value(v, operand_type).value for v in e.values]
        result: ir.Expr = ir.InSet(e.span, operand, frozenset(str(v) for v in values))
        return ir.Not(e.span, result) if e.negated else result

    def _enum_value(self, name: ast.Expr, enum: ir.EnumType) -> ir.Const:
        if isinstance(name, ast.Name) and name.name in enum.values:
            return ir.Const(name.span, name.name, enum, name.name)
        shown = name.name if isinstance(name, ast.Name) else self.text_of(name.span)
        self.error(
            "CP103",
            f"`{shown}` is not one of the values: {', '.join(enum.values)}",
            name.span,
            *(did_you_mean(shown, enum.values)),
        )
        raise _Invalid

    def _expr_Compare(self, e: ast.Compare) -> ir.Expr:
        # An enumeration compared with a bare name: the name is one of its values.
        left = self.expr(e.left) if not self._is_enum_value_of(e.left, e.right) else None
        right = self.expr(e.right) if not self._is_enum_value_of(e.right, e.left) else None
        if left is None and right is not None:
            left = self._enum_side(e.left, right)
        if right is None and left is not None:
            right = self._enum_side(e.right, left)
        assert left is not None and right is not None
        lt, rt = ir.type_of(left), ir.type_of(right)
        ordering = e.op in ("<", "<=", ">", ">=")
        if isinstance(lt, ir.NumberType) and isinstance(rt, ir.NumberType):
            left, right = self._align_units(left, right, e)
            return ir.Compare(e.span, e.op, left, right)
        if ordering:
            culprit = lt if not isinstance(lt, ir.NumberType) else rt
            hint = (
                "use `in {…}` or `==` for enumerations"
                if isinstance(culprit, ir.EnumType)
                else "a yes/no value has no order"
            )
            self.error(
                "CP106",
                f"`{e.op}` compares numbers, but this compares {_a(lt)} with {_a(rt)}",
                e.span,
                hint,
            )
            raise _Invalid
        if type(lt) is not type(rt) or (isinstance(lt, ir.EnumType) and lt != rt):
            self.error("CP106", f"cannot compare {_a(lt)} with {_a(rt)}", e.span)
            raise _Invalid
        return ir.Compare(e.span, e.op, left, right)

    def _expr_Chain(self, e: ast.Chain) -> ir.Expr:
        # `low op middle op high` means `low op middle and middle op high`.
        first = ast.Compare(e.low.span.to(e.middle.span), e.ops[0], e.low, e.middle)
        second = ast.Compare(e.middle.span.to(e.high.span), e.ops[1], e.middle, e.high)
        return ir.And(e.span, self._conditions((first, second)))

    def _is_enum_value_of(self, candidate: ast.Expr, other: ast.Expr) -> bool:
        """A bare name that is not declared, next to something that may be an enumeration."""
        return (
            isinstance(candidate, ast.Name)
            and candidate.name not in self.out.inputs
            and candidate.name not in self._define_asts
            and candidate.name not in ("true", "false")
            and not (
                isinstance(other, ast.Name)
                and other.name not in self.out.inputs
                and other.name not in self._define_asts
            )
        )

    def _enum_side(self, name: ast.Expr, other: ir.Expr) -> ir.Expr:
        other_type = ir.type_of(other)
        if isinstance(other_type, ir.EnumType):
            return self._enum_value(name, other_type)
        return self.expr(name)  # reports the unknown name

    def _align_units(self, left: ir.Expr, right: ir.Expr, e: ast.Expr) -> tuple[ir.Expr, ir.Expr]:
        """Give a bare number the unit of the other side, or report mismatched dimensions."""
        lt, rt = ir.type_of(left), ir.type_of(right)
        assert isinstance(lt, ir.NumberType) and isinstance(rt, ir.NumberType)
        if lt.dimension == rt.dimension:
            return left, right
        if self._bare(right) and lt.dimension != DIMENSIONLESS:
            return left, self._adopt_unit(right, lt, e)
        if self._bare(left) and rt.dimension != DIMENSIONLESS:
            return self._adopt_unit(left, rt, e), right
        self.error(
            "CP108",
            f"cannot combine {dimension_words(lt.dimension)} with {dimension_words(rt.dimension)}",
            e.span,
            f"left is {self._describe(left)}, right is {self._describe(right)}",
        )
        raise _Invalid

    def _describe(self, expr: ir.Expr) -> str:
        t = ir.type_of(expr)
        if isinstance(expr, ir.Const):
            return f"`{expr.text}`"
        if isinstance(t, ir.NumberType) and t.unit is not None:
            return f"in {t.unit.text}"
        if isinstance(t, ir.NumberType) and not t.dimension:
            return "a plain number"
        return _a(t)

    @staticmethod
    def _bare(expr: ir.Expr) -> bool:
        return (
            isinstance(expr, ir.Const)
            and expr.unit is None
            and isinstance(expr.type, ir.NumberType)
            and expr.type.dimension == DIMENSIONLESS
        )

    def _adopt_unit(self, const: ir.Expr, other: ir.NumberType, e: ast.Expr) -> ir.Expr:
        assert isinstance(const, ir.Const) and isinstance(const.value, Fraction)
        if other.unit is None:
            what = (
                "a duration"
                if other.duration
                else f"a quantity of {dimension_words(other.dimension)}"
            )
            self.error(
                "CP109",
                f"`{const.text}` needs a unit: it is compared with {what}",
                const.span,
                "e.g. `6 weeks`, `3 months`"
                if other.duration
                else "write the unit after the number",
            )
            raise _Invalid
        # A bare number's text fixes its value, so the scaled value can be shared.
        key = (const.text, other.unit)
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = const.value * other.unit.factor
        return ir.Const(
            const.span,
            value,
            _number_type(other.dimension, const.type.integer),  # type: ignore[union-attr]
            const.text,
            other.unit,
        )

    def _expr_Negate(self, e: ast.Negate) -> ir.Expr:
        operand = self.expr(e.operand)
        t = ir.type_of(operand)
        if not isinstance(t, ir.NumberType):
            self.error("CP106", f"cannot negate {_a(t)}", e.span)
            raise _Invalid
        if isinstance(operand, ir.Const) and isinstance(operand.value, Fraction):
            return ir.Const(e.span, -operand.value, t, "-" + operand.text, operand.unit)
        return ir.Negate(e.span, operand, t)

    def _expr_Arithmetic(self, e: ast.Arithmetic) -> ir.Expr:
        left, right = self.expr(e.left), self.expr(e.right)
        lt, rt = ir.type_of(left), ir.type_of(right)
        if not isinstance(lt, ir.NumberType) or not isinstance(rt, ir.NumberType):
            culprit = lt if not isinstance(lt, ir.NumberType) else rt
            self.error("CP106", f"`{e.op}` works on numbers, not on {_a(culprit)}", e.span)
            raise _Invalid
        if e.op in "+-":
            left, right = self._align_units(left, right, e)
            lt2, rt2 = ir.type_of(left), ir.type_of(right)
            assert isinstance(lt2, ir.NumberType) and isinstance(rt2, ir.NumberType)
            result = ir.NumberType(
                lt2.dimension,
                integer=lt2.integer and rt2.integer and lt2.unit == rt2.unit,
                unit=lt2.unit or rt2.unit,
            )
        else:
            if e.op == "/" and isinstance(right, ir.Const) and right.value == 0:
                self.error("CP118", "division by zero", e.span)
                raise _Invalid
            result = ir.NumberType(
                _combine(lt.dimension, rt.dimension, e.op == "*"),
                integer=e.op == "*"
                and lt.integer
                and rt.integer
                and lt.unit is None
                and rt.unit is None,
            )
        return ir.Arith(e.span, e.op, left, right, result)

    # ------------------------------------------------------------ cases
    def _cases(self) -> None:
        seen: dict[str, Span] = {}
        cases = []
        for case in self.ast.cases:
            if case.name in seen:
                self._duplicate("case", case.name, case.span, seen[case.name])
            seen.setdefault(case.name, case.span)
            cases.append(self._case(case))
        self.out.cases = tuple(cases)

    def _case(self, case: ast.Case) -> ir.CaseIR:
        patient: dict[str, ir.Value] = {}
        written: dict[str, str] = {}
        for given in case.given:
            if given.input in written:
                self.error("CP113", f"`{given.input}` is given twice in this case", given.span)
                continue
            value = self._given_value(given)
            written[given.input] = given.value.text
            decl = self.out.inputs.get(given.input)
            if value is None and decl is not None and decl.setting and given.value.name:
                self.error(
                    "CP113",
                    f"`{given.input}` is a setting, which is never unknown",
                    given.value.span,
                    "give the value this case assumes for the place of care",
                )
            if value is not None:
                patient[given.input] = value
        for name, decl in self.out.inputs.items():
            if not decl.setting or name in written:
                continue
            if decl.default is not None:
                patient[name] = decl.default
            else:
                self.error(
                    "CP113",
                    f"case does not give setting `{name}`, which has no default",
                    case.span,
                    f"add `given {name} = …` to the case, or a default to the setting",
                )
        items = {i.text for items in self.out.items.values() for i in items}
        expectations = []
        for expect in case.expectations:
            for value, span in zip(expect.values, expect.value_spans, strict=True):
                if expect.kind == "end":
                    self.target(ast.Target(span, value), ends_only=True)
                elif expect.kind == "path":
                    self.target(ast.Target(span, value))
                elif expect.kind == "needs" and value not in self.out.inputs:
                    self.error(
                        "CP102",
                        f"unknown input `{value}`",
                        span,
                        *did_you_mean(value, self.out.inputs),
                    )
                elif expect.kind in ("recommends", "not recommends") and value not in items:
                    self.error(
                        "CP116",
                        f'no recommendation reads "{value}"',
                        span,
                        *(_containing(value, items) or did_you_mean(value, items)),
                    )
            expectations.append(ir.Expectation(expect.kind, expect.values, expect.span))
        return ir.CaseIR(case.name, case.span, patient, written, tuple(expectations))

    def _given_value(self, given: ast.Assignment) -> ir.Value | None:
        decl = self.out.inputs.get(given.input)
        if decl is None:
            self.error(
                "CP113",
                f"`{given.input}` is not an input of this pathway",
                given.span,
                *did_you_mean(given.input, self.out.inputs),
            )
            return None
        try:
            return value_for(decl, given.value.name, given.value.number, given.value.unit)
        except InvalidValue as problem:
            self.error("CP113", f"`{given.input}`: {problem}", given.value.span, *problem.notes)
            return None


class InvalidValue(ValueError):
    def __init__(self, message: str, *notes: str) -> None:
        super().__init__(message)
        self.notes = notes


def value_for(
    decl: ir.InputDecl, name: str | None, number: Fraction | None, unit_text: str | None
) -> ir.Value | None:
    """A patient value for ``decl`` from a name (true, severe, unknown) or a number with an
    optional unit. ``None`` means unknown. Raises :class:`InvalidValue`."""
    t = decl.type
    kind = "setting" if decl.setting else "input"
    if name == "unknown":
        return None
    if isinstance(t, ir.BooleanType):
        if name in ("true", "false"):
            return name == "true"
        raise InvalidValue("expected true, false or unknown")
    if isinstance(t, ir.EnumType):
        if name is not None and name in t.values:
            return name
        shown = name if name is not None else str(number)
        raise InvalidValue(
            f"`{shown}` is not one of: {', '.join(t.values)}", *did_you_mean(shown, t.values)
        )
    if number is None:
        with_unit = " with a unit" if t.unit is None and t.dimension else ""
        raise InvalidValue(f"expected a number{with_unit}, got `{name}`")
    if unit_text is None:
        if t.unit is not None:
            value = number * t.unit.factor
        elif t.dimension == DIMENSIONLESS:
            value = number
        else:
            raise InvalidValue(
                "a duration needs a unit" if t.duration else "a unit is needed",
                "e.g. `10 weeks`" if t.duration else "",
            )
    else:
        try:
            unit = parse_unit(unit_text)
        except UnknownUnit as problem:
            raise InvalidValue(problem.message(unit_text)) from None
        if unit.dimension != t.dimension:
            raise InvalidValue(
                f"`{unit_text}` is {dimension_words(unit.dimension)}, but this {kind} "
                f"is {dimension_words(t.dimension)}"
            )
        value = number * unit.factor
    if t.integer:
        step = t.unit.factor if t.unit else Fraction(1)
        if (value / step).denominator != 1:
            raise InvalidValue("expected a whole number" + (f" of {t.unit.text}" if t.unit else ""))
    if decl.low is not None and decl.high is not None and not decl.low <= value <= decl.high:
        if t.duration:
            raise InvalidValue(
                f"{format_duration(value)} is outside the plausible range "
                f"{format_duration(decl.low)}..{format_duration(decl.high)} "
                f"declared for this {kind}"
            )
        factor = t.unit.factor if t.unit else Fraction(1)
        shown = f" {t.unit.text}" if t.unit else ""
        raise InvalidValue(
            f"{format_number(value / factor)}{shown} is outside the plausible range "
            f"{format_number(decl.low / factor)}..{format_number(decl.high / factor)}{shown} "
            f"declared for this {kind}"
        )
    if decl.low is None and decl.lowest is not None and value < decl.lowest:
        raise InvalidValue("a duration is never negative (declare a range that allows it)")
    return value


def _a(t: ir.ValueType) -> str:
    """A type for a message, with its article: "an integer in years", "a yes/no value"."""
    if isinstance(t, ir.BooleanType):
        return "a yes/no value"
    if isinstance(t, ir.EnumType):
        return "an enumeration (" + ", ".join(t.values) + ")"
    if t.duration:
        return "a duration"
    kind = "an integer" if t.integer else "a decimal number"
    if t.unit is not None:
        return f"{kind} in {t.unit.text}"
    if t.dimension:
        return f"{kind} of {dimension_words(t.dimension)}"
    return kind


def _input_kind(t: ir.ValueType) -> str:
    if isinstance(t, ir.BooleanType):
        return "a boolean"
    if isinstance(t, ir.EnumType):
        return "an enumeration"
    return "a duration" if t.duration else _a(t)


def _containing(text: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A suggestion for a quote that is part of one candidate's text."""
    matches = sorted(c for c in candidates if text.casefold() in c.casefold())
    return (f'did you mean "{matches[0]}"?',) if len(matches) == 1 else ()


def _combine(a: Dimension, b: Dimension, multiply: bool) -> Dimension:
    powers: dict[str, int] = dict(a)
    for name, power in b:
        powers[name] = powers.get(name, 0) + (power if multiply else -power)
    return tuple(sorted((k, v) for k, v in powers.items() if v))


def resolve(pathway: ast.PathwayFile, source: str) -> tuple[Resolved, list[Diagnostic]]:
    resolver = Resolver(pathway, source)
    resolved = resolver.run()
    return resolved, resolver.diagnostics

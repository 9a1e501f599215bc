"""The resolved pathway: types, typed expressions and the payloads of the graph.

Expressions here are *typed* and *unit-free*: every number is an exact
``Fraction`` in SI base units (``6 weeks`` is 3628800 seconds), every name is
resolved to an input or a derived value. ``Const.text`` and ``Const.unit``
remember how the author wrote a number so messages can show it back.

Patient values (the evaluator's input) use the same representation:
``bool`` for booleans, ``str`` for enumeration values, ``Fraction`` in SI base
units for numbers and durations; an input absent from the record is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from carepath.dsl.spans import Span

from .units import DIMENSIONLESS, TIME, Dimension, Unit

Value = bool | str | Fraction

# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class BooleanType:
    def __str__(self) -> str:
        return "boolean"


@dataclass(frozen=True)
class EnumType:
    values: tuple[str, ...]

    def __str__(self) -> str:
        return "one of " + ", ".join(self.values)


@dataclass(frozen=True)
class NumberType:
    """A number of some dimension; ``integer`` when only whole numbers (in ``unit``) occur."""

    dimension: Dimension = DIMENSIONLESS
    integer: bool = False
    unit: Unit | None = None
    duration: bool = False

    def __str__(self) -> str:
        if self.duration:
            return "duration"
        kind = "integer" if self.integer else "decimal"
        return f"{kind} {self.unit.text}" if self.unit else kind


ValueType = BooleanType | EnumType | NumberType

BOOLEAN = BooleanType()
DURATION = NumberType(TIME, integer=False, unit=None, duration=True)


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    span: Span


@dataclass(frozen=True)
class Ref(Expr):
    """An input (``is_input``) or a derived value, by name."""

    name: str
    type: ValueType
    is_input: bool


@dataclass(frozen=True)
class Const(Expr):
    value: Value
    type: ValueType
    text: str  # as written: "6 weeks", "severe", "true", "65"
    unit: Unit | None = None  # the unit the author wrote, if any


@dataclass(frozen=True)
class Compare(Expr):
    op: str  # < <= > >= == !=
    left: Expr
    right: Expr


@dataclass(frozen=True)
class InSet(Expr):
    operand: Expr
    values: frozenset[str]


@dataclass(frozen=True)
class IsKnown(Expr):
    operand: Expr


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True)
class And(Expr):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Expr):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Arith(Expr):
    op: str  # + - * /
    left: Expr
    right: Expr
    type: NumberType


@dataclass(frozen=True)
class Negate(Expr):
    operand: Expr
    type: NumberType


@dataclass(frozen=True)
class Count(Expr):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Points(Expr):
    weights: tuple[tuple[Fraction, Expr], ...]
    type: NumberType


def type_of(expr: Expr) -> ValueType:
    """The type an expression evaluates to."""
    if isinstance(expr, Ref | Const):
        return expr.type
    if isinstance(expr, Arith | Negate | Points):
        return expr.type
    if isinstance(expr, Count):
        return NumberType(DIMENSIONLESS, integer=True)
    return BOOLEAN


def inputs_of(expr: Expr, defines: dict[str, DefineDecl] | None = None) -> frozenset[str]:
    """Every input an expression reads, through derived values when ``defines`` is given."""
    found: set[str] = set()
    stack: list[Expr] = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Ref):
            if e.is_input:
                found.add(e.name)
            elif defines is not None and e.name in defines:
                stack.append(defines[e.name].expr)
        else:
            stack.extend(children(e))
    return frozenset(found)


def walk(expr: Expr) -> Iterator[Expr]:
    """``expr`` and every expression inside it (not through references to derived values)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(children(e))


def scored_defines(defines: Mapping[str, DefineDecl]) -> frozenset[str]:
    """The derived values that may be a range of values: those that read a ``count of``
    or ``points of`` (directly or through other derived values), whose unknown criteria
    leave it between the least and the most it could come to. Computed once per
    pathway, so that asking :func:`is_scored` of each expression is one walk."""
    found: dict[str, bool] = {}

    def scored(name: str) -> bool:
        if name not in found:
            found[name] = False  # a derived value defined in terms of itself (CP111)
            found[name] = any(
                isinstance(part, Count | Points)
                or (
                    isinstance(part, Ref)
                    and not part.is_input
                    and part.name in defines
                    and scored(part.name)
                )
                for part in walk(defines[name].expr)
            )
        return found[name]

    return frozenset(name for name in defines if scored(name))


def is_scored(expr: Expr, scored: frozenset[str]) -> bool:
    """Whether a number may be a range of values (``scored``: :func:`scored_defines`)."""
    return any(
        isinstance(part, Count | Points)
        or (isinstance(part, Ref) and not part.is_input and part.name in scored)
        for part in walk(expr)
    )


def criteria(expr: Count | Points) -> list[tuple[Fraction, Expr]]:
    """A score's criteria with their points: one each for ``count of``."""
    if isinstance(expr, Count):
        return [(Fraction(1), operand) for operand in expr.operands]
    return list(expr.weights)


def children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Compare | Arith):
        return (expr.left, expr.right)
    if isinstance(expr, InSet | IsKnown | Not | Negate):
        return (expr.operand,)
    if isinstance(expr, And | Or | Count):
        return expr.operands
    if isinstance(expr, Points):
        return tuple(e for _, e in expr.weights)
    return ()


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class InputDecl:
    name: str
    type: ValueType
    description: str | None
    span: Span
    # Plausible range in SI base units, inclusive, when declared.
    low: Fraction | None = None
    high: Fraction | None = None
    # A setting: a fact about the place of care, the same for every patient (never
    # unknown when evaluated), with its default if declared.
    setting: bool = False
    default: Value | None = None
    default_text: str | None = None

    @property
    def lowest(self) -> Fraction | None:
        """The least value a patient may have: the declared range's low end, else zero
        for a duration (time since an event is never negative unless the pathway says
        so with a range), else no bound."""
        if self.low is not None:
            return self.low
        if isinstance(self.type, NumberType) and self.type.duration:
            return Fraction(0)
        return None


@dataclass(frozen=True)
class DefineDecl:
    name: str
    expr: Expr
    type: ValueType
    description: str | None
    span: Span


@dataclass(frozen=True)
class ReferenceDecl:
    id: str
    title: str
    span: Span
    year: int | None = None
    url: str | None = None
    grade: str | None = None
    publisher: str | None = None


# ---------------------------------------------------------------- node payloads


@dataclass(frozen=True)
class GroupIR:
    """Items that go together at one node, and how many of them may apply to one
    patient: ``policy`` is exactly one, at least one, at most one or any.
    ``index`` numbers the groups of a file in the order written."""

    index: int
    label: str
    policy: str
    span: Span

    @property
    def at_most_one(self) -> bool:
        return self.policy in ("exactly one", "at most one")

    @property
    def at_least_one(self) -> bool:
        return self.policy in ("exactly one", "at least one")


@dataclass(frozen=True)
class ItemIR:
    """A recommendation: ``kind`` is recommend, consider or avoid."""

    kind: str
    text: str
    span: Span
    citations: tuple[str, ...] = ()
    strength: str | None = None
    guard: Expr | None = None
    guard_text: str | None = None  # the guard as written
    group: GroupIR | None = None


@dataclass(frozen=True)
class BranchIR:
    """One way out of a decision. ``guard`` is None for ``otherwise``."""

    index: int
    target: str
    span: Span
    guard: Expr | None
    guard_text: str  # as written; "otherwise" for the default branch

    @property
    def is_otherwise(self) -> bool:
        return self.guard is None


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Expectation:
    kind: str  # end, recommends, needs, path
    values: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class CaseIR:
    name: str
    span: Span
    patient: dict[str, Value] = field(hash=False)
    # How the author wrote each given value, for reports.
    written: dict[str, str] = field(hash=False)
    expectations: tuple[Expectation, ...] = ()

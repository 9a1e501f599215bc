"""The pathway as written: frozen dataclasses, one per grammar rule, each with its span.

Names here are the author's names; nothing is resolved yet (that is
``carepath.compiler.resolve``). Quantities keep the number and unit text exactly
as written so that the formatter and diagnostics can show them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .spans import Span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    """Abstract base of expressions."""

    span: Span


@dataclass(frozen=True)
class Name(Expr):
    """An input, a derived value, an enumeration value or ``true``/``false``."""

    name: str


@dataclass(frozen=True)
class Quantity(Expr):
    """A number with an optional unit: ``65``, ``6 weeks``, ``7 mmol/L``."""

    number: str
    unit: str | None

    @property
    def value(self) -> Fraction:
        return Fraction(self.number)


@dataclass(frozen=True)
class Negate(Expr):
    operand: Expr


@dataclass(frozen=True)
class Arithmetic(Expr):
    """``left op right`` with op one of ``+ - * /``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Expr):
    """``left op right`` with op one of ``< <= > >= == !=``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Chain(Expr):
    """Two comparisons sharing their middle operand: ``13 weeks <= age < 28 weeks``
    (``ops`` as written, both upwards or both downwards), or, when ``between``,
    ``age between 13 weeks and 28 weeks`` (both ends included, as in SQL and FEEL).
    It means ``low op middle and middle op high``."""

    low: Expr
    middle: Expr
    high: Expr
    ops: tuple[str, str]
    between: bool = False


@dataclass(frozen=True)
class InSet(Expr):
    """``value in {a, b}``, or ``value not in {a, b}`` when ``negated``."""

    operand: Expr
    values: tuple[Name, ...]
    negated: bool


@dataclass(frozen=True)
class IsKnown(Expr):
    """``value is known`` (or ``is unknown`` when ``negated``): never itself unknown."""

    operand: Expr
    negated: bool


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
class CountOf(Expr):
    """``count of (c1, c2, …)``: how many of the conditions hold."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Weight:
    span: Span
    points: Fraction
    points_text: str
    condition: Expr


@dataclass(frozen=True)
class PointsOf(Expr):
    """``points of (2 if c1, 1 if c2)``: the sum of the points whose condition holds."""

    weights: tuple[Weight, ...]


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Metadata:
    span: Span
    version: str | None = None
    status: str | None = None
    status_span: Span | None = None
    population: str | None = None
    authors: tuple[str, ...] = ()
    reviewed: str | None = None
    reviewed_span: Span | None = None
    description: str | None = None
    # Fields written more than once (reported as CP009).
    duplicates: tuple[Span, ...] = ()


@dataclass(frozen=True)
class PathwayHeader:
    span: Span
    id: str
    title: str
    metadata: Metadata


@dataclass(frozen=True)
class Reference:
    span: Span
    id: str
    title: str
    year: int | None = None
    url: str | None = None
    grade: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class TypeSpec:
    """Abstract base of declared input types."""

    span: Span


@dataclass(frozen=True)
class BooleanSpec(TypeSpec):
    pass


@dataclass(frozen=True)
class EnumSpec(TypeSpec):
    values: tuple[str, ...]
    value_spans: tuple[Span, ...]


@dataclass(frozen=True)
class NumberSpec(TypeSpec):
    integer: bool
    unit: str | None


@dataclass(frozen=True)
class DurationSpec(TypeSpec):
    pass


@dataclass(frozen=True)
class Range:
    span: Span
    low: Fraction
    high: Fraction
    low_text: str  # as written, with its unit if any: "0", "6 weeks"
    high_text: str
    low_unit: str | None = None
    high_unit: str | None = None


@dataclass(frozen=True)
class Input:
    """``input`` (patient data) or ``setting`` (a fact about the place of care, the same
    for every patient, with an optional ``default``)."""

    span: Span
    id: str
    type: TypeSpec
    range: Range | None
    description: str | None
    setting: bool = False
    default: Value | None = None


@dataclass(frozen=True)
class Define:
    span: Span
    id: str
    expr: Expr
    description: str | None


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Target:
    """A reference to a node by id, as written after ``->`` or ``next``."""

    span: Span
    id: str


@dataclass(frozen=True)
class Citation:
    span: Span
    reference: str


@dataclass(frozen=True)
class Group:
    """``group "label" exactly one``: the items indented under it go together, and
    ``policy`` says how many of them may apply to one patient who reaches the node:
    ``exactly one``, ``at least one``, ``at most one`` or ``any``."""

    span: Span
    label: str
    policy: str


GROUP_POLICIES = ("exactly one", "at least one", "at most one", "any")


@dataclass(frozen=True)
class Item:
    """A recommendation on an action or end: ``recommend``, ``consider`` or ``avoid``."""

    span: Span
    kind: str
    text: str
    citations: tuple[Citation, ...] = ()
    strength: str | None = None
    strength_span: Span | None = None
    guard: Expr | None = None
    group: Group | None = None  # the group it is written in, if any


@dataclass(frozen=True)
class Branch:
    span: Span
    guard: Expr
    target: Target


@dataclass(frozen=True)
class Start:
    span: Span
    target: Target


@dataclass(frozen=True)
class Node:
    """Abstract base of pathway nodes."""

    span: Span
    id: str
    label: str
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Decision(Node):
    policy: str  # "unique" or "first"
    branches: tuple[Branch, ...]
    otherwise: Target | None


@dataclass(frozen=True)
class Action(Node):
    items: tuple[Item, ...]
    next: Target | None


@dataclass(frozen=True)
class End(Node):
    items: tuple[Item, ...]
    has_label: bool


# ---------------------------------------------------------------- test cases


@dataclass(frozen=True)
class Value:
    """A value in a ``given`` line: a name (true, false, unknown, an enum value) or a
    number with an optional unit."""

    span: Span
    text: str
    name: str | None = None
    number: Fraction | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Assignment:
    span: Span
    input: str
    value: Value


@dataclass(frozen=True)
class Expectation:
    """``expect end X``, ``expect recommends "…"``, ``expect not recommends "…"``,
    ``expect needs a, b``, ``expect incomplete``, ``expect path a, b``."""

    span: Span
    kind: str  # "end", "recommends", "not recommends", "needs", "incomplete", "path"
    values: tuple[str, ...]
    value_spans: tuple[Span, ...]


@dataclass(frozen=True)
class Case:
    span: Span
    name: str
    given: tuple[Assignment, ...]
    expectations: tuple[Expectation, ...]


# ---------------------------------------------------------------- the file


@dataclass(frozen=True)
class PathwayFile:
    span: Span
    header: PathwayHeader
    references: tuple[Reference, ...]
    inputs: tuple[Input, ...]
    defines: tuple[Define, ...]
    starts: tuple[Start, ...]
    nodes: tuple[Node, ...]
    cases: tuple[Case, ...]
    # The order of top-level declarations as written, for the formatter.
    order: tuple[object, ...]


def pathway_file(span: Span, header: PathwayHeader, order: Sequence[object]) -> PathwayFile:
    """The file from its top-level declarations in the order written."""
    return PathwayFile(
        span=span,
        header=header,
        references=tuple(c for c in order if isinstance(c, Reference)),
        inputs=tuple(c for c in order if isinstance(c, Input)),
        defines=tuple(c for c in order if isinstance(c, Define)),
        starts=tuple(c for c in order if isinstance(c, Start)),
        nodes=tuple(c for c in order if isinstance(c, Node)),
        cases=tuple(c for c in order if isinstance(c, Case)),
        order=tuple(order),
    )

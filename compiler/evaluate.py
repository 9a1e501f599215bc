"""The reference interpreter: run a pathway on one patient and explain every step.

Semantics (docs/language.md, "Evaluation"):

- An input absent from the patient record (or present with the value ``None``)
  is *unknown*, never false. ``and``/``or``/``not`` follow Kleene's
  three-valued logic, as CQL does; a comparison, arithmetic or ``in`` that
  reads an unknown value is unknown. ``x is known`` is never unknown. Division
  by zero is unknown too.
- A ``count of`` or ``points of`` with unknown criteria is a range (the least
  and the most it could still come to): arithmetic carries the range, and a
  comparison on it is decided when every value in the range gives the same
  answer (``count of (a, b, c) >= 2`` holds once two criteria hold, whatever
  the third). A score ``is known`` only when the range is one value.
- A ``unique`` decision takes the branch that holds. If none holds and some are
  unknown, evaluation stops: the result is *incomplete* and names the inputs
  those branches read that the record lacks. Two branches that both hold is a
  *conflict* (the checker reports such overlaps before anyone runs the pathway).
- A ``first`` decision takes the first branch that holds, but only once every
  earlier branch is known to be false; an unknown earlier branch makes the
  result incomplete.
- ``otherwise`` is taken only when every other branch is known to be false.
- With fixed data a patient who comes back to a node would go round forever:
  that stops evaluation with status ``loop``.
- A recommendation with a ``when`` is given when its condition holds, left out
  when it is false, and listed as *undetermined* (with the inputs it needs) when
  it is unknown.

Every step carries an explanation that quotes the condition as written and the
values the patient gave for the inputs it reads (``took `augmentation` because
pain == severe (given pain: severe)``). The compiled evaluator
(:mod:`carepath.compiler.codegen_python`) produces the very same results,
explanations included; the differential tests hold the two together.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\ninput a: boolean\\nstart d\\n'
...               'decision d "A?"\\n  when a -> yes\\n  otherwise -> no\\n'
...               'end yes "Yes"\\nend no "No"\\n').pathway
>>> evaluate(p, {"a": True}).outcome
'yes'
>>> evaluate(p, {}).needs
('a',)
>>> evaluate(p, {"a": False}).steps[0].explanation
'took `no` (otherwise): no other branch holds (given a: false)'
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import ir
from .pathway import Pathway
from .units import format_duration, format_number

Unknown = None
Result3 = bool | None

# Result statuses
COMPLETE = "complete"  # reached an end
INCOMPLETE = "incomplete"  # a decision needs inputs the record lacks
CONFLICT = "conflict"  # two branches of a unique decision hold
STUCK = "stuck"  # no branch holds and there is no otherwise
LOOP = "loop"  # the path came back to a node: with fixed data it never ends
DEAD_END = "dead_end"  # an action with no way out, or no start
STATUSES = (COMPLETE, INCOMPLETE, CONFLICT, STUCK, LOOP, DEAD_END)


@dataclass(frozen=True)
class Between:
    """A number known only to lie in ``[low, high]`` (``low < high``): a score some
    of whose criteria are unknown, or arithmetic on one."""

    low: Fraction
    high: Fraction


# What an expression evaluates to: a value, a range of numbers, or unknown.
Evaluated = ir.Value | Between | None


@dataclass(frozen=True)
class Step:
    """One node on the path; at a decision, ``branch`` is the index taken (None if none)."""

    node: str
    kind: str
    branch: int | None
    explanation: str


@dataclass(frozen=True)
class Recommendation:
    node: str
    kind: str  # recommend, consider, avoid
    text: str
    strength: str | None
    citations: tuple[str, ...]
    item: str = ""  # its id, `node.n`: the n-th item of the node, from 1


@dataclass(frozen=True)
class Undetermined:
    """A conditional recommendation whose condition is unknown for this patient."""

    node: str
    text: str
    needs: tuple[str, ...]
    item: str = ""  # its id, `node.n`


@dataclass(frozen=True)
class Result:
    status: str
    path: tuple[str, ...]
    steps: tuple[Step, ...]
    recommendations: tuple[Recommendation, ...]
    outcome: str | None  # the end node reached, when complete
    needs: tuple[str, ...]  # inputs the blocking decision needs, when incomplete
    undetermined: tuple[Undetermined, ...] = ()
    message: str = ""

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE


# ---------------------------------------------------------------- per-pathway facts

_READS: weakref.WeakKeyDictionary[Any, dict[int, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def reads(pathway: Pathway, expr: ir.Expr) -> tuple[str, ...]:
    """The inputs ``expr`` reads (through derived values), in declaration order.

    Cached per pathway: explanations and ``needs`` ask for it on every step."""
    cache = _READS.get(pathway.graph)
    if cache is None:
        cache = _READS[pathway.graph] = {}
    key = id(expr)
    names = cache.get(key)
    if names is None:
        order = _input_order(pathway)
        wanted = [n for n in ir.inputs_of(expr, pathway.defines) if n in order]
        names = cache[key] = tuple(sorted(wanted, key=order.__getitem__))
    return names


_ORDERS: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def _input_order(pathway: Pathway) -> dict[str, int]:
    """Each input's place in the declarations: sorting a few names by it beats
    scanning thousands of inputs for them."""
    order = _ORDERS.get(pathway.graph)
    if order is None:
        order = _ORDERS[pathway.graph] = {name: i for i, name in enumerate(pathway.inputs)}
    return order


@dataclass(frozen=True)
class _Node:
    """What the walk needs of one node, prepared once per pathway."""

    kind: str
    label: str
    # actions and ends: each item with the Recommendation it gives (immutable, shared)
    items: tuple[tuple[ir.ItemIR, Recommendation], ...]
    next: str | None
    # decisions
    first: bool
    guarded: tuple[ir.BranchIR, ...]
    otherwise: ir.BranchIR | None


_PLANS: weakref.WeakKeyDictionary[Any, dict[str, _Node]] = weakref.WeakKeyDictionary()


def _plan(pathway: Pathway) -> dict[str, _Node]:
    """The prepared nodes of ``pathway`` so far (see ``_prepared``)."""
    plan = _PLANS.get(pathway.graph)
    if plan is None:
        plan = _PLANS[pathway.graph] = {}
    return plan


def _prepared(pathway: Pathway, plan: dict[str, _Node], node: str) -> _Node:
    """What the walk needs of ``node``, prepared on its first visit: a walk sees a
    few hundred nodes of a pathway that may have ten thousand."""
    found = plan.get(node)
    if found is not None:
        return found
    data = pathway.graph.nodes[node]
    branches: tuple[ir.BranchIR, ...] = data.get("branches", ())
    items: tuple[ir.ItemIR, ...] = data.get("items", ())
    found = plan[node] = _Node(
        kind=data["kind"],
        label=data["label"],
        items=tuple(
            (i, Recommendation(node, i.kind, i.text, i.strength, i.citations, f"{node}.{n}"))
            for n, i in enumerate(items, start=1)
        ),
        next=data.get("next"),
        first=data.get("policy") == "first",
        guarded=tuple(b for b in branches if b.guard is not None),
        otherwise=next((b for b in branches if b.guard is None), None),
    )
    return found


class Evaluator:
    """Evaluates typed expressions for one patient; derived values are computed once."""

    def __init__(self, pathway: Pathway, patient: Mapping[str, ir.Value]) -> None:
        self.pathway = pathway
        self.patient = patient
        self._defines: dict[str, Evaluated] = {}

    def value(self, expr: ir.Expr) -> Evaluated:
        """The value of an expression, or None when unknown."""
        method = _DISPATCH.get(type(expr))
        if method is None:
            raise TypeError(f"cannot evaluate {type(expr).__name__}")
        return method(self, expr)

    def _const(self, expr: ir.Const) -> Evaluated:
        return expr.value

    def _ref(self, expr: ir.Ref) -> Evaluated:
        if expr.is_input:
            return self.patient.get(expr.name)
        if expr.name not in self._defines:
            self._defines[expr.name] = self.value(self.pathway.defines[expr.name].expr)
        return self._defines[expr.name]

    def _not(self, expr: ir.Not) -> Evaluated:
        inner = self.value(expr.operand)
        return None if inner is None else not inner

    def _is_known(self, expr: ir.IsKnown) -> Evaluated:
        value = self.value(expr.operand)
        return value is not None and not isinstance(value, Between)

    def _in_set(self, expr: ir.InSet) -> Evaluated:
        inner = self.value(expr.operand)
        return None if inner is None else inner in expr.values

    def _compare(self, expr: ir.Compare) -> Evaluated:
        return compare(expr.op, self.value(expr.left), self.value(expr.right))

    def _arith(self, expr: ir.Arith) -> Evaluated:
        return arithmetic(expr.op, self.value(expr.left), self.value(expr.right))

    def _negate(self, expr: ir.Negate) -> Evaluated:
        inner = self.value(expr.operand)
        if inner is None:
            return None
        if isinstance(inner, Between):
            return Between(-inner.high, -inner.low)
        return -_number(inner)

    def _count(self, expr: ir.Count) -> Evaluated:
        return _score((Fraction(1), self.holds(o)) for o in expr.operands)

    def _points(self, expr: ir.Points) -> Evaluated:
        return _score((points, self.holds(c)) for points, c in expr.weights)

    def holds(self, expr: ir.Expr) -> Result3:
        value = self.value(expr)
        return None if value is None else bool(value)

    def _and(self, expr: ir.And) -> Evaluated:
        result: Result3 = True
        for operand in expr.operands:
            value = self.holds(operand)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def _or(self, expr: ir.Or) -> Evaluated:
        result: Result3 = False
        for operand in expr.operands:
            value = self.holds(operand)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    def missing(self, expr: ir.Expr) -> tuple[str, ...]:
        """Inputs an expression reads that the patient record lacks, in declaration order."""
        return tuple(n for n in reads(self.pathway, expr) if self.patient.get(n) is None)


_DISPATCH: dict[type, Callable[[Evaluator, Any], Evaluated]] = {
    ir.Const: Evaluator._const,
    ir.Ref: Evaluator._ref,
    ir.Not: Evaluator._not,
    ir.And: Evaluator._and,
    ir.Or: Evaluator._or,
    ir.IsKnown: Evaluator._is_known,
    ir.InSet: Evaluator._in_set,
    ir.Compare: Evaluator._compare,
    ir.Arith: Evaluator._arith,
    ir.Negate: Evaluator._negate,
    ir.Count: Evaluator._count,
    ir.Points: Evaluator._points,
}


def _score(criteria: Iterable[tuple[Fraction, Result3]]) -> Fraction | Between:
    """The sum of the points of the criteria that hold; with unknown criteria, the
    range from none of them holding to all of them (negative points swap ends)."""
    low = high = Fraction(0)
    for points, holds in criteria:
        if holds is None:
            low += min(points, Fraction(0))
            high += max(points, Fraction(0))
        elif holds:
            low += points
            high += points
    return low if low == high else Between(low, high)


def _range(value: ir.Value | Between) -> tuple[Fraction, Fraction]:
    if isinstance(value, Between):
        return value.low, value.high
    number = _number(value)
    return number, number


def _number(value: ir.Value) -> Fraction:
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    assert isinstance(value, Fraction), f"expected a number, got {value!r}"
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare(op: str, left: Evaluated, right: Evaluated) -> Result3:
    if left is None or right is None:
        return None
    if isinstance(left, Between) or isinstance(right, Between):
        return _compare_ranges(op, _range(left), _range(right))
    # Fractions and ints compare exactly with each other; the resolver has checked types.
    return _COMPARE[op](left, right)


def _compare_ranges(
    op: str, left: tuple[Fraction, Fraction], right: tuple[Fraction, Fraction]
) -> Result3:
    """A comparison of two ranges: decided when it comes out the same for every pair
    of values in them, unknown otherwise."""
    (a, b), (c, d) = left, right
    if op in (">", ">="):
        (a, b), (c, d), op = (c, d), (a, b), "<" if op == ">" else "<="
    if op == "<":
        return True if b < c else False if a >= d else None
    if op == "<=":
        return True if b <= c else False if a > d else None
    apart = b < c or d < a
    if op == "==":
        return False if apart else True if a == b == c == d else None
    return True if apart else False if a == b == c == d else None


def arithmetic(op: str, left: Evaluated, right: Evaluated) -> Fraction | Between | None:
    if left is None or right is None:
        return None
    if isinstance(left, Between) or isinstance(right, Between):
        return _arithmetic_ranges(op, _range(left), _range(right))
    a, b = _number(left), _number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


def _arithmetic_ranges(
    op: str, left: tuple[Fraction, Fraction], right: tuple[Fraction, Fraction]
) -> Fraction | Between | None:
    """Interval arithmetic; a divisor whose range holds zero makes the result unknown
    (some values in it divide by zero)."""
    (a, b), (c, d) = left, right
    if op == "+":
        low, high = a + c, b + d
    elif op == "-":
        low, high = a - d, b - c
    else:
        if op == "/":
            if c <= 0 <= d:
                return None
            c, d = 1 / d, 1 / c
        corners = (a * c, a * d, b * c, b * d)
        low, high = min(corners), max(corners)
    return low if low == high else Between(low, high)


# ---------------------------------------------------------------- the walk


def evaluate(
    pathway: Pathway,
    patient: Mapping[str, ir.Value],
    written: Mapping[str, str] | None = None,
    *,
    explain: bool = True,
) -> Result:
    """Run ``pathway`` for ``patient`` (values as in :mod:`carepath.compiler.ir`).

    ``written`` optionally maps inputs to the values as the user wrote them
    (``"16 weeks"``), for the explanations. ``explain=False`` leaves every
    step's explanation empty (faster; statuses, paths and messages are the same)."""
    ev = Evaluator(pathway, patient)
    shown = _Shower(pathway, patient, written or {})
    path: list[str] = []
    steps: list[Step] = []
    recommendations: list[Recommendation] = []
    undetermined: list[Undetermined] = []

    def result(
        status: str, outcome: str | None = None, needs: tuple[str, ...] = (), message: str = ""
    ) -> Result:
        return Result(
            status,
            tuple(path),
            tuple(steps),
            tuple(recommendations),
            outcome,
            needs,
            tuple(undetermined),
            message,
        )

    node = pathway.start
    if node is None:
        return result(DEAD_END, message="the pathway has no single start node")
    plan = _plan(pathway)
    while True:
        if node in path:
            path.append(node)
            return result(
                LOOP,
                message=f"the path returns to `{node}`: with the same data it "
                "would go round forever",
            )
        path.append(node)
        here = _prepared(pathway, plan, node)
        kind = here.kind
        notes: list[str] = []
        if kind != "decision":
            for item, recommendation in here.items:
                if item.guard is None:
                    recommendations.append(recommendation)
                    continue
                holds = ev.holds(item.guard)
                if holds:
                    recommendations.append(recommendation)
                elif holds is None:
                    undetermined.append(
                        Undetermined(node, item.text, ev.missing(item.guard), recommendation.item)
                    )
                if explain:
                    notes.append(shown.item(item, holds, ev))
        if kind == "end":
            why = f"reached `{node}`: {here.label}" if explain else ""
            steps.append(Step(node, kind, None, why + "".join(notes)))
            return result(COMPLETE, outcome=node)
        if kind == "action":
            nxt = here.next
            if nxt is None or nxt not in pathway.graph:
                steps.append(
                    Step(node, kind, None, f"`{node}` has no next step" if explain else "")
                )
                return result(DEAD_END, message=f"action `{node}` has no `next`")
            why = f"did `{node}`: {here.label}; next `{nxt}`" if explain else ""
            steps.append(Step(node, kind, None, why + "".join(notes)))
            node = nxt
            continue
        chosen, status, needs, why = _decide(ev, here, shown, explain)
        steps.append(Step(node, kind, chosen.index if chosen else None, why if explain else ""))
        if chosen is None:
            return result(status, needs=needs, message=why)
        if chosen.target not in pathway.graph:
            return result(
                DEAD_END, message=f"`{node}` leads to `{chosen.target}`, which is no node"
            )
        node = chosen.target


def _decide(
    ev: Evaluator, here: _Node, shown: _Shower, explain: bool
) -> tuple[ir.BranchIR | None, str, tuple[str, ...], str]:
    """The branch a decision takes: (branch, status if none, needs, explanation).

    A taken branch is explained only when ``explain``; a decision that stops the walk
    always is (its explanation is the result's message)."""
    first = here.first
    guarded = list(here.guarded)
    otherwise = here.otherwise
    verdicts: list[tuple[ir.BranchIR, Result3]] = []
    for branch in guarded:
        assert branch.guard is not None
        verdict = ev.holds(branch.guard)
        verdicts.append((branch, verdict))
        if first and verdict is not False:
            break
    true = [b for b, v in verdicts if v is True]
    unknown = [b for b, v in verdicts if v is None]
    if first:
        if verdicts and verdicts[-1][1] is True:
            branch = verdicts[-1][0]
            return branch, COMPLETE, (), shown.took(branch) if explain else ""
        if unknown:
            needs = _needs(ev, unknown)
            return None, INCOMPLETE, needs, shown.blocked(unknown, needs)
    else:
        if len(true) > 1:
            names = ", ".join(f"`{b.target}`" for b in true)
            return (
                None,
                CONFLICT,
                (),
                f"branches to {names} all hold: the decision is ambiguous" + shown.givens(true),
            )
        if true:
            return true[0], COMPLETE, (), shown.took(true[0]) if explain else ""
        if unknown:
            needs = _needs(ev, unknown)
            return None, INCOMPLETE, needs, shown.blocked(unknown, needs)
    if otherwise is not None and not explain:
        return otherwise, COMPLETE, (), ""
    if otherwise is not None:
        return (
            otherwise,
            COMPLETE,
            (),
            f"took `{otherwise.target}` (otherwise): no other branch holds" + shown.givens(guarded),
        )
    return None, STUCK, (), "no branch holds and there is no `otherwise`" + shown.givens(guarded)


def _needs(ev: Evaluator, unknown: list[ir.BranchIR]) -> tuple[str, ...]:
    needed: set[str] = set()
    for branch in unknown:
        assert branch.guard is not None
        needed.update(ev.missing(branch.guard))
    return tuple(n for n in ev.pathway.inputs if n in needed)


class _Shower:
    """Explanations: the condition as written, with each input's given value."""

    def __init__(
        self, pathway: Pathway, patient: Mapping[str, ir.Value], written: Mapping[str, str]
    ) -> None:
        self.pathway = pathway
        self.patient = patient
        self.written = written
        self._shown: dict[str, str] = {}  # one input is often shown at several steps

    def given(self, name: str) -> str:
        shown = self._shown.get(name)
        if shown is None:
            value = self.patient.get(name)
            if value is None:
                shown = "unknown"
            elif name in self.written:
                shown = self.written[name]
            else:
                shown = format_value(self.pathway.inputs[name], value)
            self._shown[name] = shown
        return shown

    def givens(self, branches: list[ir.BranchIR]) -> str:
        """`` (given a: 1, b: true)`` for the inputs the branches read, or ``""``."""
        wanted: set[str] = set()
        for branch in branches:
            if branch.guard is not None:
                wanted.update(reads(self.pathway, branch.guard))
        return self._listing(n for n in self.pathway.inputs if n in wanted)

    def _listing(self, names: Any) -> str:
        shown = ", ".join(f"{n}: {self.given(n)}" for n in names)
        return f" (given {shown})" if shown else ""

    def took(self, branch: ir.BranchIR) -> str:
        assert branch.guard is not None
        return f"took `{branch.target}` because {branch.guard_text}" + self._listing(
            reads(self.pathway, branch.guard)
        )

    def blocked(self, unknown: list[ir.BranchIR], needs: tuple[str, ...]) -> str:
        conditions = "; ".join(b.guard_text for b in unknown)
        return (
            f"cannot decide: needs {', '.join(needs) or 'more data'} to know whether {conditions}"
        )

    def item(self, item: ir.ItemIR, holds: Result3, ev: Evaluator) -> str:
        """Why a conditional recommendation was given, left out or left undetermined."""
        assert item.guard is not None
        if holds is None:
            needs = ", ".join(ev.missing(item.guard)) or "more data"
            return f'; "{item.text}" undetermined: needs {needs} to know whether {item.guard_text}'
        # Backquotes keep `not a or b` from reading as "(not a) or b".
        verdict = (
            f"given because {item.guard_text}"
            if holds
            else f"left out because `{item.guard_text}` is false"
        )
        return f'; "{item.text}" {verdict}' + self._listing(reads(self.pathway, item.guard))


def format_value(decl: ir.InputDecl, value: ir.Value) -> str:
    """A patient value as a person reads it, in the input's declared unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    t = decl.type
    if isinstance(t, ir.NumberType) and t.unit is not None:
        return f"{format_number(value / t.unit.factor)} {t.unit.text}"
    if isinstance(t, ir.NumberType) and t.duration:
        return format_duration(value)
    return format_number(value)

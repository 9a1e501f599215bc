"""Generating ``case`` blocks for what no case exercises yet.

For every decision branch and every outcome (given / left out) of a
conditional recommendation that the existing cases miss, find a concrete
patient that reaches it: enumerate the simple paths from the start through the
target (a patient with fixed data never visits a node twice), encode each path
with z3 in three-valued logic (every input may be unknown; each boolean
condition becomes a pair "is true" / "is false"), and ask for a model,
preferring patients whose every input is known. Numbers are kept readable:
whole units for integers, hundredths of the declared unit for decimals, whole
days for durations. Every patient found is run through the interpreter, and the
written case block is parsed back and run again before it is offered, so a
generated case always passes and always reaches its target.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import z3

from carepath.dsl.formatter import quote

from . import ir
from .checks.smt import range_arithmetic, range_truth, score_range
from .evaluate import COMPLETE, INCOMPLETE, evaluate
from .pathway import Pathway, load_text
from .testing import Target, exercised, run_cases
from .units import format_duration, format_number

DAY = Fraction(86400)
MAX_PATHS = 200
# Walks tried when looking for a patient who stops after the target: each is a z3 query.
MAX_STOPPING_WALKS = 50
TIMEOUT_MS = 2000


@dataclass(frozen=True)
class GeneratedCase:
    target: Target
    name: str
    text: str  # the case block, ready to append to the pathway file


class Encoder:
    def __init__(self, pathway: Pathway) -> None:
        self.p = pathway
        self.scored_defines = ir.scored_defines(pathway.defines)
        self.known: dict[str, Any] = {}
        self.var: dict[str, Any] = {}
        self.constraints: list[Any] = []
        for name, decl in pathway.inputs.items():
            self.known[name] = z3.Bool(f"known__{name}")
            if decl.setting:  # a setting is never unknown
                self.constraints.append(self.known[name])
            t = decl.type
            if isinstance(t, ir.BooleanType):
                self.var[name] = z3.Bool(name)
            elif isinstance(t, ir.EnumType):
                v = z3.Int(name)
                self.var[name] = v
                self.constraints += [v >= 0, v < len(t.values)]
            else:
                assert isinstance(t, ir.NumberType)
                v = z3.Int(name)
                self.var[name] = v
                scale = self.scale(decl)
                if decl.lowest is not None:
                    self.constraints.append(v * _q(scale) >= _q(decl.lowest))
                if decl.high is not None:
                    self.constraints.append(v * _q(scale) <= _q(decl.high))
                elif t.duration:
                    self.constraints += [v >= 0, v <= 36500]

    @staticmethod
    def scale(decl: ir.InputDecl) -> Fraction:
        """SI value of one step of the integer variable."""
        t = decl.type
        assert isinstance(t, ir.NumberType)
        if t.duration:
            return DAY
        factor = t.unit.factor if t.unit else Fraction(1)
        return factor if t.integer else factor / 100

    def scored(self, expr: ir.Expr) -> bool:
        return ir.is_scored(expr, self.scored_defines)

    def number(self, expr: ir.Expr) -> tuple[Any, Any]:
        """(SI value as a z3 Real, defined)."""
        if self.scored(expr):
            low, high, defined = self.range(expr)
            return low, z3.And(defined, low == high)
        return self._number(expr)

    def range(self, expr: ir.Expr) -> tuple[Any, Any, Any]:
        """(low, high, defined) of a number that may read a score (evaluate.Between)."""
        if not self.scored(expr):
            value, defined = self._number(expr)
            return value, value, defined
        if isinstance(expr, ir.Ref):
            return self.range(self.p.defines[expr.name].expr)
        if isinstance(expr, ir.Negate):
            low, high, defined = self.range(expr.operand)
            return -high, -low, defined
        if isinstance(expr, ir.Count | ir.Points):
            low, high = score_range(z3, [(w, self.truth(c)) for w, c in ir.criteria(expr)], _q)
            return low, high, z3.BoolVal(True)
        assert isinstance(expr, ir.Arith)
        a, b, dl = self.range(expr.left)
        c, d, dr = self.range(expr.right)
        low, high, defined = range_arithmetic(z3, expr.op, (a, b), (c, d))
        return low, high, z3.And(dl, dr, defined)

    def _number(self, expr: ir.Expr) -> tuple[Any, Any]:
        if isinstance(expr, ir.Const):
            assert isinstance(expr.value, Fraction)
            return _q(expr.value), z3.BoolVal(True)
        if isinstance(expr, ir.Ref):
            if expr.is_input:
                decl = self.p.inputs[expr.name]
                return z3.ToReal(self.var[expr.name]) * _q(self.scale(decl)), self.known[expr.name]
            return self.number(self.p.defines[expr.name].expr)
        if isinstance(expr, ir.Arith):
            (a, da), (b, db) = self.number(expr.left), self.number(expr.right)
            if expr.op == "+":
                return a + b, z3.And(da, db)
            if expr.op == "-":
                return a - b, z3.And(da, db)
            if expr.op == "*":
                return a * b, z3.And(da, db)
            return a / b, z3.And(da, db, b != 0)
        if isinstance(expr, ir.Negate):
            a, da = self.number(expr.operand)
            return -a, da
        raise TypeError(type(expr).__name__)

    def value(self, expr: ir.Expr) -> tuple[Any, Any, str]:
        """(value, defined, sort) for an equality operand of any type."""
        t = ir.type_of(expr)
        if isinstance(t, ir.EnumType):
            if isinstance(expr, ir.Const):
                return z3.IntVal(t.values.index(str(expr.value))), z3.BoolVal(True), "enum"
            assert isinstance(expr, ir.Ref) and expr.is_input
            return self.var[expr.name], self.known[expr.name], "enum"
        if isinstance(t, ir.BooleanType):
            tt, ff = self.truth(expr)
            return tt, z3.Or(tt, ff), "bool"
        a, d = self.number(expr)
        return a, d, "number"

    def truth(self, expr: ir.Expr) -> tuple[Any, Any]:
        """(is true, is false) of a condition, in Kleene's logic."""
        if isinstance(expr, ir.Const):
            return z3.BoolVal(bool(expr.value)), z3.BoolVal(not expr.value)
        if isinstance(expr, ir.Ref):
            if expr.is_input:
                k, v = self.known[expr.name], self.var[expr.name]
                return z3.And(k, v), z3.And(k, z3.Not(v))
            return self.truth(self.p.defines[expr.name].expr)
        if isinstance(expr, ir.Not):
            t, f = self.truth(expr.operand)
            return f, t
        if isinstance(expr, ir.And):
            parts = [self.truth(e) for e in expr.operands]
            return z3.And(*[t for t, _ in parts]), z3.Or(*[f for _, f in parts])
        if isinstance(expr, ir.Or):
            parts = [self.truth(e) for e in expr.operands]
            return z3.Or(*[t for t, _ in parts]), z3.And(*[f for _, f in parts])
        if isinstance(expr, ir.IsKnown):
            _, d, _ = self.value(expr.operand)
            return d, z3.Not(d)
        if isinstance(expr, ir.InSet):
            v, d, _ = self.value(expr.operand)
            enum = ir.type_of(expr.operand)
            assert isinstance(enum, ir.EnumType)
            # In declaration order, not the set's (which follows the hash seed): the
            # same formula, so the same patient, on every run.
            member = z3.Or(*[v == i for i, x in enumerate(enum.values) if x in expr.values])
            return z3.And(d, member), z3.And(d, z3.Not(member))
        if isinstance(expr, ir.Compare) and (self.scored(expr.left) or self.scored(expr.right)):
            lo_l, hi_l, dl = self.range(expr.left)
            lo_r, hi_r, dr = self.range(expr.right)
            t, f = range_truth(z3, expr.op, (lo_l, hi_l), (lo_r, hi_r))
            return z3.And(dl, dr, t), z3.And(dl, dr, f)
        if isinstance(expr, ir.Compare):
            (a, da, _), (b, db, _) = self.value(expr.left), self.value(expr.right)
            ops = {
                "==": lambda: a == b,
                "!=": lambda: a != b,
                "<": lambda: a < b,
                "<=": lambda: a <= b,
                ">": lambda: a > b,
                ">=": lambda: a >= b,
            }
            holds = ops[expr.op]()
            defined = z3.And(da, db)
            return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
        raise TypeError(type(expr).__name__)


def _q(value: Fraction) -> Any:
    return z3.Q(value.numerator, value.denominator)


def path_constraints(enc: Encoder, path: list[str]) -> list[Any]:
    """What a patient must satisfy to follow ``path`` (each decision taking the next step)."""
    graph = enc.p.graph
    found: list[Any] = []
    for here, nxt in itertools.pairwise(path):
        data = graph.nodes[here]
        if data["kind"] != "decision":
            continue
        branches = data["branches"]
        guarded = [b for b in branches if b.guard is not None]
        options = []
        for branch in branches:
            if branch.target != nxt:
                continue
            if branch.guard is None:
                options.append(z3.And(*[enc.truth(b.guard)[1] for b in guarded]))
            elif data["policy"] == "first":
                earlier = [enc.truth(b.guard)[1] for b in guarded if b.index < branch.index]
                options.append(z3.And(*earlier, enc.truth(branch.guard)[0]))
            else:
                others = [z3.Not(enc.truth(b.guard)[0]) for b in guarded if b.index != branch.index]
                options.append(z3.And(enc.truth(branch.guard)[0], *others))
        found.append(z3.Or(*options) if options else z3.BoolVal(False))
    return found


def _paths_through(pathway: Pathway, node: str) -> list[list[str]]:
    graph = pathway.graph
    start = pathway.start
    if start is None or node not in graph:
        return []
    if node == start:
        heads = [[start]]
    else:
        heads = list(itertools.islice(nx.all_simple_paths(graph, start, node), MAX_PATHS))
    return sorted(heads, key=len)


def _solve(enc: Encoder, goals: list[Any]) -> dict[str, ir.Value | None] | None:
    for all_known in (True, False):
        solver: Any = z3.Solver() if all_known else z3.Optimize()
        solver.set("timeout", TIMEOUT_MS)
        solver.add(*enc.constraints, *goals)
        if all_known:
            solver.add(*enc.known.values())
        else:
            # Some input must stay unknown (`x is unknown`): as few as possible.
            for known in enc.known.values():
                solver.add_soft(known)
        if solver.check() != z3.sat:
            continue
        model = solver.model()
        patient: dict[str, ir.Value | None] = {}
        for name in enc.p.inputs:
            if z3.is_true(model.eval(enc.known[name], model_completion=True)):
                patient[name] = model_value(enc, model, name)
        return patient
    return None


def model_value(enc: Encoder, model: Any, name: str) -> ir.Value:
    """Input ``name``'s value in a z3 model, as the interpreter takes it."""
    raw = model.eval(enc.var[name], model_completion=True)
    decl = enc.p.inputs[name]
    t = decl.type
    if isinstance(t, ir.BooleanType):
        return bool(z3.is_true(raw))
    if isinstance(t, ir.EnumType):
        return str(t.values[raw.as_long()])
    return Fraction(raw.as_long()) * enc.scale(decl)


def written_value(decl: ir.InputDecl, value: ir.Value) -> str:
    """A patient value as a case's ``given`` writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    t = decl.type
    assert isinstance(t, ir.NumberType)
    if t.duration:
        text = format_duration(value)
        return text if "/" not in text else f"{format_number(value / DAY)} days"
    if t.unit is not None:
        return f"{format_number(value / t.unit.factor)} {t.unit.text}"
    return format_number(value)


def _case_text(pathway: Pathway, name: str, patient: dict[str, ir.Value | None]) -> str:
    givens = [
        f"{n} = {written_value(pathway.inputs[n], v)}" for n, v in patient.items() if v is not None
    ]
    result = evaluate(pathway, {k: v for k, v in patient.items() if v is not None})
    lines = [f"case {quote(name)}"]
    for chunk in range(0, len(givens), 4):
        lines.append("  given " + ", ".join(givens[chunk : chunk + 4]))
    if not givens:
        lines.append("  # every input unknown")
    if result.status == "complete":
        lines.append(f"  expect end {result.outcome}")
    elif result.needs:
        lines.append(f"  expect needs {', '.join(result.needs)}")
    lines.append(f"  expect path {', '.join(result.path)}")
    return "\n".join(lines)


def _case_name(target: Target) -> str:
    how = target.description.split(": ", 1)[-1]
    return f"TODO: review — reaches {target.node} via {how}"


def on_grid(pathway: Pathway, patient: dict[str, ir.Value]) -> bool:
    """Whether every number of ``patient`` is one the search can propose: a whole
    unit of an integer, a hundredth of a decimal's unit, a whole day of a duration.
    A target reached only off this grid is reported as not found."""
    for name, value in patient.items():
        decl = pathway.inputs.get(name)
        if decl is None or not isinstance(decl.type, ir.NumberType):
            continue
        assert isinstance(value, Fraction)
        if (value / Encoder.scale(decl)).denominator != 1:
            return False
    return True


def generate_cases(pathway: Pathway) -> tuple[list[GeneratedCase], list[Target]]:
    """(cases for the uncovered branches and item outcomes a finishing patient was
    found for, the targets still unexercised with those cases added)."""
    report = run_cases(pathway)
    hit = set(report.coverage.hit)
    enc = Encoder(pathway)
    names = {case.name for case in pathway.cases}
    cases: list[GeneratedCase] = []
    for target in report.coverage.branches:
        if target.key in hit:
            continue
        patient = _find(enc, pathway, target)
        if patient is None:
            continue
        known = {k: v for k, v in patient.items() if v is not None}
        result = evaluate(pathway, known)
        reached = exercised(pathway, result, known)
        if target.key in reached and result.status not in _FINISHED:
            # The path goes on past the target into a loop (or a conflict, or a fall
            # through): leave unknown what reaching the target does not need, so the
            # case stops with `expect needs` instead.
            known = _only_what_reaches(pathway, target, known)
            patient = dict(known)
            result = evaluate(pathway, known)
            reached = exercised(pathway, result, known)
        if target.key not in reached or result.status not in _FINISHED:
            # Look again, this time for a patient whose walk also stops after the
            # target: at an end, or at a decision their data leaves undecided.
            found = _find_stopping(enc, pathway, target)
            if found is not None:
                patient = found
                known = {k: v for k, v in patient.items() if v is not None}
                result = evaluate(pathway, known)
                reached = exercised(pathway, result, known)
        # A patient who still loops, conflicts or falls through cannot make a case that
        # passes: no case is offered, and what it reached stays uncovered.
        if target.key not in reached or result.status not in _FINISHED:
            continue
        hit |= reached
        name = _case_name(target)
        if name in names:  # two items may read alike; case names must not
            name += f" ({sum(1 for n in names if n.startswith(name)) + 1})"
        names.add(name)
        cases.append(GeneratedCase(target, name, _case_text(pathway, name, patient)))
    return _verified(pathway, cases)


_FINISHED = (COMPLETE, INCOMPLETE)


def _only_what_reaches(
    pathway: Pathway, target: Target, known: dict[str, ir.Value]
) -> dict[str, ir.Value]:
    """``known`` less every input whose removal still lets the patient reach ``target``
    (greedily, in declaration order from the last input)."""
    kept = dict(known)
    for name in reversed(list(pathway.inputs)):
        if name not in kept:
            continue
        trial = {k: v for k, v in kept.items() if k != name}
        result = evaluate(pathway, trial)
        if target.key in exercised(pathway, result, trial):
            kept = trial
            if result.status in _FINISHED:
                break
    return kept


def _target_goal(enc: Encoder, pathway: Pathway, target: Target) -> list[Any]:
    """What a patient at ``target.node`` must satisfy to exercise ``target``."""
    data = pathway.graph.nodes[target.node]
    if target.kind == "branch":
        return _branch_only(enc, data, data["branches"][target.index])
    t, f = enc.truth(data["items"][target.index].guard)
    return [t if target.kind == "item-true" else f]


def _find(enc: Encoder, pathway: Pathway, target: Target) -> dict[str, Any] | None:
    goal = _target_goal(enc, pathway, target)
    for head in _paths_through(pathway, target.node):
        patient = _solve(enc, path_constraints(enc, head) + goal)
        if patient is not None:
            return patient
    return None


def _find_stopping(enc: Encoder, pathway: Pathway, target: Target) -> dict[str, Any] | None:
    """A patient who reaches ``target`` and whose walk then stops: a simple path from
    the start through the target to an end, or to a decision left undecided (no
    branch true, one unknown). A patient with fixed data who finishes never visits a
    node twice, so simple paths are all there is to try (up to MAX_STOPPING_WALKS)."""
    graph = pathway.graph
    goal = _target_goal(enc, pathway, target)
    first = target.node
    if target.kind == "branch":
        first = graph.nodes[target.node]["branches"][target.index].target
    tried = 0
    for head in _paths_through(pathway, target.node):
        for tail in _stopping_walks(graph, first, set(head) - {first}):
            tried += 1
            if tried > MAX_STOPPING_WALKS:
                return None
            path = head + tail[1:] if tail[0] == head[-1] else head + tail
            goals = path_constraints(enc, path) + goal + stops_at(enc, graph, path[-1])
            patient = _solve(enc, goals)
            if patient is None:
                continue
            known = {k: v for k, v in patient.items() if v is not None}
            result = evaluate(pathway, known)
            if target.key in exercised(pathway, result, known) and result.status in _FINISHED:
                return patient
    return None


def _stopping_walks(graph: nx.DiGraph, first: str, avoid: set[str]) -> Iterator[list[str]]:
    """Simple walks from ``first`` that avoid ``avoid`` and end at an end or a decision,
    shortest first."""
    queue = deque([[first]])
    while queue:
        walk = queue.popleft()
        here = walk[-1]
        if graph.nodes[here]["kind"] in ("end", "decision"):
            yield walk
        for nxt in graph.successors(here):
            if nxt not in avoid and nxt not in walk:
                queue.append([*walk, nxt])


def stops_at(enc: Encoder, graph: nx.DiGraph, node: str) -> list[Any]:
    """The patient's walk ends at ``node``: it is an end, or no branch there holds and
    one is unknown (so neither a branch nor ``otherwise`` is taken)."""
    data = graph.nodes[node]
    if data["kind"] != "decision":
        return []
    pairs = [enc.truth(b.guard) for b in data["branches"] if b.guard is not None]
    if not pairs:
        return [z3.BoolVal(False)]
    return [
        *[z3.Not(t) for t, _ in pairs],
        z3.Or(*[z3.And(z3.Not(t), z3.Not(f)) for t, f in pairs]),
    ]


def _branch_only(enc: Encoder, data: dict[str, Any], branch: ir.BranchIR) -> list[Any]:
    """Taking exactly ``branch`` (not another branch to the same target)."""
    guarded = [b for b in data["branches"] if b.guard is not None]
    if branch.guard is None:
        return [enc.truth(b.guard)[1] for b in guarded]
    if data["policy"] == "first":
        return [enc.truth(b.guard)[1] for b in guarded if b.index < branch.index] + [
            enc.truth(branch.guard)[0]
        ]
    return [enc.truth(branch.guard)[0]] + [
        z3.Not(enc.truth(b.guard)[0]) for b in guarded if b.index != branch.index
    ]


def _verified(
    pathway: Pathway, cases: list[GeneratedCase]
) -> tuple[list[GeneratedCase], list[Target]]:
    """The cases that read back and pass once appended to the pathway, and every
    target that the pathway's cases and those still leave unexercised (a target given
    up on may have been reached on the way to another; a dropped case reaches
    nothing)."""
    kept: list[GeneratedCase] = []
    if cases:
        loaded = load_text(append_cases(pathway.source, [c.text for c in cases]), pathway.file)
        if loaded.pathway is None:
            # A block that does not parse (it should never happen) would sink them all:
            # keep the ones that read back on their own.
            cases = [c for c in cases if _reads_back(pathway, c)]
            loaded = load_text(append_cases(pathway.source, [c.text for c in cases]), pathway.file)
        if cases and loaded.pathway is not None:
            # A block the pathway cannot read back (it should never happen) is not offered.
            errors = {d.span.line for d in loaded.diagnostics if d.severity >= d.severity.ERROR}
            unreadable: set[str] = set()
            line = append_cases(pathway.source, []).count("\n")
            for case in cases:
                start = line + 2  # after the blank line that separates blocks
                line = start + case.text.count("\n")
                if any(start <= e <= line for e in errors):
                    unreadable.add(case.name)
            passed = {c.name for c in run_cases(loaded.pathway).cases if c.passed}
            kept = [c for c in cases if c.name in passed - unreadable]
    final = pathway
    if kept:
        with_kept = load_text(append_cases(pathway.source, [c.text for c in kept]), pathway.file)
        if with_kept.pathway is None:
            kept = []
        else:
            final = with_kept.pathway
    coverage = run_cases(final).coverage
    return kept, [t for t in coverage.branches if t.key not in coverage.hit]


def _reads_back(pathway: Pathway, case: GeneratedCase) -> bool:
    return load_text(append_cases(pathway.source, [case.text]), pathway.file).pathway is not None


def append_cases(source: str, blocks: list[str]) -> str:
    body = source if source.endswith("\n") else source + "\n"
    return body + "".join("\n" + block + "\n" for block in blocks)

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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import z3

from . import ir
from .evaluate import COMPLETE, INCOMPLETE, evaluate, format_duration
from .pathway import Pathway, load_text
from .testing import Target, exercised, run_cases
from .units import format_number

DAY = Fraction(86400)
MAX_PATHS = 200
TIMEOUT_MS = 2000


@dataclass(frozen=True)
class GeneratedCase:
    target: Target
    name: str
    text: str  # the case block, ready to append to the pathway file


class _Encoder:
    def __init__(self, pathway: Pathway) -> None:
        self.p = pathway
        self.known: dict[str, Any] = {}
        self.var: dict[str, Any] = {}
        self.constraints: list[Any] = []
        for name, decl in pathway.inputs.items():
            self.known[name] = z3.Bool(f"known__{name}")
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
                if decl.low is not None and decl.high is not None:
                    scale = self.scale(decl)
                    self.constraints += [
                        v * _q(scale) >= _q(decl.low),
                        v * _q(scale) <= _q(decl.high),
                    ]
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

    def number(self, expr: ir.Expr) -> tuple[Any, Any]:
        """(SI value as a z3 Real, defined)."""
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
        if isinstance(expr, ir.Count | ir.Points):
            pairs = (
                [(Fraction(1), e) for e in expr.operands]
                if isinstance(expr, ir.Count)
                else list(expr.weights)
            )
            total: Any = z3.RealVal(0)
            defined = []
            for weight, cond in pairs:
                t, f = self.truth(cond)
                total = total + z3.If(t, _q(weight), z3.RealVal(0))
                defined.append(z3.Or(t, f))
            return total, z3.And(*defined) if defined else z3.BoolVal(True)
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
            member = z3.Or(*[v == enum.values.index(x) for x in expr.values])
            return z3.And(d, member), z3.And(d, z3.Not(member))
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


def _path_constraints(enc: _Encoder, path: list[str]) -> list[Any]:
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


def _solve(enc: _Encoder, goals: list[Any]) -> dict[str, ir.Value | None] | None:
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
        for name, decl in enc.p.inputs.items():
            known = model.eval(enc.known[name], model_completion=True)
            if not z3.is_true(known):
                continue
            raw = model.eval(enc.var[name], model_completion=True)
            t = decl.type
            if isinstance(t, ir.BooleanType):
                patient[name] = z3.is_true(raw)
            elif isinstance(t, ir.EnumType):
                patient[name] = t.values[raw.as_long()]
            else:
                patient[name] = Fraction(raw.as_long()) * enc.scale(decl)
        return patient
    return None


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
    lines = [f'case "{_escape(name)}"']
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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _case_name(target: Target) -> str:
    how = target.description.split(": ", 1)[-1]
    return f"TODO: review — reaches {target.node} via {how}"


def generate_cases(pathway: Pathway) -> tuple[list[GeneratedCase], list[Target]]:
    """(cases for every uncovered branch and item outcome, targets no patient can reach)."""
    report = run_cases(pathway)
    hit = set(report.coverage.hit)
    enc = _Encoder(pathway)
    names = {case.name for case in pathway.cases}
    cases: list[GeneratedCase] = []
    unreachable: list[Target] = []
    for target in report.coverage.branches:
        if target.key in hit:
            continue
        patient = _find(enc, pathway, target)
        if patient is None:
            unreachable.append(target)
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
        # A patient who still loops, conflicts or falls through cannot make a case that
        # passes: no case is offered, and what it reached stays uncovered.
        if target.key not in reached or result.status not in _FINISHED:
            unreachable.append(target)
            continue
        hit |= reached
        name = _case_name(target)
        if name in names:  # two items may read alike; case names must not
            name += f" ({sum(1 for n in names if n.startswith(name)) + 1})"
        names.add(name)
        cases.append(GeneratedCase(target, name, _case_text(pathway, name, patient)))
    # A target given up on may have been reached on the way to a later one.
    unreachable = [t for t in unreachable if t.key not in hit]
    return _verified(pathway, cases, unreachable)


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


def _find(enc: _Encoder, pathway: Pathway, target: Target) -> dict[str, Any] | None:
    data = pathway.graph.nodes[target.node]
    for head in _paths_through(pathway, target.node):
        goals = _path_constraints(enc, head)
        if target.kind == "branch":
            goals += _branch_only(enc, data, data["branches"][target.index])
        else:
            item = data["items"][target.index]
            t, f = enc.truth(item.guard)
            goals.append(t if target.kind == "item-true" else f)
        patient = _solve(enc, goals)
        if patient is not None:
            return patient
    return None


def _branch_only(enc: _Encoder, data: dict[str, Any], branch: ir.BranchIR) -> list[Any]:
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
    pathway: Pathway, cases: list[GeneratedCase], unreachable: list[Target]
) -> tuple[list[GeneratedCase], list[Target]]:
    """Parse the pathway with the generated cases appended and keep those that pass."""
    if not cases:
        return cases, unreachable
    text = append_cases(pathway.source, [c.text for c in cases])
    loaded = load_text(text, pathway.file)
    if loaded.pathway is None:
        return [], unreachable + [c.target for c in cases]
    # A block the pathway cannot read back (it should never happen) is not offered.
    errors = {d.span.line for d in loaded.diagnostics if d.severity >= d.severity.ERROR}
    unreadable: set[str] = set()
    line = append_cases(pathway.source, []).count("\n")
    for case in cases:
        start = line + 2  # after the blank line that separates blocks
        line = start + case.text.count("\n")
        if any(start <= e <= line for e in errors):
            unreadable.add(case.name)
    report = run_cases(loaded.pathway)
    passed = {c.name for c in report.cases if c.passed} - unreadable
    kept = [c for c in cases if c.name in passed]
    dropped = [c.target for c in cases if c.name not in passed]
    if dropped:
        # A dropped case (e.g. its patient goes round a loop forever, so no `expect end`
        # can hold) still counted towards coverage above; count only the kept ones.
        kept_only = load_text(append_cases(pathway.source, [c.text for c in kept]), pathway.file)
        if kept_only.pathway is not None:
            report = run_cases(kept_only.pathway)
    return kept, [t for t in unreachable + dropped if t.key not in report.coverage.hit]


def append_cases(source: str, blocks: list[str]) -> str:
    body = source if source.endswith("\n") else source + "\n"
    return body + "".join("\n" + block + "\n" for block in blocks)

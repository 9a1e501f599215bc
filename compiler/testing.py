"""Running a pathway's ``case`` blocks, with node and branch coverage.

Expectations (docs/testing.md):

- ``expect end X``: the evaluation is complete and ends at ``X``;
- ``expect recommends "text"``: that recommendation is given (among others);
- ``expect not recommends "text"``: that recommendation is neither given nor left
  undetermined for lack of data;
- ``expect needs a, b``: the evaluation stops incomplete needing exactly these
  inputs (in any order);
- ``expect incomplete``: the evaluation stops incomplete, whatever it needs;
- ``expect path a, b, c``: the path is exactly this.

Coverage counts what the cases exercise: every node on some case's path (node
coverage); every branch of every decision taken by some case, and every
conditional recommendation seen both given (true) and left out (false) (branch
coverage). Everything no case exercises is listed with its line.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\ninput a: boolean\\nstart d\\n'
...               'decision d "A?"\\n  when a -> yes\\n  otherwise -> no\\n'
...               'end yes "Yes"\\nend no "No"\\n'
...               'case "a"\\n  given a = true\\n  expect end yes\\n').pathway
>>> report = run_cases(p)
>>> report.passed, report.coverage.branch_percent
(True, 50.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import ir
from .evaluate import COMPLETE, INCOMPLETE, Evaluator, Result, evaluate
from .pathway import Pathway


@dataclass(frozen=True)
class Mismatch:
    """One expectation that does not hold: what was expected, what happened."""

    kind: str  # end, recommends, needs, path
    expected: str
    actual: str
    line: int


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int
    result: Result
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def diff(self) -> str:
        """A readable expected-vs-actual listing, one block per failed expectation."""
        return "\n".join(self.diff_lines())

    def diff_lines(self) -> list[str]:
        """The lines of :meth:`diff`, each one line of output even when a value holds
        a line break (the caller escapes it)."""
        out = []
        for m in self.mismatches:
            out.append(f"  line {m.line}: expect {m.kind}")
            out.append(f"    expected: {m.expected}")
            out.append(f"    actual:   {m.actual}")
        return out


@dataclass(frozen=True)
class Target:
    """Something coverage counts: a node, a branch, or one outcome of a conditional item."""

    kind: str  # node, branch, item-true, item-false
    node: str
    index: int  # branch or item index (-1 for nodes)
    line: int
    description: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.node, self.index)


@dataclass(frozen=True)
class Coverage:
    nodes: tuple[Target, ...]
    branches: tuple[Target, ...]  # decision branches and conditional-item outcomes
    hit: frozenset[tuple[str, str, int]]

    @property
    def nodes_hit(self) -> int:
        return sum(1 for t in self.nodes if t.key in self.hit)

    @property
    def branches_hit(self) -> int:
        return sum(1 for t in self.branches if t.key in self.hit)

    @property
    def node_percent(self) -> float:
        return _percent(self.nodes_hit, len(self.nodes))

    @property
    def branch_percent(self) -> float:
        return _percent(self.branches_hit, len(self.branches))

    @property
    def missing(self) -> tuple[Target, ...]:
        return tuple(t for t in (*self.nodes, *self.branches) if t.key not in self.hit)


def _percent(hit: int, total: int) -> float:
    return 100.0 if total == 0 else round(100.0 * hit / total, 1)


@dataclass(frozen=True)
class CaseReport:
    file: str
    pathway_id: str
    cases: tuple[CaseResult, ...]
    coverage: Coverage
    failures: tuple[CaseResult, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)


# ---------------------------------------------------------------- running


def check_case(pathway: Pathway, case: ir.CaseIR, result: Result) -> tuple[Mismatch, ...]:
    found: list[Mismatch] = []
    given = {r.text for r in result.recommendations}
    for expect in case.expectations:
        line = expect.span.line
        if expect.kind == "end":
            want = expect.values[0]
            if result.status != COMPLETE or result.outcome != want:
                found.append(Mismatch("end", want, _ending(result), line))
        elif expect.kind == "recommends":
            for text in expect.values:
                if text not in given:
                    actual = "not given" + (
                        " (undetermined: needs "
                        + ", ".join(next(u.needs for u in result.undetermined if u.text == text))
                        + ")"
                        if any(u.text == text for u in result.undetermined)
                        else ""
                    )
                    found.append(Mismatch("recommends", f'"{text}"', actual, line))
        elif expect.kind == "not recommends":
            for text in expect.values:
                if text in given:
                    found.append(Mismatch("not recommends", f'"{text}"', "given", line))
                elif any(u.text == text for u in result.undetermined):
                    needs = next(u.needs for u in result.undetermined if u.text == text)
                    actual = "undetermined: needs " + ", ".join(needs)
                    found.append(Mismatch("not recommends", f'"{text}"', actual, line))
        elif expect.kind == "incomplete":
            if result.status != INCOMPLETE:
                found.append(Mismatch("incomplete", "incomplete", _ending(result), line))
        elif expect.kind == "needs":
            if set(expect.values) != set(result.needs):
                actual = ", ".join(result.needs) or f"nothing ({_ending(result)})"
                found.append(Mismatch("needs", ", ".join(expect.values), actual, line))
        elif expect.kind == "path" and tuple(expect.values) != result.path:
            found.append(
                Mismatch("path", " -> ".join(expect.values), " -> ".join(result.path), line)
            )
    return tuple(found)


def _ending(result: Result) -> str:
    if result.status == COMPLETE:
        return f"ends at {result.outcome}"
    if result.needs:
        return f"{result.status}, needs {', '.join(result.needs)}"
    return f"{result.status}: {result.message}" if result.message else result.status


def targets(pathway: Pathway) -> tuple[tuple[Target, ...], tuple[Target, ...]]:
    """(nodes, branches): everything coverage counts, in file order."""
    nodes: list[Target] = []
    branches: list[Target] = []
    graph = pathway.graph
    for node, data in sorted(graph.nodes(data=True), key=lambda nd: nd[1]["span"].line):
        nodes.append(Target("node", node, -1, data["span"].line, f"{data['kind']} `{node}`"))
        if data["kind"] == "decision":
            for branch in data["branches"]:
                text = "otherwise" if branch.guard is None else f"when {branch.guard_text}"
                branches.append(
                    Target(
                        "branch",
                        node,
                        branch.index,
                        branch.span.line,
                        f"`{node}`: {text} -> {branch.target}",
                    )
                )
        else:
            for index, item in enumerate(data["items"]):
                if item.guard is None:
                    continue
                for truth in ("true", "false"):
                    verb = "given" if truth == "true" else "left out"
                    branches.append(
                        Target(
                            f"item-{truth}",
                            node,
                            index,
                            item.span.line,
                            f'`{node}`: "{item.text}" {verb} (when {item.guard_text} is {truth})',
                        )
                    )
    return tuple(nodes), tuple(branches)


def exercised(
    pathway: Pathway, result: Result, patient: Mapping[str, ir.Value]
) -> set[tuple[str, str, int]]:
    """The coverage targets one evaluation (of ``patient``) exercises.

    A conditional item's outcome is its condition's value for the patient, not a
    match on its text: two items may share a text."""
    hit: set[tuple[str, str, int]] = set()
    graph = pathway.graph
    ev = Evaluator(pathway, patient)
    for node in set(result.path):
        hit.add(("node", node, -1))
        data = graph.nodes[node]
        if data["kind"] == "decision":
            continue
        for index, item in enumerate(data["items"]):
            if item.guard is None:
                continue
            holds = ev.holds(item.guard)
            if holds is True:
                hit.add(("item-true", node, index))
            elif holds is False:
                hit.add(("item-false", node, index))
    for step in result.steps:
        if step.kind == "decision" and step.branch is not None:
            hit.add(("branch", step.node, step.branch))
    return hit


def run_cases(pathway: Pathway) -> CaseReport:
    """Run every case block of ``pathway``; the report has pass/fail and coverage."""
    results: list[CaseResult] = []
    hit: set[tuple[str, str, int]] = set()
    for case in pathway.cases:
        result = evaluate(pathway, case.patient, case.written)
        results.append(
            CaseResult(case.name, case.span.line, result, check_case(pathway, case, result))
        )
        hit |= exercised(pathway, result, case.patient)
    nodes, branches = targets(pathway)
    coverage = Coverage(nodes, branches, frozenset(hit))
    failures = tuple(r for r in results if not r.passed)
    return CaseReport(pathway.file, pathway.id, tuple(results), coverage, failures)

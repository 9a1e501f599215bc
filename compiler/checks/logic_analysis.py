"""The shared analysis behind the logic checks: who reaches each node, who takes each branch.

Sets of patients (possibly with unknown inputs) are *regions*: a union of boxes
when the guards allow (exact and fast), else a symbolic formula that z3 decides.
The sets are propagated forward from the start, strongly connected components in
topological order (a least fixpoint inside a cycle), so every later question
("does anyone who gets here fall through every branch?") is asked only about
the patients who can actually get there.

The analysis of a pathway is computed once and shared by every CP3xx pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import networkx as nx

from carepath.compiler import ir
from carepath.compiler.evaluate import Result
from carepath.compiler.pathway import Pathway
from carepath.compiler.units import Unit
from carepath.dsl.diagnostics import Diagnostic, Witness, make

from . import codes_logic as _codes  # noqa: F401 - registers CP3xx
from .boxes import Boxes, Domain, OutOfFragment, TooComplex, Translator
from .threshold_values import thresholds
from .witness import PatientPredicate, Predicate, confirm, display_units

# A symbolic region: ("T", expr) | ("F", expr) | ("and", r...) | ("or", r...) | ("not", r)
Sym = tuple[Any, ...]
Region = Boxes | Sym

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"
MAX_SYMBOLIC_COMPONENT = 40  # nodes; a larger cycle with solver-only guards is widened


@dataclass(frozen=True)
class Found:
    status: str  # sat, unsat, unknown
    patient: dict[str, ir.Value] | None = None


@dataclass
class DecisionInfo:
    node: str
    policy: str
    branches: tuple[ir.BranchIR, ...]
    holds: dict[int, Region] = field(default_factory=dict)  # guard true
    fails: dict[int, Region] = field(default_factory=dict)  # guard false
    choose: dict[int, Region] = field(default_factory=dict)  # the branch is taken
    overlapping: dict[int, list[int]] = field(default_factory=dict)


def domain_of(
    pathway: Pathway, found: Mapping[str, Mapping[Fraction, ir.Const]] | None = None
) -> Domain:
    """The box domain of a pathway's inputs, scaled so every threshold is a whole number."""
    found = thresholds(pathway) if found is None else found
    constants = {name: list(values) for name, values in found.items()}
    return Domain.of(pathway.inputs, constants)


def _units(found: Mapping[str, Mapping[Fraction, ir.Const]]) -> dict[str, list[Unit]]:
    """For each input, the units its thresholds are written in, in source order."""
    units: dict[str, list[Unit]] = {}
    for name, consts in found.items():
        for const in sorted(consts.values(), key=lambda c: c.span):
            if const.unit is not None and const.unit not in units.setdefault(name, []):
                units[name].append(const.unit)
    return units


class Analysis:
    """Regions of patients for one pathway, with z3 loaded only when a guard needs it."""

    def __init__(self, pathway: Pathway, timeout_ms: int = 2000) -> None:
        self.pathway = pathway
        self.graph: nx.DiGraph = pathway.graph
        self.thresholds = thresholds(pathway)
        self.domain = domain_of(pathway, self.thresholds)
        self.tr = Translator(self.domain, pathway.defines)
        self.timeout_ms = timeout_ms
        self._smt: Any = None
        self._reads: dict[str, frozenset[str]] = {}  # inputs each node reads, for witnesses
        self._formulas: dict[int, tuple[Region, Any]] = {}
        self.units: dict[str, list[Unit]] = _units(self.thresholds)
        self.steps: dict[str, list[Fraction]] = display_units(pathway, self.units)
        self.complete: Boxes = [self.domain.complete()]
        self.decisions: dict[str, DecisionInfo] = {}
        self.reach: dict[str, Region] = {}
        self.exact: dict[str, bool] = {}  # False where reach was widened (over-approximated)
        # The strongly connected components, as nx.strongly_connected_components finds them.
        self.components: list[set[str]] = []
        self.undecided: list[Diagnostic] = []
        for node, data in self.graph.nodes(data=True):
            if data["kind"] == "decision":
                self.decisions[node] = self._decision(node, data)
        self._propagate()

    # ------------------------------------------------------------ region algebra

    @property
    def smt(self) -> Any:
        if self._smt is None:
            from .smt import Smt

            self._smt = Smt(self.domain, self.pathway.defines, self.timeout_ms)
        return self._smt

    def holds(self, e: ir.Expr) -> Region:
        try:
            return self.tr.true(e)
        except (OutOfFragment, TooComplex):
            return ("T", e)

    def fails(self, e: ir.Expr) -> Region:
        try:
            return self.tr.false(e)
        except (OutOfFragment, TooComplex):
            return ("F", e)

    def inter(self, *regions: Region) -> Region:
        if any(isinstance(r, list) and not r for r in regions):
            return []
        regions = tuple(r for r in regions if not (isinstance(r, list) and r == [{}]))
        if not regions:
            return [{}]
        if len(regions) == 1:
            return regions[0]
        if all(isinstance(r, list) for r in regions):
            try:
                return self.domain.inter_all(r for r in regions if isinstance(r, list))
            except TooComplex:
                pass
        return ("and", *regions)

    def union(self, *regions: Region) -> Region:
        regions = tuple(r for r in regions if not (isinstance(r, list) and not r))
        if not regions:
            return []
        if len(regions) == 1:
            return regions[0]
        if all(isinstance(r, list) for r in regions):
            try:
                return self.domain.union(*(r for r in regions if isinstance(r, list)))
            except TooComplex:
                pass
        return ("or", *regions)

    def minus(self, a: Region, b: Region) -> Region:
        if isinstance(a, list) and (not a or (isinstance(b, list) and not b)):
            return a
        if isinstance(a, list) and isinstance(b, list):
            try:
                return self.domain.minus(a, b)
            except TooComplex:
                pass
        return ("and", a, ("not", b))

    def formula(self, r: Region) -> Any:
        key = id(r)
        if key not in self._formulas:
            self._formulas[key] = (r, self._formula(r))  # r kept alive: ids stay unique
        return self._formulas[key][1]

    def _formula(self, r: Region) -> Any:
        smt = self.smt
        z3 = smt.z3
        if isinstance(r, list):
            return smt.boxes(r)
        tag = r[0]
        if tag == "T":
            return smt.tf(r[1])[0]
        if tag == "F":
            return smt.tf(r[1])[1]
        if tag == "and":
            return z3.And([self.formula(x) for x in r[1:]])
        if tag == "or":
            return z3.Or([self.formula(x) for x in r[1:]])
        assert tag == "not"
        return z3.Not(self.formula(r[1]))

    def find(self, r: Region, prefer_unknown: Iterable[str] = ()) -> Found:
        """A patient in the region (values next to the thresholds), or why there is none."""
        if isinstance(r, list):
            if not r:
                return Found(UNSAT)
            box = r[0]
            return Found(SAT, self.domain.pick(box, box, self.steps, prefer_unknown))
        answer = self.smt.check(self.formula(r))
        return Found(answer.status, answer.patient)

    def empty(self, r: Region) -> bool | None:
        """True when proven empty, False when not, None when the solver could not tell."""
        if isinstance(r, list):
            return not r
        status = self.find(r).status
        return None if status == UNKNOWN else status == UNSAT

    # ------------------------------------------------------------ decisions

    def _decision(self, node: str, data: dict[str, Any]) -> DecisionInfo:
        info = DecisionInfo(node, data["policy"], data["branches"])
        guarded = [b for b in info.branches if b.guard is not None]
        for b in guarded:
            assert b.guard is not None
            info.holds[b.index] = self.holds(b.guard)
            info.fails[b.index] = self.fails(b.guard)
        if info.policy == "first":
            prefix: Region = [{}]
            for b in guarded:
                info.choose[b.index] = self.inter(prefix, info.holds[b.index])
                prefix = self.inter(prefix, info.fails[b.index])
        else:
            info.overlapping = self._overlapping(info, [b.index for b in guarded])
            for b in guarded:
                others = [info.holds[j] for j in info.overlapping.get(b.index, [])]
                mine = info.holds[b.index]
                info.choose[b.index] = self.minus(mine, self.union(*others)) if others else mine
        otherwise = next((b for b in info.branches if b.guard is None), None)
        if otherwise is not None:
            info.choose[otherwise.index] = self.all_fail(info)
        return info

    def all_fail(self, info: DecisionInfo) -> Region:
        fails = list(info.fails.values())
        return self.inter(*fails) if fails else [{}]

    def _overlapping(self, info: DecisionInfo, indices: Sequence[int]) -> dict[int, list[int]]:
        """Pairs of branches whose guards may both hold, found by a sweep over sorted bounds."""
        pairs: dict[int, list[int]] = {}

        def add(i: int, j: int) -> None:
            pairs.setdefault(i, []).append(j)
            pairs.setdefault(j, []).append(i)

        boxed = [i for i in indices if isinstance(info.holds[i], list)]
        symbolic = [i for i in indices if not isinstance(info.holds[i], list)]
        for n, i in enumerate(symbolic):
            for j in [*boxed, *symbolic[n + 1 :]]:
                add(i, j)  # decided later by z3
        items = [(i, box) for i in boxed for box in info.holds[i] if isinstance(box, dict)]
        seen: set[tuple[int, int]] = set()
        for i, j in self._sweep(items):
            if i != j and (min(i, j), max(i, j)) not in seen:
                seen.add((min(i, j), max(i, j)))
                add(i, j)
        return pairs

    def _sweep(self, items: list[tuple[int, Any]]) -> Iterable[tuple[int, int]]:
        """Pairs of intersecting boxes: sort on the numeric input most boxes bound, sweep."""
        domain = self.domain
        counts: dict[str, int] = {}
        for _, box in items:
            for name, dim in box.items():
                if not isinstance(dim, frozenset) and dim[0]:
                    counts[name] = counts.get(name, 0) + 1
        key = max(counts, key=lambda n: counts[n]) if counts else None
        wild: list[tuple[int, Any]] = []
        ranged: list[tuple[Fraction | None, Fraction | None, int, Any]] = []
        for i, box in items:
            dim = box.get(key) if key is not None else None
            if dim is None or isinstance(dim, frozenset) or dim[1] or not dim[0]:
                wild.append((i, box))
            else:
                ranged.append((dim[0][0][0], dim[0][-1][2], i, box))
        for n, (i, a) in enumerate(wild):
            for j, b in [*wild[n + 1 :], *((r[2], r[3]) for r in ranged)]:
                if domain.inter_box(a, b) is not None:
                    yield i, j
        ranged.sort(key=lambda r: (r[0] is not None, r[0] or 0))
        active: list[tuple[Fraction | None, Fraction | None, int, Any]] = []
        for lo, hi, i, box in ranged:
            active = [r for r in active if r[1] is None or lo is None or r[1] >= lo]
            for r in active:
                if domain.inter_box(box, r[3]) is not None:
                    yield i, r[2]
            active.append((lo, hi, i, box))

    # ------------------------------------------------------------ reach

    def take(self, node: str, index: int) -> Region:
        """Patients who arrive at ``node`` and take branch ``index``."""
        return self.inter(self.reach[node], self.decisions[node].choose[index])

    def _out(self, node: str) -> list[tuple[str, Region]]:
        data = self.graph.nodes[node]
        if data["kind"] == "decision":
            info = self.decisions[node]
            return [
                (b.target, self.take(node, b.index))
                for b in info.branches
                if b.target in self.graph and b.index in info.choose
            ]
        if data["kind"] == "action" and data["next"] in self.graph:
            return [(data["next"], self.reach[node])]
        return []

    def _widen(self, r: Region) -> Region:
        """Keep regions small: too many boxes become their bounding box (an over-approximation)."""
        if isinstance(r, list) and len(r) > self.domain.limit // 4:
            hull: dict[str, Any] = {}
            # In the first box's order, not a set's: the order of a box's inputs shapes
            # its complement's pieces, and so which patient is shown as the witness.
            names = [name for name in r[0] if all(name in b for b in r[1:])]
            for name in names:
                dims = [b[name] for b in r]
                try:
                    merged = self.domain.union(*([{name: d}] for d in dims))
                except TooComplex:
                    continue
                if len(merged) == 1 and merged[0]:
                    hull[name] = merged[0][name]
            return [hull]
        return r

    def _propagate(self) -> None:
        graph = self.graph
        self.components = list(nx.strongly_connected_components(graph))
        for node in graph:
            self.reach[node] = []
            self.exact[node] = True
        start = self.pathway.start
        if start is None or start not in graph:
            return
        incoming: dict[str, list[Region]] = {node: [] for node in graph}
        incoming[start].append([{}])
        # A component's members are a set, whose order changes with the string hash
        # seed; in graph order, every run reports the same witnesses.
        order = {node: i for i, node in enumerate(graph)}
        for component in _topological_order(graph, self.components):
            members = sorted(self.components[component], key=order.__getitem__)
            if len(members) == 1 and not graph.has_edge(members[0], members[0]):
                node = members[0]
                self._arrive(node, incoming[node])
                for target, region in self._out(node):
                    incoming[target].append(region)
                continue
            self._component(members, incoming)

    def _arrive(self, node: str, regions: list[Region]) -> None:
        region = self.union(*regions) if regions else []
        widened = self._widen(region)
        self.exact[node] = widened is region
        self.reach[node] = widened

    def _component(self, members: list[str], incoming: dict[str, list[Region]]) -> None:
        """Who reaches each node of a strongly connected component.

        With fixed data a patient's path never repeats a node before it loops, so
        whoever reaches a node does so along a simple path from an entry: as many
        rounds of propagation as the component has nodes give the exact sets (boxes
        stop early once nothing changes; symbolic sets simply run the rounds)."""
        inside = set(members)
        entry = {n: list(incoming[n]) for n in members}
        for n in members:
            self._arrive(n, entry[n])
        settled = True
        symbolic_ok = len(members) <= MAX_SYMBOLIC_COMPONENT
        for _ in range(len(members)):
            flows: dict[str, list[Region]] = {n: list(entry[n]) for n in members}
            for n in members:
                for target, region in self._out(n):
                    if target in inside:
                        flows[target].append(region)
            fresh = {n: self.union(*flows[n]) for n in members}
            if any(isinstance(r, list) and len(r) > self.domain.limit // 4 for r in fresh.values()):
                settled = False
                break
            if all(isinstance(r, list) for r in fresh.values()):
                changed = False
                for n in members:
                    old, new = self.reach[n], fresh[n]
                    if not (
                        isinstance(old, list) and isinstance(new, list)
                    ) or not self.domain.subset(new, old):
                        changed = True
                self.reach.update(fresh)
                if not changed:
                    break
            elif symbolic_ok:
                self.reach.update(fresh)
            else:
                settled = False
                break
        if not settled:
            # Every patient inside entered from outside: the union of entries bounds them all.
            everyone = self.union(*(r for n in members for r in entry[n]))
            for n in members:
                self.reach[n] = self._widen(everyone)
                self.exact[n] = False
        for n in members:
            for target, region in self._out(n):
                if target not in inside:
                    incoming[target].append(region)

    # ------------------------------------------------------------ witnesses

    def witness(
        self,
        region: Region,
        shows_problem: Predicate,
        prefer_unknown: Iterable[str] = (),
        also_read: frozenset[str] = frozenset(),
        also_shows: PatientPredicate | None = None,
    ) -> tuple[str, Witness | None]:
        """(status, witness): ``sat`` with a confirmed witness, ``unsat``, or ``unknown``
        (solver gave up, or the evaluator did not confirm the patient)."""
        found = self.find(region, prefer_unknown)
        if found.status != SAT:
            return found.status, None
        assert found.patient is not None
        w = confirm(
            self.pathway,
            found.patient,
            shows_problem,
            self.units,
            self._reads,
            also_read,
            also_shows,
        )
        if w is None and isinstance(region, list) and len(region) > 1:
            # Another box of the region may give a patient the evaluator agrees with.
            for box in region[1:8]:
                patient = self.domain.pick(box, box, self.steps, prefer_unknown)
                w = confirm(
                    self.pathway,
                    patient,
                    shows_problem,
                    self.units,
                    self._reads,
                    also_read,
                    also_shows,
                )
                if w is not None:
                    break
        return (SAT, w) if w is not None else (UNKNOWN, None)

    def could_not_decide(self, what: str, span: Any, why: str = "") -> Diagnostic:
        notes = [why] if why else []
        notes.append("nothing is claimed either way; cover this decision with `case` tests")
        return make("CP313", f"could not decide {what}", span, notes=notes)


def _topological_order(graph: nx.DiGraph, components: list[set[str]]) -> list[int]:
    """The indices of ``components`` in the order
    ``nx.topological_sort(nx.condensation(graph, components))`` gives them (the order
    decides which witness is shown), without building the condensed graph: that took
    half of this pass's graph work at 10,000 nodes."""
    index: dict[str, int] = {}
    for i, members in enumerate(components):
        for node in members:
            index[node] = i
    # The condensed graph's edges, each once, in the order condensation adds them.
    successors: list[dict[int, None]] = [{} for _ in components]
    indegree = [0] * len(components)
    for source, targets in graph.adjacency():
        i = index[source]
        for target in targets:
            j = index[target]
            if i != j and j not in successors[i]:
                successors[i][j] = None
                indegree[j] += 1
    # Kahn's algorithm a generation at a time, as nx.topological_generations.
    ordered: list[int] = []
    generation = [i for i, d in enumerate(indegree) if d == 0]
    while generation:
        ordered.extend(generation)
        following: list[int] = []
        for i in generation:
            for j in successors[i]:
                indegree[j] -= 1
                if indegree[j] == 0:
                    following.append(j)
        generation = following
    return ordered


_CACHE: list[tuple[Pathway, Analysis]] = []


def forget_analyses() -> None:
    """Drop the cached analysis, and with it the last pathway analysed."""
    _CACHE.clear()


def analysis(pathway: Pathway) -> Analysis:
    """The analysis of ``pathway``, computed once for all the CP3xx passes."""
    for cached, result in _CACHE:
        if cached is pathway:
            return result
    result = Analysis(pathway)
    _CACHE[:] = [(pathway, result)]
    return result


def at_node(node: str) -> Predicate:
    def check(result: Result) -> bool:
        return bool(result.path) and result.path[-1] == node

    return check

"""Decision logic: contradictions, overlaps, masking, gaps, dead branches (CP301-CP308).

Every question is asked about the patients who can reach the decision (see
:mod:`.logic_analysis`); every claim that a patient exists comes with one,
confirmed by the evaluator.

>>> from carepath.compiler.check import check_text
>>> text = ('pathway p "P"\\ninput age: integer years 0..120\\nstart d\\n'
...         'decision d "Age?"\\n  when age >= 65 -> old\\n  when age >= 18 -> adult\\n'
...         '  when age < 18 -> child\\nend old "Old"\\nend adult "Adult"\\nend child "Child"\\n')
>>> [(d.code, d.witness.patient) for d in check_text(text).diagnostics]
[('CP302', (('age', '65 years'),))]
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import networkx as nx

from carepath.compiler import ir
from carepath.compiler.evaluate import CONFLICT, STUCK, Result
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .boxes import Boxes, NumVar
from .logic_analysis import SAT, UNKNOWN, Analysis, Region, analysis
from .regions import describe, regions
from .witness import show_value

MAX_REGIONS = 10  # per decision and kind, by default: `carepath check --max-regions N` raises it


def _branch_text(b: ir.BranchIR) -> str:
    return f"`when {b.guard_text} -> {b.target}`" if b.guard else f"`otherwise -> {b.target}`"


def _step_at(result: Result, node: str) -> int | None:
    for step in result.steps:
        if step.node == node:
            return step.branch
    return None


def _passes_without(node: str, index: int) -> Any:
    def check(result: Result) -> bool:
        return node in result.path and _step_at(result, node) != index

    return check


def _conflict_at(node: str) -> Any:
    def check(result: Result) -> bool:
        return result.status == CONFLICT and result.path[-1:] == (node,)

    return check


def _stuck_at(node: str) -> Any:
    def check(result: Result) -> bool:
        return result.status == STUCK and result.path[-1:] == (node,)

    return check


def established(a: Analysis, node: str, inputs: frozenset[str]) -> str:
    """What the path to ``node`` settles about ``inputs``, when one box says it all."""
    reach = a.reach[node]
    if not isinstance(reach, list) or len(reach) != 1:
        return ""
    box = reach[0]
    parts: list[str] = []
    for name in a.pathway.inputs:
        if name not in inputs or name not in box:
            continue
        dim = box[name]
        decl = a.pathway.inputs[name]
        units = a.units.get(name, [])
        if isinstance(dim, frozenset):
            values = [v for v in a.domain.vars[name].values if v in dim]  # type: ignore[union-attr]
            if values:
                shown = ", ".join(show_value(decl, v, units) for v in values)
                parts.append(f"{name} is {shown}" if len(values) == 1 else f"{name} in {{{shown}}}")
            continue
        if len(dim[0]) != 1:
            continue
        lo, lc, hi, hc = dim[0][0]
        var = a.domain.vars[name]
        assert isinstance(var, NumVar)
        if lo is not None and var.down(lo) != var.low:
            parts.append(f"{name} {'>=' if lc else '>'} {show_value(decl, var.down(lo), units)}")
        if hi is not None and var.down(hi) != var.high:
            parts.append(f"{name} {'<=' if hc else '<'} {show_value(decl, var.down(hi), units)}")
    return " and ".join(parts)


def check_decisions(pathway: Pathway, max_regions: int = MAX_REGIONS) -> Iterator[Diagnostic]:
    """CP301-CP305 and CP308 at every decision: every gap region and every overlapping
    pair, each with its own witness, at most ``max_regions`` of each per decision
    (0: no limit), the last noting how many more there are."""
    a = analysis(pathway)
    for node, info in a.decisions.items():
        yield from _contradictions(a, node)
        reach = a.reach[node]
        alive = a.empty(reach)
        if alive is not False:
            continue
        yield from _dead_branches(a, node)
        if info.policy == "first":
            yield from _masked(a, node)
        else:
            yield from _overlaps(a, node, max_regions)
        yield from _gap_or_idle_otherwise(a, node, max_regions)


def _contradictions(a: Analysis, node: str) -> Iterator[Diagnostic]:
    info = a.decisions[node]
    for b in info.branches:
        if b.guard is None:
            continue
        empty = a.empty(info.holds[b.index])
        if empty is None:
            yield a.could_not_decide(f"whether `{b.guard_text}` can hold", b.span)
        elif empty:
            yield make(
                "CP301",
                f"`{b.guard_text}` can never hold: no patient satisfies it",
                b.span,
                notes=[f"the branch to `{b.target}` is never taken"],
            )


def _dead_branches(a: Analysis, node: str) -> Iterator[Diagnostic]:
    info = a.decisions[node]
    reach = a.reach[node]
    for b in info.branches:
        if b.guard is None or a.empty(info.holds[b.index]) is not False:
            continue
        dead = a.empty(a.inter(reach, info.holds[b.index]))
        if dead is None:
            yield a.could_not_decide(f"whether a patient reaching `{node}` can take this", b.span)
            continue
        if not dead:
            continue
        _, witness = a.witness(a.inter(reach, a.complete), _passes_without(node, b.index))
        if witness is None:
            _, witness = a.witness(reach, _passes_without(node, b.index))
        settled = established(a, node, ir.inputs_of(b.guard, a.pathway.defines))
        notes = [f"every patient who reaches `{node}` has {settled}"] if settled else []
        notes.append(f"the branch to `{b.target}` is never taken")
        yield make(
            "CP305",
            f"no patient who reaches `{node}` can have `{b.guard_text}`",
            b.span,
            notes=notes,
            witness=witness,
        )


def _masked(a: Analysis, node: str) -> Iterator[Diagnostic]:
    info = a.decisions[node]
    reach = a.reach[node]
    earlier: list[ir.BranchIR] = []
    for b in info.branches:
        if b.guard is None:
            continue
        own = a.inter(reach, info.holds[b.index])
        if a.empty(own) is not False:
            earlier.append(b)
            continue
        taken = a.empty(a.inter(reach, info.choose[b.index]))
        if taken is None:
            yield a.could_not_decide("whether earlier branches cover this one", b.span)
        elif taken:
            covering = [e for e in earlier if a.empty(a.inter(own, info.holds[e.index])) is False]
            _, witness = a.witness(a.inter(own, a.complete), _passes_without(node, b.index))
            names = ", ".join(_branch_text(e) for e in covering) or "earlier branches"
            verb = "takes" if len(covering) == 1 else "take"
            yield make(
                "CP303",
                f"{_branch_text(b)} is never taken: {names} already {verb} every patient "
                "for whom it holds",
                b.span,
                notes=["in a `first` decision the first branch that holds wins"],
                witness=witness,
                related=[(e.span, "covered by this branch") for e in covering],
            )
        earlier.append(b)


def _overlaps(a: Analysis, node: str, max_regions: int) -> Iterator[Diagnostic]:
    info = a.decisions[node]
    reach = a.reach[node]
    by_index = {b.index: b for b in info.branches}
    pairs = [
        (i, j) for i in sorted(info.overlapping) for j in sorted(set(info.overlapping[i])) if j > i
    ]
    last: Diagnostic | None = None
    reported = 0
    for n, (i, j) in enumerate(pairs):
        if max_regions and reported == max_regions:
            assert last is not None
            yield _and_more(
                last, len(pairs) - n, "pair of branches that may overlap", "pairs", max_regions
            )
            return
        both = a.inter(reach, info.holds[i], info.holds[j])
        status, witness = a.witness(both, _conflict_at(node))
        first, second = by_index[i], by_index[j]
        if status == SAT:
            if last is not None:
                yield last
            last = make(
                "CP302",
                f"{_branch_text(first)} and {_branch_text(second)} both hold for one patient",
                second.span,
                notes=[
                    f"`{node}` is a unique decision: at most one branch may hold; "
                    "make the conditions exclusive or declare the decision `first`"
                ],
                witness=witness,
                related=[(first.span, "this branch holds too"), (second.span, "and this")],
            )
            reported += 1
        elif status == UNKNOWN:
            yield a.could_not_decide(
                f"whether {_branch_text(first)} and this branch can both hold", second.span
            )
    if last is not None:
        yield last


def _and_more(last: Diagnostic, more: int, one: str, many: str, limit: int) -> Diagnostic:
    """``last`` with a note that ``more`` findings of its kind were left out."""
    what = one if more == 1 else many
    note = (
        f"and {more} more {what} at this decision, not shown (the limit is {limit}; "
        "`carepath check --max-regions 0` shows every one)"
    )
    return dataclasses.replace(last, notes=(*last.notes, note))


def _gap_or_idle_otherwise(a: Analysis, node: str, max_regions: int) -> Iterator[Diagnostic]:
    info = a.decisions[node]
    reach = a.reach[node]
    otherwise = next((b for b in info.branches if b.guard is None), None)
    if otherwise is not None:
        idle = a.empty(a.inter(reach, a.all_fail(info)))
        if idle:
            yield make(
                "CP308",
                f"`otherwise -> {otherwise.target}` is never taken: the other branches "
                f"cover every patient who reaches `{node}`",
                otherwise.span,
            )
        return
    gap = a.inter(reach, a.complete, a.all_fail(info))
    span = a.graph.nodes[node]["span"]
    if isinstance(gap, list) and gap:
        yield from _gap_regions(a, node, gap, max_regions)
        return
    status, witness = a.witness(gap, _stuck_at(node))
    if status == SAT:
        yield _gap(node, "", span, witness)
    elif status == UNKNOWN:
        yield a.could_not_decide(f"whether every patient reaching `{node}` has a branch", span)


_FRACTION = re.compile(r"\d/\d")


def _gap(node: str, where: str, span: Any, witness: Any, condition: str = "") -> Diagnostic:
    when = f" when {where}" if where else " for this patient"
    notes = ["add the missing branch, or an `otherwise`"]
    if condition and not _FRACTION.search(condition):  # 10/3 reads as a division
        notes.append(f"a branch for these patients: `when {condition} -> …`")
    return make(
        "CP304",
        f"no branch of `{node}` holds{when}, and there is no `otherwise`",
        span,
        notes=notes,
        witness=witness,
    )


def _gap_regions(a: Analysis, node: str, gap: Boxes, max_regions: int) -> Iterator[Diagnostic]:
    """One CP304 per uncovered region (boxes merged where provably one), each with a
    patient from that region whom the evaluator confirms is stuck."""
    span = a.graph.nodes[node]["span"]
    found = regions(a.domain, gap)
    last: Diagnostic | None = None
    reported = unconfirmed = 0
    for n, box in enumerate(found):
        if max_regions and reported == max_regions:
            assert last is not None
            yield _and_more(last, len(found) - n, "region", "regions", max_regions)
            return
        status, witness = a.witness([box], _stuck_at(node))
        if status != SAT:
            unconfirmed += 1
            continue
        if last is not None:
            yield last
        where = describe(a.domain, box, a.pathway.inputs, a.units)
        condition = describe(a.domain, box, a.pathway.inputs, a.units, syntax=True)
        last = _gap(node, where, span, witness, condition)
        reported += 1
    if last is not None:
        yield last
    if unconfirmed:
        yield a.could_not_decide(
            f"whether {unconfirmed} more region(s) of patients reaching `{node}` have a branch",
            span,
            "the evaluator did not confirm a patient picked there",
        )


def check_unreached_nodes(pathway: Pathway) -> Iterator[Diagnostic]:
    """CP306: a node connected to the start that no patient reaches through live branches."""
    a = analysis(pathway)
    start = pathway.start
    if start is None:
        return
    graph = a.graph
    connected = nx.descendants(graph, start) | {start}
    for node in graph:
        ways_in = sum(
            max(1, len(graph.edges[p, node]["branches"])) for p in graph.predecessors(node)
        )
        if node == start or node not in connected or ways_in < 2:
            continue
        if a.empty(a.reach[node]) is not True:
            continue
        preds = list(graph.predecessors(node))
        if any(a.empty(a.reach[p]) is not False for p in preds):
            continue
        yield make(
            "CP306",
            f"no patient reaches `{node}`: every branch that leads here is dead",
            graph.nodes[node]["span"],
            related=[(graph.edges[p, node]["span"], "never taken") for p in preds],
        )


def check_items(pathway: Pathway) -> Iterator[Diagnostic]:
    """CP307: a conditional recommendation that no patient reaching its node gets."""
    a = analysis(pathway)
    for node, data in a.graph.nodes(data=True):
        items = [i for i in data.get("items", ()) if i.guard is not None]
        if not items:
            continue
        reach = a.reach[node]
        if a.empty(reach) is not False:
            continue
        for item in items:
            holds: Region = a.holds(item.guard)
            dead = a.empty(a.inter(reach, holds))
            if dead is None:
                yield a.could_not_decide(f"whether `{item.guard_text}` can hold here", item.span)
            elif dead:
                never = a.empty(holds)
                _, witness = a.witness(a.inter(reach, a.complete), at_node_or_on(node))
                yield make(
                    "CP307",
                    f"“{item.text}” is never given: `{item.guard_text}` "
                    + (
                        "can never hold"
                        if never
                        else f"never holds for a patient who reaches `{node}`"
                    ),
                    item.span,
                    witness=witness if not never else None,
                )


def at_node_or_on(node: str) -> Any:
    def check(result: Result) -> bool:
        return node in result.path

    return check

"""Missing data at decisions: which inputs, when unknown, leave a decision undecided (CP311).

:func:`undecided_inputs` answers, for every decision, "which single input, if
the record lacks it (everything else known), stops the evaluator here?" — the
HTML walk-through uses it to ask for the right data first. The check reports
the surprising case: a missing input stops the decision although every value
it could have leads to the same next step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from carepath.compiler import ir
from carepath.compiler.evaluate import INCOMPLETE, Result
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .boxes import TooComplex
from .logic_analysis import SAT, Analysis, DecisionInfo, Region, analysis


def _read_by(a: Analysis, info: DecisionInfo) -> tuple[str, ...]:
    wanted: set[str] = set()
    for b in info.branches:
        if b.guard is not None:
            wanted |= ir.inputs_of(b.guard, a.pathway.defines)
    # A setting is never unknown: only patient data can leave a decision undecided.
    return tuple(n for n, d in a.pathway.inputs.items() if n in wanted and not d.setting)


def _only_unknown(a: Analysis, name: str, read: tuple[str, ...]) -> Region:
    """``name`` unknown, every other input the decision reads known (the rest do not
    change its verdict)."""
    box = {other: a.domain.known(other) for other in read}
    box[name] = a.domain.unknown(name)
    return [box]


def _incomplete(a: Analysis, info: DecisionInfo, within: Region) -> Region:
    """Patients in ``within`` for whom the decision is neither taken nor in conflict."""
    guarded = [b.index for b in info.branches if b.guard is not None]
    if not guarded:
        return []
    if info.policy == "first":
        parts: list[Region] = []
        prefix = within
        for i in guarded:
            unknown = a.minus(prefix, a.union(info.holds[i], info.fails[i]))
            parts.append(unknown)
            prefix = a.inter(prefix, info.fails[i])
        return a.union(*parts)
    none_true = a.minus(within, a.union(*(info.holds[i] for i in guarded)))
    some_unknown = a.union(
        *(a.minus(none_true, a.union(info.holds[i], info.fails[i])) for i in guarded)
    )
    return some_unknown


def _undecided(a: Analysis, node: str) -> dict[str, Region]:
    info = a.decisions[node]
    reach = a.reach[node]
    found: dict[str, Region] = {}
    if a.empty(reach) is not False:
        return found
    read = _read_by(a, info)
    for name in read:
        region = _incomplete(a, info, a.inter(reach, _only_unknown(a, name, read)))
        if a.empty(region) is False:
            found[name] = region
    return found


def undecided_inputs(pathway: Pathway) -> dict[str, tuple[str, ...]]:
    """For every decision some patient reaches: the inputs that, alone unknown, leave it
    undecided (in declaration order). Decisions z3 cannot settle in time list the inputs
    it could confirm."""
    a = analysis(pathway)
    return {node: tuple(_undecided(a, node)) for node in a.decisions}


def _blocked_at(node: str, name: str) -> Any:
    def check(result: Result) -> bool:
        return result.status == INCOMPLETE and result.path[-1:] == (node,) and name in result.needs

    return check


def _forall_same_target(a: Analysis, info: DecisionInfo, name: str) -> Region | None:
    """Patients (``name`` left free) for whom every known value of ``name`` leads to one
    target; None when boxes cannot express it."""
    targets: dict[str, list[Region]] = {}
    for b in info.branches:
        if b.index in info.choose:
            targets.setdefault(b.target, []).append(info.choose[b.index])
    known: Region = [{name: a.domain.known(name)}]
    d = a.domain
    result: list[Any] = []
    try:
        for regions in targets.values():
            take = a.union(*regions)
            if not isinstance(take, list):
                return None
            escape = d.minus([dict(bx) for bx in known if isinstance(bx, dict)], take)
            projected = [{k: v for k, v in bx.items() if k != name} for bx in escape]
            result.extend(d.compl(projected))
        return d.union(result)
    except TooComplex:
        return None


def _shares_target(info: DecisionInfo) -> bool:
    targets = [b.target for b in info.branches]
    return len(set(targets)) < len(targets)


def check_robustness(pathway: Pathway) -> Iterator[Diagnostic]:
    a = analysis(pathway)
    for node, info in a.decisions.items():
        if not _shares_target(info):
            # With one target per branch, "every value leads to the same step" would need
            # one branch to hold for every value yet be unknown without it: only
            # tautologies such as `x or not x` do that, and they are not worth the cost.
            continue
        for name, region in _undecided(a, node).items():
            same = _forall_same_target(a, info, name)
            if same is None:
                continue
            needless = a.inter(region, same)
            status, witness = a.witness(needless, _blocked_at(node, name), prefer_unknown=[name])
            if status != SAT or witness is None:
                continue
            yield make(
                "CP311",
                f"when `{name}` is unknown `{node}` cannot be decided, although every value "
                f"of `{name}` leads to the same next step for this patient",
                a.graph.nodes[node]["span"],
                notes=["the evaluator will ask for data the decision does not need"],
                witness=witness,
            )

"""Recommendation groups: the declared policy holds for every patient who reaches the
node (CP320 two items of an `exactly one` / `at most one` group apply together;
CP321 no item of an `exactly one` / `at least one` group applies).

As for decisions, the question is asked about the patients who can reach the node
(:mod:`.logic_analysis`), every claim comes with a patient, and the evaluator
confirms the patient before it is reported.

>>> from carepath.compiler.check import check_text
>>> text = ('pathway p "P"\\ninput age: integer years 0..120\\nstart a\\n'
...         'action a "Dose"\\n  group "Dose by age" exactly one\\n'
...         '    recommend "Child dose" when age < 18\\n'
...         '    recommend "Adult dose" when age >= 18 and age < 65\\n'
...         '    recommend "Older adult dose" when age > 65\\n  next e\\nend e "E"\\n')
>>> [(d.code, d.witness.patient) for d in check_text(text).diagnostics]
[('CP321', (('age', '65 years'),))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import combinations

from carepath.compiler import ir
from carepath.compiler.evaluate import Evaluator, Result
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .logic_analysis import SAT, UNKNOWN, Analysis, Region, analysis
from .witness import PatientPredicate

MAX_PAIRS = 25  # per group: beyond that the reader needs the first ones fixed


def groups_at(items: tuple[ir.ItemIR, ...]) -> list[tuple[ir.GroupIR, list[ir.ItemIR]]]:
    """The groups of a node's items, each with its items, in the order written."""
    found: dict[int, tuple[ir.GroupIR, list[ir.ItemIR]]] = {}
    for item in items:
        if item.group is not None:
            found.setdefault(item.group.index, (item.group, []))[1].append(item)
    return list(found.values())


def check_groups(pathway: Pathway) -> Iterator[Diagnostic]:
    """CP320 and CP321 at every group."""
    a = analysis(pathway)
    for node, data in a.graph.nodes(data=True):
        groups = groups_at(data.get("items", ()))
        if not groups or a.empty(a.reach[node]) is not False:
            continue
        for group, items in groups:
            if group.at_most_one:
                yield from _together(a, node, group, items)
            if group.at_least_one:
                yield from _none(a, node, group, items)


def _holds(a: Analysis, item: ir.ItemIR) -> Region:
    return [{}] if item.guard is None else a.holds(item.guard)


def _reaches(node: str) -> Callable[[Result], bool]:
    def check(result: Result) -> bool:
        return node in result.path

    return check


def _count(
    pathway: Pathway, group: list[ir.ItemIR], test: Callable[[int], bool]
) -> PatientPredicate:
    """Every item of the group is decided for the patient, and ``test`` holds for the
    number that apply. Asked of the item conditions, not of the recommendations a
    result lists: an item outside the group may say exactly what one inside says."""

    def check(patient: Mapping[str, ir.Value]) -> bool:
        ev = Evaluator(pathway, patient)
        verdicts = [True if i.guard is None else ev.holds(i.guard) for i in group]
        return None not in verdicts and test(sum(1 for v in verdicts if v))

    return check


def _read(a: Analysis, items: list[ir.ItemIR]) -> frozenset[str]:
    found: set[str] = set()
    for item in items:
        if item.guard is not None:
            found |= ir.inputs_of(item.guard, a.pathway.defines)
    return frozenset(found)


def _together(
    a: Analysis, node: str, group: ir.GroupIR, items: list[ir.ItemIR]
) -> Iterator[Diagnostic]:
    reach = a.reach[node]
    reported = 0
    for first, second in combinations(items, 2):
        if reported == MAX_PAIRS:
            yield a.could_not_decide(
                f"the remaining pairs of items of the group “{group.label}”",
                group.span,
                f"{MAX_PAIRS} pairs are reported already; fix those and check again",
            )
            return
        both = a.inter(reach, a.complete, _holds(a, first), _holds(a, second))
        status, witness = a.witness(
            both,
            _reaches(node),
            also_read=_read(a, items),
            also_shows=_count(a.pathway, items, lambda n: n >= 2),
        )
        if status == SAT:
            reported += 1
            yield make(
                "CP320",
                f"“{first.text}” and “{second.text}” both apply to one patient, in a group "
                f"that allows {group.policy}",
                second.span,
                notes=[
                    f"the group “{group.label}” at `{node}` says {group.policy} of its items "
                    "applies; make their conditions exclusive, or say `at least one` or `any`"
                ],
                witness=witness,
                related=[(first.span, "this item applies"), (second.span, "and this one")],
            )
        elif status == UNKNOWN:
            yield a.could_not_decide(
                f"whether “{first.text}” and “{second.text}” can apply together", second.span
            )


def _none(
    a: Analysis, node: str, group: ir.GroupIR, items: list[ir.ItemIR]
) -> Iterator[Diagnostic]:
    if any(i.guard is None for i in items):
        return  # an unconditional item always applies
    fail = [a.fails(i.guard) for i in items if i.guard is not None]
    nothing = a.inter(a.reach[node], a.complete, *fail)
    status, witness = a.witness(
        nothing,
        _reaches(node),
        also_read=_read(a, items),
        also_shows=_count(a.pathway, items, lambda n: n == 0),
    )
    if status == SAT:
        yield make(
            "CP321",
            f"no item of the group “{group.label}” applies to this patient, and it "
            f"allows {group.policy}",
            group.span,
            notes=[
                f"a patient who reaches `{node}` gets none of its items: add the item "
                "for this patient, or say `at most one` or `any`"
            ],
            witness=witness,
        )
    elif status == UNKNOWN:
        yield a.could_not_decide(
            f"whether every patient reaching `{node}` gets an item of “{group.label}”",
            group.span,
        )

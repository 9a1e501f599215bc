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

from collections.abc import Callable, Iterator
from itertools import combinations

from carepath.compiler import ir
from carepath.compiler.evaluate import Result
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .logic_analysis import SAT, UNKNOWN, Analysis, Region, analysis

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
            others = [i for i in data["items"] if i.group != group]
            if group.at_most_one:
                yield from _together(a, node, group, items, others)
            if group.at_least_one:
                yield from _none(a, node, group, items, others)


def _holds(a: Analysis, item: ir.ItemIR) -> Region:
    return [{}] if item.guard is None else a.holds(item.guard)


def _key(
    kind: str, text: str, strength: str | None, citations: tuple[str, ...]
) -> tuple[object, ...]:
    return (kind, text, strength, citations)


def _shows(
    node: str, group: list[ir.ItemIR], others: list[ir.ItemIR], test: Callable[[int], bool]
) -> Callable[[Result], bool]:
    """The patient reaches ``node``, every item of the group is decided, and ``test``
    holds for the number of its items given. A result names a recommendation by what it
    says, so an item outside the group that says exactly the same leaves the count
    unknown: then nothing is confirmed (and the finding becomes "could not decide")."""
    keys = {_key(i.kind, i.text, i.strength, i.citations) for i in group}
    texts = {i.text for i in group}
    ambiguous = any(_key(i.kind, i.text, i.strength, i.citations) in keys for i in others)

    def check(result: Result) -> bool:
        if ambiguous or node not in result.path:
            return False
        if any(u.node == node and u.text in texts for u in result.undetermined):
            return False
        given = sum(
            1
            for r in result.recommendations
            if r.node == node and _key(r.kind, r.text, r.strength, r.citations) in keys
        )
        return test(given)

    return check


def _read(a: Analysis, items: list[ir.ItemIR]) -> frozenset[str]:
    found: set[str] = set()
    for item in items:
        if item.guard is not None:
            found |= ir.inputs_of(item.guard, a.pathway.defines)
    return frozenset(found)


def _together(
    a: Analysis, node: str, group: ir.GroupIR, items: list[ir.ItemIR], others: list[ir.ItemIR]
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
            both, _shows(node, items, others, lambda n: n >= 2), also_read=_read(a, items)
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
    a: Analysis, node: str, group: ir.GroupIR, items: list[ir.ItemIR], others: list[ir.ItemIR]
) -> Iterator[Diagnostic]:
    if any(i.guard is None for i in items):
        return  # an unconditional item always applies
    fail = [a.fails(i.guard) for i in items if i.guard is not None]
    nothing = a.inter(a.reach[node], a.complete, *fail)
    status, witness = a.witness(
        nothing, _shows(node, items, others, lambda n: n == 0), also_read=_read(a, items)
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

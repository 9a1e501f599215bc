"""Which patients a new version of a pathway treats differently from the old one.

A patient's treatment is what a clinician sees: the steps of the path (by their
labels), the outcome, and the recommendations given (kind and text). Node ids are
not part of it, so renaming a node, or reformatting the file, changes nothing.

Every route through the old version (a path from the start to an end, each
decision taking one branch) is paired with every route through the new one; for
each pair, z3 looks for a patient who takes both routes and whose treatment
differs (an outcome or a step that differs, or a recommendation given by one
version and not the other, conditional items included). Each patient found is
run through both versions by the interpreter, and reported only if the two
treatments really differ. Inputs are compared when both versions declare them
with the same type. Patients with missing data count too: a route may stop at a
decision it cannot decide (the patient then waits for the inputs it needs), and a
version that now asks for an input the old one did not need treats them
differently.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import z3

from . import ir
from .case_generation import (
    TIMEOUT_MS,
    Encoder,
    model_value,
    path_constraints,
    stops_at,
    written_value,
)
from .evaluate import Result, evaluate
from .pathway import Pathway

MAX_ROUTES = 200  # per version; beyond it the diff says it compared only part


@dataclass(frozen=True)
class Treatment:
    """What a patient gets: the steps (labels), the outcome, the recommendations, and,
    when the data is not enough, the inputs the pathway waits for."""

    steps: tuple[str, ...]
    outcome: str | None
    recommendations: tuple[tuple[str, str], ...]  # (kind, text), in the order given
    status: str = "complete"
    needs: tuple[str, ...] = ()

    @staticmethod
    def of(pathway: Pathway, result: Result) -> Treatment:
        return Treatment(
            tuple(_label(pathway, node) for node in result.path),
            _label(pathway, result.outcome) if result.outcome is not None else None,
            tuple((r.kind, r.text) for r in result.recommendations),
            result.status,
            tuple(result.needs),
        )

    def ending(self) -> str:
        """How the path ends: ``Self-care``, ``waits at Triage for fever``, …"""
        if self.outcome is not None:
            return self.outcome
        where = self.steps[-1] if self.steps else "the start"
        if self.needs:
            return f"waits at {where} for {', '.join(self.needs)}"
        return f"{self.status.replace('_', ' ')} at {where}"

    def differences(self, other: Treatment) -> list[str]:
        """In words, what ``other`` changes."""
        out = []
        if self.ending() != other.ending():
            label = "outcome" if self.outcome is not None and other.outcome is not None else "end"
            out.append(f"{label}: {self.ending()} -> {other.ending()}")
        elif self.steps != other.steps:
            out.append(f"path: {' -> '.join(self.steps)} -> now {' -> '.join(other.steps)}")
        before, after = set(self.recommendations), set(other.recommendations)
        out.extend(f"no longer: {kind} {text!r}" for kind, text in sorted(before - after))
        out.extend(f"now also: {kind} {text!r}" for kind, text in sorted(after - before))
        return out


@dataclass(frozen=True)
class Change:
    """Patients who take ``old_route`` through the old version and ``new_route``
    through the new one, and are treated differently; ``patient`` is one of them."""

    patient: tuple[tuple[str, str], ...]  # input, value as a case would write it
    before: Treatment
    after: Treatment
    old_route: tuple[str, ...]  # the conditions taken, as written
    new_route: tuple[str, ...]
    unknown: tuple[str, ...] = ()  # inputs the patient's record lacks that a version asks for


@dataclass(frozen=True)
class Diff:
    changes: tuple[Change, ...]
    incompatible: tuple[str, ...] = ()  # why the versions cannot be compared
    routes: tuple[int, int] = (0, 0)
    partial: bool = False  # more routes than MAX_ROUTES in a version
    unconfirmed: int = 0  # patients z3 found whom the interpreter treats alike

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _label(pathway: Pathway, node: str) -> str:
    data = pathway.graph.nodes[node]
    return str(data.get("label") or node)


def incompatibilities(old: Pathway, new: Pathway) -> list[str]:
    """Inputs both versions declare with different types (the diff needs one type)."""
    out = []
    for name in sorted(set(old.inputs) & set(new.inputs)):
        if old.inputs[name].type != new.inputs[name].type:
            out.append(
                f"input `{name}` is {old.inputs[name].type} in the old version and "
                f"{new.inputs[name].type} in the new one"
            )
    return out


def routes(pathway: Pathway) -> tuple[list[list[str]], bool]:
    """The paths from the start to an end, or to a decision a patient with missing data
    stops at (at most MAX_ROUTES), and whether more exist."""
    graph = pathway.graph
    start = pathway.start
    if start is None or start not in graph:
        return [], False
    last = [n for n, d in graph.nodes(data=True) if d["kind"] in ("end", "decision")]
    found: list[list[str]] = []
    for stop in last:
        if start == stop:
            found.append([start])
        else:
            found.extend(itertools.islice(nx.all_simple_paths(graph, start, stop), MAX_ROUTES + 1))
    return sorted(found, key=lambda p: (len(p), p))[:MAX_ROUTES], len(found) > MAX_ROUTES


def _route_goals(enc: Encoder, route: list[str]) -> list[Any]:
    """A patient follows ``route`` and, when it ends at a decision, stops there."""
    goals = path_constraints(enc, route)
    if enc.p.graph.nodes[route[-1]]["kind"] == "decision":
        goals += stops_at(enc, enc.p.graph, route[-1])
    return goals


def diff(old: Pathway, new: Pathway) -> Diff:
    problems = incompatibilities(old, new)
    if problems:
        return Diff((), tuple(problems))
    old_routes, old_more = routes(old)
    new_routes, new_more = routes(new)
    before, after = Encoder(old), Encoder(new)
    base = [*before.constraints, *after.constraints]
    changes: list[Change] = []
    unconfirmed = 0
    for old_route, new_route in itertools.product(old_routes, new_routes):
        goals = [
            *_route_goals(before, old_route),
            *_route_goals(after, new_route),
            _treated_differently(before, old_route, after, new_route),
        ]
        patient = _patient(before, after, [*base, *goals])
        if patient is None:
            continue
        ran_old = evaluate(old, patient_values(old, patient))
        ran_new = evaluate(new, patient_values(new, patient))
        was, now = Treatment.of(old, ran_old), Treatment.of(new, ran_new)
        if was == now or list(ran_old.path) != old_route or list(ran_new.path) != new_route:
            unconfirmed += 1  # z3 and the interpreter disagree: report nothing unproven
            continue
        changes.append(
            Change(
                tuple(_written(old, new, patient)),
                was,
                now,
                tuple(_conditions(old, old_route)),
                tuple(_conditions(new, new_route)),
                tuple(sorted((set(ran_old.needs) | set(ran_new.needs)) - set(patient))),
            )
        )
    return Diff(
        tuple(changes),
        routes=(len(old_routes), len(new_routes)),
        partial=old_more or new_more,
        unconfirmed=unconfirmed,
    )


def _treated_differently(
    before: Encoder, old_route: list[str], after: Encoder, new_route: list[str]
) -> Any:
    """A formula true for the patients of the two routes who are treated differently."""
    steps = [_label(before.p, n) for n in old_route] != [_label(after.p, n) for n in new_route]
    if steps:
        return z3.BoolVal(True)
    given_before, given_after = _given(before, old_route), _given(after, new_route)
    differs = [
        given_before.get(key, z3.BoolVal(False)) != given_after.get(key, z3.BoolVal(False))
        for key in sorted(set(given_before) | set(given_after))
    ]
    return z3.Or(*differs) if differs else z3.BoolVal(False)


def _given(enc: Encoder, route: list[str]) -> dict[tuple[str, str], Any]:
    """Per recommendation (kind, text) on the route: when it is given."""
    out: dict[tuple[str, str], list[Any]] = {}
    for node in route:
        for item in enc.p.graph.nodes[node].get("items", ()):
            holds = z3.BoolVal(True) if item.guard is None else enc.truth(item.guard)[0]
            out.setdefault((item.kind, item.text), []).append(holds)
    return {key: z3.Or(*formulas) for key, formulas in out.items()}


def _patient(before: Encoder, after: Encoder, formulas: list[Any]) -> dict[str, ir.Value] | None:
    """A patient satisfying ``formulas``: with every input known when one exists, else
    with as few unknown as the solver finds (an input left out is unknown)."""
    known = {**before.known, **after.known}  # the same z3 constants, by input name
    for all_known in (True, False):
        solver: Any = z3.Solver() if all_known else z3.Optimize()
        solver.set("timeout", TIMEOUT_MS)
        solver.add(*formulas)
        if all_known:
            solver.add(*known.values())
        else:
            for flag in known.values():
                solver.add_soft(flag)
        if solver.check() != z3.sat:
            continue
        model = solver.model()
        patient: dict[str, ir.Value] = {}
        for enc in (before, after):
            for name in enc.p.inputs:
                if name not in patient and z3.is_true(
                    model.eval(enc.known[name], model_completion=True)
                ):
                    patient[name] = model_value(enc, model, name)
        return patient
    return None


def patient_values(pathway: Pathway, patient: dict[str, ir.Value]) -> dict[str, ir.Value]:
    return {name: value for name, value in patient.items() if name in pathway.inputs}


def _written(old: Pathway, new: Pathway, patient: dict[str, ir.Value]) -> Iterator[tuple[str, str]]:
    for name, value in patient.items():
        decl = new.inputs.get(name) or old.inputs[name]
        yield name, written_value(decl, value)


def _conditions(pathway: Pathway, route: list[str]) -> Iterator[str]:
    """Each decision's branch on the route, as written: ``age >= 65`` or ``otherwise``."""
    graph = pathway.graph
    for here, nxt in itertools.pairwise(route):
        data = graph.nodes[here]
        if data["kind"] != "decision":
            continue
        taken = [b for b in data["branches"] if b.target == nxt]
        text = " or ".join(
            "otherwise" if b.guard is None else (b.guard_text or "a branch") for b in taken
        )
        yield f"{here}: {text}"
    if graph.nodes[route[-1]]["kind"] == "decision":
        yield f"{route[-1]}: undecided (an input it reads is unknown)"

"""The seed pathway (pathways/chronic_osteoporotic_vcf.cpath) loads cleanly, its
cases reach every outcome and branch, and every case's expectations hold under
the reference interpreter.

This checks the cases directly with ``evaluate`` so the seed stays verified
independently of the ``carepath test`` runner.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from carepath.compiler import ir
from carepath.compiler.check import check_file
from carepath.compiler.evaluate import COMPLETE, INCOMPLETE, Result, evaluate
from carepath.compiler.pathway import Pathway, load
from carepath.compiler.resolve import value_for
from carepath.dsl.diagnostics import Severity

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
EXAMPLES = ROOT / "pathways" / "examples"


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway


def _cases() -> list[ir.CaseIR]:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return list(loaded.pathway.cases)


def _results(pathway: Pathway) -> list[tuple[ir.CaseIR, Result]]:
    return [(case, evaluate(pathway, case.patient, case.written)) for case in pathway.cases]


def test_seed_has_no_errors() -> None:
    loaded = check_file(str(SEED))
    errors = [d for d in loaded.diagnostics if d.severity >= Severity.ERROR]
    shown = "\n".join(f"line {d.span.line}: {d.code} {d.message}" for d in errors)
    assert not errors, shown
    assert loaded.pathway is not None


def test_every_end_is_reached_by_a_case(pathway: Pathway) -> None:
    ends = {n for n, data in pathway.graph.nodes(data=True) if data["kind"] == "end"}
    reached = {r.outcome for _, r in _results(pathway) if r.status == COMPLETE}
    assert ends - reached == set()
    assert {"outside_pathway", "surgical_consultation", "vertebral_augmentation"} <= ends


def test_every_decision_branch_is_taken_by_a_case(pathway: Pathway) -> None:
    branches = {
        (node, branch.index)
        for node, data in pathway.graph.nodes(data=True)
        if data["kind"] == "decision"
        for branch in data["branches"]
    }
    taken = {
        (step.node, step.branch)
        for _, result in _results(pathway)
        for step in result.steps
        if step.kind == "decision" and step.branch is not None
    }
    assert branches - taken == set()


def test_every_conditional_item_is_given_and_withheld_by_some_case(pathway: Pathway) -> None:
    sides: set[tuple[str, bool]] = set()
    wanted: set[tuple[str, bool]] = set()
    for node, data in pathway.graph.nodes(data=True):
        for item in data.get("items", ()):
            if item.guard is not None:
                wanted |= {(f"{node}: {item.text}", True), (f"{node}: {item.text}", False)}
    for _, result in _results(pathway):
        given = {(r.node, r.text) for r in result.recommendations}
        open_ = {(u.node, u.text) for u in result.undetermined}
        for node in result.path:
            for item in pathway.graph.nodes[node].get("items", ()):
                if item.guard is None or (node, item.text) in open_:
                    continue
                sides.add((f"{node}: {item.text}", (node, item.text) in given))
    assert wanted - sides == set()
    assert wanted, "the seed has conditional items"


def test_at_least_two_cases_expect_missing_data(pathway: Pathway) -> None:
    with_needs = [c for c in pathway.cases if any(e.kind == "needs" for e in c.expectations)]
    assert len(with_needs) >= 2


def test_every_item_cites_and_every_reference_is_cited(pathway: Pathway) -> None:
    cited: set[str] = set()
    for node, data in pathway.graph.nodes(data=True):
        cited |= set(data["citations"])
        for item in data.get("items", ()):
            assert item.citations, f"{node}: {item.text!r} cites nothing"
            cited |= set(item.citations)
    assert cited == set(pathway.references)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_case_expectations_hold(pathway: Pathway, case: ir.CaseIR) -> None:
    result = evaluate(pathway, case.patient, case.written)
    given = {r.text for r in result.recommendations}
    for expectation in case.expectations:
        values = expectation.values
        if expectation.kind == "end":
            assert result.status == COMPLETE, result.message
            assert result.outcome == values[0]
        elif expectation.kind == "recommends":
            assert values[0] in given
        elif expectation.kind == "needs":
            assert result.status == INCOMPLETE
            assert set(values) <= set(result.needs)
        elif expectation.kind == "path":
            assert result.path == values
        else:  # pragma: no cover - a new expectation kind must be handled here
            pytest.fail(f"unknown expectation {expectation.kind}")
    needs = {v for e in case.expectations if e.kind == "needs" for v in e.values}
    if needs:
        # The cases name every input the blocking decision needs, not a subset.
        assert needs == set(result.needs)


# ---------------------------------------------------------------- example patients

_QUANTITY = re.compile(r"(-?\d+(?:\.\d+)?)\s*(\S.*)?")


def patient_from_json(pathway: Pathway, raw: dict[str, Any]) -> dict[str, ir.Value]:
    """The example files' shape: booleans, enum values as strings, quantities as
    ``{"value": 16, "unit": "wk"}`` or ``"16 weeks"``."""
    patient: dict[str, ir.Value] = {}
    for name, given in raw.items():
        decl = pathway.inputs[name]
        value: ir.Value | None
        if isinstance(given, bool):
            value = value_for(decl, "true" if given else "false", None, None)
        elif isinstance(given, dict):
            value = value_for(decl, None, Fraction(str(given["value"])), given.get("unit"))
        elif isinstance(given, int | float):
            value = value_for(decl, None, Fraction(str(given)), None)
        else:
            match = _QUANTITY.fullmatch(given)
            if match:
                value = value_for(decl, None, Fraction(match.group(1)), match.group(2))
            else:
                value = value_for(decl, given, None, None)
        if value is not None:
            patient[name] = value
    return patient


def test_sample_patient_is_offered_augmentation(pathway: Pathway) -> None:
    raw = json.loads((EXAMPLES / "sample_patient.json").read_text())
    result = evaluate(pathway, patient_from_json(pathway, raw))
    assert result.status == COMPLETE
    assert result.outcome == "vertebral_augmentation"
    assert set(raw) == set(pathway.inputs), "the sample patient gives every input"
    assert not result.undetermined


def test_incomplete_patient_needs_the_red_flags(pathway: Pathway) -> None:
    raw = json.loads((EXAMPLES / "incomplete_patient.json").read_text())
    result = evaluate(pathway, patient_from_json(pathway, raw))
    assert result.status == INCOMPLETE
    assert set(result.needs) == {
        "neuro_deficit",
        "spinal_instability",
        "canal_compromise",
        "spinal_deformity",
    }
    # Osteoporosis treatment is recommended before any decision is taken.
    assert any(r.text.startswith("Bisphosphonate") for r in result.recommendations)

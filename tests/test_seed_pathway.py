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
from carepath.compiler.patient import read_patient
from carepath.dsl.diagnostics import Severity
from carepath.dsl.formatter import format_source

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


# The source's superscripts, item by item: (node, start of the item's text, the
# numbers the source text cites). Reviewing this table against the source is
# reviewing the pathway's citations.
SOURCE_NUMBERS = {
    "1": "overview",
    "2": "t8",
    "3": "junctional",
    "4": "multilevel",
    "5": "unlisted_ref5",
}
CITATIONS = [
    ("outside_pathway", "Red flag present: arrange surgical consultation now", "1, 2, 4"),
    ("conservative_care", "Acetaminophen as first-line analgesic", "3"),
    ("conservative_care", "Acetaminophen particularly preferred", "3"),
    ("conservative_care", "NSAIDs may be used", "3"),
    ("conservative_care", "Caution with NSAIDs", "3"),
    ("conservative_care", "Routine opioid use", "2, 3"),
    ("conservative_care", "Opioid reserved for severe refractory pain", "2, 3"),
    ("conservative_care", "Prolonged bed rest", "1, 3"),
    ("conservative_care", "Assuming the fracture seen on imaging", "4"),
    ("conservative_care", "Calcium 1000-1200 mg/day and vitamin D 800 IU/day", "3"),
    ("conservative_care", "Bisphosphonate (alendronate or risedronate)", "1, 3"),
    ("conservative_care", "Alternative agent instead of an oral bisphosphonate", "3"),
    ("conservative_care", "Continue bisphosphonate therapy", "3"),
    ("conservative_care", "Continue bisphosphonates beyond 5 years", "3"),
    ("conservative_care", "Delaying osteoporosis pharmacotherapy", "3"),
    ("conservative_care", "Treat osteoporosis urgently", "3"),
    ("conservative_care", "High pulse doses of vitamin D", "3"),
    ("conservative_care", "Spinal manipulation with high-velocity thrusts", "4"),
    ("conservative_care", "Orthogeriatric co-management", "3"),
    ("conservative_care", "Collaboration between orthopaedic surgery", "3"),
    ("conservative_care", "Fracture liaison service", "3"),
    ("conservative_care", "Multidimensional fall-prevention programme", "3"),
    ("conservative_care", "Address environmental fall hazards", "3"),
    ("conservative_care", "Review medications that increase fall risk", "3"),
    ("surgical_consultation", "Surgical consultation for neurologic deficit", "1, 2, 4"),
    ("surgical_consultation", "Open surgical resection and fixation", "1"),
    ("mobilisation", "Continue multimodal conservative therapy", "1, 2"),
    ("mobilisation", "Early mobilisation", "2, 4"),
    ("mobilisation", "Bracing is optional", "2"),
    ("mobilisation", "Surgical consultation to prescribe and supervise", "1, 4"),
    ("vertebral_augmentation", "Offer vertebral augmentation", "1, 2, 4"),
    ("vertebral_augmentation", "Vertebroplasty or kyphoplasty", "2, 4"),
]


def test_items_cite_what_the_source_cites(pathway: Pathway) -> None:
    items = [
        (node, item)
        for node, data in pathway.graph.nodes(data=True)
        for item in data.get("items", ())
    ]
    assert len(items) == len(CITATIONS), "every item of the pathway is in the table"
    for node, start, numbers in CITATIONS:
        (item,) = [i for n, i in items if n == node and i.text.startswith(start)]
        expected = {SOURCE_NUMBERS[n] for n in numbers.split(", ")}
        assert set(item.citations) == expected, item.text


# Figures and thresholds of the source that the pathway must carry (in an item,
# a note, a label or a condition).
FIGURES = [
    "6 weeks",
    "3 months",
    "more than 12 weeks",
    "6-8 weeks",
    "about 20% develop chronic back pain",
    "1000-1200 mg/day",
    "800 IU/day",
    "15-20% fewer non-vertebral fractures, 20% fewer falls",
    "20% within 12 months",
    "3-5 years",
    "1% per week (50 times faster",
    "15% loss of lower-extremity strength within 10 days",
    "2.5 times",
    "7-10 days",
    "1-5 years",
    "about 65%",
    "26% to 45% within 6 months",
    "about 20% fewer falls",
]


@pytest.mark.parametrize("figure", FIGURES)
def test_figure_of_the_source_is_in_the_pathway(pathway: Pathway, figure: str) -> None:
    assert figure in pathway.source


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
        elif expectation.kind == "not recommends":
            assert values[0] not in given
            assert values[0] not in {u.text for u in result.undetermined}
        elif expectation.kind == "incomplete":
            assert result.status == INCOMPLETE
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


def read_example(pathway: Pathway, name: str) -> tuple[dict[str, ir.Value], dict[str, Any]]:
    """The checked values of an example patient file, and its raw JSON."""
    path = EXAMPLES / name
    record, problems = read_patient(str(path), pathway)
    assert not problems, [f"{d.code} {d.message}" for d in problems]
    assert record is not None
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record.values, raw


def test_sample_patient_is_offered_augmentation(pathway: Pathway) -> None:
    patient, raw = read_example(pathway, "sample_patient.json")
    result = evaluate(pathway, patient)
    assert result.status == COMPLETE
    assert result.outcome == "vertebral_augmentation"
    assert set(raw) == set(pathway.inputs), "the sample patient gives every input"
    assert not result.undetermined


def test_incomplete_patient_needs_the_red_flags(pathway: Pathway) -> None:
    patient, _ = read_example(pathway, "incomplete_patient.json")
    result = evaluate(pathway, patient)
    assert result.status == INCOMPLETE
    assert set(result.needs) == {
        "neuro_deficit",
        "spinal_instability",
        "canal_compromise",
        "spinal_deformity",
        "focal_cord_compression",
    }
    # Osteoporosis treatment is recommended before any decision is taken.
    assert any(r.text.startswith("Bisphosphonate") for r in result.recommendations)


# ---------------------------------------------------------------- issue 14: what the text says


def test_seed_is_canonically_formatted() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert format_source(text, str(SEED)) == text, "run `carepath fmt pathways/`"


def test_first_line_and_alternative_agents_are_one_exactly_one_group(pathway: Pathway) -> None:
    items = pathway.graph.nodes["conservative_care"]["items"]
    first = next(i for i in items if i.text.startswith("Bisphosphonate (alendronate"))
    alternative = next(i for i in items if i.text.startswith("Alternative agent"))
    assert first.group is not None and first.group is alternative.group
    assert first.group.policy == "exactly one"


def test_agent_waits_for_the_drug_history(pathway: Pathway) -> None:
    # Neither agent is given while intolerance and compliance are unknown: the
    # alternative replaces the first line, so the record must say which applies.
    result = evaluate(pathway, {"fracture_age": Fraction(10 * 7 * 86400)})  # 10 weeks
    assert "conservative_care" in result.path
    open_ = {u.text.split(" ")[0]: set(u.needs) for u in result.undetermined}
    assert open_["Bisphosphonate"] == {
        "oral_bisphosphonate_intolerance",
        "bisphosphonate_nonadherence",
    }
    assert open_["Alternative"] == {
        "oral_bisphosphonate_intolerance",
        "bisphosphonate_nonadherence",
    }


def test_mobilisation_and_bracing_only_without_a_red_flag(pathway: Pathway) -> None:
    texts = {i.text for i in pathway.graph.nodes["mobilisation"]["items"]}
    assert any(t.startswith("Early mobilisation") for t in texts)
    assert any(t.startswith("Bracing") for t in texts)
    assert any(t.startswith("Surgical consultation to prescribe") for t in texts)
    # mobilisation is reached only through the "no red flag" branch
    assert list(pathway.graph.predecessors("mobilisation")) == ["red_flags"]


# ---------------------------------------------------------------- the sentence map

GUIDELINE = ROOT.parent / "shared" / "seeds" / "chronic_l1_compression_fracture.txt"
MAP = ROOT / "docs" / "seed_guideline_map.md"
CITED = re.compile(r"^(?P<text>.*?)\.?\s+(?P<numbers>\d(?:, \d)*)$")


def _guideline_sentences() -> list[tuple[str, str]]:
    """(sentence, its citation numbers) for every sentence of the guideline's body
    that ends in superscripts: the recommendations, pitfalls and figures."""
    text = GUIDELINE.read_text(encoding="utf-8")
    body = text[
        text.index("Initial Assessment and Conservative Management") : text.index("\nReferences")
    ]
    found = []
    for line in body.splitlines():
        match = CITED.match(line.strip().lstrip("•").strip())
        if match:
            found.append((match["text"], match["numbers"]))
    return found


def _map_rows() -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for line in MAP.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0].isdigit():
            rows[int(cells[0])] = cells
    return rows


@pytest.mark.skipif(not GUIDELINE.exists(), reason="the shared guideline text is not here")
def test_every_recommendation_sentence_of_the_guideline_is_mapped() -> None:
    sentences = _guideline_sentences()
    assert len(sentences) == 32, "the guideline text changed: review docs/seed_guideline_map.md"
    rows = _map_rows()
    assert sorted(rows) == list(range(1, len(sentences) + 1))
    for number, (sentence, cites) in enumerate(sentences, start=1):
        quoted, cited = rows[number][1], rows[number][1].rsplit("(", 1)[-1]
        opening = " ".join(sentence.split()[:8])
        assert opening in quoted, f"row {number} should quote {opening!r}"
        assert cited == f"{cites})", f"row {number}: the text cites {cites}"


def test_the_map_names_only_what_the_pathway_holds(pathway: Pathway) -> None:
    names = set(pathway.graph.nodes) | set(pathway.inputs) | set(pathway.defines)
    for number, cells in _map_rows().items():
        where = cells[2]
        named = re.findall(r"`([a-z_0-9]+)`", where)
        quoted = re.findall(r'"([^"]+)"', where)
        assert named, f"row {number} names no node, input or derived value"
        assert set(named) <= names, f"row {number}: {set(named) - names}"
        for opening in quoted:
            assert f'"{opening}' in pathway.source, f"row {number}: no item or note {opening!r}"

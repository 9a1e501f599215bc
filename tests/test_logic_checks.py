"""The decision-logic checks (CP3xx): witnesses, missing data, the solver fallback."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from carepath.compiler import ir
from carepath.compiler.check import check_text
from carepath.compiler.checks import logic_analysis
from carepath.compiler.checks.logic_analysis import Analysis
from carepath.compiler.checks.logic_decisions import check_decisions
from carepath.compiler.checks.robustness import undecided_inputs
from carepath.compiler.checks.witness import guards
from carepath.compiler.evaluate import CONFLICT, LOOP, STUCK, Evaluator, Result, evaluate
from carepath.compiler.pathway import Pathway, load_text
from carepath.compiler.resolve import value_for
from carepath.dsl.diagnostics import Diagnostic, Witness

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "logic"


def patient_of(pathway: Pathway, witness: Witness) -> dict[str, ir.Value]:
    """A witness as written (``65 years``, ``severe``) back into patient values."""
    patient: dict[str, ir.Value] = {}
    for name, text in witness.patient:
        number, _, unit = text.partition(" ")
        try:
            value = Fraction(number)
        except ValueError:
            found = value_for(pathway.inputs[name], text, None, None)
        else:
            found = value_for(pathway.inputs[name], None, value, unit or None)
        assert found is not None
        patient[name] = found
    return patient


def node_at(pathway: Pathway, diagnostic: Diagnostic) -> tuple[str, int | None]:
    """The decision (and branch index) a diagnostic points at."""
    for node, data in pathway.graph.nodes(data=True):
        if data["span"] == diagnostic.span:
            return node, None
        if any(item.span == diagnostic.span for item in data.get("items", ())):
            return node, None
        for branch in data.get("branches", ()):
            if branch.span == diagnostic.span:
                return node, branch.index
    raise AssertionError(f"no node at {diagnostic.span}")


def step_at(result: Result, node: str) -> int | None:
    return next((s.branch for s in result.steps if s.node == node), None)


def assert_witness_shows(pathway: Pathway, diagnostic: Diagnostic) -> None:
    """The evaluator, run on the witness as shown, runs into the reported problem."""
    assert diagnostic.witness is not None
    result = evaluate(pathway, patient_of(pathway, diagnostic.witness))
    assert result.path == diagnostic.witness.path
    code = diagnostic.code
    if code == "CP312":
        assert result.status == LOOP
        return
    if code in ("CP320", "CP321"):
        node, items = group_at(pathway, diagnostic)
        ev = Evaluator(pathway, patient_of(pathway, diagnostic.witness))
        verdicts = [True if i.guard is None else ev.holds(i.guard) for i in items]
        given = sum(1 for v in verdicts if v)
        assert node in result.path and None not in verdicts
        assert given >= 2 if code == "CP320" else given == 0
        # What the patient is given says the same, for the items only the group has.
        shared = {(i.kind, i.text) for i in group_others(pathway, node, items)}
        listed = [
            r for r in result.recommendations if r.node == node and (r.kind, r.text) not in shared
        ]
        own = [
            i for i, v in zip(items, verdicts, strict=True) if v and (i.kind, i.text) not in shared
        ]
        assert {(r.kind, r.text) for r in listed} >= {(i.kind, i.text) for i in own}
        return
    if code == "CP314":
        assert_in_band_hole(pathway, diagnostic)
        return
    node, index = node_at(pathway, diagnostic)
    if code == "CP302":
        assert (result.status, result.path[-1]) == (CONFLICT, node)
    elif code == "CP304":
        assert (result.status, result.path[-1]) == (STUCK, node)
    elif code in ("CP303", "CP305"):
        assert node in result.path and step_at(result, node) != index
    elif code == "CP307":
        assert node in result.path
    elif code == "CP311":
        assert result.status == "incomplete" and result.path[-1] == node


def assert_in_band_hole(pathway: Pathway, diagnostic: Diagnostic) -> None:
    """No band next to the hole holds for the witness, and an `or` of bands is false."""
    assert diagnostic.witness is not None
    ev = Evaluator(pathway, patient_of(pathway, diagnostic.witness))
    by_span = {e.span: e for root in guards(pathway) for e in ir.walk(root)}
    bands = [by_span[span] for span, _ in diagnostic.related]
    # Usually a band on each side; one band when it is on both (`x != 5`: the hole is 5).
    assert bands and all(ev.holds(band) is False for band in bands)
    whole = by_span[diagnostic.span]
    if isinstance(whole, ir.Or):
        assert ev.holds(whole) is False


def group_at(pathway: Pathway, diagnostic: Diagnostic) -> tuple[str, list[ir.ItemIR]]:
    """The node and the items of the group a CP320 (at an item) or CP321 (at the group)
    is about."""
    for node, data in pathway.graph.nodes(data=True):
        for item in data.get("items", ()):
            if item.group is not None and diagnostic.span in (item.span, item.group.span):
                return node, [i for i in data["items"] if i.group == item.group]
    raise AssertionError(f"no group at {diagnostic.span}")


def group_others(pathway: Pathway, node: str, items: list[ir.ItemIR]) -> list[ir.ItemIR]:
    return [i for i in pathway.graph.nodes[node]["items"] if i not in items]


def test_every_golden_witness_is_confirmed_by_the_evaluator() -> None:
    seen = 0
    for path in sorted(GOLDEN.glob("*.cpath")):
        loaded = check_text(path.read_text(encoding="utf-8"), str(path))
        assert loaded.pathway is not None
        for d in loaded.diagnostics:
            if d.witness is not None:
                assert_witness_shows(loaded.pathway, d)
                seen += 1
    assert seen >= 10


UNDECIDED = """pathway p "P"

input pain: one of none, mild, moderate, severe "Pain"
input age: integer years 0..120 "Age"
input flag: boolean "Flag"

start d

decision d "Severe and old?"
  when pain == severe and age >= 65 -> old
  otherwise -> rest

decision old "Flag?" first
  when flag -> e1
  when age >= 80 -> e2
  otherwise -> e1

decision rest "Pain?"
  when pain in {none, mild} -> e1
  when pain in {moderate, severe} -> e2

end e1 "E1"
end e2 "E2"
"""


def test_undecided_inputs_lists_what_alone_blocks_each_decision() -> None:
    loaded = load_text(UNDECIDED)
    assert loaded.pathway is not None
    assert undecided_inputs(loaded.pathway) == {
        "d": ("pain", "age"),
        "old": ("flag",),
        # Kleene logic: with age < 65 the first guard of `d` is false whatever the pain,
        # so a patient with unknown pain takes `otherwise` and is blocked at `rest`.
        "rest": ("pain",),
    }
    young = evaluate(loaded.pathway, {"age": Fraction(40 * 31557600)})
    assert (young.status, young.path, young.needs) == ("incomplete", ("d", "rest"), ("pain",))
    severe = evaluate(loaded.pathway, {"pain": "severe"})
    assert (severe.status, severe.needs) == ("incomplete", ("age",))


HARD = """pathway p "P"

input a: integer 1..100000 "A"
input b: integer 1..100000 "B"
input c: integer 1..100000 "C"

start d

decision d "Cubes?"
  when a * a * a + b * b * b == c * c * c -> e1
  when a * b > c -> e2
  otherwise -> e2

end e1 "E1"
end e2 "E2"
"""


def test_an_undecided_solver_query_says_so_and_claims_nothing() -> None:
    loaded = load_text(HARD)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    logic_analysis._CACHE[:] = [(pathway, Analysis(pathway, timeout_ms=1))]
    try:
        found = list(check_decisions(pathway))
    finally:
        logic_analysis._CACHE.clear()
    assert found, "a 1 ms limit must leave something undecided"
    assert {d.code for d in found} == {"CP313"}
    assert all(d.witness is None for d in found)


def test_solver_findings_come_with_confirmed_witnesses() -> None:
    text = """pathway p "P"

input x: decimal 0..100 "X"
input y: decimal 0..100 "Y"

start d

decision d "Sum?"
  when x + y > 10 -> e1
  when x > 8 -> e2
  when x + y <= 10 and x <= 8 -> e2

end e1 "E1"
end e2 "E2"
"""
    loaded = check_text(text)
    assert loaded.pathway is not None
    codes = [d.code for d in loaded.diagnostics]
    assert codes == ["CP302"]
    assert_witness_shows(loaded.pathway, loaded.diagnostics[0])


def test_checking_a_box_only_pathway_does_not_import_z3() -> None:
    probe = (
        "import sys\n"
        "from carepath.compiler.check import check_text\n"
        f"check_text(open({str(GOLDEN / 'cp304_gap_path.cpath')!r}).read())\n"
        "print('z3' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_cycle_inside_a_component_is_analysed_to_a_fixpoint() -> None:
    loaded = load_text((GOLDEN / "cp312_loop_ok.cpath").read_text(encoding="utf-8"))
    assert loaded.pathway is not None
    a = Analysis(loaded.pathway)
    assert all(a.exact.values())
    # Mild patients reach `severe_check` only by going round through `mild_check`.
    reach = a.reach["severe_check"]
    assert isinstance(reach, list)
    values = set().union(
        *(box.get("pain", {"none", "mild", "moderate", "severe"}) for box in reach)
    )
    assert values == {"mild", "severe"}

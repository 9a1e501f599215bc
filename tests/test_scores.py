"""Scores with unknown criteria: a range of the values the score could still take.

`count of` / `points of` with some criteria unknown is not simply unknown: the known
criteria bound it, and a comparison the whole range answers the same way is decided
(a patient already in the top band is not asked for the rest). Every evaluator
(interpreter, compiled Python, JavaScript) and the z3 encoding the checker proves
with must agree on that, patient by patient, on every combination below.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from carepath.compiler import ir
from carepath.compiler.check import check_text
from carepath.compiler.checks.logic_analysis import domain_of
from carepath.compiler.checks.smt import SAT, UNSAT, Smt
from carepath.compiler.codegen_python import load_module, to_result
from carepath.compiler.evaluate import COMPLETE, INCOMPLETE, Evaluator, evaluate
from carepath.compiler.pathway import Pathway, load_text
from tests.test_js_eval import assert_agree

_HEAD = (
    'pathway s "Scores"\ninput a: boolean\ninput b: boolean\ninput c: boolean\n'
    "input x: integer\n"
    "define n = count of (a, b, c)\n"
    "define p = points of (2 if a, -1 if b, 3 if c)\n"
)

# Each guard exercises one rule of range arithmetic or comparison.
GUARDS = (
    "n >= 2",
    "n < 1",
    "n == 3",
    "n != 0",
    "p > 2",
    "p <= 0",
    "p == 2",
    "p != -1",
    "-p < 0",
    "n + x >= 3",
    "p - n > 0",
    "n * x >= 4",
    "x / n > 1",
    "p / (n + 1) >= 1",
    "n is known",
    "p is known and p > 1",
    "not (n > 1) or x == 0",
)

PATIENTS: list[dict[str, ir.Value]] = [
    {name: value for name, value in zip("abcx", values, strict=True) if value is not None}
    for values in itertools.product(
        (True, False, None), (True, False, None), (True, False, None), (Fraction(2), None)
    )
]


def guarded(guard: str) -> Pathway:
    loaded = load_text(
        _HEAD + f'start d\ndecision d "D?" first\n  when {guard} -> yes\n'
        '  otherwise -> no\nend yes "Y"\nend no "N"\n',
        "scores.cpath",
    )
    assert loaded.pathway is not None, loaded.diagnostics
    return loaded.pathway


def verdict(pathway: Pathway, patient: dict[str, ir.Value]) -> bool | None:
    outcome = evaluate(pathway, patient).outcome
    return {"yes": True, "no": False, None: None}[outcome]


def test_known_criteria_that_settle_the_band_decide() -> None:
    at_least_two = guarded("n >= 2")
    # Two criteria hold: the third cannot take the count below 2.
    assert evaluate(at_least_two, {"a": True, "b": True}).outcome == "yes"
    # Two fail: the count is at most 1 whatever c is.
    assert evaluate(at_least_two, {"a": False, "b": False}).outcome == "no"
    # One of each: c decides, and the pathway asks for c alone.
    waiting = evaluate(at_least_two, {"a": True, "b": False})
    assert waiting.status == INCOMPLETE and waiting.needs == ("c",)


def test_negative_points_lower_the_range() -> None:
    above_two = guarded("p > 2")
    # a and c hold (5); b unknown could take 1 off: 4..5, above 2 either way.
    assert evaluate(above_two, {"a": True, "c": True}).outcome == "yes"
    # a alone (2), b unknown (1..2), c fails: never above 2.
    assert evaluate(above_two, {"a": True, "c": False}).outcome == "no"
    # a alone with b, c unknown: 1..5 straddles 2.
    assert evaluate(above_two, {"a": True}).status == INCOMPLETE


def test_a_score_is_known_only_when_its_range_closes() -> None:
    is_known = guarded("n is known")
    assert evaluate(is_known, {"a": True, "b": True}).outcome == "no"
    assert evaluate(is_known, {"a": True, "b": True, "c": False}).outcome == "yes"
    # Equality needs one value; a range without it is already unequal.
    equal = guarded("p == 2")
    assert evaluate(equal, {"a": True, "b": False}).status == INCOMPLETE
    assert evaluate(equal, {"a": False, "b": False}).status == INCOMPLETE  # 0..3 holds 2
    apart = evaluate(equal, {"a": True, "c": True})  # 4..5
    assert apart.status == COMPLETE and apart.outcome == "no"


def test_division_by_a_range_that_holds_zero_is_unknown() -> None:
    over = guarded("x / n > 1")
    # n is 0..1 (only a unknown): x / 0 is possible, so the value is unknown.
    assert evaluate(over, {"x": Fraction(2), "b": False, "c": False}).status == INCOMPLETE
    # n is 1..2: x / n is 1..2; 1 is not above 1, so the patient still waits.
    assert evaluate(over, {"x": Fraction(2), "a": True, "b": False}).status == INCOMPLETE
    # n is 1..2 and x = 3: x / n is 1.5..3, above 1 either way.
    assert evaluate(over, {"x": Fraction(3), "a": True, "b": False}).outcome == "yes"


@pytest.mark.parametrize("guard", GUARDS)
def test_interpreter_compiled_python_and_javascript_agree(guard: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pathway = guarded(guard)
    module = load_module(pathway)
    for patient in PATIENTS:
        assert to_result(module.evaluate(patient)) == evaluate(pathway, patient), patient
    assert_agree(pathway, PATIENTS, tmp_path)


@pytest.mark.parametrize("guard", GUARDS)
def test_the_checkers_z3_encoding_agrees_with_the_interpreter(guard: str) -> None:
    pathway = guarded(guard)
    expr = pathway.graph.nodes["d"]["branches"][0].guard
    assert expr is not None
    smt = Smt(domain_of(pathway), pathway.defines)
    holds, fails = smt.tf(expr)
    for patient in PATIENTS:
        expected = Evaluator(pathway, patient).holds(expr)
        this_patient = smt.patient(patient)
        got_holds = smt.check(this_patient, holds).status
        got_fails = smt.check(this_patient, fails).status
        assert (got_holds, got_fails) == (
            SAT if expected is True else UNSAT,
            SAT if expected is False else UNSAT,
        ), patient


def test_a_band_settled_by_the_known_criteria_is_no_gap() -> None:
    # Two bands that cover every complete count: no gap, no overlap, and the checker's
    # witnesses (none here) agree with the range semantics.
    checked = check_text(
        _HEAD + 'start d\ndecision d "D?"\n  when n >= 2 -> high\n  when n < 2 -> low\n'
        'end high "H"\nend low "L"\n'
    )
    codes = [d.code for d in checked.diagnostics]
    assert not [c for c in codes if c.startswith("CP3")], checked.diagnostics

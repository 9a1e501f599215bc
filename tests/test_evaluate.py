"""The reference interpreter: Kleene logic, policies, needs, loops, undetermined items,
explanations."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from carepath.compiler.evaluate import (
    COMPLETE,
    CONFLICT,
    INCOMPLETE,
    LOOP,
    STUCK,
    Result,
    evaluate,
)
from carepath.compiler.pathway import Pathway, load_text

WEEK = Fraction(604800)
YEAR = Fraction(31557600)


def pathway(text: str) -> Pathway:
    loaded = load_text(text, "t.cpath")
    assert loaded.pathway is not None
    errors = [d.message for d in loaded.diagnostics if d.severity >= d.severity.ERROR]
    assert not errors, errors
    return loaded.pathway


def logic(op: str) -> Pathway:
    return pathway(
        f'pathway p "P"\ninput a: boolean\ninput b: boolean\nstart d\n'
        f'decision d "D?"\n  when {op} -> yes\n  otherwise -> no\n'
        'end yes "Yes"\nend no "No"\n'
    )


VALUES = (True, False, None)


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def verdict(result: Result) -> bool | None:
    if result.status == INCOMPLETE:
        return None
    return result.outcome == "yes"


def patient(a: bool | None, b: bool | None) -> dict[str, bool]:
    return {k: v for k, v in (("a", a), ("b", b)) if v is not None}


@pytest.mark.parametrize(("a", "b"), list(itertools.product(VALUES, VALUES)))
def test_three_valued_truth_tables(a: bool | None, b: bool | None) -> None:
    assert verdict(evaluate(logic("a and b"), patient(a, b))) is kleene_and(a, b)
    assert verdict(evaluate(logic("a or b"), patient(a, b))) is kleene_or(a, b)
    negated = None if a is None else not a
    assert verdict(evaluate(logic("not a"), patient(a, b))) is negated
    assert verdict(evaluate(logic("a is known"), patient(a, b))) is (a is not None)


def test_none_value_is_unknown_and_needed() -> None:
    result = evaluate(logic("a and b"), {"a": None, "b": True})  # type: ignore[dict-item]
    assert result.status == INCOMPLETE and result.needs == ("a",)
    assert "a: unknown" not in result.message and "needs a" in result.message


UNIQUE = """pathway p "P"
input x: integer
start d
decision d "D?"
  when x >= 5 -> big
  when x >= 3 -> mid
end big "Big"
end mid "Mid"
"""


def test_unique_policy_conflict_stuck_and_taken() -> None:
    p = pathway(UNIQUE)
    assert evaluate(p, {"x": Fraction(6)}).status == CONFLICT
    assert evaluate(p, {"x": Fraction(4)}).outcome == "mid"
    stuck = evaluate(p, {"x": Fraction(1)})
    assert stuck.status == STUCK and "x: 1" in stuck.message


def test_first_policy_needs_every_earlier_branch_known() -> None:
    p = pathway(
        UNIQUE.replace('"D?"', '"D?" first')
        .replace("input x: integer", "input x: integer\ninput y: boolean")
        .replace("when x >= 5", "when y")
    )
    assert evaluate(p, {"y": True}).outcome == "big"
    blocked = evaluate(p, {"x": Fraction(4)})
    assert blocked.status == INCOMPLETE and blocked.needs == ("y",)
    assert evaluate(p, {"y": False, "x": Fraction(4)}).outcome == "mid"


def test_otherwise_only_when_every_branch_is_false() -> None:
    p = logic("a")
    assert evaluate(p, {}).status == INCOMPLETE
    result = evaluate(p, {"a": False})
    assert result.outcome == "no" and result.steps[0].branch == 1


LOOP_SRC = """pathway p "P"
input a: boolean
start d
decision d "D?"
  when a -> act
  otherwise -> done
action act "Again"
  next d
end done "Done"
"""


def test_loop_stops() -> None:
    result = evaluate(pathway(LOOP_SRC), {"a": True})
    assert result.status == LOOP and result.path == ("d", "act", "d")


ITEMS = """pathway p "P"
reference r "Ref" year 2025
input age: integer years 0..120
input ckd: boolean
start act
action act "Treat"
  recommend "Always" cite r strength strong
  consider "Older" when age >= 65
  avoid "NSAIDs" when ckd
  next e
end e "E"
"""


def test_undetermined_items_and_explanations_mention_values() -> None:
    p = pathway(ITEMS)
    result = evaluate(p, {"age": 70 * YEAR}, {"age": "70 years"})
    assert result.status == COMPLETE
    assert [r.text for r in result.recommendations] == ["Always", "Older"]
    assert result.recommendations[0].strength == "strong"
    assert result.recommendations[0].citations == ("r",)
    assert [(u.text, u.needs) for u in result.undetermined] == [("NSAIDs", ("ckd",))]
    why = result.steps[0].explanation
    assert '"Older" given because age >= 65 (given age: 70 years)' in why
    assert '"NSAIDs" undetermined: needs ckd' in why
    left_out = evaluate(p, {"age": 40 * YEAR, "ckd": False})
    assert (
        '"Older" left out because `age >= 65` is false (given age: 40 years)'
        in left_out.steps[0].explanation
    )


def test_explanation_shows_values_in_declared_units() -> None:
    p = pathway(
        'pathway p "P"\ninput f: duration\nstart d\ndecision d "D?"\n'
        '  when f < 6 weeks -> a\n  otherwise -> b\nend a "A"\nend b "B"\n'
    )
    result = evaluate(p, {"f": 10 * WEEK})
    assert result.steps[0].explanation == (
        "took `b` (otherwise): no other branch holds (given f: 10 weeks)"
    )
    assert evaluate(p, {"f": 2 * WEEK}).steps[0].explanation == (
        "took `a` because f < 6 weeks (given f: 2 weeks)"
    )


def test_explain_false_changes_only_explanations() -> None:
    p = pathway(ITEMS)
    a = evaluate(p, {"age": 70 * YEAR})
    b = evaluate(p, {"age": 70 * YEAR}, explain=False)
    assert a.path == b.path and a.recommendations == b.recommendations
    assert all(s.explanation == "" for s in b.steps)


def test_a_score_with_unknown_criteria_is_decided_when_its_range_is() -> None:
    # tests/test_scores.py covers the range semantics in full.
    p = pathway(
        'pathway p "P"\ninput a: boolean\ninput b: boolean\n'
        'define n = count of (a, b)\nstart d\ndecision d "D?"\n'
        '  when n >= 1 -> yes\n  otherwise -> no\nend yes "Y"\nend no "N"\n'
    )
    assert evaluate(p, {"a": True}).outcome == "yes"
    assert evaluate(p, {"a": False}).needs == ("b",)
    assert evaluate(p, {"a": True, "b": False}).outcome == "yes"
    assert evaluate(p, {"a": False, "b": False}).outcome == "no"

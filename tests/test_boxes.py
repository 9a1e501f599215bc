"""The box engine: exact intervals and value sets, guards as (true, false) box unions."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from carepath.compiler import ir
from carepath.compiler.checks.boxes import (
    Boxes,
    Domain,
    EnumVar,
    NumVar,
    OutOfFragment,
    TooComplex,
    Translator,
)
from carepath.compiler.checks.logic_analysis import domain_of
from carepath.compiler.evaluate import Evaluator
from carepath.compiler.pathway import Pathway, load_text

YEAR = F(31557600)


def domain() -> Domain:
    return Domain(
        {
            "age": NumVar("age", step=F(1), low=F(0), high=F(120)),
            "x": NumVar("x", scale=10),
            "pain": EnumVar("pain", ("none", "mild", "severe")),
            "flag": EnumVar("flag", (True, False)),
        }
    )


def test_integer_grid_turns_strict_bounds_into_closed_ones() -> None:
    d = domain()
    assert d.num("age", ">", F(64)) == d.num("age", ">=", F(65))
    assert d.interval_text("age", d.num("age", ">", F(64))) == "[65, 120]"
    assert d.interval_text("age", d.num("age", "<", F(0))) == ""


def test_plausible_range_bounds_the_domain() -> None:
    d = domain()
    assert d.dim_empty(d.num("age", ">", F(130)))
    assert d.interval_text("age", d.known("age")) == "[0, 120]"


def test_integer_halves_leave_no_gap_but_decimals_do() -> None:
    d = domain()
    lower: Boxes = [{"age": d.num("age", "<=", F(17))}]
    upper: Boxes = [{"age": d.num("age", ">=", F(18))}]
    assert d.minus([{"age": d.known("age")}], d.union(lower, upper)) == []
    lower, upper = [{"x": d.num("x", "<=", F(17))}], [{"x": d.num("x", ">=", F(18))}]
    gap = d.minus([{"x": d.known("x")}], d.union(lower, upper))
    assert len(gap) == 1
    assert d.interval_text("x", gap[0]["x"]) == "(17, 18)"
    assert d.pick(gap[0], ["x"])["x"] == F(171, 10)


def test_closed_and_open_bounds_meet_without_overlap() -> None:
    d = domain()
    below, above = {"x": d.num("x", "<", F(6))}, {"x": d.num("x", ">=", F(6))}
    assert d.inter_box(below, above) is None
    assert d.inter_box({"x": d.num("x", "<=", F(6))}, above) == {"x": d.num("x", "==", F(6))}


def test_complement_of_complement_is_the_same_set() -> None:
    d = domain()
    region: Boxes = [
        {"age": d.num("age", ">=", F(65)), "pain": frozenset({"severe"})},
        {"x": d.num("x", "<", F(3)), "flag": frozenset({True})},
    ]
    twice = d.compl(d.compl(region))
    assert d.subset(twice, region) and d.subset(region, twice)


def test_unknown_is_part_of_every_dimension() -> None:
    d = domain()
    assert d.dim_compl("pain", frozenset({"severe"})) == frozenset({"none", "mild", None})
    assert d.dim_compl("age", d.known("age")) == d.unknown("age")
    assert d.pick({"age": d.unknown("age")}, ["age"]) == {}


def test_picks_sit_on_or_next_to_the_bound_a_guard_set() -> None:
    d = domain()
    assert d.pick({"age": d.num("age", ">", F(64))}, ["age"])["age"] == 65
    assert d.pick({"x": d.num("x", ">", F(6))}, ["x"], {"x": [F(1)]})["x"] == 7
    assert d.pick({"x": d.num("x", "<", F(30))}, ["x"], {"x": [F(1)]})["x"] == 29
    weeks = [F(604800)]
    six_weeks = {"x": ((((6 * 604800 * 10), False, None, False),), False)}
    assert d.pick(six_weeks, ["x"], {"x": weeks})["x"] == 7 * 604800


def test_many_thresholds_on_one_input_stay_one_box() -> None:
    d = Domain({"x": NumVar("x", low=F(0), high=F(10000))})
    bands = [
        [{"x": d.inter_box({"x": d.num("x", ">=", F(i))}, {"x": d.num("x", "<", F(i + 1))})["x"]}]  # type: ignore[index]
        for i in range(2000)
        if i != 700
    ]
    union = d.union(*bands)
    assert len(union) == 1
    gap = d.minus([{"x": d.known("x")}], union)
    assert [d.interval_text("x", b["x"]) for b in gap] == ["[700, 701) ∪ [2000, 10000]"]
    everyone_fails = d.inter_all([d.compl(b) for b in bands])  # De Morgan fast path
    known = d.inter(everyone_fails, [{"x": d.known("x")}])
    assert d.subset(known, gap) and d.subset(gap, known)
    assert d.subset([{"x": d.unknown("x")}], everyone_fails)


def test_the_size_limit_is_reported() -> None:
    d = Domain({f"b{i}": EnumVar(f"b{i}", (True, False)) for i in range(12)}, limit=32)
    parts: list[Boxes] = [
        [{f"b{i}": frozenset({True})}, {f"b{i + 6}": frozenset({True})}] for i in range(6)
    ]
    with pytest.raises(TooComplex):
        d.inter_all(parts)


SOURCE = """pathway p "P"

input age: integer years 0..120 "Age"
input x: decimal 0..100 "X"
input pain: one of none, mild, severe "Pain"
input flag: boolean "Flag"
define old = age >= 65
define score = count of (flag, old)

start d

decision d "D?"
  when {guard} -> e
  otherwise -> e

end e "E"
"""


def guard(text: str) -> tuple[Pathway, ir.Expr]:
    loaded = load_text(SOURCE.replace("{guard}", text))
    assert loaded.pathway is not None, loaded.diagnostics
    branch = loaded.pathway.graph.nodes["d"]["branches"][0]
    assert branch.guard is not None
    return loaded.pathway, branch.guard


@pytest.mark.parametrize(
    "text",
    [
        "age > 64",
        "65 <= age",
        "not (age >= 65 and pain == severe)",
        "old or flag",
        "pain in {mild, severe} and x < 3.5",
        "pain not in {mild}",
        "age is known and not flag",
        "age is unknown or x != 2",
        "old == false",
        "flag != true",
        "x > -1 * 2",
        "age >= 18 and (pain == none or (x >= 50 and not old))",
    ],
)
def test_true_and_false_sets_agree_with_the_evaluator(text: str) -> None:
    pathway, g = guard(text)
    d = domain_of(pathway)
    t, f = Translator(d, pathway.defines).tf(g)
    names = list(pathway.inputs)
    for region, expected in ((t, True), (f, False)):
        for box in region:
            for unknown in ([], names):
                point = d.pick(box, names, prefer_unknown=unknown)
                assert d.contains_point(box, point)
                assert Evaluator(pathway, point).holds(g) is expected, (text, point)


def test_guards_outside_the_fragment_are_left_to_the_solver() -> None:
    pathway, g = guard("score >= 1")
    with pytest.raises(OutOfFragment):
        Translator(domain_of(pathway), pathway.defines).tf(g)
    pathway, g = guard("x * 2 > age / 1 year")
    with pytest.raises(OutOfFragment):
        Translator(domain_of(pathway), pathway.defines).tf(g)

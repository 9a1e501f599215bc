"""Units: UCUM codes as clinical data writes them (via ucumvert's UCUM grammar), the
common spellings, exact factors, and a refusal where the two readings disagree."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from carepath.compiler import units
from carepath.compiler.check import check_text
from carepath.compiler.evaluate import evaluate
from carepath.compiler.patient import PatientChecker
from carepath.compiler.units import UnknownUnit, parse_unit

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("unit", "same_as", "ratio"),
    [
        ("10*9/L", "/nL", 1),  # platelets, leucocytes
        ("10^9/L", "10*9/L", 1),
        ("10*3/uL", "10*9/L", 1),
        ("meq/L", "mmol/L", 1),  # a univalent ion
        ("mEq/L", "meq/L", 1),  # as clinicians write it
        ("[in_i]", "cm", Fraction(254, 100)),
        ("[lb_av]", "g", Fraction(45359237, 100000)),
        ("[ft_i]", "[in_i]", 12),
        ("mm[Hg]", "mmHg", 1),
        ("/h", "/min", Fraction(1, 60)),  # exact, not 0.016666…
        ("mL/min/{1.73_m2}", "mL/min", 1),  # an annotation carries no dimension
        ("U/L", "ukat/L", Fraction(1, 60) * Fraction(1, 1000000) * 1000000),
        ("a", "mo", 12),
        ("mo", "d", Fraction(487, 16)),
    ],
)
def test_ucum_codes_and_common_spellings_convert_exactly(
    unit: str, same_as: str, ratio: Fraction | int
) -> None:
    a, b = parse_unit(unit), parse_unit(same_as)
    assert a.dimension == b.dimension
    assert a.factor / b.factor == ratio


def test_arbitrary_units_are_never_plain_numbers_or_each_other() -> None:
    iu, arbitrary, plain = parse_unit("[IU]"), parse_unit("[arb'U]"), parse_unit("%")
    assert iu.dimension and arbitrary.dimension
    assert len({iu.dimension, arbitrary.dimension, plain.dimension}) == 3
    assert parse_unit("IU").dimension == iu.dimension  # the common spelling agrees


@pytest.mark.parametrize(
    ("unit", "ucum", "common"), [("ft", "mass", "length"), ("pt", "mass", "length^3")]
)
def test_a_unit_that_reads_two_ways_is_refused(unit: str, ucum: str, common: str) -> None:
    with pytest.raises(UnknownUnit) as raised:
        parse_unit(unit)
    assert f"`{unit}` is {ucum} as a UCUM code but {common} as commonly written" in str(
        raised.value
    )


def test_the_table_agrees_with_the_registry() -> None:
    """units_table.json (read without loading pint) says what the registry says."""
    table = json.loads((ROOT / "compiler" / "units_table.json").read_text("utf-8"))
    assert list(table) == list(units.COMMON_UNITS)
    for text, entry in table.items():
        unit = units._from_pint(text)
        assert (str(unit.factor), [list(d) for d in unit.dimension]) == (
            entry["factor"],
            entry["dimension"],
        ), text


PATHWAY = """pathway platelets "Platelets"
input platelets: integer 10*9/L 0..2000 "Platelet count"
input sodium: decimal mmol/L 100..180
start d
decision d "Low platelets or sodium?"
  when platelets < 50 10*9/L or sodium < 125 meq/L -> refer
  otherwise -> routine
end refer "Refer"
end routine "Routine"
case "low platelets"
  given platelets = 40 10*9/L, sodium = 140 mEq/L
  expect end refer
"""


def test_a_pathway_in_ucum_units_checks_and_evaluates() -> None:
    loaded = check_text(PATHWAY, "platelets.cpath")
    assert loaded.diagnostics == ()
    assert loaded.pathway is not None
    checker = PatientChecker(loaded.pathway)
    record, problems = checker.check({"platelets": "45 10*3/uL", "sodium": "140 meq/L"}, "r.json")
    assert problems == [] and record is not None
    assert evaluate(loaded.pathway, record.values).path[-1] == "refer"


def test_an_ambiguous_unit_in_a_pathway_says_why() -> None:
    text = PATHWAY.replace("input sodium: decimal mmol/L 100..180", "input height: decimal ft")
    found = [d for d in check_text(text, "p.cpath").diagnostics if d.code == "CP107"]
    assert (
        found and "`ft` is mass as a UCUM code but length as commonly written" in found[0].message
    )

"""Patient records: every validation error, FHIR shapes, exact numbers, YAML."""

from __future__ import annotations

from fractions import Fraction

import pytest

from carepath.compiler.check import check_text
from carepath.compiler.pathway import Pathway, load_text
from carepath.compiler.patient import parse_patient
from carepath.compiler.units import parse_unit

SOURCE = """pathway p "P"
input age: integer years 18..120 "Age"
input fracture_age: duration
input pain: one of none, mild, severe
input neuro: boolean
input egfr: decimal mL/min 0..200
input score: decimal
start e
end e "E"
"""
WEEK = Fraction(604800)
YEAR = Fraction(31557600)


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    loaded = load_text(SOURCE, "p.cpath")
    assert loaded.ok and loaded.pathway is not None
    return loaded.pathway


def codes(pathway: Pathway, text: str, file: str = "pt.json") -> list[tuple[str, int]]:
    record, problems = parse_patient(text, file, pathway)
    assert (record is None) == bool(problems)
    return [(d.code, d.span.line) for d in problems]


def values(pathway: Pathway, text: str, file: str = "pt.json") -> dict[str, object]:
    record, problems = parse_patient(text, file, pathway)
    assert not problems, [d.message for d in problems]
    assert record is not None
    return record.values


def test_every_shape_of_a_quantity(pathway: Pathway) -> None:
    for raw in (
        '{"value": 10, "unit": "wk"}',
        '{"value": 10, "code": "wk", "system": "http://unitsofmeasure.org"}',
        '{"value": 10, "code": "wk"}',
        '"10 weeks"',
        '"10 wk"',
        '{"value": 70, "unit": "d"}',
    ):
        assert values(pathway, f'{{"fracture_age": {raw}}}')["fracture_age"] == 10 * WEEK


def test_bare_number_takes_the_declared_unit(pathway: Pathway) -> None:
    got = values(pathway, '{"age": 70, "egfr": 45.5, "score": 0.1}')
    assert got == {
        "age": 70 * YEAR,
        "egfr": Fraction(91, 2) * parse_unit("mL/min").factor,
        "score": Fraction(1, 10),
    }
    assert isinstance(got["score"], Fraction)


def test_numbers_are_exact_not_floats(pathway: Pathway) -> None:
    got = values(pathway, '{"score": 0.30000000000000004}')
    assert got["score"] == Fraction("0.30000000000000004") != Fraction(0.3)


def test_null_and_unknown_are_unknown(pathway: Pathway) -> None:
    assert values(pathway, '{"age": null, "pain": "unknown", "neuro": null}') == {}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"neuro": "yes"}', "CP404"),
        ('{"neuro": 1}', "CP404"),
        ('{"neuro": "true"}', "CP404"),
        ('{"pain": "sever"}', "CP404"),
        ('{"pain": 3}', "CP404"),
        ('{"age": [70]}', "CP404"),
        ('{"fracture_age": {"value": 3, "unit": "wk", "comparator": "<"}}', "CP404"),
        ('{"fracture_age": "10 mg"}', "CP405"),
        ('{"fracture_age": "10 wekks"}', "CP406"),
        ('{"fracture_age": {"value": 3, "code": "wk", "system": "http://snomed.info"}}', "CP406"),
        ('{"age": 700}', "CP407"),
        ('{"egfr": "250 mL/min"}', "CP407"),
        ('{"age": 70.5}', "CP408"),
        ('{"age": 70, "age": 71}', "CP409"),
        ('{"fracture_age": 10}', "CP410"),
        ('{"agee": 70}', "CP403"),
        ("[1, 2]", "CP402"),
        ('{"age": 70,}', "CP401"),
        ('{"age": NaN}', "CP401"),
    ],
)
def test_each_validation_error(pathway: Pathway, text: str, code: str) -> None:
    assert [c for c, _ in codes(pathway, text)] == [code]


def test_messages_name_the_field_and_suggest(pathway: Pathway) -> None:
    _, problems = parse_patient('{"agee": 70, "pain": "sever"}', "pt.json", pathway)
    assert "`agee`" in problems[0].message and "did you mean `age`?" in problems[0].notes
    assert "`pain`" in problems[1].message and "did you mean `severe`?" in problems[1].notes


def test_spans_point_at_the_line_of_the_field(pathway: Pathway) -> None:
    text = '{\n  "pain": "mild",\n  "age": 700\n}\n'
    assert codes(pathway, text) == [("CP407", 3)]
    assert codes(pathway, "pain: mild\nneuro: yes\n", "pt.yaml") == [("CP404", 2)]


def test_malformed_files_give_line_and_column(pathway: Pathway) -> None:
    _, problems = parse_patient('{\n  "age": 70\n  "pain": "mild"\n}', "pt.json", pathway)
    assert (problems[0].code, problems[0].span.line, problems[0].span.column) == ("CP401", 3, 3)
    _, problems = parse_patient("age: [70\npain: mild\n", "pt.yaml", pathway)
    assert problems[0].code == "CP401" and problems[0].span.line >= 2


def test_yaml_without_its_surprises(pathway: Pathway) -> None:
    got = values(pathway, "age: 70\nneuro: false\nfracture_age: 10 weeks\nscore: 0.1\n", "p.yml")
    assert got == {
        "age": 70 * YEAR,
        "neuro": False,
        "fracture_age": 10 * WEEK,
        "score": Fraction(1, 10),
    }
    assert [c for c, _ in codes(pathway, "neuro: on\n", "p.yaml")] == ["CP404"]
    assert values(pathway, "age: 070\n", "p.yaml") == {"age": 70 * YEAR}  # not octal 56
    assert [c for c, _ in codes(pathway, "age: 70\nage: 71\n", "p.yaml")] == ["CP409"]
    assert [c for c, _ in codes(pathway, "", "p.yaml")] == ["CP402"]


def test_format_is_sniffed_without_extension(pathway: Pathway) -> None:
    assert values(pathway, '{"age": 70}', "record") == {"age": 70 * YEAR}
    assert values(pathway, "age: 70", "record") == {"age": 70 * YEAR}


def test_written_values_are_kept_for_explanations(pathway: Pathway) -> None:
    record, _ = parse_patient(
        '{"fracture_age": {"value": 10, "unit": "wk"}, "neuro": true}', "x.json", pathway
    )
    assert record is not None
    assert record.written == {"fracture_age": "10 wk", "neuro": "true"}


@pytest.mark.parametrize(
    ("field", "raw", "number", "unit"),
    [
        ("age", "70 years", Fraction(70), "years"),
        ("age", 70, Fraction(70), None),
        ("age", "30 a", Fraction(30), "a"),
        ("fracture_age", "10 weeks", Fraction(10), "weeks"),
        ("fracture_age", {"value": 3, "code": "mo"}, Fraction(3), "mo"),
        ("egfr", "45.5 mL/min", Fraction("45.5"), "mL/min"),
        ("egfr", 45.5, Fraction("45.5"), None),
        ("score", "0.125", Fraction("0.125"), None),
    ],
)
def test_values_equal_what_a_case_given_means(
    pathway: Pathway, field: str, raw: object, number: Fraction, unit: str | None
) -> None:
    """A record and a case's `given` with the same value mean the same patient value."""
    import json

    from carepath.compiler.resolve import value_for

    text = json.dumps({field: raw}) if not isinstance(raw, float) else f'{{"{field}": {raw}}}'
    assert values(pathway, text)[field] == value_for(pathway.inputs[field], None, number, unit)


def test_a_negative_duration_is_refused_unless_a_range_allows_it(pathway: Pathway) -> None:
    # Found by a hostile sweep (issue 18): "-3 weeks" was accepted and routed.
    record, problems = parse_patient('{"fracture_age": "-3 weeks"}', "pt.json", pathway)
    assert record is None
    assert [d.code for d in problems] == ["CP407"]
    assert "-3 weeks is negative" in problems[0].message
    assert values(pathway, '{"fracture_age": "0 weeks"}') == {"fracture_age": Fraction(0)}
    loaded = load_text(
        'pathway p "P"\ninput since: duration -4 weeks..52 weeks\nstart e\nend e "E"\n'
    )
    assert loaded.pathway is not None
    assert values(loaded.pathway, '{"since": "-3 weeks"}') == {"since": -3 * WEEK}


def test_a_case_with_a_negative_duration_is_refused() -> None:
    loaded = load_text(
        'pathway p "P"\ninput since: duration\nstart e\nend e "E"\n'
        'case "c"\n  given since = -1 days\n  expect end e\n'
    )
    assert [d.message for d in loaded.diagnostics if "never negative" in d.message]


def test_the_checker_needs_no_branch_for_a_negative_duration() -> None:
    # Before, `since >= 0 days` left a gap with the witness since = -1 days.
    checked = check_text(
        'pathway p "P"\ninput since: duration\nstart d\ndecision d "D?"\n'
        "  when since > 2 weeks -> y\n  when since >= 0 days and since <= 2 weeks -> n\n"
        'end y "Y"\nend n "N"\n'
    )
    assert not [d for d in checked.diagnostics if d.code == "CP304"], checked.diagnostics


@pytest.mark.parametrize(
    "text",
    [
        '{"fracture_age": "1e999999999 weeks"}',
        '{"age": 1e5000}',
        '{"egfr": {"value": 1e-999999, "unit": "mL/min"}}',
        '{"score": ' + "9" * 5000 + "}",
        '{"score": "0.' + "1" * 41 + '"}',
    ],
)
def test_a_number_too_large_to_read_names_its_field(pathway: Pathway, text: str) -> None:
    # Found by a hostile sweep (issue 18): the first ran for minutes building a
    # billion-digit integer; the second raised Python's 4,300-digit ValueError.
    record, problems = parse_patient(text, "pt.json", pathway)
    assert record is None
    assert [d.code for d in problems] == ["CP404"]
    assert "too large or too precise" in problems[0].message
    assert problems[0].message.startswith("`")  # the field's name comes first


def test_numbers_within_the_bounds_are_read_exactly(pathway: Pathway) -> None:
    assert values(pathway, '{"score": 1e40}') == {"score": Fraction(10**40)}
    assert values(pathway, '{"score": "' + "9" * 40 + '"}') == {"score": Fraction(10**40 - 1)}
    assert values(pathway, '{"score": 0.000000000000000000000000000000000000000000001}') == {
        "score": Fraction(1, 10**45)
    }

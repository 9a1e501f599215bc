"""Settings: facts about the place of care (a local prevalence, a formulary), the same
for every patient. Declared with a type, a range or value set and an optional
default; given with ``--set``; never unknown; never patient data. The proofs hold
for every allowed value, and a finding names the values for which they fail; the
evaluators, the SQL query and the HTML page read the settings in force."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

import carepath
from carepath.cli import main
from carepath.compiler.check import check_text
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load, load_text
from carepath.compiler.patient import PatientChecker
from carepath.compiler.settings import settings_in_force
from carepath.compiler.sql.errors import CannotCompile
from carepath.compiler.sql.query import build_query
from carepath.dsl.formatter import format_source
from carepath.render.html import build_site
from tests.sql_support import create_duckdb_table, expected, random_patients, rows_of

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "settings_antibiotics.cpath"
PERCENT = Fraction(1, 100)

# The corpus pathway with its gap closed: every setting value is covered.
SOUND = CORPUS.read_text(encoding="utf-8").replace(
    "10 % <= mrsa_prevalence < 20 % and formulary == standard -> cefazolin",
    "10 % <= mrsa_prevalence < 20 % -> cefazolin",
)
# ... and without a default for the prevalence (nor the cases, which would need it).
NO_DEFAULT = SOUND.split("\ncase ", 1)[0].replace(" default 15 %", "")


@pytest.fixture(scope="module")
def sound() -> Pathway:
    loaded = load_text(SOUND, "sound.cpath")
    assert loaded.pathway is not None and loaded.ok, loaded.diagnostics
    return loaded.pathway


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- the language


def test_a_setting_is_parsed_formatted_and_resolved() -> None:
    loaded = load(CORPUS)
    assert loaded.pathway is not None
    decl = loaded.pathway.inputs["mrsa_prevalence"]
    assert decl.setting and decl.default == 15 * PERCENT and decl.default_text == "15 %"
    assert not loaded.pathway.inputs["purulent"].setting
    text = CORPUS.read_text(encoding="utf-8")
    assert format_source(text, str(CORPUS)) == text  # the file is formatted
    messy = text.replace(
        "setting formulary: one of standard, restricted default standard",
        "setting   formulary :one of standard,restricted   default   standard",
    )
    assert messy != text and format_source(messy, "m.cpath") == text


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("setting share: decimal % 0..100 default 150 %", "outside the plausible range"),
        ("setting share: decimal % 0..100 default unknown", "cannot be unknown"),
        ("setting share: one of low, high default medium", "`medium` is not one of: low, high"),
        ("setting share: duration default 3", "a duration needs a unit"),
    ],
)
def test_a_default_that_does_not_fit_is_an_error(declaration: str, message: str) -> None:
    loaded = load_text(f'pathway p "P"\n{declaration}\nstart e\nend e "E"\n', "p.cpath")
    (problem,) = [d for d in loaded.diagnostics if d.code == "CP119"]
    assert message in problem.message
    assert problem.span.line == 2 and problem.span.column > len("setting share:")


def test_a_case_uses_the_default_and_may_give_another_value() -> None:
    loaded = load(CORPUS)
    assert loaded.pathway is not None
    default_case, high_case = loaded.pathway.cases
    assert default_case.patient["mrsa_prevalence"] == 15 * PERCENT
    assert high_case.patient["mrsa_prevalence"] == 25 * PERCENT


def test_a_case_cannot_leave_a_setting_unknown_or_without_a_value() -> None:
    text = (
        'pathway p "P"\nsetting s: boolean\ninput x: boolean\nstart d\n'
        'decision d "D"\n  when s or x -> e\n  otherwise -> e\nend e "E"\n'
        'case "none"\n  given x = true\n  expect end e\n'
        'case "unknown"\n  given s = unknown\n  expect end e\n'
    )
    messages = [d.message for d in load_text(text, "p.cpath").diagnostics if d.code == "CP113"]
    assert messages == [
        "case does not give setting `s`, which has no default",
        "`s` is a setting, which is never unknown",
    ]


# ---------------------------------------------------------------- the proofs


def test_the_proofs_cover_every_allowed_value_and_name_those_that_fail() -> None:
    loaded = check_text(CORPUS.read_text(encoding="utf-8"), str(CORPUS))
    assert loaded.pathway is not None
    (gap,) = [d for d in loaded.diagnostics if d.code == "CP304"]
    # The defaults (15 %, standard) are covered: the gap is at other places of care.
    assert "10 % <= mrsa_prevalence < 20 % and formulary is restricted" in gap.message
    assert any("are settings of the place of care" in n for n in gap.notes)
    assert gap.witness is not None
    patient = dict(gap.witness.patient)
    assert patient["formulary"] == "restricted"
    # The witness, settings included, really falls in the gap when run.
    record, problems = PatientChecker(loaded.pathway, settings_in_record=True).check(
        patient, "witness", cells=True
    )
    assert record is not None, problems
    assert evaluate(loaded.pathway, record.values).status == "stuck"
    assert not [d for d in loaded.diagnostics if d.code == "CP302"]


def test_a_setting_is_never_unknown_to_the_checks() -> None:
    text = SOUND.replace(
        "  when penicillin_allergy -> vancomycin\n",
        "  when penicillin_allergy -> vancomycin\n"
        "  when mrsa_prevalence is unknown -> vancomycin\n",
    )
    loaded = check_text(text, "p.cpath")
    never = [d for d in loaded.diagnostics if d.code == "CP301"]
    assert len(never) == 1 and "mrsa_prevalence is unknown" in never[0].message
    # Missing data at a decision (CP311) is about patient data only.
    assert all(
        "`mrsa_prevalence`" not in d.message and "`formulary`" not in d.message
        for d in loaded.diagnostics
        if d.code == "CP311"
    )
    assert not [d for d in check_text(SOUND, "s.cpath").diagnostics if d.code == "CP304"]


def test_an_unused_setting_is_called_a_setting() -> None:
    text = 'pathway p "P"\nsetting s: boolean default true\nstart e\nend e "E"\n'
    (unused,) = [d for d in check_text(text, "p.cpath").diagnostics if d.code == "CP207"]
    assert unused.message == "setting `s` is never used"


# ---------------------------------------------------------------- running


def test_run_uses_the_default_or_the_set_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pathway = _write(tmp_path, "p.cpath", SOUND)
    patient = _write(tmp_path, "pt.json", '{"penicillin_allergy": false, "purulent": false}')
    assert main(["run", pathway, "--patient", patient]) == 0
    out = capsys.readouterr().out
    assert "settings mrsa_prevalence = 15 % (default), formulary = standard (default)" in out
    assert "outcome  cefazolin" in out
    assert main(["run", pathway, "--patient", patient, "--set", "mrsa_prevalence=25 %"]) == 0
    out = capsys.readouterr().out
    assert "mrsa_prevalence = 25 % (--set)" in out and "outcome  vancomycin" in out
    args = ["run", pathway, "--patient", patient, "--set", "mrsa_prevalence=0.25"]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "cefazolin"  # 0.25 %: a number is in the declared unit
    assert report["settings"][0] == {
        "name": "mrsa_prevalence",
        "value": {"value": 0.25, "unit": "%"},
        "default": False,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--set", "mrsa=25 %"], "`mrsa` is not a setting of `cellulitis_antibiotics`"),
        (["--set", "purulent=true"], "`purulent` is a patient input, not a setting"),
        (["--set", "mrsa_prevalence"], "`mrsa_prevalence`: write NAME=VALUE"),
        (["--set", "mrsa_prevalence=120 %"], "outside the plausible range 0..100 %"),
        (["--set", "mrsa_prevalence=unknown"], "a setting is never unknown"),
        (["--set", "formulary=cheap"], '"cheap" is not one of: standard, restricted'),
        (["--set", "formulary=standard", "--set", "formulary=restricted"], "given twice"),
    ],
)
def test_a_bad_set_is_a_clear_error_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    pathway = _write(tmp_path, "p.cpath", SOUND)
    patient = _write(tmp_path, "pt.json", '{"penicillin_allergy": false}')
    assert main(["run", pathway, "--patient", patient, *options]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.startswith("--set: error[")
    assert "Traceback" not in captured.err and captured.out == ""


def test_a_setting_without_a_default_must_be_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pathway = _write(tmp_path, "p.cpath", NO_DEFAULT)
    patient = _write(tmp_path, "pt.json", '{"penicillin_allergy": false}')
    assert main(["run", pathway, "--patient", patient]) == 2
    err = capsys.readouterr().err
    assert "setting `mrsa_prevalence` has no default: give it with --set" in err
    assert main(["run", pathway, "--patient", patient, "--set", "mrsa_prevalence=5"]) == 0
    assert "outcome  cefazolin" in capsys.readouterr().out


def test_a_record_cannot_give_a_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pathway = _write(tmp_path, "p.cpath", SOUND)
    patient = _write(tmp_path, "pt.json", '{\n"purulent": true,\n"mrsa_prevalence": 3\n}')
    assert main(["run", pathway, "--patient", patient]) == 2
    err = capsys.readouterr().err
    assert "pt.json:3:1: error[CP413]: `mrsa_prevalence` is a setting" in err
    assert "--set mrsa_prevalence=VALUE" in err


def test_a_batch_runs_every_row_under_the_set_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pathway = _write(tmp_path, "p.cpath", SOUND)
    rows = _write(tmp_path, "rows.csv", "penicillin_allergy,purulent\nfalse,false\nfalse,true\n")
    out = tmp_path / "out.csv"
    for value, outcomes in (
        ("5 %", ["cefazolin", "cefazolin"]),
        ("15 %", ["cefazolin", "vancomycin"]),
    ):
        code = main(
            ["run", pathway, "--batch", rows, "-o", str(out), "--set", f"mrsa_prevalence={value}"]
        )
        assert code == 0
        with out.open(encoding="utf-8") as handle:
            assert [row["outcome"] for row in csv.DictReader(handle)] == outcomes
    bad = _write(tmp_path, "bad.csv", "purulent,formulary\ntrue,standard\n")
    assert main(["run", pathway, "--batch", bad]) == 2
    assert "CP413" in capsys.readouterr().out


def test_the_api_takes_settings(sound: Pathway) -> None:
    record = {"penicillin_allergy": False, "purulent": False}
    assert carepath.evaluate(sound, record).outcome == "cefazolin"
    assert carepath.evaluate(sound, record, {"mrsa_prevalence": "30 %"}).outcome == "vancomycin"
    with pytest.raises(carepath.RecordError, match="`mrsa` is not a setting"):
        carepath.evaluate(sound, record, {"mrsa": 3})
    with pytest.raises(carepath.RecordError, match="CP413"):
        carepath.evaluate(sound, {**record, "formulary": "standard"})


def test_the_compiled_module_takes_the_defaults_unless_given(sound: Pathway) -> None:
    from carepath.compiler.codegen_python import load_module

    module = load_module(sound)
    patient = {"penicillin_allergy": False, "purulent": False}
    defaults = {"mrsa_prevalence": Fraction(3, 20), "formulary": "standard"}
    assert defaults == module.SETTINGS
    assert module.evaluate(patient).outcome == "cefazolin"
    raised = {**patient, "mrsa_prevalence": Fraction(1, 4)}
    assert module.evaluate(raised).outcome == evaluate(sound, raised).outcome == "vancomycin"


# ---------------------------------------------------------------- SQL


@pytest.mark.parametrize("prevalence", [0, 5, 10, 15, 20, 25, 100])
@pytest.mark.parametrize("formulary", ["standard", "restricted"])
def test_the_query_reads_the_settings_as_the_interpreter_does(
    sound: Pathway, prevalence: int, formulary: str
) -> None:
    options = [f"mrsa_prevalence={prevalence} %", f"formulary={formulary}"]
    in_force, problems = settings_in_force(sound, options)
    assert not problems
    values = {name: value for name, (value, _) in in_force.items()}
    patients = [{**p, **values} for p in random_patients(sound, 200, seed=prevalence)]
    con = duckdb.connect()
    create_duckdb_table(con, sound, patients)
    query = build_query(sound, id_column="rid", settings=values)
    got = rows_of(con.execute(query.sql("duckdb")).fetchall())
    assert got == {i: expected(sound, p) for i, p in enumerate(patients)}
    # A setting is a constant of the query, never a column of the table.
    assert [c.name for c in query.columns] == ["penicillin_allergy", "purulent"]


def test_settings_in_arithmetic_past_32_bits_agree() -> None:
    # 51 years is 1,609,437,600 s: the sum of two such literals overflowed a 32-bit
    # integer on DuckDB before sums of constants were folded when the query is built.
    text = (
        'pathway p "P"\nsetting age: integer years 0..100 default 51\n'
        "setting big: integer years 0..100 default 99\ninput fever: boolean\n"
        "define twice = age + age\ndefine mixed = big * 1000 + age - big\nstart d\n"
        'decision d "D"\n  when fever -> yes\n'
        "  when not fever and twice < 71 years and mixed > 3 years -> yes\n"
        '  otherwise -> no\nend yes "Y"\nend no "N"\n'
    )
    loaded = load_text(text, "p.cpath")
    assert loaded.pathway is not None and loaded.ok
    pathway = loaded.pathway
    patients = random_patients(pathway, 50, seed=1)
    con = duckdb.connect()
    create_duckdb_table(con, pathway, patients)
    got = rows_of(con.execute(build_query(pathway, id_column="rid").sql("duckdb")).fetchall())
    assert got == {i: expected(pathway, p) for i, p in enumerate(patients)}


def test_a_query_needs_every_setting_a_value(sound: Pathway) -> None:
    loaded = load_text(NO_DEFAULT, "p.cpath")
    assert loaded.pathway is not None
    with pytest.raises(CannotCompile, match="setting `mrsa_prevalence` has no default"):
        build_query(loaded.pathway)


def test_compile_and_audit_take_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pathway = _write(tmp_path, "p.cpath", SOUND)
    assert main(["compile", pathway, "--to", "sql", "--set", "formulary=restricted"]) == 0
    sql = capsys.readouterr().out
    assert "--   mrsa_prevalence = 15 % (default)\n--   formulary = restricted (--set)" in sql
    assert "--   purulent            BOOLEAN" in sql and '"formulary"' not in sql
    assert main(["compile", pathway, "--to", "sql", "--set", "formulary=x"]) == 2
    assert "not one of" in capsys.readouterr().err
    data = _write(tmp_path, "rows.csv", "penicillin_allergy,purulent\nfalse,false\nfalse,false\n")
    assert main(["audit", pathway, "--data", data, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["outcomes"] == {"vancomycin": 0, "cefazolin": 2}
    assert {"name": "formulary", "value": "standard", "default": True} in report["settings"]
    assert main(["audit", pathway, "--data", data, "--set", "mrsa_prevalence=20 %"]) == 0
    out = capsys.readouterr().out
    assert "settings mrsa_prevalence = 20 % (--set), formulary = standard (default)" in out
    assert "vancomycin  2  100.0%" in out


# ---------------------------------------------------------------- the page


def test_the_page_lists_the_settings_apart_from_the_inputs() -> None:
    site = build_site([str(CORPUS)])
    page = site.files["cellulitis_antibiotics.html"]
    assert "Settings of the place of care" in page
    settings_table = page.split('id="settings-heading"', 1)[1].split("</table>", 1)[0]
    assert "<code>mrsa_prevalence</code>" in settings_table
    assert "<code>15 %</code>" in settings_table
    inputs_table = page.split('id="inputs-heading"', 1)[1].split("</table>", 1)[0]
    assert "mrsa_prevalence" not in inputs_table and "purulent" in inputs_table

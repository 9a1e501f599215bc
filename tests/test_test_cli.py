"""``carepath test``: pass/fail with a readable diff, coverage, junit, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from carepath.cli import main
from carepath.compiler.pathway import load_text
from carepath.compiler.testing import run_cases

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath")

BASE = """pathway p "P"
input a: boolean
input age: integer years 0..120
start d
decision d "A?"
  when a -> act
  otherwise -> no
action act "Treat"
  recommend "Do it"
  consider "Check kidneys" when age >= 65
  next yes
end yes "Yes"
end no "No"
"""

PASSING = (
    BASE
    + """
case "treated"
  given a = true, age = 70 years
  expect end yes
  expect path d, act, yes
  expect recommends "Check kidneys"
"""
)

FAILING = (
    BASE
    + """
case "wrong"
  given a = false
  expect end yes
  expect path d, act, yes
  expect recommends "Do it"

case "needs"
  given age = 3 years
  expect needs a, age
"""
)


def write(tmp_path: Path, text: str, name: str = "p.cpath") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_report_api_counts_coverage() -> None:
    loaded = load_text(PASSING, "p.cpath")
    assert loaded.pathway is not None
    report = run_cases(loaded.pathway)
    assert report.passed
    cov = report.coverage
    # nodes d, act, yes of 4; branches: d's 2 + the item's true and false = 4, 2 hit
    assert (cov.nodes_hit, len(cov.nodes)) == (3, 4)
    assert (cov.branches_hit, len(cov.branches)) == (2, 4)
    assert cov.branch_percent == 50.0
    missing = [t.description for t in cov.missing]
    assert "`d`: otherwise -> no" in missing
    assert '`act`: "Check kidneys" left out (when age >= 65 is false)' in missing


def test_passing_with_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--coverage", write(tmp_path, PASSING)]) == 0
    out = capsys.readouterr().out
    assert "ok   treated" in out
    assert "coverage: nodes 3/4 (75.0%), branches 2/4 (50.0%)" in out
    assert "not exercised: line 7: `d`: otherwise -> no" in out


def test_min_coverage_fails_below(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, PASSING)
    assert main(["test", "--min-coverage", "60", path]) == 1
    assert "below 60%" in capsys.readouterr().out
    assert main(["test", "--min-coverage", "50", path]) == 0


def test_failure_shows_expected_and_actual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", write(tmp_path, FAILING)]) == 1
    out = capsys.readouterr().out
    assert "FAIL wrong" in out
    assert "expect end\n    expected: yes\n    actual:   ends at no" in out
    assert "expected: d -> act -> yes\n    actual:   d -> no" in out
    assert 'expected: "Do it"\n    actual:   not given' in out
    assert "expected: a, age\n    actual:   a" in out
    assert "0/2 cases passed" in out


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["test", "--format", "json", write(tmp_path, FAILING)])
    data = json.loads(capsys.readouterr().out)
    case = data["pathways"][0]["cases"][0]
    assert case["passed"] is False and case["mismatches"][0]["kind"] == "end"
    assert data["pathways"][0]["coverage"]["branches"]["total"] == 4


def test_junit_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["test", "--format", "junit", write(tmp_path, FAILING)])
    root = ET.fromstring(capsys.readouterr().out.encode())
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "2"
    failure = suite.find("testcase/failure")
    assert failure is not None and "expected: yes" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["branch_coverage"] == "25.0"


def test_load_errors_exit_2(tmp_path: Path) -> None:
    assert main(["test", write(tmp_path, BASE.replace("when a", "when b"))]) == 2
    assert main(["test", str(tmp_path / "missing.cpath")]) == 2


def test_seed_passes_with_full_branch_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--min-coverage", "100", SEED]) == 0


NEGATIVE = (
    BASE
    + """
case "left out and incomplete"
  given a = true, age = 30 years
  expect not recommends "Check kidneys"
  expect end yes

case "nothing known"
  given age = 30 years
  expect incomplete

case "wrongly negative"
  given a = true, age = 80 years
  expect not recommends "Check kidneys"

case "not undetermined either"
  given a = true
  expect not recommends "Check kidneys"

case "wrongly incomplete"
  given a = false
  expect incomplete
"""
)


def test_not_recommends_and_incomplete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", write(tmp_path, NEGATIVE)]) == 1
    out = capsys.readouterr().out
    assert "ok   left out and incomplete" in out
    assert "ok   nothing known" in out
    assert "FAIL wrongly negative" in out
    assert 'expect not recommends\n    expected: "Check kidneys"\n    actual:   given' in out
    assert "FAIL not undetermined either" in out
    assert "actual:   undetermined: needs age" in out
    assert "FAIL wrongly incomplete" in out
    assert "expect incomplete\n    expected: incomplete\n    actual:   ends at no" in out
    assert "2/5 cases passed" in out


def test_new_expectations_are_resolved_and_formatted(tmp_path: Path) -> None:
    from carepath.dsl.formatter import format_source

    bad = NEGATIVE.replace(
        'not recommends "Check kidneys"\n  expect end', 'not recommends "X"\n  expect end'
    )
    loaded = load_text(bad, "p.cpath")
    assert [d.code for d in loaded.diagnostics] == ["CP116"]
    formatted = format_source(NEGATIVE, "p.cpath")
    assert '  expect not recommends "Check kidneys"\n' in formatted
    assert "  expect incomplete\n" in formatted


def test_check_errors_fail_the_run_but_the_cases_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without `otherwise`, a patient with a = false falls through: a gap (CP304).
    gap = PASSING.replace("  otherwise -> no\n", "").replace('end no "No"\n', "")
    assert main(["test", write(tmp_path, gap)]) == 1
    captured = capsys.readouterr()
    assert "CP304" in captured.out + captured.err
    assert "ok   treated" in captured.out


def test_case_names_and_values_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A case name or an expected text holding a line break printed a line of its own,
    # which GitHub Actions reads as a workflow command (issue 18).
    path = tmp_path / "evil.cpath"
    path.write_text(
        'pathway p "P"\ninput a: boolean\nstart d\ndecision d "D?"\n  when a -> y\n'
        '  otherwise -> n\nend y "Y"\n  recommend "a\\n::add-mask::b"\nend n "N"\n'
        'case "x\\n::error::pwned"\n  given a = true\n  expect end y\n'
        'case "z"\n  given a = false\n  expect recommends "a\\n::add-mask::b"\n',
        encoding="utf-8",
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert not any(line.startswith("::") for line in out.splitlines()), out
    assert "x\\n::error::pwned" in out and "a\\n::add-mask::b" in out

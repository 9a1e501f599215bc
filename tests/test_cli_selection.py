"""``--select`` / ``--ignore`` with codes and prefixes, unknown codes refused, and
suppression comments audited (CP015 unknown code, CP016 unused), as ruff does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from carepath.cli import main

# A warning (CP207: `spare` is never used) and an error (CP304: the decision has no
# branch for age < 18).
PATHWAY = """\
pathway p "Selection"

input age: integer years 0..120 "Age"
input spare: boolean "Never used"

start d

decision d "Adult?"
  when age >= 18 -> adult

end adult "Adult"
"""


def codes(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["check", "--format", "json", "--no-cache", *argv])
    out = capsys.readouterr().out
    return code, [r["code"] for r in json.loads(out)["diagnostics"]]


@pytest.fixture
def path(tmp_path: Path) -> str:
    file = tmp_path / "p.cpath"
    file.write_text(PATHWAY, encoding="utf-8")
    return str(file)


def test_without_options_both_are_reported(capsys: pytest.CaptureFixture[str], path: str) -> None:
    assert codes(capsys, path) == (1, ["CP207", "CP304"])


def test_a_prefix_selects_an_area(capsys: pytest.CaptureFixture[str], path: str) -> None:
    assert codes(capsys, "--select", "CP3", path) == (1, ["CP304"])
    assert codes(capsys, "--select", "cp2", path) == (0, ["CP207"])
    assert codes(capsys, "--ignore", "CP30", path) == (0, ["CP207"])
    assert codes(capsys, "--select", "CP2,CP304", "--ignore", "CP207", path) == (1, ["CP304"])


def test_an_unknown_code_is_a_usage_error_with_the_nearest(
    capsys: pytest.CaptureFixture[str], path: str
) -> None:
    for option in ("--select", "--ignore"):
        with pytest.raises(SystemExit) as stop:
            main(["check", option, "CP2O7", path])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert f"argument {option}: no code is or starts with 'CP2O7'" in err
        assert "did you mean CP207?" in err


SUPPRESSED = """\
pathway p "Suppressions"
# carepath: ignore-file[CP208]

input age: integer years 0..120 "Age"  # carepath: ignore[CP207]
input legacy: integer "Old"  # carepath: ignore[CP2O7, CP207]
input spare: boolean "Never used"  # carepath: ignore-file-not[CP207]

start d

decision d "Age?"
  when age >= 65 -> old
  otherwise -> young

end old "Old"
end young "Young"
"""


def test_suppressions_are_audited(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "s.cpath"
    file.write_text(SUPPRESSED, encoding="utf-8")
    main(["check", "--format", "json", "--no-cache", str(file)])
    found = [
        (r["code"], r["line"], r["column"])
        for r in json.loads(capsys.readouterr().out)["diagnostics"]
    ]
    # line 2: nothing in the file reports CP208; line 4: age is used, no CP207 there;
    # line 5: CP2O7 is a typo (CP207 on that line is used: legacy is unused);
    # line 6: not a suppression comment at all, so spare's CP207 is reported.
    assert found == [
        ("CP016", 2, 25),
        ("CP016", 4, 59),
        ("CP015", 5, 49),
        ("CP207", 6, 7),
    ]


def test_a_file_level_suppression_silences_the_whole_file(
    capsys: pytest.CaptureFixture[str], path: str, tmp_path: Path
) -> None:
    text = PATHWAY.replace('"Selection"\n', '"Selection"\n# carepath: ignore-file[CP207]\n')
    file = tmp_path / "f.cpath"
    file.write_text(text, encoding="utf-8")
    assert codes(capsys, str(file)) == (1, ["CP304"])


def test_unused_suppressions_are_not_claimed_when_checks_did_not_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # An unknown node (CP101) stops the checks: CP207 might well be reported after the fix.
    text = PATHWAY.replace("-> adult", "-> adlt").replace(
        '"Never used"', '"Never used"  # carepath: ignore[CP207, CP9999]'
    )
    file = tmp_path / "e.cpath"
    file.write_text(text, encoding="utf-8")
    assert codes(capsys, str(file)) == (1, ["CP015", "CP101"])


def test_findings_go_to_stdout_and_a_broken_pipe_is_not_a_success(path: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "check", "--no-cache", path],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "error[CP304]" in done.stdout and done.stderr == ""
    # A reader that closes at once: `carepath check | true` under `set -o pipefail`.
    piped = subprocess.run(
        f"set -o pipefail; {sys.executable} -m carepath check --no-cache --select CP2 "
        f"--fail-on error {path} | true",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
    )
    assert piped.returncode == 2, piped.stderr
    assert "Traceback" not in piped.stderr


def test_exit_zero_reports_but_does_not_fail(capsys: pytest.CaptureFixture[str], path: str) -> None:
    assert main(["check", "--exit-zero", "--no-cache", path]) == 0
    assert "error[CP304]" in capsys.readouterr().out
    assert main(["check", "--exit-zero", "--no-cache", "missing.cpath"]) == 2


def test_statistics_count_each_code(capsys: pytest.CaptureFixture[str], path: str) -> None:
    twice = PATHWAY.replace(
        'input spare: boolean "Never used"\n', "input spare: boolean\ninput x: boolean\n"
    )
    assert main(["check", "--statistics", "--no-cache", path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "1  CP207  warning  unused input",
        "1  CP304  error    patient for whom no branch holds",
    ]
    Path(path).write_text(twice, encoding="utf-8")
    main(["check", "--statistics", "--no-cache", path])
    assert capsys.readouterr().out.splitlines()[0] == "2  CP207  warning  unused input"


def test_gitlab_code_quality_report(
    capsys: pytest.CaptureFixture[str], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(path).parent)
    assert main(["check", "--format", "gitlab", "--no-cache", "p.cpath"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(r["check_name"], r["severity"]) for r in report] == [
        ("CP207", "minor"),
        ("CP304", "critical"),
    ]
    gap = report[1]
    assert gap["location"] == {"path": "p.cpath", "lines": {"begin": 8, "end": 9}}
    assert gap["description"].startswith("CP304 no branch of `d` holds")
    assert "witness: age = 17 years" in gap["description"]
    assert len({r["fingerprint"] for r in report}) == 2
    # Required by GitLab: a description, a fingerprint, and a location with a path and a line.
    for r in report:
        assert r["description"] and r["fingerprint"] and r["location"]["lines"]["begin"] >= 1


def test_explain_prints_a_code_and_refuses_a_typo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "CP304"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("CP304: Patient for whom no branch holds (error, decision logic)")
    assert "Example:" in text and "Fixed:" in text
    assert main(["explain", "CP2O7"]) == 2
    assert "did you mean CP207?" in capsys.readouterr().err
    assert main(["explain", "CP01"]) == 0
    assert capsys.readouterr().out.count("Example:") == 6  # CP010-CP013, CP015, CP016
    assert main(["explain", "--all"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert "CP016  warning  unused suppression" in listing and len(listing) > 60

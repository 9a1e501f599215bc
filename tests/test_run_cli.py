"""``carepath run``: one patient (text, JSON), exit codes, and --batch."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath")
SAMPLE = str(ROOT / "pathways" / "examples" / "sample_patient.json")

SMALL = """pathway p "P"
reference r "The Reference" year 2024
input a: boolean
input age: integer years 0..120
start d
decision d "A?"
  when a -> act
  otherwise -> no
action act "Treat"
  recommend "Do it" cite r strength strong
  consider "Check kidneys" when age >= 65
  next yes
end yes "Yes"
  note "Treating works."
  cite r
end no "No"
"""


@pytest.fixture
def small(tmp_path: Path) -> str:
    path = tmp_path / "p.cpath"
    path.write_text(SMALL, encoding="utf-8")
    return str(path)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_complete_patient_text(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.json", '{"a": true, "age": "70 years"}')
    assert main(["run", small, "--patient", patient]) == 0
    out = capsys.readouterr().out
    assert "path     d -> act -> yes" in out
    assert "outcome  yes: Yes" in out
    assert "recommend (strong): Do it" in out and "cites The Reference (2024)" in out
    assert "consider: Check kidneys" in out
    assert "took `act` because a (given a: true)" in out
    assert '"Check kidneys" given because age >= 65 (given age: 70 years)' in out


def test_incomplete_patient_exits_1(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.yaml", "age: 70\n")
    assert main(["run", small, "--patient", patient]) == 1
    out = capsys.readouterr().out
    assert "status   incomplete" in out and "needs    a" in out


def test_undetermined_listed(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.json", '{"a": true}')
    assert main(["run", small, "--patient", patient, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["undetermined"] == [
        {"item": "act.2", "node": "act", "text": "Check kidneys", "needs": ["age"]}
    ]
    assert report["recommendations"][0]["item"] == "act.1"
    assert report["recommendations"][0]["references"][0]["title"] == "The Reference"
    assert report["outcome_label"] == "Yes" and report["steps"][0]["branch"] == 0


def test_bad_record_exits_2_with_diagnostics(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.json", '{\n  "a": "yes",\n  "agee": 70\n}\n')
    assert main(["run", small, "--patient", patient]) == 2
    err = capsys.readouterr().err
    assert "pt.json:2:1: error[CP404]: `a`: expected true or false" in err
    assert "pt.json:3:1: error[CP403]" in err and "did you mean `age`?" in err


def test_missing_patient_file_exits_2(small: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", small, "--patient", "/nonexistent.json"]) == 2
    assert "CP411" in capsys.readouterr().err


def test_seed_sample_patient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", SEED, "--patient", SAMPLE]) == 0
    assert "outcome  vertebral_augmentation" in capsys.readouterr().out


def test_rationale_shows_notes_and_citations_of_the_path(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.json", '{"a": true, "age": "70 years"}')
    assert main(["run", small, "--patient", patient]) == 0
    out = capsys.readouterr().out
    assert (
        "rationale (notes and citations of the nodes on the path):\n"
        "  yes; cites The Reference (2024)\n"
        "    - Treating works.\n"
    ) in out
    assert main(["run", small, "--patient", patient, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rationale"] == [
        {
            "node": "yes",
            "notes": ["Treating works."],
            "citations": ["r"],
            "references": [{"id": "r", "title": "The Reference", "year": 2024, "url": None}],
        }
    ]


def test_no_rationale_when_the_path_has_no_notes_or_citations(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = write(tmp_path, "pt.json", '{"a": false}')
    assert main(["run", small, "--patient", patient]) == 0
    assert "rationale (" not in capsys.readouterr().out
    assert main(["run", small, "--patient", patient, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rationale"] == []


def test_seed_rationale_reaches_the_clinician(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", SEED, "--patient", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert "    - Fracture age does not independently affect augmentation outcomes" in out
    assert main(["run", SEED, "--patient", SAMPLE, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    nodes = [r["node"] for r in report["rationale"]]
    assert nodes == ["conservative_care", "vertebral_augmentation"]
    assert set(nodes) <= set(report["path"])


def test_batch_jsonl_continues_past_bad_rows(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = '{"a": true, "age": 70}\n{"a": "maybe"}\n\n{"age": 30}\nnot json\n'
    source = write(tmp_path, "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    assert main(["run", small, "--batch", source, "-o", str(out)]) == 2
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["row"], r["status"]) for r in records] == [
        (1, "complete"),
        (2, "invalid"),
        (4, "incomplete"),
        (5, "invalid"),
    ]
    err = capsys.readouterr().err
    assert "in.jsonl:2:1: error[CP404]" in err and "in.jsonl:5:1: error[CP401]" in err
    assert "evaluated 4 patients" in err
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left behind


def test_batch_csv_in_and_out(small: str, tmp_path: Path) -> None:
    source = write(tmp_path, "in.csv", "a,age\ntrue,70 years\nfalse,\n")
    out = tmp_path / "out.csv"
    assert main(["run", small, "--batch", source, "-o", str(out)]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["status"], r["outcome"]) for r in rows] == [
        ("2", "complete", "yes"),
        ("3", "complete", "no"),
    ]
    assert rows[0]["recommendations"] == "act.1 | act.2"  # by item id
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # not the temporary file's 0600


def test_batch_rows_name_items_and_the_texts_are_written_once(small: str, tmp_path: Path) -> None:
    """Issue 15: a row carried every recommendation's text and citations (4 KB a
    patient on the seed); now it names them by id, and --items writes them once."""
    source = write(tmp_path, "in.jsonl", '{"a": true}\n{"a": true, "age": 70}\n')
    lean, full, items = tmp_path / "lean.jsonl", tmp_path / "full.jsonl", tmp_path / "items.json"
    assert main(["run", small, "--batch", source, "-o", str(lean), "--items", str(items)]) == 0
    rows = [json.loads(line) for line in lean.read_text().splitlines()]
    assert rows[0]["recommendations"] == ["act.1"]
    assert rows[0]["undetermined"] == [{"item": "act.2", "needs": ["age"]}]
    assert rows[1]["recommendations"] == ["act.1", "act.2"]
    table = json.loads(items.read_text())
    assert table["act.2"] == {
        "node": "act",
        "kind": "consider",
        "text": "Check kidneys",
        "strength": None,
        "citations": [],
        "when": "age >= 65",
    }
    assert set(table) == {"act.1", "act.2"}
    assert main(["run", small, "--batch", source, "-o", str(full), "--with-texts"]) == 0
    rich = [json.loads(line) for line in full.read_text().splitlines()]
    assert rich[1]["recommendations"][1] == {
        "item": "act.2",
        "node": "act",
        "kind": "consider",
        "text": "Check kidneys",
        "strength": None,
        "citations": [],
    }
    assert len(lean.read_bytes()) < len(full.read_bytes())


@pytest.mark.parametrize("texts", [[], ["--with-texts"]])
def test_batch_interpreter_and_compiled_write_the_same_either_shape(
    small: str, tmp_path: Path, texts: list[str]
) -> None:
    source = write(tmp_path, "in.jsonl", '{"a": true}\n{"age": 3}\n{"a": false, "age": 90}\n')
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    main(["run", small, "--batch", source, "-o", str(one), *texts])
    main(["run", small, "--batch", source, "-o", str(two), "--interpreter", *texts])
    assert one.read_text() == two.read_text()


def test_batch_interpreter_and_compiled_write_the_same(small: str, tmp_path: Path) -> None:
    source = write(tmp_path, "in.jsonl", '{"a": true}\n{"age": 3}\n{"a": false, "age": 90}\n')
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    main(["run", small, "--batch", source, "-o", str(one)])
    main(["run", small, "--batch", source, "-o", str(two), "--interpreter"])
    assert one.read_text() == two.read_text()


def test_batch_unknown_csv_column_stops(
    small: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, "in.csv", "a,agee\ntrue,70\n")
    out = tmp_path / "out.csv"
    assert main(["run", small, "--batch", source, "-o", str(out)]) == 2
    assert "CSV column `agee`" in capsys.readouterr().err
    assert not out.exists()


def test_pathway_with_errors_is_not_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.cpath", SMALL.replace("when a ->", "when b ->"))
    patient = write(tmp_path, "pt.json", "{}")
    assert main(["run", bad, "--patient", patient]) == 2
    err = capsys.readouterr().err
    assert "error[CP102]" in err and "error[CP412]: not evaluated" in err


def test_compile_writes_module(small: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "p.py"
    assert main(["compile", small, "-o", str(target)]) == 0
    assert "def evaluate(patient, written=None, explain=True):" in target.read_text()


def test_an_endless_patient_file_is_refused_without_reading_it_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hostile sweep (issue 18): /dev/zero reports size 0 and was read until
    # memory ran out, for --patient, for a pathway and for every line of a batch.
    assert main(["run", SEED, "--patient", "/dev/zero"]) == 2
    assert "CP411" in capsys.readouterr().err
    assert main(["check", "/dev/zero"]) == 2
    assert "CP007" in capsys.readouterr().out
    endless = tmp_path / "zero.jsonl"
    endless.symlink_to("/dev/zero")
    target = tmp_path / "out.jsonl"
    assert main(["run", SEED, "--batch", str(endless), "-o", str(target)]) == 2
    assert "line 1 of" in capsys.readouterr().err
    assert not target.exists() and list(tmp_path.iterdir()) == [endless]


def test_a_row_with_a_huge_number_does_not_stop_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"age": 70}\n{"age": 1e5000}\n{"age": 71}\n', encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert main(["run", SEED, "--batch", str(rows), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{rows}:2:1: error[CP404]: `age`: 1e5000 is too large" in err
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_pathway_text_cannot_write_workflow_commands_or_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hostile sweep (issue 18): a `\n` in a recommendation printed a line
    # GitHub Actions reads as a workflow command; escape sequences passed through.
    source = write(
        tmp_path,
        "evil.cpath",
        'pathway p "P\\u202e"\nstart e\nend e "E\\u001b[2J"\n'
        '  recommend "ok\\n::error file=x::pwned \\u001b[31mred"\n',
    )
    patient = write(tmp_path, "p.json", "{}")
    assert main(["run", source, "--patient", patient]) == 0
    out = capsys.readouterr().out
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "\x1b" not in out and "\u202e" not in out
    assert "ok\\n::error file=x::pwned \\x1b[31mred" in out
    assert "pathway  p: P\\u202e" in out


def _batch_on_a_terminal(tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    """`run --batch` with standard error on a pseudo-terminal, as a user sees it."""
    import pty
    import subprocess
    import sys

    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"a": true, "age": 70}\n' * 20_000, encoding="utf-8")
    pathway = tmp_path / "p.cpath"
    pathway.write_text(SMALL, encoding="utf-8")
    leader, follower = pty.openpty()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "carepath",
            "run",
            str(pathway),
            "--batch",
            str(rows),
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return done.returncode, seen.decode("utf-8", "replace")


def test_batch_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    code, seen = _batch_on_a_terminal(tmp_path, {"CI": ""})
    assert code == 0
    assert "evaluating" in seen and "━" in seen  # rich's bar, drawn while it ran
    assert seen.endswith("evaluated 20000 patients: 20000 complete\r\n")  # the bar is gone
    # Under CI (or with standard error not a terminal) no bar is drawn.
    code, seen = _batch_on_a_terminal(tmp_path, {"CI": "1"})
    assert code == 0 and "evaluating" not in seen


SCORED = """pathway s "Scored"
input fever: boolean
input cough: boolean
input age: integer years 0..120
define risk = points of (2 if fever, 1 if cough, 1 if age >= 65) "Risk points"
define high = risk >= 3
start d
decision d "High risk?"
  when high -> treat
  when risk < 3 -> watch
end treat "Treat"
end watch "Watch"
"""


def test_run_shows_the_derived_values_the_path_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pathway = tmp_path / "s.cpath"
    pathway.write_text(SCORED, encoding="utf-8")
    patient = tmp_path / "p.json"
    patient.write_text('{"fever": true, "cough": false, "age": 70}', encoding="utf-8")
    assert main(["run", str(pathway), "--patient", str(patient)]) == 0
    out = capsys.readouterr().out
    assert "derived values (what the path read):" in out
    assert "  risk = 3    (points of (2 if fever, 1 if cough, 1 if age >= 65))" in out
    assert "  high = true    (risk >= 3)" in out
    assert main(["run", str(pathway), "--patient", str(patient), "--format", "json"]) == 0
    derived = {d["name"]: d for d in json.loads(capsys.readouterr().out)["derived"]}
    assert derived["risk"]["value"] == 3 and derived["high"]["value"] is True
    # With a criterion unknown the score is the range it could still take, and a
    # comparison that range settles is decided: the patient needs nothing more.
    patient.write_text('{"fever": false, "age": 70}', encoding="utf-8")
    assert main(["run", str(pathway), "--patient", str(patient)]) == 0
    out = capsys.readouterr().out
    assert "  risk = between 1 and 2" in out and "  high = false" in out

"""`-` for the pathway: check, fmt, run and render read standard input, as ruff and
prettier do, with --stdin-filename naming it in messages."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
SAMPLE = str(ROOT / "pathways" / "examples" / "sample_patient.json")

GAP = """pathway gap "Gap"
input age: integer years 0..120
start d
decision d "Which?"
  when age < 50 years -> a
  when age >= 60 years -> b
end a "A"
end b "B"
"""

UNFORMATTED = 'pathway p "P"\nstart  a\nend a   "A"\n'
FORMATTED = 'pathway p "P"\n\nstart a\n\nend a "A"\n'


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_check_reads_standard_input_and_names_it_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, GAP)
    assert main(["check", "-"]) == 1
    out = capsys.readouterr().out
    assert "<stdin>:4:1: error[CP304]" in out
    assert "found 1 error in 1 file" in out


def test_stdin_filename_names_it_in_every_format(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, GAP)
    assert main(["check", "-", "--stdin-filename", "care/gap.cpath", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["code"], d["file"]) for d in found] == [("CP304", "care/gap.cpath")]


def test_a_clean_pathway_on_stdin_passes_with_files_beside_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "gap.cpath"
    bad.write_text(GAP, encoding="utf-8")
    _stdin(monkeypatch, SEED.read_text(encoding="utf-8"))
    assert main(["check", "-", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4:1: error[CP304]" in out and "<stdin>" not in out
    assert "in 2 files" in out


def test_a_stdin_name_that_is_a_real_file_does_not_read_that_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    on_disk = tmp_path / "p.cpath"
    on_disk.write_text(GAP, encoding="utf-8")
    _stdin(monkeypatch, SEED.read_text(encoding="utf-8"))
    assert main(["check", "-", "--stdin-filename", str(on_disk)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "CP001"), (b"\xff\xfe pathway", "CP008"), (b"pathway p\x00", "CP008")],
)
def test_bad_standard_input_is_a_diagnostic(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: bytes, code: str
) -> None:
    _stdin(monkeypatch, data)
    assert main(["check", "--no-cache", "-"]) in (1, 2)
    assert f"<stdin>:1:1: error[{code}]" in capsys.readouterr().out


def test_fmt_writes_standard_input_formatted_to_standard_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    _stdin(monkeypatch, UNFORMATTED)
    assert main(["fmt", "-", "--stdin-filename", "p.cpath"]) == 0
    assert capsys.readouterr().out == FORMATTED
    assert not (tmp_path / "p.cpath").exists()  # the name is for messages only


def test_fmt_of_formatted_standard_input_gives_it_back_unchanged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, FORMATTED)
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == FORMATTED


def test_fmt_check_and_diff_on_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, UNFORMATTED)
    assert main(["fmt", "--check", "-", "--stdin-filename", "q.cpath"]) == 1
    assert capsys.readouterr().out == "would reformat q.cpath\n"
    _stdin(monkeypatch, UNFORMATTED)
    assert main(["fmt", "--diff", "-"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("--- <stdin> (original)\n+++ <stdin> (formatted)\n")
    assert "-start  a\n" in out and "+start a\n" in out


def test_fmt_of_broken_standard_input_prints_no_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, 'pathway p "P"\nstart a\nend a "A"\n  oops\n')
    assert main(["fmt", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # an editor must not replace its buffer with nothing
    assert "<stdin>:4:3: error[CP001]: unexpected `oops`" in captured.err


def test_run_evaluates_a_pathway_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, SEED.read_text(encoding="utf-8"))
    assert main(["run", "-", "--patient", SAMPLE, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "complete"
    assert report["pathway"]["file"] == "<stdin>"


def test_run_refuses_a_broken_pathway_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "")
    assert main(["run", "-", "--patient", SAMPLE, "--stdin-filename", "s.cpath"]) == 2
    err = capsys.readouterr().err
    assert "s.cpath:1:1: error[CP001]" in err and "CP412" in err


def test_render_draws_a_pathway_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, SEED.read_text(encoding="utf-8"))
    assert main(["render", "-", "-f", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph chronic_osteoporotic_vcf {")
    _stdin(monkeypatch, GAP)
    assert main(["render", "-", "-f", "dot", "--stdin-filename", "g.cpath"]) == 1
    err = capsys.readouterr().err
    assert "g.cpath:4:1: error[CP304]" in err
    assert "carepath render: g.cpath has errors; nothing drawn" in err


def test_a_real_pipe_into_the_command() -> None:
    """Through the installed entry point and a real pipe, not a replaced sys.stdin."""
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "fmt", "-"],
        input=UNFORMATTED.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.decode()) == (0, FORMATTED)

"""Colour in text output: off when not a terminal, on with --color always or
FORCE_COLOR, off with NO_COLOR or --color never; and pathway text never brings
escape sequences of its own, coloured or not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carepath.cli import main
from carepath.render.colour import Palette, wants_colour

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath")
SAMPLE = str(ROOT / "pathways" / "examples" / "sample_patient.json")
# A node label with a raw escape sequence (as a hostile file could hold one).
HOSTILE = 'pathway p "P"\nstart a\nend b "\x1b[2J cleared"\nend a "A"\n'
_SGR = re.compile(r"\x1b\[[0-9;]*m")


class _Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("choice", "environment", "terminal", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
    ],
)
def test_when_to_colour(
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
    environment: dict[str, str],
    terminal: bool,
    expected: bool,
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    stream = _Terminal() if terminal else object()
    assert wants_colour(choice, stream) is expected  # type: ignore[arg-type]


def test_check_output_is_plain_when_piped_and_coloured_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    file = tmp_path / "h.cpath"
    file.write_text(HOSTILE, encoding="utf-8")
    assert main(["check", "--no-cache", str(file)]) == 1
    plain = capsys.readouterr().out
    assert "\x1b" not in plain and "\\x1b[2J cleared" in plain
    assert main(["check", "--no-cache", "--color", "always", str(file)]) == 1
    coloured = capsys.readouterr().out
    assert "\x1b[1;31merror[CP203]\x1b[0m" in coloured
    # Every escape in the output is one of ours; the label's own is shown escaped.
    assert _SGR.sub("", coloured) == plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["check", "--no-cache", str(file)]) == 1
    assert capsys.readouterr().out == coloured


def test_a_report_file_is_not_coloured_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    file = tmp_path / "h.cpath"
    file.write_text(HOSTILE, encoding="utf-8")
    report = tmp_path / "report.txt"
    main(["check", "--no-cache", "-o", str(report), str(file)])
    assert "\x1b" not in report.read_text(encoding="utf-8")


def test_test_and_run_colour_their_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--color", "always", SEED]) == 0
    out = capsys.readouterr().out
    assert "\x1b[1;32mok\x1b[0m" in out and out.rstrip().endswith("cases passed\x1b[0m")
    assert main(["run", SEED, "--patient", SAMPLE, "--color", "always"]) == 0
    assert "status   \x1b[1;32mcomplete\x1b[0m" in capsys.readouterr().out
    assert main(["run", SEED, "--patient", SAMPLE, "--color", "never"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_the_palette_paints_nothing_when_off() -> None:
    assert Palette(False).paint("error", "error") == "error"
    assert Palette(True).paint("", "error") == ""

"""``carepath fmt``: in place, --check, --diff, folders, exit codes, and that an
error means no file is written."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from carepath.commands import fmt
from carepath.dsl.formatter import format_source

DATA = Path(__file__).parent / "data"
MESSY = 'pathway p  "P"\nstart    e\nend e   "E"   # done\n'
CLEAN = 'pathway p "P"\n\nstart e\n\nend e "E"  # done\n'
BROKEN = 'pathway p "P"\nstart\nend e\n'


def run_fmt(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="carepath fmt")
    fmt.configure(parser)
    code = fmt.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def old_mtime(path: Path) -> int:
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    return path.stat().st_mtime_ns


def test_rewrites_in_place_only_the_files_that_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy = write(tmp_path / "messy.cpath", MESSY)
    clean = write(tmp_path / "clean.cpath", CLEAN)
    clean_time = old_mtime(clean)
    code, out, err = run_fmt(capsys, str(messy), str(clean))
    assert code == 0
    assert messy.read_text(encoding="utf-8") == CLEAN
    assert clean.stat().st_mtime_ns == clean_time  # untouched
    assert f"reformatted {messy}" in err and str(clean) not in err
    assert out == ""
    # No temporary files are left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.cpath", "messy.cpath"]


def test_check_lists_files_that_would_change_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy = write(tmp_path / "messy.cpath", MESSY)
    clean = write(tmp_path / "clean.cpath", CLEAN)
    before = old_mtime(messy)
    code, out, err = run_fmt(capsys, "--check", str(tmp_path))
    assert code == 1
    assert out == f"would reformat {messy}\n"
    assert "1 file would be reformatted" in err
    assert messy.read_text(encoding="utf-8") == MESSY
    assert messy.stat().st_mtime_ns == before
    code, out, _ = run_fmt(capsys, "--check", str(clean))
    assert (code, out) == (0, "")


def test_diff_prints_a_unified_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy = write(tmp_path / "messy.cpath", MESSY)
    code, out, _ = run_fmt(capsys, "--diff", str(messy))
    assert code == 1
    lines = out.split("\n")
    assert lines[0] == f"--- {messy} (original)"
    assert lines[1] == f"+++ {messy} (formatted)"
    assert '-pathway p  "P"' in lines and '+pathway p "P"' in lines
    assert '+end e "E"  # done' in lines
    assert messy.read_text(encoding="utf-8") == MESSY


def test_check_and_diff_cannot_be_combined(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_fmt(capsys, "--check", "--diff", "x.cpath")
    assert exit_info.value.code == 2


def test_folders_are_searched_for_cpath_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = write(tmp_path / "a" / "b" / "deep.cpath", MESSY)
    other = write(tmp_path / "a" / "notes.txt", MESSY)
    code, _, _ = run_fmt(capsys, str(tmp_path))
    assert code == 0
    assert nested.read_text(encoding="utf-8") == CLEAN
    assert other.read_text(encoding="utf-8") == MESSY


def test_syntax_error_exits_2_prints_diagnostics_and_writes_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path / "broken.cpath", BROKEN)
    messy = write(tmp_path / "messy.cpath", MESSY)
    code, out, err = run_fmt(capsys, str(tmp_path))
    assert code == 2
    assert f"{broken}:2:6: error[CP001]" in err
    assert "2 | start" in err  # the source line, as `carepath check` shows it
    assert "no file was changed" in err
    assert broken.read_text(encoding="utf-8") == BROKEN
    assert messy.read_text(encoding="utf-8") == MESSY
    assert out == ""


def test_check_with_a_broken_file_exits_2_and_still_lists_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "broken.cpath", BROKEN)
    messy = write(tmp_path / "messy.cpath", MESSY)
    code, out, err = run_fmt(capsys, "--check", str(tmp_path))
    assert code == 2
    assert out == f"would reformat {messy}\n"
    assert "error[CP001]" in err


def test_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin1 = tmp_path / "latin1.cpath"
    latin1.write_bytes('pathway p "caf\xe9"\n'.encode("latin-1"))
    code, _, err = run_fmt(capsys, str(latin1), str(tmp_path / "missing.cpath"))
    assert code == 2
    assert "error[CP008]" in err and "error[CP006]" in err
    assert "missing.cpath` does not exist" in err
    assert latin1.read_bytes() == 'pathway p "caf\xe9"\n'.encode("latin-1")


def test_empty_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_fmt(capsys, str(tmp_path))
    assert code == 2
    assert "no .cpath files" in err


def test_sample_round_trip_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write(tmp_path / "sample.cpath", (DATA / "fmt_sample.cpath").read_text("utf-8"))
    assert run_fmt(capsys, str(sample))[0] == 0
    formatted = sample.read_text(encoding="utf-8")
    assert formatted == (DATA / "fmt_sample.formatted.cpath").read_text("utf-8")
    assert formatted == format_source(formatted, str(sample))
    assert run_fmt(capsys, "--check", str(sample))[0] == 0


def test_the_real_command_line(tmp_path: Path) -> None:
    messy = write(tmp_path / "messy.cpath", MESSY)
    command = [sys.executable, "-m", "carepath", "fmt"]
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    assert "carepath fmt --check pathways/" in helped.stdout  # the examples teach
    checked = subprocess.run(
        [*command, "--check", str(messy)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 1 and f"would reformat {messy}" in checked.stdout
    done = subprocess.run([*command, str(messy)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert messy.read_text(encoding="utf-8") == CLEAN

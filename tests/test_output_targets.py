"""Where `-o` and in-place writes go (issue 18): a regular file is replaced atomically,
a device or FIFO is written into and never replaced, a symlink is followed (the file
it names changes, the link stays), a directory is refused before any work."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from carepath.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath")


def test_render_streams_into_a_fifo_and_leaves_it_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "p.dot"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["render", SEED, "-f", "dot", "-o", str(fifo)]) == 0
    reader.join(timeout=30)
    assert got and got[0].startswith(b"digraph")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.dot"]


def test_render_to_dev_null_keeps_the_device() -> None:
    assert main(["render", SEED, "-f", "dot", "-o", os.devnull]) == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_render_through_a_symlink_replaces_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.dot"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.dot"
    link.symlink_to(real)
    assert main(["render", SEED, "-f", "dot", "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("digraph")


def test_render_to_a_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", SEED, "-f", "dot", "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_batch_output_to_a_directory_is_refused_before_any_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"age": 70}\n', encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["run", SEED, "--batch", str(rows), "-o", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "is a directory" in err and "evaluated" not in err
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "out",
        "rows.jsonl",
    ]


def test_batch_output_to_dev_null_keeps_the_device(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"age": 70}\n', encoding="utf-8")
    main(["run", SEED, "--batch", str(rows), "-o", os.devnull])
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_fmt_in_place_keeps_a_symlinked_pathway_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.cpath"
    real.write_text('pathway p "P"\nstart   e\nend e "E"\n', encoding="utf-8")
    link = tmp_path / "link.cpath"
    link.symlink_to(real)
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink()
    assert "start e\n" in real.read_text(encoding="utf-8")


def test_sigterm_during_a_batch_leaves_no_temporary_file(tmp_path: Path) -> None:
    # Found by a hostile sweep (issue 18): SIGTERM left a 270-940 MB `.tmp` each time.
    import signal
    import subprocess
    import sys
    import time

    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"age": 70, "pain": "severe"}\n' * 400_000, encoding="utf-8")
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "carepath", "run", SEED, "--batch", str(rows), "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Wait (bounded) until rows are being written, so the signal lands mid-batch.
        for _ in range(600):
            temporaries = list(tmp_path.glob(".out.jsonl.*.tmp"))
            if temporaries and temporaries[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before the signal"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2
    assert b"interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]


def test_a_killed_run_leaves_its_temporary_file_for_the_next_run_to_remove(
    tmp_path: Path,
) -> None:
    # Found by a hostile sweep (issue 18): SIGKILL cannot be caught, so its `.tmp` stays;
    # the temporary is named after its process, and the next run removes a dead one's.
    import signal
    import subprocess
    import sys
    import time

    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"age": 70, "pain": "severe"}\n' * 400_000, encoding="utf-8")
    target = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "carepath", "run", SEED, "--batch", str(rows)]
    process = subprocess.Popen(
        [*command, "-o", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):
            left = list(tmp_path.glob(".out.jsonl.carepath-*.tmp"))
            if left and left[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before the signal"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        process.kill()
    (leftover,) = tmp_path.glob(".out.jsonl.carepath-*.tmp")
    assert f"carepath-{process.pid}-" in leftover.name
    # Someone else's live temporary (this process's) is left alone.
    live = tmp_path / f".out.jsonl.carepath-{os.getpid()}-live.tmp"
    live.write_text("", encoding="utf-8")
    small = tmp_path / "few.jsonl"
    small.write_text('{"age": 70, "pain": "severe"}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "run", SEED, "--batch", str(small), "-o", str(target)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert not leftover.exists()
    assert live.exists()
    assert target.read_text(encoding="utf-8").count("\n") == 1


def test_html_site_is_swapped_in_whole_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hostile sweep (issue 18): index.html was written first, so a failure
    # midway left a new index over old or missing pages, and the error named the folder.
    site = tmp_path / "site"
    assert main(["html", SEED, "-o", str(site)]) == 0
    assert sorted(p.name for p in site.iterdir()) == [
        "chronic_osteoporotic_vcf.html",
        "index.html",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # nothing left aside
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    (site / "index.html").write_text("old index", encoding="utf-8")
    page = site / "chronic_osteoporotic_vcf.html"
    page.unlink()
    page.mkdir()  # the page cannot be written: nothing may change
    capsys.readouterr()
    assert main(["html", SEED, "-o", str(site)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {page}" in err and "is unchanged" in err
    assert (site / "index.html").read_text(encoding="utf-8") == "old index"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    page.rmdir()
    assert main(["html", SEED, "-o", str(site)]) == 0
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "old index" not in (site / "index.html").read_text(encoding="utf-8")


def test_a_site_left_half_built_by_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    from carepath.dsl.files import write_site

    dead = 2**22 + 12345  # above the default pid_max: no process has it
    aside = tmp_path / f".site.carepath-{dead}-abc.tmp"
    (aside / "deep").mkdir(parents=True)
    (aside / "deep" / "page.html").write_text("half", encoding="utf-8")
    stale = tmp_path / f".other.carepath-{dead}-abc.tmp"  # another target's: not touched
    stale.write_text("", encoding="utf-8")
    write_site(tmp_path / "site", {"index.html": "<p>ok</p>"}, last="index.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name, "site"]

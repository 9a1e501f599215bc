"""The result cache: a warm run says exactly what a cold one does, an edit or another
setting is never served an old result, and a broken or read-only cache changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from carepath.cache import ResultCache, carepath_digest
from carepath.findings import find

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"

GAP = """pathway p "A gap and a warning"

input age: integer years 0..120 "Age"
input unused: boolean "Never read"

start d

decision d "Age?"
  when age < 18 -> child
  when age > 18 -> adult

end child "Child"
end adult "Adult"
"""


def carepath(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepath", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.json"))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_warm_run_prints_exactly_what_a_cold_one_does(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "gap.cpath"
    path.write_text(GAP, encoding="utf-8")
    cache = tmp_path / "cache"
    cold = carepath("check", "--format", fmt, "--cache-dir", str(cache), str(path))
    assert entries(cache), "the cold run stored its findings"
    warm = carepath("check", "--format", fmt, "--cache-dir", str(cache), str(path))
    uncached = carepath("check", "--format", fmt, "--no-cache", str(path))
    assert cold.returncode == warm.returncode == uncached.returncode == 1
    assert (cold.stdout, cold.stderr) == (warm.stdout, warm.stderr)
    assert (warm.stdout, warm.stderr) == (uncached.stdout, uncached.stderr)
    assert "CP304" in cold.stdout + cold.stderr


def test_every_finding_round_trips_through_an_entry(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    (cold,) = find([str(SEED)], cache)
    path = tmp_path / "gap.cpath"
    path.write_text(GAP, encoding="utf-8")
    (gap_cold,) = find([str(path)], cache)
    (gap_warm,) = find([str(path)], cache)
    assert not gap_cold.cached and gap_warm.cached
    assert gap_warm.diagnostics == gap_cold.diagnostics
    assert any(d.witness is not None for d in gap_warm.diagnostics)
    assert any(d.related for d in gap_warm.diagnostics) or gap_warm.diagnostics
    (seed_warm,) = find([str(SEED)], cache)
    assert seed_warm.cached and seed_warm.diagnostics == cold.diagnostics


def test_an_edit_is_never_served_the_old_result(tmp_path: Path) -> None:
    path = tmp_path / "gap.cpath"
    cache = tmp_path / "cache"
    path.write_text(GAP, encoding="utf-8")
    assert carepath("check", "--cache-dir", str(cache), str(path)).returncode == 1
    path.write_text(GAP.replace("age > 18", "age >= 18"), encoding="utf-8")
    fixed = carepath("check", "--cache-dir", str(cache), str(path))
    assert fixed.returncode == 0 and "CP304" not in fixed.stdout + fixed.stderr
    path.write_text(GAP, encoding="utf-8")
    assert carepath("check", "--cache-dir", str(cache), str(path)).returncode == 1
    assert len(entries(cache)) == 2


def test_the_key_covers_the_settings_and_carepath_itself(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    text = GAP.encode()
    assert cache.key(text, {}) != cache.key(text, {"max_regions": 3})
    assert cache.key(text, {}) != cache.key(text + b"\n", {})
    assert cache.key(text, {}) == cache.key(text, {})
    assert len(carepath_digest()) == 64


def test_an_edited_carepath_module_changes_every_key(tmp_path: Path) -> None:
    # The digest reads carepath's own files: the same text, hashed as a script that
    # sees one module edited, gives another digest.
    probe = (
        "import carepath.cache as c, pathlib, sys; before = c.carepath_digest(); "
        "c.carepath_digest.cache_clear(); real = pathlib.Path.read_bytes; "
        "pathlib.Path.read_bytes = lambda p: real(p) + (b'#' if p.name == 'boxes.py' else b''); "
        "print(before != c.carepath_digest())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "gap.cpath"
    path.write_text(GAP, encoding="utf-8")
    carepath("check", "--no-cache", str(path), cwd=tmp_path, env={"CAREPATH_CACHE_DIR": ""})
    assert not (tmp_path / ".carepath_cache").exists()
    carepath("check", str(path), cwd=tmp_path, env={"CAREPATH_CACHE_DIR": ""})
    folder = tmp_path / ".carepath_cache"
    assert (
        (folder / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (folder / ".gitignore").read_text().strip().endswith("*")


def test_a_corrupt_entry_is_recomputed(tmp_path: Path) -> None:
    path = tmp_path / "gap.cpath"
    path.write_text(GAP, encoding="utf-8")
    cache = tmp_path / "cache"
    first = carepath("check", "--cache-dir", str(cache), str(path))
    for entry in entries(cache):
        entry.write_text('{"format": 1, "diagnostics": [{"code": ', encoding="utf-8")
    again = carepath("check", "--cache-dir", str(cache), str(path))
    assert (again.returncode, again.stderr, again.stdout) == (
        first.returncode,
        first.stderr,
        first.stdout,
    )
    (entry,) = entries(cache)
    assert json.loads(entry.read_text(encoding="utf-8"))["diagnostics"]


def test_a_cache_folder_that_is_a_file_changes_nothing(tmp_path: Path) -> None:
    # Unwritable for root too: the cache "folder" is a plain file.
    cache = tmp_path / "cache"
    cache.write_text("not a folder", encoding="utf-8")
    path = tmp_path / "gap.cpath"
    path.write_text(GAP, encoding="utf-8")
    done = carepath("check", "--cache-dir", str(cache), str(path))
    uncached = carepath("check", "--no-cache", str(path))
    assert (done.returncode, done.stderr) == (uncached.returncode, uncached.stderr)


def test_two_runs_at_once_on_one_cache_are_both_right(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    files = []
    for n in range(6):
        path = tmp_path / f"p{n}.cpath"
        path.write_text(GAP.replace('"A gap', f'"Gap {n}'), encoding="utf-8")
        files.append(str(path))
    command = [
        sys.executable,
        "-m",
        "carepath",
        "check",
        "--format",
        "json",
        "--cache-dir",
        str(cache),
        *files,
    ]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate()[0] for run in runs]
    expected = carepath("check", "--format", "json", "--no-cache", *files).stdout
    assert outputs == [expected] * 3
    assert len(entries(cache)) == 6
    assert not list(cache.rglob("*.tmp"))


def test_folders_are_checked_in_parallel_with_the_same_output(tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"p{n}.cpath").write_text(GAP.replace('"A gap', f'"Gap {n}'), encoding="utf-8")
    (tmp_path / "seed.cpath").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    parallel = carepath("check", "--no-cache", "--jobs", "2", str(tmp_path))
    serial = carepath("check", "--no-cache", "--jobs", "1", str(tmp_path))
    assert parallel.returncode == serial.returncode == 1
    assert (parallel.stdout, parallel.stderr) == (serial.stdout, serial.stderr)
    assert parallel.stderr.count("CP304") + parallel.stdout.count("CP304") == 5


def test_test_reuses_the_findings_of_check(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    seed = tmp_path / "seed.cpath"
    seed.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert carepath("check", "--cache-dir", str(cache), str(seed)).returncode == 0
    stored = entries(cache)
    tested = carepath("test", "--cache-dir", str(cache), str(seed))
    assert tested.returncode == 0 and "cases passed" in tested.stdout
    assert entries(cache) == stored
    # A cached check error still fails `test`.
    gap = tmp_path / "gap.cpath"
    gap.write_text(GAP, encoding="utf-8")
    carepath("check", "--cache-dir", str(cache), str(gap))
    assert carepath("test", "--cache-dir", str(cache), str(gap)).returncode == 1


def test_a_could_not_decide_is_never_stored(tmp_path: Path) -> None:
    from carepath.dsl.diagnostics import Diagnostic, Severity
    from carepath.dsl.spans import Span

    cache = ResultCache(tmp_path)
    key = cache.key(b"text", {})
    undecided = Diagnostic("CP313", Severity.INFO, "could not decide", Span("p", 1, 1, 1, 2))
    cache.put(key, "p", [undecided])
    assert cache.get(key, "p") is None and not entries(tmp_path)
    cache.put(key, "p", [])
    assert cache.get(key, "p") == []

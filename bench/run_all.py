"""Run every benchmark in bench/ (``bench_*.py``), one after the other.

    python bench/run_all.py [--quick] [NAME ...]

Each benchmark runs in its own process, so one's imports and caches do not
flatter the next. ``--quick`` passes ``--quick`` to benchmarks that accept it
(those whose source mentions ``--quick``). Names select benchmarks by substring
(``python bench/run_all.py parse``). Exit code 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def benchmarks(names: Sequence[str]) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py"))
    return [p for p in found if not names or any(n in p.stem for n in names)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every bench/bench_*.py in turn.")
    parser.add_argument("names", nargs="*", help="only benchmarks whose name contains one")
    parser.add_argument("--quick", action="store_true", help="ask benchmarks for a short run")
    args = parser.parse_args(argv)
    failed: list[str] = []
    selected = benchmarks(args.names)
    if not selected:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for path in selected:
        command = [sys.executable, str(path)]
        if args.quick and "--quick" in path.read_text(encoding="utf-8"):
            command.append("--quick")
        print(f"=== {path.name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=BENCH.parent, check=False)
        took = time.perf_counter() - start
        status = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        print(f"=== {path.name}: {status} in {took:.1f} s\n", flush=True)
        if done.returncode != 0:
            failed.append(path.name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

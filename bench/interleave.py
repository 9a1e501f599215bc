"""Timing whole commands, interleaved: the one way to compare on a shared, noisy machine.

Each round runs every configuration once on every input, in turn, so a slow minute
slows all of them alike; the report gives medians and the ratio to a baseline
configuration measured in the same rounds, and the calibration loop's time at the
start and end (a fixed Python loop: 0.13 s on a quiet machine here) so that a
reader can tell a slow minute from a slow change.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

Command = Callable[[Path], list[str]]


def calibration() -> float:
    """Seconds for a fixed loop of dictionary writes."""
    start = time.perf_counter()
    table: dict[int, int] = {}
    for i in range(2_000_000):
        table[i & 1023] = i
    return time.perf_counter() - start


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, cwd=cwd, check=False)
    return time.perf_counter() - start, done.returncode


def interleaved(
    configurations: Mapping[str, Command],
    inputs: Sequence[Path],
    rounds: int,
    prepare: Mapping[str, Command] | None = None,
) -> dict[tuple[str, str], list[float]]:
    """Seconds per (input name, configuration), ``rounds`` runs each, interleaved.
    ``prepare`` runs before a configuration's every timed run (say, to warm a cache)."""
    times: dict[tuple[str, str], list[float]] = {}
    codes: dict[tuple[str, str], set[int]] = {}
    for _ in range(rounds):
        for path in inputs:
            for name, command in configurations.items():
                if prepare and name in prepare:
                    timed(prepare[name](path))
                seconds, code = timed(command(path))
                times.setdefault((path.name, name), []).append(seconds)
                codes.setdefault((path.name, name), set()).add(code)
    for key, seen in codes.items():
        if len(seen) > 1:
            print(f"note: {key} exited with different codes {sorted(seen)}")
    return times


def report(
    times: Mapping[tuple[str, str], list[float]],
    inputs: Sequence[Path],
    configurations: Sequence[str],
    baseline: str,
    goals: Mapping[tuple[str, str], float] | None = None,
) -> None:
    """One line per input: each configuration's median seconds and its ratio to the
    baseline; a goal, where given, is compared with the median."""
    for path in inputs:
        base = statistics.median(times[(path.name, baseline)])
        cells = []
        for name in configurations:
            median = statistics.median(times[(path.name, name)])
            cell = f"{name} {median:.3f}s"
            if name != baseline:
                cell += f" ({median / base:.2f}x)"
            goal = (goals or {}).get((path.name, name))
            if goal is not None:
                cell += f" [goal {goal:g}s: {'meets' if median <= goal else 'MISSES'}]"
            cells.append(cell)
        print(f"{path.name:<34} " + "  ".join(cells))

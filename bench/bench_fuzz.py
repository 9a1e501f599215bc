"""A long mutation fuzz of every pathway in the repository (tests/fuzz.py), with figures.

    python bench/bench_fuzz.py [--mutants 3000] [--seed 1] [--quick]

Each mutant is a repository pathway with one to three mutations (bytes, tokens,
truncation) run through check, fmt, DOT, Mermaid and the HTML page. Prints how
many were unreadable / refused (diagnostics) / loaded, per mutation kind, the rate,
and every failure with the seed that reproduces it. Exit 1 if any failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz import CORPUS, KINDS, mutate, survive  # type: ignore[import-not-found]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="300 mutants")
    args = parser.parse_args(argv)
    total = 300 if args.quick else args.mutants
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    start = time.perf_counter()
    for n in range(total):
        seed = args.seed * 1_000_003 + n
        rng = random.Random(seed)
        path = rng.choice(CORPUS)
        kinds = [rng.choice(KINDS) for _ in range(rng.randint(1, 3))]
        data = path.read_bytes()
        for kind in kinds:
            data = mutate(data, kind, rng)
        try:
            outcome = survive(data)
        except Exception:
            outcome = "FAILED"
            failures.append(f"seed {seed} ({path.name}, {kinds}):\n{traceback.format_exc()}")
        for kind in kinds:
            outcomes[(kind, outcome)] += 1
    seconds = time.perf_counter() - start
    print(f"{total} mutants of {len(CORPUS)} pathways in {seconds:.1f} s ({total / seconds:.0f}/s)")
    names = ("unreadable", "refused", "loaded", "FAILED")
    print(f"  {'mutation':<16}" + "".join(f"{n:>11}" for n in names))
    for kind in KINDS:
        print(f"  {kind:<16}" + "".join(f"{outcomes[(kind, n)]:>11}" for n in names))
    for failure in failures[:10]:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

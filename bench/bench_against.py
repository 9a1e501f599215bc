"""``carepath check`` against an earlier commit, whole process: seed, 1,000 and 10,000 nodes.

    python bench/bench_against.py --baseline DIR [--rounds 5] [--sizes 1000,10000]

DIR is a checkout of the earlier commit with its own environment (DIR/.venv, set
up as that commit's README says, e.g. with ``make setup``): for the commit before
issue 12, ``git worktree add DIR 0058311 && make -C DIR setup``, which also
builds its mypyc modules. Configurations, interleaved round by round
(bench/interleave.py): the baseline; this checkout cold (no cache); and this
checkout warm (the same command run once before, when ``check`` has a cache).
Issue 12's goals are printed beside the medians. Nothing here fails a build.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # type: ignore[import-not-found]  # noqa: E402
from interleave import calibration, interleaved, report  # type: ignore[import-not-found]  # noqa: E402

SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
GOALS_COLD = {SEED.name: 0.35, "generated_1000.cpath": 0.7, "generated_10000.cpath": 4.0}
GOALS_WARM = {"generated_10000.cpath": 0.5}


def has_cache() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "check", "--help"], capture_output=True, text=True
    )
    return "--no-cache" in done.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="checkout with .venv/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args(argv)
    old_python = args.baseline / ".venv" / "bin" / "python"
    if not old_python.exists():
        print(f"{old_python} is missing: set up the baseline checkout first", file=sys.stderr)
        return 2
    cache = has_cache()
    with tempfile.TemporaryDirectory() as folder:
        inputs = [SEED]
        for size in (int(s) for s in args.sizes.split(",") if s):
            path = Path(folder) / f"generated_{size}.cpath"
            path.write_text(generate(size), encoding="utf-8")
            inputs.append(path)
        cache_dir = Path(folder) / "cache"
        # -P: not the current directory first on the path, or one checkout would run
        # the other's code.
        new = [sys.executable, "-P", "-m", "carepath", "check"]
        configurations = {
            "baseline": lambda p: [str(old_python), "-P", "-m", "carepath", "check", str(p)],
            "cold": lambda p: [*new, *(["--no-cache"] if cache else []), str(p)],
        }
        prepare = {}
        if cache:
            warm = [*new, "--cache-dir", str(cache_dir)]
            configurations["warm"] = lambda p: [*warm, str(p)]
            prepare["warm"] = lambda p: [*warm, str(p)]
        print(f"calibration loop: {calibration():.3f}s (0.13 s when the machine is quiet)")
        times = interleaved(configurations, inputs, args.rounds, prepare)
        goals = {(name, "cold"): goal for name, goal in GOALS_COLD.items()}
        goals.update({(name, "warm"): goal for name, goal in GOALS_WARM.items()})
        print(f"medians of {args.rounds} interleaved runs, ratio to the baseline:")
        report(times, inputs, list(configurations), "baseline", goals)
        print(f"calibration loop: {calibration():.3f}s")
        if not cache:
            print("(this checkout's `check` has no --no-cache: no warm configuration)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

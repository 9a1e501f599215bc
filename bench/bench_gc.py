"""The collector's pace for one command: ``carepath check`` whole process, at the
pace the command line sets (carepath/cli.py: a young collection every 10,000
allocations) against Python's default (every 700) and with no collector at all.

    python bench/bench_gc.py [--rounds 5] [--sizes 1000,10000]

Interleaved round by round (bench/interleave.py); medians and the ratio to
Python's default. Nothing here fails a build.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # type: ignore[import-not-found]  # noqa: E402
from interleave import calibration, interleaved, report  # type: ignore[import-not-found]  # noqa: E402

# ``console()`` sets the command line's pace first thing; each configuration then
# overrides it before ``main`` runs.
RUNNER = """
import gc, sys
import carepath.cli as cli
pace = sys.argv.pop(1)
real = gc.set_threshold
def chosen(*_):
    if pace == "off":
        gc.disable()
    elif pace != "cli":
        real(*map(int, pace.split(",")))
    else:
        real(10_000, 10, 10)
gc.set_threshold = chosen
sys.argv[0] = "carepath"
cli.console()
"""

PACES = {"default": "700,10,10", "cli": "cli", "off": "off"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        inputs = []
        for size in (int(s) for s in args.sizes.split(",") if s):
            path = Path(folder) / f"generated_{size}.cpath"
            path.write_text(generate(size), encoding="utf-8")
            inputs.append(path)
        configurations = {
            name: (lambda p, pace=pace: [sys.executable, "-c", RUNNER, pace, "check", str(p)])
            for name, pace in PACES.items()
        }
        print(f"calibration loop: {calibration():.3f}s (0.13 s when the machine is quiet)")
        times = interleaved(configurations, inputs, args.rounds)
        print(f"medians of {args.rounds} interleaved runs, ratio to Python's default pace:")
        report(times, inputs, list(configurations), "default")
        print(f"calibration loop: {calibration():.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

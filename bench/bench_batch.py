"""Batch throughput and memory: 1,000,000 patients from a JSON Lines file.

    .venv/bin/python bench/bench_batch.py [--patients N] [--output FILE] [--quick]

Generates bench/out/patients_<N>.jsonl (once; gitignored), then runs the same
streaming batch code as `carepath run --batch` (compiled evaluator). Prints the
throughput and the peak resident memory (ru_maxrss) after 100,000 rows and at
the end: the two must be about equal (memory stays flat). Results go to
/dev/null by default so that the disk does not dominate; --output FILE writes
them (atomically, like the command).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"

from carepath.compiler import ir  # noqa: E402
from carepath.compiler.batch import AtomicOutput, run_batch  # noqa: E402
from carepath.compiler.pathway import Pathway, load  # noqa: E402


def generate(pathway: Pathway, path: Path, count: int) -> None:
    """Patients in the shapes records come in: numbers, "10 weeks", FHIR quantities."""
    rng = random.Random(11)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for _ in range(count):
            row: dict[str, object] = {}
            for name, decl in pathway.inputs.items():
                if rng.random() < 0.1:
                    continue
                t = decl.type
                if isinstance(t, ir.BooleanType):
                    row[name] = rng.random() < 0.3
                elif isinstance(t, ir.EnumType):
                    row[name] = rng.choice(t.values)
                elif isinstance(t, ir.NumberType) and t.duration:
                    weeks = rng.randint(1, 60)
                    row[name] = (
                        {"value": weeks, "unit": "wk"} if rng.random() < 0.5 else f"{weeks} weeks"
                    )
                else:
                    row[name] = rng.randint(18, 100)
            handle.write(json.dumps(row) + "\n")
    os.replace(tmp, path)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--checkpoint", type=int, default=100_000)
    parser.add_argument("--output", default=None, help="results file (default: /dev/null)")
    parser.add_argument("--quick", action="store_true", help="100,000 patients")
    args = parser.parse_args()
    if args.quick:
        args.patients, args.checkpoint = 100_000, 10_000
    loaded = load(SEED)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"patients_{args.patients}.jsonl"
    if not source.exists():
        started = time.perf_counter()
        generate(pathway, source, args.patients)
        print(f"generated {source} in {time.perf_counter() - started:.1f} s")
    size = source.stat().st_size / 1024 / 1024
    marks: dict[int, tuple[float, float]] = {}
    started = time.perf_counter()
    cpu_started = cpu_seconds()

    def on_row(count: int) -> None:
        if count == args.checkpoint or count == args.patients:
            marks[count] = (rss_mib(), time.perf_counter() - started)

    target = AtomicOutput(args.output) if args.output else None
    if target is not None:
        summary = run_batch(pathway, str(source), target.handle, "jsonl", on_row=on_row)
        target.commit()
    else:
        with open(os.devnull, "w", encoding="utf-8") as sink:
            summary = run_batch(pathway, str(source), sink, "jsonl", on_row=on_row)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_started
    print(f"input: {summary.rows:,} rows, {size:.0f} MiB; {summary.text()}")
    print(
        f"throughput: {summary.rows / elapsed:,.0f} patients/s wall ({elapsed:.1f} s), "
        f"{summary.rows / cpu:,.0f} patients per CPU second ({cpu:.1f} s CPU; "
        "on a shared machine the CPU figure is the one to compare)"
    )
    for count, (rss, at) in sorted(marks.items()):
        print(f"peak RSS after {count:>9,} rows: {rss:7.1f} MiB  (at {at:.1f} s)")
    if len(marks) == 2:
        (a, _), (b, _) = (marks[k] for k in sorted(marks))
        print(f"memory growth from {args.checkpoint:,} to {args.patients:,} rows: {b - a:+.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

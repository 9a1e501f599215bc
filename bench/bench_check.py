"""How fast carepath proves pathways sound: the logic checks against loading alone.

    python bench/bench_check.py [--sizes 1000,10000,50000] [--runs 1] [--branches 5000] [--gaps 50]

Measured in this process, against baselines measured in the same run:

- for each generated pathway size (bench/generate.py): ``load_text`` (parse,
  resolve, graph: the baseline), then every check pass on the loaded pathway
  (``check``), and the share of the decision-logic analysis (``logic``);
  goal: 10k nodes checked in under 2 s whole process, 1k -> 10k ratio <= 12;
- every gap region of a 5,000-branch decision with ``--gaps`` holes (``check_decisions``
  with the default cap and with ``max_regions=0``), each region with its witness;
- ``carepath check`` on the generated pathways up to 10k nodes, whole process
  (start-up, imports, load, checks, report), best of three;
- one decision with ``--branches`` disjoint intervals over one number and one
  gap, checked for overlap and gaps (the sweep over sorted bounds); goal < 0.6 s;
- the whole process ``carepath check`` on the seed pathway, against
  ``python -c pass``; goal < 0.6 s, and z3 is not imported.

Prints seconds and ratios only; a benchmark never fails a build.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # type: ignore[import-not-found]  # noqa: E402

from carepath.compiler.check import check_loaded  # noqa: E402
from carepath.compiler.checks import logic_analysis  # noqa: E402
from carepath.compiler.checks.logic_decisions import MAX_REGIONS, check_decisions  # noqa: E402
from carepath.compiler.pathway import Loaded, load_text  # noqa: E402

SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def wide_decision(branches: int, gaps: int = 1) -> str:
    """One decision: ``x`` in [i, i+1) for every i but ``gaps`` of them (evenly spread,
    the first at the middle when there is one), all disjoint."""
    every = max(1, branches // gaps)
    missing = {branches // 2} if gaps == 1 else {every * k + every // 2 for k in range(gaps)}
    lines = [
        'pathway wide "One wide decision"',
        "",
        'input x: decimal 0..1000000 "A number"',
        "",
        "start d",
        "",
        'decision d "Which band?"',
    ]
    for i in range(branches + 1):
        if i not in missing:
            lines.append(f"  when x >= {i} and x < {i + 1} -> e{i % 10}")
    lines.append(f"  when x >= {branches + 1} -> e0")
    lines.append("")
    lines.extend(f'end e{k} "End {k}"' for k in range(10))
    return "\n".join(lines) + "\n"


def bench_sizes(sizes: Sequence[int], runs: int) -> None:
    print(f"{'nodes':>7} {'load_text':>10} {'check':>8} {'logic':>8} {'check/load':>10}")
    first: float | None = None
    for size in sizes:
        text: str = generate(size)

        def load(text: str = text) -> object:
            return load_text(text, "bench.cpath")

        load_s, loaded = best_of(runs, load)
        assert isinstance(loaded, Loaded) and loaded.pathway is not None
        pathway = loaded.pathway

        def logic(pathway: object = pathway) -> object:
            logic_analysis._CACHE.clear()
            return logic_analysis.analysis(pathway)  # type: ignore[arg-type]

        logic_s, _ = best_of(runs, logic)

        def check(loaded: Loaded = loaded) -> object:
            logic_analysis._CACHE.clear()
            return check_loaded(loaded)

        check_s, checked = best_of(runs, check)
        assert isinstance(checked, Loaded)
        errors = sum(1 for d in checked.diagnostics if d.severity.name == "ERROR")
        print(
            f"{size:>7} {load_s:>9.3f}s {check_s:>7.3f}s {logic_s:>7.3f}s "
            f"{check_s / load_s:>10.2f}  ({len(checked.diagnostics)} findings, {errors} errors)"
        )
        if first is None:
            first = check_s
        else:
            print(f"        check ratio {sizes[0]} -> {size}: {check_s / first:.1f}")


def bench_wide(branches: int, runs: int) -> None:
    text = wide_decision(branches)

    def load() -> object:
        return load_text(text, "wide.cpath")

    load_s, loaded = best_of(runs, load)
    assert isinstance(loaded, Loaded) and loaded.pathway is not None
    pathway = loaded.pathway

    def overlap_and_gap() -> object:
        logic_analysis._CACHE.clear()
        return list(check_decisions(pathway))

    check_s, found = best_of(runs, overlap_and_gap)
    assert isinstance(found, list)
    codes = sorted({d.code for d in found})
    witness = next((d.witness for d in found if d.code == "CP304"), None)
    print(
        f"{branches}-branch decision: overlap+gap {check_s:.3f}s "
        f"(load_text {load_s:.3f}s, ratio {check_s / load_s:.2f}); found {codes}, "
        f"gap witness {witness.patient if witness else None}"
    )


def bench_wide_regions(branches: int, gaps: int, runs: int) -> None:
    """Every gap region of a wide decision (``--max-regions 0``), each with its witness."""
    text = wide_decision(branches, gaps)
    loaded = load_text(text, "wide.cpath")
    assert loaded.pathway is not None
    pathway = loaded.pathway
    for limit in (MAX_REGIONS, 0):

        def all_regions(limit: int = limit) -> object:
            logic_analysis._CACHE.clear()
            return list(check_decisions(pathway, max_regions=limit))

        seconds, found = best_of(runs, all_regions)
        assert isinstance(found, list)
        gaps_found = sum(1 for d in found if d.code == "CP304")
        print(
            f"{branches}-branch decision, {gaps} gaps, --max-regions {limit}: "
            f"{seconds:.3f}s, {gaps_found} CP304 reported"
        )


def bench_process(runs: int) -> None:
    if not SEED.exists():
        print(f"seed pathway {SEED} missing: skipped")
        return
    python = sys.executable

    def run(args: list[str]) -> object:
        return subprocess.run(args, capture_output=True, cwd=ROOT, check=False)

    base_s, _ = best_of(runs, lambda: run([python, "-c", "pass"]))
    check_s, result = best_of(runs, lambda: run([python, "-m", "carepath", "check", str(SEED)]))
    probe = (
        "import sys; from carepath.compiler.check import check_file; "
        f"check_file({str(SEED)!r}); print('z3' in sys.modules)"
    )
    z3 = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    code = getattr(result, "returncode", "?")
    print(
        f"carepath check seed: {check_s:.3f}s whole process (python -c pass {base_s:.3f}s, "
        f"ratio {check_s / base_s:.1f}); exit {code}; z3 imported: {z3.stdout.strip()}"
    )


def bench_process_sizes(sizes: Sequence[int], runs: int) -> None:
    """``carepath check`` on each generated pathway, whole process, as CI runs it."""
    python = sys.executable
    base_s, _ = best_of(runs, lambda: subprocess.run([python, "-c", "pass"], check=False))
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"generated_{size}.cpath"
            path.write_text(generate(size), encoding="utf-8")
            command = [python, "-m", "carepath", "check", str(path)]
            seconds, result = best_of(
                runs, lambda c=command: subprocess.run(c, capture_output=True, check=False)
            )
            code = getattr(result, "returncode", "?")
            verdict = ""
            if size == 10_000:
                verdict = f"; goal < 2 s: {'meets' if seconds < 2 else 'MISSES'} it"
            print(
                f"carepath check {size} nodes: {seconds:.3f}s whole process "
                f"(python -c pass {base_s:.3f}s, ratio {seconds / base_s:.0f}); "
                f"exit {code}{verdict}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--branches", type=int, default=5000)
    parser.add_argument("--gaps", type=int, default=50, help="gaps in the regions case")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    bench_process(max(args.runs, 3))
    bench_wide(args.branches, args.runs)
    bench_wide_regions(args.branches, args.gaps, args.runs)
    bench_sizes(sizes, args.runs)
    bench_process_sizes([s for s in sizes if s <= 10_000], max(args.runs, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())

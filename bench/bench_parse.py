"""How fast carepath reads pathways: Lark's parse with the AST built in it, then
resolve + graph.

    python bench/bench_parse.py [--sizes 1000,10000,50000] [--runs 3] [--quick]

For each generated pathway size (bench/generate.py), the best of ``--runs`` timings
of each stage, each stage in a fresh Python process of its own (so that one stage's
heap does not slow the next one's allocations), with the collector at the pace the
command line sets (carepath/cli.py):

- ``lex``: Lark's contextual lexer and the indentation post-lexer alone (the
  token stream the parser reads) — the baseline every ratio is against;
- ``parse``: ``carepath.dsl.parser.parse``: lexing and the LALR parse with the AST
  built during it (Lark's inline transformer), no parse tree;
- ``load_text``: ``carepath.compiler.pathway.load_text`` (parse, resolve names,
  types and units, build the graph).

Also: the time to build the parser in a new process, with Lark's grammar cache
and without it. Prints seconds, lines and tokens per second; never fails a build.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from carepath.compiler.pathway import load_text
from carepath.dsl.parser import _reader, parse

STAGES = ("lex", "parse", "load_text")


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """The best (wall, CPU) seconds of ``runs`` runs. On a shared machine the CPU time of
    this process is the steadier figure; wall time is what a user waits.

    The result is freed after the clock stops: tearing down a 10,000-node AST takes
    a quarter of a second, which no reader spends (``carepath`` exits without it)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
        del result
    return wall, cpu


def stages(text: str) -> dict[str, Callable[[], object]]:
    padded = text if text.endswith("\n") else text + "\n"

    def lex() -> object:
        return sum(1 for _ in _reader().lark.lex(padded))

    return {
        "lex": lex,
        "parse": lambda: parse(text, "bench.cpath"),
        "load_text": lambda: load_text(text, "bench.cpath"),
    }


def measure(path: Path, stage: str, runs: int) -> tuple[float, float]:
    """Run one stage in a child process, so that no earlier stage's heap is around."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--file", str(path), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), float(output[1])


def parser_build(cached: bool) -> float:
    """Seconds to import carepath's parser and build it, in a new process."""
    probe = (
        "import time; t = time.perf_counter(); import carepath.dsl.parser as p; "
        + (
            "p._reader()"
            if cached
            else "from lark import Lark; Lark.open('pathway.lark', rel_to=p.__file__, "
            "parser='lalr', start=['start', 'fragment'], postlex=p.PathwayIndenter(), "
            "maybe_placeholders=False)"
        )
        + "; print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark parsing and loading pathways.")
    parser.add_argument("--sizes", default="1000,10000,50000", help="node counts")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--quick", action="store_true", help="1k and 10k nodes, one run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    gc.set_threshold(10_000, 10, 10)  # as the command line runs
    if args.quick:
        args.sizes, args.runs = "1000,10000", 1
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.child:
        text = Path(args.file).read_text(encoding="utf-8")
        _reader()  # build (or load the cached) grammar outside the timings
        wall, cpu = best_of(args.runs, stages(text)[args.child])
        print(wall, cpu)
        return 0
    builds = [parser_build(cached=True) for _ in range(3)]
    fresh = [parser_build(cached=False) for _ in range(3)]
    print(
        f"import + build the parser: {min(builds):.3f}s with Lark's grammar cache, "
        f"{min(fresh):.3f}s analysing the grammar anew (best of 3 processes)"
    )
    folder = Path(tempfile.mkdtemp(prefix="carepath-bench-"))
    print(f"best of {args.runs} runs, each stage in its own process; ratios (CPU) against lex")
    print(
        f"{'nodes':>7} {'lines':>8} {'tokens':>8} {'stage':<10} {'wall s':>8} {'cpu s':>8} "
        f"{'tokens/cpu s':>13} {'ratio':>6}"
    )
    for size in sizes:
        text = generate(size)
        lines = text.count("\n") + 1
        tokens = sum(1 for _ in _reader().lark.lex(text))
        path = folder / f"generated_{size}.cpath"
        path.write_text(text, encoding="utf-8")
        runs = args.runs if size <= 10_000 else max(1, args.runs - 1)
        base = 0.0
        for stage in STAGES:
            wall, cpu = measure(path, stage, runs)
            base = base or cpu
            print(
                f"{size:>7} {lines:>8} {tokens:>8} {stage:<10} {wall:>8.3f} {cpu:>8.3f} "
                f"{tokens / cpu:>13,.0f} {cpu / base:>5.2f}x",
                flush=True,
            )
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast carepath draws a big pathway and builds its page, and whether the page stays usable.

    python bench/bench_render.py [--nodes 1000] [--runs 3] [--no-browser]

For a generated pathway (bench/generate.py), in this process, the best of
``--runs`` timings of

- ``dot -Tsvg`` alone on the DOT text carepath makes — the baseline every ratio
  is against (Graphviz layout is most of the work and not carepath's code);
- ``to_dot``: carepath's DOT generation alone;
- ``render svg``: ``to_dot`` + ``dot -Tsvg``;
- ``carepath render``: load, check, ``to_dot``, ``dot -Tsvg`` (the command's work,
  without writing the file);
- ``carepath html``: ``build_site`` for the file: load, check, SVG, sections, cases,
  templates (the command's work, without writing).

Then the sizes (DOT, SVG, page) and, unless ``--no-browser``, the page in
Chromium from file://: load time, and the time one walk-through answer takes to
re-evaluate and redraw (the page is "usable" when that stays well under 100 ms).

Goal (issue 5): for 1k nodes, each command under 5 s and the page usable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from carepath.compiler.check import check_file
from carepath.compiler.pathway import load_text
from carepath.render.dot import DotOptions, render, run_dot, to_dot
from carepath.render.html import build_site

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def browser_check(page_file: Path) -> tuple[float, float, int]:
    """(load seconds, one walk-through update in ms, questions shown at first)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(page_file.as_uri(), wait_until="load")
        loaded = time.perf_counter() - start
        update_ms: float = page.evaluate(
            """() => {
                const w = window.carepathWalkthrough;
                const t0 = performance.now();
                for (let i = 0; i < 10; i++) w.update();
                return (performance.now() - t0) / 10;
            }"""
        )
        shown: int = page.eval_on_selector_all(
            "#wt-fields fieldset:not([hidden])", "els => els.length"
        )
        browser.close()
    return loaded, update_ms, shown


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)

    text = generate(args.nodes)
    loaded = load_text(text, "bench.cpath")
    assert loaded.pathway is not None
    pathway = loaded.pathway
    dot_text = to_dot(pathway, DotOptions(links=True))
    svg = run_dot(dot_text, "svg")
    assert svg.warnings == "", svg.warnings

    baseline = best(args.runs, lambda: run_dot(dot_text, "svg"))
    timings = {
        "dot -Tsvg (baseline)": baseline,
        "to_dot": best(args.runs, lambda: to_dot(pathway, DotOptions(links=True))),
        "render svg (to_dot + dot)": best(
            args.runs, lambda: run_dot(to_dot(pathway, DotOptions(links=True)), "svg")
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bench.cpath"
        source.write_text(text, encoding="utf-8")

        def render_command() -> bytes:
            checked = check_file(str(source))
            assert checked.pathway is not None
            return render(checked.pathway, "svg", DotOptions())

        timings["carepath render -f svg (load+check+draw)"] = best(args.runs, render_command)
        site = build_site([str(source)])
        timings["carepath html (load+check+svg+page)"] = best(
            args.runs, lambda: build_site([str(source)])
        )
        page_name = next(n for n in site.files if n != "index.html")
        page_file = Path(tmp) / page_name
        page_file.write_text(site.files[page_name], encoding="utf-8")
        browser = None if args.no_browser else browser_check(page_file)

    nodes = pathway.graph.number_of_nodes()
    print(
        f"pathway: {nodes} nodes, {pathway.graph.number_of_edges()} edges, "
        f"{len(pathway.inputs)} inputs; best of {args.runs} runs"
    )
    print(f"{'step':42} {'seconds':>9} {'x dot':>7}")
    for name, seconds in timings.items():
        print(f"{name:42} {seconds:9.3f} {seconds / baseline:7.2f}")
    page_bytes = len(site.files[page_name].encode("utf-8"))
    print(
        f"sizes: DOT {len(dot_text.encode()) / 1024:.0f} KiB, SVG {len(svg.data) / 1024:.0f} KiB "
        f"({len(svg.data) / nodes / 1024:.2f} KiB/node), page {page_bytes / 1024:.0f} KiB"
    )
    if browser is not None:
        load_s, update_ms, shown = browser
        print(
            f"chromium: page loaded in {load_s:.2f} s; one walk-through answer re-evaluates "
            f"and redraws in {update_ms:.1f} ms; {shown} question(s) asked first"
        )
    for name in ("carepath render -f svg (load+check+draw)", "carepath html (load+check+svg+page)"):
        goal = "met" if timings[name] < 5 else "NOT met"
        print(f"{name}: {timings[name]:.2f} s (goal < 5 s: {goal})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The audit's HTML report in a real browser (Debian's Chromium through
Playwright): the flowchart's edges are as wide as the patients along them, the
tables hold the counts, the page makes no request and passes axe's WCAG checks.
A screenshot goes to test-artifacts/."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, sync_playwright

from carepath.compiler.pathway import load
from carepath.render.dot import FLOW_MAX_WIDTH, START_EDGE_DOM_ID, branch_dom_id, flow_width
from tests.sql_support import create_duckdb_table, random_patients
from tests.test_html_browser import AXE, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    loaded = load(SEED)
    assert loaded.pathway is not None
    out = tmp_path_factory.mktemp("audit")
    con = duckdb.connect()
    create_duckdb_table(
        con, loaded.pathway, random_patients(loaded.pathway, 4_000, seed=21, missing=0.05)
    )
    data = out / "patients.parquet"
    con.execute(f"COPY patients TO '{data}' (FORMAT parquet)")
    page, counts = out / "audit.html", out / "audit.json"
    for fmt, target in (("html", page), ("json", counts)):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "carepath",
                "audit",
                str(SEED),
                "--data",
                str(data),
                "--format",
                fmt,
                "-o",
                str(target),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode in (0, 1), run.stderr
    import json

    return page, json.loads(counts.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_edge_widths_match_the_counts(
    browser: Browser, report: tuple[Path, dict[str, object]]
) -> None:
    page_path, counts = report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    branches = counts["branches"]
    assert isinstance(branches, list)
    flows = {branch_dom_id(b["decision"], b["branch"]): b["patients"] for b in branches}
    nodes = counts["nodes"]
    assert isinstance(nodes, dict)
    flows[START_EDGE_DOM_ID] = nodes["chronicity"]
    most = max(flows.values())
    drawn = 0
    for dom_id, patients in flows.items():
        edge = page.locator(f"#audit-flowchart g#{dom_id}")
        assert edge.count() == 1, dom_id
        width = float(edge.locator("path").first.get_attribute("stroke-width") or "1")
        assert width == pytest.approx(flow_width(patients, most), abs=0.01), dom_id
        if patients:
            assert f"{patients:,} patient" in (edge.text_content() or ""), dom_id
        drawn += 1
    assert drawn == len(branches) + 1
    # The busiest edge is the widest one, in proportion.
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', page.content())]
    assert max(widths) == pytest.approx(FLOW_MAX_WIDTH)
    assert requests == [page_path.as_uri()]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)


def test_tables_hold_the_counts(browser: Browser, report: tuple[Path, dict[str, object]]) -> None:
    page_path, counts = report
    page = browser.new_page()
    page.goto(page_path.as_uri())
    statuses = counts["statuses"]
    assert isinstance(statuses, dict)
    for status, n in statuses.items():
        row = page.locator(f'#statuses tr[data-status="{status}"] td').nth(1)
        assert row.inner_text() == f"{n:,}"
    items = counts["recommendations"]
    assert isinstance(items, list)
    for item in items[:5]:
        cell = page.locator(f'#items tr[data-item="{item["id"]}"] td').nth(2)
        assert cell.inner_text() == f"{item['given']:,}"


def test_the_page_passes_axe(browser: Browser, report: tuple[Path, dict[str, object]]) -> None:
    page_path, _ = report
    page = browser.new_page()
    page.goto(page_path.as_uri())
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa'], resultTypes: ['violations']})"
    )
    assert [v["id"] for v in result["violations"]] == []

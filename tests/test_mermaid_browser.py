"""The Mermaid output rendered by Mermaid itself (the npm package, as GitHub renders
it) in Chromium: every pathway in the repository draws without an error, and no
label is wrapped a second time by Mermaid after carepath has wrapped it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from carepath.compiler.pathway import load
from carepath.render.mermaid import to_mermaid
from tests.test_html_browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
MERMAID = ROOT / "tests" / "node" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
PATHWAYS = sorted(
    [*ROOT.glob("pathways/*.cpath"), *ROOT.glob("tests/data/render_*.cpath")],
    key=lambda p: p.name,
)

# Each text run between carepath's <br/>s must sit on one line: a run that Mermaid
# broke over several lines was wrapped twice.
_WRAPPED_AGAIN = """async (source) => {
  const { svg } = await mermaid.render("chart" + Math.random().toString(36).slice(2), source);
  document.body.innerHTML = svg;
  const twice = [];
  for (const label of document.querySelectorAll("g.node .nodeLabel, g.edgeLabel .edgeLabel")) {
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) twice.push(text.textContent);
    }
  }
  return { twice, nodes: document.querySelectorAll("g.node").length };
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert MERMAID.is_file(), "run `make setup` (npm ci --prefix tests/node)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(MERMAID))
        page.evaluate("() => mermaid.initialize({ startOnLoad: false })")
        yield page
        browser.close()


def test_there_are_pathways_to_draw() -> None:
    assert len(PATHWAYS) >= 3


@pytest.mark.parametrize("path", PATHWAYS, ids=lambda p: p.name)
def test_mermaid_draws_it_and_wraps_no_label_again(page: Page, path: Path) -> None:
    loaded = load(path)
    assert loaded.pathway is not None
    found = page.evaluate(_WRAPPED_AGAIN, to_mermaid(loaded.pathway))
    # One shape per node, and the start terminal.
    assert found["nodes"] == loaded.pathway.graph.number_of_nodes() + 1
    assert found["twice"] == []

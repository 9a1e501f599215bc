"""HTML pages without a browser: structure, links, escaping, self-containment, CLI.
(What the page does when run is tested in tests/test_html_browser.py.)"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from carepath.render.html import Site, build_site

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
DATA = ROOT / "tests" / "data"
NASTY = DATA / "render_nasty.cpath"
SMALL = DATA / "render_vcf.cpath"


class Page(HTMLParser):
    """Elements, attributes and text of one page, as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[int, str]] = []
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self._level = 0
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._level = [], int(tag[1])
        if tag in ("script", "style"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._level, " ".join("".join(self._heading).split())))
            self._heading = None
        if self._in and tag == self._in[-1]:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if not self._in:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}  # type: ignore[misc]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site([str(SEED), str(SMALL), str(NASTY)])


def test_index_lists_every_pathway_with_its_check_status(site: Site) -> None:
    index = Page(site.files["index.html"])
    links = [a["href"] for a in index.all("a")]
    assert {"chronic_osteoporotic_vcf.html", "render_vcf.html", "render_nasty.html"} <= set(links)
    text = index.plain
    assert "Chronic osteoporotic vertebral compression fracture (render test) " in text
    row = re.search(
        r"\(render test\).*?render_vcf\.cpath (\S+) (\S+) (\S+) (.*?)(?: Title|$)", text
    )
    assert row is not None, text
    assert row.groups()[:3] == ("0.1.0", "draft", "2026-02-27")
    assert "no errors or warnings" in row.group(4)
    assert re.search(r"render_nasty\.cpath 1 — not recorded 1 warning", text), text


def test_page_structure_and_accessibility(site: Site) -> None:
    page = Page(site.files["render_vcf.html"])
    assert page.all("html")[0]["lang"] == "en"
    first_link = page.all("a")[0]
    assert first_link["href"] == "#main" and first_link["class"] == "skip-link"
    assert "main" in page.ids()
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), page.headings
    assert page.all("title")
    for table in re.findall(r"<table.*?</table>", site.files["render_vcf.html"], re.S):
        assert "<caption>" in table and 'scope="col"' in table


def test_flowchart_nodes_link_to_their_sections(site: Site) -> None:
    text = site.files["render_vcf.html"]
    page = Page(text)
    ids = page.ids()
    nodes = ["triage", "conservative", "review", "augmentation", "maintenance", "surgical_consult"]
    nodes += ["continue_care"]
    svg_links = re.findall(r'<a xlink:href="#(step-[a-z_]+)"', text)
    assert set(svg_links) == {f"step-{n}" for n in [*nodes, "acute_care"]}
    for link in svg_links:
        assert link in ids
    # Sections: recommendations with strength and citations linked to the references.
    section = re.search(r'<section id="step-conservative".*?</section>', text, re.S)
    assert section is not None
    body = Page(section.group(0)).plain
    assert "Recommend: Acetaminophen as first-line analgesic (strength: strong) [1]" in body
    assert "Consider: NSAIDs only with caution — only if age ≥ 65 or egfr < 30 mL/min [2]" in body
    assert 'href="#ref-t8"' in section.group(0) and "ref-t8" in ids
    references = Page(re.search(r'<ol class="references">.*?</ol>', text, re.S).group(0)).plain  # type: ignore[union-attr]
    assert (
        "Treatment of T8 Compression Fracture . Praxis Medical Insights (2025). Evidence grade B."
        in references
    )
    assert 'href="https://example.org/t8"' in text


def test_data_dictionary_and_cases(site: Site) -> None:
    page = Page(site.files["render_vcf.html"]).plain
    assert "egfr decimal mL/min 0 to 200 mL/min Estimated GFR" in page
    assert "age integer years 18 to 120 years Age" in page
    assert "pain one of: none, mild, moderate, severe — — Current back pain" in page
    assert "fracture_age duration any time unit — Time since the index fracture" in page
    assert "2 of 2 cases passed. Coverage: nodes 5/8 (62.5%)" in page
    assert "line 51: end `acute_care`" in page  # not exercised by any case
    assert "Severe pain after 3 months goes to augmentation (line 54)" in page
    assert "conservative_duration = 4 months" in page
    assert "end augmentation" in page


def test_labels_escaped_on_the_page(site: Site) -> None:
    text = site.files["render_nasty.html"]
    page = Page(text)
    assert "<script>alert" not in text and "<b>bold</b>" not in text
    scripts = page.all("script")
    assert len(scripts) == 4  # pathway data, duration units, evaluator, walk-through
    assert sorted(s.get("type") or "" for s in scripts) == [
        "",
        "",
        "application/json",
        "application/json",
    ]
    title = page.headings[0][1]
    assert title == 'Title with "quotes" ] <script>alert(1)</script> \\ {x|y} <>'
    assert 'R <script>alert(2)</script> | {x} \\ "q"' in page.plain
    data = re.search(
        r'<script type="application/json" id="pathway-data">(.*?)</script>', text, re.S
    )
    assert data is not None and "<" not in data.group(1)


def test_check_report_on_the_page(site: Site) -> None:
    plain = Page(site.files["render_nasty.html"]).plain
    assert "warning[CP205]" in plain and "end `click` states no outcome" in plain
    assert "carepath check found no problems." in Page(site.files["render_vcf.html"]).plain


def test_self_contained(site: Site) -> None:
    for name, text in site.files.items():
        page = Page(text)
        assert not page.all("link") and not page.all("img") and not page.all("iframe"), name
        for tag, attrs in page.tags:
            assert "src" not in attrs, (name, tag)
            for key in ("href", "xlink:href", "action"):
                value = attrs.get(key)
                if value is None:
                    continue
                local = value.startswith("#") or re.fullmatch(r"[\w-]+\.html", value)
                reference = value.startswith("https://") and tag == "a"
                assert local or reference, (name, tag, value)
        assert "url(" not in text and "@import" not in text, name
        assert "default-src 'none'" in text  # the CSP forbids any request, too


def _carepath(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepath", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_cli_html(tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = _carepath("html", str(SEED), str(SMALL), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "chronic_osteoporotic_vcf.html", "index.html", "render_vcf.html",
    ]  # fmt: skip
    umask = os.umask(0)
    os.umask(umask)
    for page in out.iterdir():  # as readable as any new file: a site is for publishing
        assert page.stat().st_mode & 0o777 == 0o666 & ~umask
    broken = tmp_path / "broken.cpath"
    broken.write_text('pathway broken "Broken"\nstart nowhere\nend e "E"\n', encoding="utf-8")
    done = _carepath("html", str(broken), "-o", str(tmp_path / "b"))
    assert done.returncode == 1 and "CP101" in done.stderr
    page = (tmp_path / "b" / "broken.html").read_text(encoding="utf-8")
    assert "Do not use it for patient care" in page and 'id="walkthrough"' not in page
    done = _carepath("html", str(tmp_path / "missing.cpath"), "-o", str(tmp_path / "m"))
    assert done.returncode == 2 and "CP006" in done.stderr
    assert not (tmp_path / "m").exists()


def test_failing_case_shown_as_failed(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "  expect end surgical_consult", "  expect end augmentation"
    )
    path = tmp_path / "failing.cpath"
    path.write_text(text, encoding="utf-8")
    page = Page(build_site([str(path)]).files["render_vcf.html"]).plain
    assert "1 of 2 cases passed." in page
    assert re.search(
        r"Red flag goes to the surgeon \(line 60\) .* failed line 62: expected end", page
    )

"""Recommendation groups end to end: the formatter, the renderers, the page, the cases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from carepath.cli import main
from carepath.compiler.pathway import Pathway, load
from carepath.dsl.formatter import format_source
from carepath.render.dot import to_dot
from carepath.render.mermaid import to_mermaid

GOOD = Path(__file__).parent / "golden" / "logic" / "cp320_cp321_groups_ok.cpath"


def _pathway() -> Pathway:
    loaded = load(str(GOOD))
    assert loaded.pathway is not None
    return loaded.pathway


def test_items_know_their_group() -> None:
    items = _pathway().graph.nodes["therapy"]["items"]
    groups = [(i.text, i.group.label, i.group.policy) for i in items if i.group is not None]
    assert groups[0] == (
        "Oral alendronate or risedronate",
        "First-line or alternative agent",
        "exactly one",
    )
    assert {g.policy for g in (i.group for i in items) if g is not None} == {
        "exactly one",
        "at least one",
    }
    assert len({i.group for i in items}) == 3


def test_the_file_is_canonical_and_a_group_keeps_its_items_when_formatted() -> None:
    text = GOOD.read_text(encoding="utf-8")
    assert format_source(text, str(GOOD)) == text
    squashed = text.replace('"Dose" exactly one', '"Dose"    exactly    one')
    assert format_source(squashed, str(GOOD)) == text


def test_flowcharts_show_the_group_heading_above_its_items() -> None:
    dot = to_dot(_pathway())
    assert "<I>Exactly one of: First-line or</I>" in dot
    assert dot.index("Exactly one of: Dose") < dot.index("Reduced dose")
    # Past the items a box shows, a group's heading is left out with its items.
    assert "+3 more" in dot and "At least one of: Advice" not in dot
    mermaid = to_mermaid(_pathway())
    assert mermaid.index("Exactly one of: Dose") < mermaid.index("Reduced dose")


def test_the_page_lists_the_group_and_its_items(tmp_path: Path) -> None:
    assert main(["html", str(GOOD), "-o", str(tmp_path / "site")]) == 0
    page = next(p for p in (tmp_path / "site").glob("*.html") if p.name != "index.html")
    html = page.read_text(encoding="utf-8")
    assert '<li class="rec-group">Exactly one of: First-line or alternative agent</li>' in html
    assert html.count("in-group") >= 6


def test_the_cases_pass_and_check_is_clean() -> None:
    for command in ("check", "test"):
        done = subprocess.run(
            [sys.executable, "-m", "carepath", command, str(GOOD)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_group_needs_a_policy() -> None:
    from carepath.dsl.parser import parse

    text = GOOD.read_text(encoding="utf-8").replace('"Dose" exactly one', '"Dose"')
    result = parse(text, "g.cpath")
    assert result.pathway is None
    assert result.diagnostics[0].span.line == 17


TWIN = """\
pathway p "An item inside a group and its twin outside it"

input fever: boolean "Fever"

start done

end done "Done"
  group "Antipyretic" exactly one
    recommend "Paracetamol" when fever and not fever
  recommend "Paracetamol"
"""


def test_a_twin_outside_the_group_does_not_hide_an_empty_group() -> None:
    # The ungrouped twin is always given; the grouped item never applies. Counting
    # recommendations by what they say would see one and call the group satisfied.
    from carepath.compiler.check import check_text

    found = [(d.code, d.witness) for d in check_text(TWIN).diagnostics]
    codes = [code for code, _ in found]
    assert "CP321" in codes and "CP313" not in codes
    witness = dict(found)["CP321"]
    assert witness is not None and witness.path == ("done",)

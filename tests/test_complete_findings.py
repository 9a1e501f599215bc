"""Complete findings: every gap region and overlapping pair of a decision, each with a
witness, reported alike in every output format, capped by ``--max-regions``.

The property test draws small decisions over a number and an enumeration and
checks, on every patient of a fine grid, that the interpreter is stuck exactly on
the patients inside some reported region, that ``check`` reports one CP304 per
region, and that every witness is stuck and lies in its region.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.cli import main
from carepath.compiler import ir
from carepath.compiler.check import check_text
from carepath.compiler.checks import Settings
from carepath.compiler.checks.logic_analysis import analysis, forget_analyses
from carepath.compiler.checks.regions import merge_intervals, regions
from carepath.compiler.evaluate import STUCK, evaluate
from carepath.compiler.pathway import load_text
from carepath.render.html import build_site

THREE_GAPS = (Path(__file__).parent / "golden" / "logic" / "cp304_three_gaps.cpath").read_text()
CAPPED = (Path(__file__).parent / "golden" / "logic" / "cp304_cap.cpath").read_text()
WHERE = (
    "pain is severe and 12 weeks <= fracture_age < 13 weeks",
    "pain is moderate and fracture_age > 26 weeks",
    "pain is none and fracture_age < 6 weeks",
)


def _gaps(text: str, max_regions: int = 10) -> list[str]:
    found = check_text(text, "f.cpath", Settings(max_regions=max_regions)).diagnostics
    return [d.message for d in found if d.code == "CP304"]


def test_each_region_in_words() -> None:
    messages = _gaps(THREE_GAPS)
    assert len(messages) == 3
    for where in WHERE:
        assert sum(f"holds when {where}," in m for m in messages) == 1, (where, messages)


def test_cap_and_count() -> None:
    found = check_text(CAPPED, "f.cpath").diagnostics
    gaps = [d for d in found if d.code == "CP304"]
    assert len(gaps) == 10
    assert "and 2 more regions" in gaps[-1].notes[-1]
    assert not any("more regions" in n for d in gaps[:-1] for n in d.notes)
    assert len(_gaps(CAPPED, 0)) == 12
    assert len(_gaps(CAPPED, 3)) == 3


def test_overlap_pairs_capped() -> None:
    text = (
        'pathway p "P"\ninput x: integer 0..50 "X"\nstart d\ndecision d "D"\n'
        + "".join(f"  when x >= {k} -> e\n" for k in range(5))
        + 'end e "E"\n'
    )
    pairs = [d for d in check_text(text, "f.cpath", Settings(max_regions=0)).diagnostics]
    assert sum(d.code == "CP302" for d in pairs) == 10  # every pair of five nested branches
    capped = [
        d
        for d in check_text(text, "f.cpath", Settings(max_regions=4)).diagnostics
        if d.code == "CP302"
    ]
    assert len(capped) == 4 and "and 6 more pairs" in capped[-1].notes[-1]


def test_merge_intervals() -> None:
    assert merge_intervals([(5, True, 9, True), (0, True, 5, False)]) == (0, True, 9, True)
    assert merge_intervals([(0, True, 5, False), (5, False, 9, True)]) is None
    assert merge_intervals([(None, False, 3, True), (1, True, None, False)]) == (
        None,
        False,
        None,
        False,
    )


# ---------------------------------------------------------------- every output format


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def three(tmp_path: Path) -> str:
    path = tmp_path / "three.cpath"
    path.write_text(THREE_GAPS, encoding="utf-8")
    return str(path)


def test_every_format_reports_every_region(
    capsys: pytest.CaptureFixture[str], three: str, tmp_path: Path
) -> None:
    _, text, _ = _cli(capsys, three)
    assert all(where in text for where in WHERE)
    _, out, _ = _cli(capsys, "--format", "json", three)
    records = [r for r in json.loads(out)["diagnostics"] if r["code"] == "CP304"]
    assert len(records) == 3 and len({json.dumps(r["witness"]) for r in records}) == 3
    _, out, _ = _cli(capsys, "--format", "sarif", three)
    results = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "CP304"]
    assert len(results) == 3
    assert len({r["partialFingerprints"]["carepath/v1"] for r in results}) == 3
    _, out, _ = _cli(capsys, "--format", "junit", three)
    names = [c.get("name") for c in ET.fromstring(out).iter("testcase")]
    gap_names = [n for n in names if n and n.startswith("CP304")]
    assert len(gap_names) == 3 and len(set(gap_names)) == 3
    _, out, _ = _cli(capsys, "--format", "github", three)
    assert sum(line.startswith("::error") and "CP304" in line for line in out.splitlines()) == 3
    site = build_site([three])
    page = next(v for k, v in site.files.items() if k != "index.html" and k.endswith(".html"))
    assert all(html.escape(where, quote=False) in page for where in WHERE)


def test_max_regions_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cap.cpath"
    path.write_text(CAPPED, encoding="utf-8")
    code, out, _ = _cli(capsys, "--format", "json", "--max-regions", "0", str(path))
    assert code == 1 and sum(r["code"] == "CP304" for r in json.loads(out)["diagnostics"]) == 12
    code, out, _ = _cli(capsys, "--format", "json", "--max-regions", "2", str(path))
    gaps = [r for r in json.loads(out)["diagnostics"] if r["code"] == "CP304"]
    assert len(gaps) == 2 and "and 10 more regions" in gaps[-1]["notes"][-1]
    with pytest.raises(SystemExit) as stop:
        _cli(capsys, "--max-regions", "-1", str(path))
    assert stop.value.code == 2


# ---------------------------------------------------------------- property


ENUM = ("a", "b", "c")


@st.composite
def decisions(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["integer", "decimal"]))
    atoms = st.one_of(
        st.tuples(st.sampled_from(["<", "<=", ">", ">="]), st.integers(0, 12)).map(
            lambda t: f"x {t[0]} {t[1]}"
        ),
        st.sampled_from(ENUM).map(lambda v: f"p == {v}"),
        st.sampled_from(ENUM).map(lambda v: f"p != {v}"),
    )
    guards = draw(
        st.lists(st.lists(atoms, min_size=1, max_size=2).map(" and ".join), min_size=1, max_size=5)
    )
    policy = draw(st.sampled_from(["", " first"]))
    text = (
        f'pathway p "P"\ninput x: {kind} 0..12 "X"\ninput p: one of a, b, c "P"\n'
        f'start d\ndecision d "D"{policy}\n'
        + "".join(f"  when {g} -> e\n" for g in guards)
        + 'end e "E"\n'
    )
    return kind, text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decisions())
def test_reported_regions_are_the_stuck_patients(drawn: tuple[str, str]) -> None:
    kind, text = drawn
    forget_analyses()
    loaded = load_text(text, "f.cpath")
    pathway = loaded.pathway
    assert pathway is not None
    a = analysis(pathway)
    reach = a.reach["d"]
    gap = a.inter(reach, a.complete, a.all_fail(a.decisions["d"]))
    assert isinstance(gap, list)
    found = regions(a.domain, gap)
    step = Fraction(1) if kind == "integer" else Fraction(1, 4)
    grid = [step * k for k in range(int(12 / step) + 1)]
    for x in grid:
        for p in ENUM:
            patient: dict[str, ir.Value] = {"x": x, "p": p}
            stuck = evaluate(pathway, patient).status == STUCK
            inside = any(a.domain.contains_point(box, patient) for box in found)
            assert stuck == inside, (patient, found)
    forget_analyses()
    gaps = [
        d
        for d in check_text(text, "f.cpath", Settings(max_regions=0)).diagnostics
        if d.code == "CP304"
    ]
    assert len(gaps) == len(found)
    pathway2 = load_text(text, "f.cpath").pathway
    assert pathway2 is not None
    for d in gaps:
        assert d.witness is not None
        written = dict(d.witness.patient)
        patient2: dict[str, ir.Value] = {}
        if "p" in written:
            patient2["p"] = written["p"]
        if "x" in written:
            patient2["x"] = Fraction(written["x"])
        assert evaluate(pathway2, patient2).status == STUCK, (d.message, written)

"""Flowcharts: DOT (drawn by the real Graphviz `dot`) and Mermaid.

Golden files ``tests/golden/render/seed.dot`` and ``seed.mmd`` hold the seed
pathway's flowchart; review changes by reading them. Regenerate them only on
purpose: ``CAREPATH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load, load_text
from carepath.dsl import codes as _dsl_codes  # noqa: F401 - registers CP0xx
from carepath.dsl.diagnostics import make
from carepath.render.dot import DotOptions, RenderError, locate, run_dot, to_dot
from carepath.render.labels import condition_text, wrap
from carepath.render.mermaid import to_mermaid

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
DATA = ROOT / "tests" / "data"
NASTY = DATA / "render_nasty.cpath"
GOLDEN = ROOT / "tests" / "golden" / "render"
UPDATE = os.environ.get("CAREPATH_UPDATE_GOLDEN") == "1"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _load(path: Path) -> Pathway:
    loaded = load(path)
    assert loaded.pathway is not None, loaded.diagnostics
    return loaded.pathway


@pytest.fixture(scope="module")
def seed() -> Pathway:
    return _load(SEED)


@pytest.fixture(scope="module")
def nasty() -> Pathway:
    return _load(NASTY)


def _svg(source: str) -> ET.Element:
    drawn = run_dot(source, "svg")
    assert drawn.warnings == ""
    return ET.fromstring(drawn.data)


def _group(svg: ET.Element, dom_id: str) -> ET.Element:
    for g in svg.iter(f"{SVG_NS}g"):
        if g.get("id") == dom_id:
            return g
    raise AssertionError(f"no <g id={dom_id!r}> in the SVG")


def _texts(g: ET.Element) -> list[str]:
    return [t.text or "" for t in g.iter(f"{SVG_NS}text")]


def _words(text: str) -> list[str]:
    return text.replace("\u00a0", " ").split()


# ------------------------------------------- conditions as clinicians write them


def _guard(condition: str, extra: str = "") -> str:
    text = (
        'pathway p "P"\ninput fracture_age: duration\ninput pain: one of none, mild, severe\n'
        "input neuro_deficit: boolean\ninput age: integer years 0..120\n"
        f"{extra}start d\n"
        f'decision d "D?"\n  when {condition} -> e\n  otherwise -> f\nend e "E"\nend f "F"\n'
    )
    loaded = load_text(text)
    assert loaded.pathway is not None and not loaded.diagnostics, loaded.diagnostics
    decision = loaded.pathway.syntax.nodes[0]
    return condition_text(decision.branches[0].guard)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("fracture_age < 6 weeks", "fracture age < 6 weeks"),
        ("pain == severe", "pain is severe"),
        ("pain != severe", "pain is not severe"),
        ("age >= 65 and age <= 80", "age ≥ 65 and age ≤ 80"),
        ("neuro_deficit or pain == severe", "neuro deficit or pain is severe"),
        (
            "(neuro_deficit or age > 70) and pain == mild",
            "(neuro deficit or age > 70) and pain is mild",
        ),
        (
            "neuro_deficit or age > 70 and pain == mild",
            "neuro deficit or age > 70 and pain is mild",
        ),
        ("not neuro_deficit", "not neuro deficit"),
        ("not (neuro_deficit and age > 70)", "not (neuro deficit and age > 70)"),
        ("pain in {mild, severe}", "pain is mild or severe"),
        ("pain not in {mild, severe}", "pain is neither mild nor severe"),
        ("pain not in {mild}", "pain is not mild"),
        ("age is unknown", "age is unknown"),
        ("fracture_age is known", "fracture age is known"),
        ("age - 10 - (age - 20) > 3", "age - 10 - (age - 20) > 3"),
        ("count of (neuro_deficit, age >= 65) >= 1", "count of (neuro deficit, age ≥ 65) ≥ 1"),
    ],
)
def test_conditions_read_as_a_clinician_writes_them(written: str, shown: str) -> None:
    assert _guard(written) == shown


def test_wrap_keeps_quantities_together_and_lines_short() -> None:
    lines = wrap(
        "pain is severe and conservative duration >= 3 months and fracture age >= 12 weeks"
    )
    assert all(len(line) <= 28 for line in lines)
    joined = "\n".join(lines)
    assert "3 months" in joined and "12 weeks" in joined
    assert wrap("line one\nline two") == ["line one", "line two"]


# ---------------------------------------------------------------- DOT


def test_dot_is_deterministic_across_loads(seed: Pathway) -> None:
    again = _load(SEED)
    assert to_dot(seed) == to_dot(again)
    patient = dict(seed.cases[0].patient)
    options = DotOptions(highlight=evaluate(seed, patient))
    assert to_dot(seed, options) == to_dot(again, DotOptions(highlight=evaluate(again, patient)))


def test_flowchart_conventions(seed: Pathway) -> None:
    svg = _svg(to_dot(seed))
    start = _group(svg, "node-start")
    assert _texts(start) == ["Start"]
    assert start.find(f".//{SVG_NS}path") is not None  # rounded box: drawn as a path
    assert "node-start" in {g.get("id") for g in svg.iter(f"{SVG_NS}g")}
    start_edge = _group(svg, "edge-start")
    assert start_edge.findtext(f"{SVG_NS}title") == f"(start)->{seed.start}"
    for node, data in seed.graph.nodes(data=True):
        g = _group(svg, f"node-{node}")
        if data["kind"] == "decision":
            polygon = g.find(f".//{SVG_NS}polygon")
            assert polygon is not None
            assert len(polygon.get("points", "").split()) == 5  # a diamond: 4 corners, closed
            assert " ".join(_texts(g)).split() == data["label"].split()
            for branch in data["branches"]:
                edge = _group(svg, f"edge-{node}-{branch.index}")
                label = " ".join(_texts(edge))
                if branch.is_otherwise:
                    assert label == "otherwise"
                else:
                    assert "_" not in label and "==" not in label
        elif data["kind"] == "action":
            shown = _words(" ".join(_texts(g)))
            assert shown[: len(data["label"].split())] == data["label"].split()
            first = data["items"][0]
            assert {"recommend": "✓", "consider": "?", "avoid": "✗"}[first.kind] in shown
            if len(data["items"]) > 3:
                assert f"+{len(data['items']) - 3}" in shown


def test_seed_edge_labels_pretty_printed(seed: Pathway) -> None:
    svg = _svg(to_dot(seed))
    labels = {
        " ".join(_words(" ".join(_texts(g))))
        for g in svg.iter(f"{SVG_NS}g")
        if (g.get("id") or "").startswith("edge-")
    }
    assert "fracture age > 6 weeks" in labels
    assert "fracture age ≤ 6 weeks" in labels
    assert "otherwise" in labels


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_dot_draws_every_format_without_warnings(seed: Pathway, fmt: str) -> None:
    drawn = run_dot(to_dot(seed, DotOptions(links=True)), fmt)
    assert drawn.warnings == ""
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[fmt]
    assert drawn.data.startswith(magic)


def test_labels_escaped_in_dot_and_svg(nasty: Pathway) -> None:
    source = to_dot(nasty)
    svg = _svg(source)  # dot parses it and draws it without a warning
    assert not list(svg.iter(f"{SVG_NS}script"))
    question = nasty.graph.nodes["graph"]["label"]
    assert "\n" in question and "\\" in question and '"' in question
    assert _words(" ".join(_texts(_group(svg, "node-graph")))) == _words(question)
    end = nasty.graph.nodes["end"]["label"]
    assert _words(" ".join(_texts(_group(svg, "node-end")))) == _words(end)
    style = " ".join(_texts(_group(svg, "node-style")))
    item = nasty.graph.nodes["style"]["items"][0].text
    assert " ".join(_words(item)) in " ".join(_words(style))
    # Tooltips keep the text too (backslash literal, newline a line break).
    anchor = _group(svg, "a_node-graph").find(f"{SVG_NS}a")
    assert anchor is not None
    title = anchor.get("{http://www.w3.org/1999/xlink}title")
    assert title == question
    # The graph title is a tooltip too, escaped.
    assert 'tooltip="Title with \\"quotes\\" ] <script>alert(1)</script> \\\\ {x|y} <>"' in source


def test_highlight_draws_the_patient_path_bold_and_fades_the_rest(seed: Pathway) -> None:
    case = next(
        c
        for c in seed.cases
        if c.expectations and c.expectations[0].values == ("vertebral_augmentation",)
    )
    result = evaluate(seed, case.patient)
    assert result.outcome == "vertebral_augmentation"
    svg = _svg(to_dot(seed, DotOptions(highlight=result)))
    for node in seed.graph.nodes:
        classes = _group(svg, f"node-{node}").get("class", "").split()
        assert ("cp-path" in classes) == (node in result.path), node
        assert ("cp-faded" in classes) == (node not in result.path), node
    taken = {f"edge-{s.node}-{s.branch}" for s in result.steps if s.kind == "decision"}
    for g in svg.iter(f"{SVG_NS}g"):
        dom_id = g.get("id") or ""
        if re.fullmatch(r"edge-.+-\d+", dom_id):
            assert ("cp-path" in g.get("class", "").split()) == (dom_id in taken), dom_id
    path_edge = _group(svg, next(iter(taken)))
    assert path_edge.find(f".//{SVG_NS}path").get("stroke") == "#0b5cad"  # type: ignore[union-attr]


def test_diagnostics_marked_on_their_node_and_branch(seed: Pathway) -> None:
    decision = next(n for n, d in seed.graph.nodes(data=True) if d["kind"] == "decision")
    branch = seed.graph.nodes[decision]["branches"][0]
    end = next(n for n, d in seed.graph.nodes(data=True) if d["kind"] == "end")
    on_branch = make("CP101", 'a finding on a "branch" <b>', branch.span)
    on_node = make("CP105", "a finding on a node", seed.graph.nodes[end]["span"])
    assert locate(seed, branch.span) == f"edge-{decision}-{branch.index}"
    source = to_dot(seed, DotOptions(diagnostics=(on_branch, on_node)))
    svg = _svg(source)
    edge = _group(svg, f"edge-{decision}-{branch.index}")
    assert "cp-problem" in edge.get("class", "")
    anchor = edge.find(f".//{SVG_NS}a")
    assert anchor is not None
    assert anchor.get("{http://www.w3.org/1999/xlink}title") == (
        'error[CP101]: a finding on a "branch" <b>'
    )
    node = _group(svg, f"node-{end}")
    assert "cp-problem" in node.get("class", "")
    assert node.find(f".//{SVG_NS}path").get("stroke") == "#c62828"  # type: ignore[union-attr]
    others = [g for g in svg.iter(f"{SVG_NS}g") if "cp-problem" in (g.get("class") or "")]
    assert len(others) == 2


def test_dot_failure_is_a_render_error() -> None:
    with pytest.raises(RenderError) as caught:
        run_dot("digraph { a -> }", "svg")
    assert caught.value.code == "CP502"
    assert "syntax error" in caught.value.message


# ------------------------------ Mermaid: a strict parser of the subset we emit

_MERMAID_RESERVED = {
    "end", "graph", "subgraph", "style", "click", "class", "classDef", "linkStyle",
    "flowchart", "direction", "call", "href", "default", "interpolate",
}  # fmt: skip
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"(?P<label>[^"]*)"'
_NODE = re.compile(rf"  (?P<id>{_ID})(?P<open>\(\[|\{{|\[){_LABEL}(?P<close>\]\)|\}}|\])")
_EDGE = re.compile(rf"  (?P<src>{_ID}) (?P<arrow>-->|-\.->)(?:\|{_LABEL}\|)? (?P<dst>{_ID})")
_ENTITY = re.compile(r"#(quot|amp|lt|gt|\d+);")
_SHAPES = {"([": "])", "{": "}", "[": "]"}


def _decode(label: str) -> str:
    """A label as Mermaid shows it; rejects any character Mermaid could misread."""
    parts = label.split("<br/>")
    for part in parts:
        bare = _ENTITY.sub("", part)
        assert not set(bare) & set('"<>|#`\\;'), f"unescaped markup in {part!r}"
    names = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}

    def entity(m: re.Match[str]) -> str:
        code = m.group(1)
        return names[code] if code in names else chr(int(code))

    return "\n".join(_ENTITY.sub(entity, part) for part in parts)


def parse_mermaid(
    text: str,
) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str | None]]]:
    """Nodes (id -> (shape, label)) and edges; every line must match the grammar."""
    lines = text.split("\n")
    # The configuration block that stops Mermaid from wrapping labels a second time.
    assert lines[:5] == ["---", "config:", "  flowchart:", "    wrappingWidth: 1000", "---"]
    lines = lines[5:]
    assert lines[0] == "flowchart TD" and lines[-1] == ""
    nodes: dict[str, tuple[str, str]] = {}
    edges: list[tuple[str, str, str | None]] = []
    for line in lines[1:-1]:
        if m := _NODE.fullmatch(line):
            assert m["id"] not in _MERMAID_RESERVED and m["id"] not in nodes
            assert _SHAPES[m["open"]] == m["close"], line
            nodes[m["id"]] = (m["open"], _decode(m["label"]))
        elif m := _EDGE.fullmatch(line):
            assert m["src"] in nodes and m["dst"] in nodes, line
            edges.append(
                (m["src"], m["dst"], _decode(m["label"]) if m["label"] is not None else None)
            )
        else:
            raise AssertionError(f"not valid Mermaid (for our subset): {line!r}")
    return nodes, edges


def test_mermaid_seed_parses_and_matches_the_graph(seed: Pathway) -> None:
    nodes, edges = parse_mermaid(to_mermaid(seed))
    assert nodes["start_"] == ("([", "Start")
    shapes = {"decision": "{", "action": "[", "end": "(["}
    for node, data in seed.graph.nodes(data=True):
        shape, label = nodes[f"n_{node}"]
        assert shape == shapes[data["kind"]]
        if data["kind"] == "decision":
            assert label.split() == data["label"].split()
    branches = sum(
        len(d["branches"]) for _, d in seed.graph.nodes(data=True) if d["kind"] == "decision"
    )
    nexts = sum(1 for _, d in seed.graph.nodes(data=True) if d["kind"] == "action" and d["next"])
    assert len(edges) == 1 + branches + nexts
    assert ("n_chronicity", "n_conservative_care", "fracture age > 6 weeks") in edges


def test_mermaid_escapes_labels_and_renames_reserved_ids(nasty: Pathway) -> None:
    assert {"end", "graph", "style", "click"} <= set(nasty.graph.nodes)
    nodes, edges = parse_mermaid(to_mermaid(nasty))
    question = nasty.graph.nodes["graph"]["label"]
    assert nodes["n_graph"][1].split() == question.split()
    assert "#35;" in question and "#35;" in nodes["n_graph"][1]  # literal text survives
    assert nodes["n_end"][1] == nasty.graph.nodes["end"]["label"]
    item = nasty.graph.nodes["style"]["items"][0].text
    assert " ".join(item.split()) in " ".join(nodes["n_style"][1].split())
    assert ("n_graph", "n_click", "otherwise") in edges


def test_mermaid_is_deterministic(seed: Pathway) -> None:
    assert to_mermaid(seed) == to_mermaid(_load(SEED))


# ---------------------------------------------------------------- golden files


@pytest.mark.parametrize(("name", "make_text"), [("seed.dot", to_dot), ("seed.mmd", to_mermaid)])
def test_golden(seed: Pathway, name: str, make_text: object) -> None:
    assert callable(make_text)
    text: str = make_text(seed)
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with CAREPATH_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed: review the difference, then regenerate with CAREPATH_UPDATE_GOLDEN=1"
    )


# ---------------------------------------------------------------- the command line


def _carepath(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepath", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["dot", "svg", "png", "pdf", "mermaid"])
def test_cli_render_formats(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"seed.{fmt}"
    done = _carepath("render", str(SEED), "-f", fmt, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = out.read_bytes()
    magic = {
        "dot": b"digraph",
        "svg": b"<?xml",
        "png": b"\x89PNG",
        "pdf": b"%PDF",
        "mermaid": b"---\nconfig:",
    }
    assert data.startswith(magic[fmt])


def test_cli_highlight_and_diagnostics(tmp_path: Path) -> None:
    patient = tmp_path / "p.json"
    patient.write_text('{"fracture_age": "4 weeks"}', encoding="utf-8")
    out = tmp_path / "p.dot"
    done = _carepath("render", str(SEED), "--highlight", str(patient), "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert re.search(r'outside_pathway \[.*class="cp-node cp-path"', text)
    assert re.search(r'conservative_care \[.*class="cp-node cp-faded"', text)
    bad = tmp_path / "bad.json"
    bad.write_text('{"pain": "sever"}', encoding="utf-8")
    done = _carepath("render", str(SEED), "--highlight", str(bad), "-o", str(tmp_path / "x.svg"))
    assert done.returncode == 2 and "CP404" in done.stderr and "severe" in done.stderr
    assert not (tmp_path / "x.svg").exists()
    done = _carepath("render", str(NASTY), "--diagnostics", "-f", "dot")
    assert done.returncode == 0, done.stderr
    assert re.search(r'click \[.*class="cp-node cp-problem cp-warning"', done.stdout)
    assert "CP205" in done.stdout


def test_cli_without_dot_exits_2_with_cp501(tmp_path: Path) -> None:
    out = tmp_path / "seed.svg"
    env = {**os.environ, "PATH": str(tmp_path)}
    done = _carepath("render", str(SEED), "-f", "svg", "-o", str(out), env=env)
    assert done.returncode == 2
    assert "CP501" in done.stderr and "Graphviz" in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    done = _carepath("render", str(SEED), "-f", "mermaid", "-o", str(out), env=env)
    assert done.returncode == 0  # Mermaid needs no Graphviz


def test_cli_bad_pathway(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cpath"
    broken.write_text('pathway p "P"\nstart nowhere\n', encoding="utf-8")
    done = _carepath("render", str(broken), "-o", str(tmp_path / "b.svg"))
    assert done.returncode == 1 and "CP101" in done.stderr
    assert not (tmp_path / "b.svg").exists()
    done = _carepath("render", str(tmp_path / "missing.cpath"), "-o", str(tmp_path / "m.svg"))
    assert done.returncode == 2 and "CP006" in done.stderr


def test_cli_diagnostics_draws_a_broken_pathway_with_its_errors_marked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cpath"
    broken.write_text(
        'pathway broken "Broken"\ninput a: boolean\nstart d\ndecision d "D?"\n'
        '  when a -> yes\n  when nme -> no\n  otherwise -> no\nend yes "Yes"\nend no "No"\n',
        encoding="utf-8",
    )
    out = tmp_path / "broken.svg"
    done = _carepath("render", str(broken), "--diagnostics", "-o", str(out))
    assert done.returncode == 1 and "CP102" in done.stderr
    svg = ET.fromstring(out.read_bytes())
    decision = _group(svg, "node-d")
    assert decision.get("class") == "node cp-node cp-problem cp-error"
    anchor = decision.find(f".//{SVG_NS}a")
    assert anchor is not None
    assert anchor.get("{http://www.w3.org/1999/xlink}title") == "error[CP102]: unknown name `nme`"
    assert "cp-problem" not in _group(svg, "node-yes").get("class", "")


def test_highlight_marks_where_an_incomplete_path_stops(seed: Pathway) -> None:
    result = evaluate(seed, {"fracture_age": 10 * Fraction(604800)})
    assert result.status == "incomplete"
    stop = result.path[-1]
    svg = _svg(to_dot(seed, DotOptions(highlight=result)))
    g = _group(svg, f"node-{stop}")
    assert "cp-stopped" in g.get("class", "").split()
    anchor = g.find(f".//{SVG_NS}a")
    assert anchor is not None
    title = anchor.get("{http://www.w3.org/1999/xlink}title")
    assert title == f"the path stops here: needs {', '.join(result.needs)}"
    stopped = [x for x in svg.iter(f"{SVG_NS}g") if "cp-stopped" in (x.get("class") or "")]
    assert len(stopped) == 1


def test_a_branch_on_a_score_says_what_the_score_is_made_of() -> None:
    from carepath.compiler.pathway import load_text
    from carepath.render.dot import to_dot
    from carepath.render.html import Page, environment, render_page

    text = (
        'pathway s "Scored"\ninput fever: boolean\ninput cough: boolean\n'
        "define risk = points of (2 if fever, 1 if cough)\ndefine high = risk >= 2\n"
        'start d\ndecision d "High?"\n  when high -> t\n  otherwise -> w\nend t "T"\nend w "W"\n'
    )
    loaded = load_text(text, "s.cpath")
    assert loaded.pathway is not None
    dot = to_dot(loaded.pathway)
    # Through `high` to the score it reads: both, on the branch's tooltip.
    assert (
        'tooltip="high\\nwhere risk = points of (2 if fever, 1 if cough)\\nwhere high = risk >= 2"'
        in dot
    )
    page = render_page(environment(), Page("s.cpath", "s", loaded), lambda p, d: "<svg></svg>")
    assert "<td><code>points of (2 if fever, 1 if cough)</code></td>" in page

"""The pathway graph has exactly the attributes docs/graph.md documents,
checked on the example pathway printed there."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import networkx as nx

from carepath.compiler import ir
from carepath.compiler.check import check_text
from carepath.compiler.pathway import load_text

DOC = Path(__file__).resolve().parent.parent / "docs" / "graph.md"


def example() -> str:
    blocks: list[str] = re.findall(r"```carepath\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (text,) = [b for b in blocks if b.startswith("pathway ")]
    return text


def graph_of(text: str) -> nx.DiGraph:
    loaded = load_text(text, "g.cpath")
    assert loaded.pathway is not None
    return loaded.pathway.graph


def test_example_is_clean() -> None:
    loaded = check_text(example(), "g.cpath")
    assert [d for d in loaded.diagnostics if d.severity >= d.severity.ERROR] == []
    assert load_text(example(), "g.cpath").diagnostics == ()


def test_graph_attributes() -> None:
    graph = graph_of(example())
    assert graph.graph == {
        "id": "vcf_mini",
        "title": "Mini vertebral fracture pathway",
        "start": "triage",
    }


def test_nodes() -> None:
    graph = graph_of(example())
    assert list(graph.nodes) == [
        "triage",
        "conservative",
        "review",
        "surgeon",
        "augmentation",
        "done",
    ]
    kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
    assert kinds == {
        "triage": "decision",
        "conservative": "action",
        "review": "decision",
        "surgeon": "end",
        "augmentation": "end",
        "done": "end",
    }
    for node, data in graph.nodes(data=True):
        assert {"kind", "label", "span", "notes", "citations"} <= set(data), node
        assert data["span"].file == "g.cpath"
    triage = graph.nodes["triage"]
    assert triage["label"] == "Red flags?"
    assert triage["policy"] == "first"
    assert triage["span"].line == 11
    assert graph.nodes["review"]["policy"] == "unique"
    assert graph.nodes["conservative"]["next"] == "review"
    assert graph.nodes["augmentation"]["citations"] == ("overview",)
    assert all(graph.nodes[e]["has_outcome"] for e in ("surgeon", "augmentation", "done"))


def test_branches() -> None:
    branches = graph_of(example()).nodes["triage"]["branches"]
    assert [(b.index, b.target, b.guard_text) for b in branches] == [
        (0, "surgeon", "neuro_deficit"),
        (1, "conservative", "fracture_age < 6 weeks"),
        (2, "surgeon", "pain == severe"),
        (3, "conservative", "otherwise"),
    ]
    assert [b.is_otherwise for b in branches] == [False, False, False, True]
    assert branches[3].guard is None
    threshold = branches[1].guard
    assert isinstance(threshold, ir.Compare) and isinstance(threshold.right, ir.Const)
    # Exact, in SI base units, remembering how it was written.
    assert threshold.right.value == Fraction(6 * 7 * 24 * 3600)
    assert threshold.right.text == "6 weeks"


def test_items() -> None:
    items = graph_of(example()).nodes["conservative"]["items"]
    first, second = items
    assert (first.kind, first.text, first.citations, first.strength, first.guard) == (
        "recommend",
        "Acetaminophen as first-line analgesic",
        ("overview",),
        "strong",
        None,
    )
    assert (second.kind, second.guard_text) == ("consider", "pain in {moderate, severe}")
    assert isinstance(second.guard, ir.InSet)
    assert second.guard.values == frozenset({"moderate", "severe"})


def test_edges() -> None:
    graph = graph_of(example())
    edges = {(u, v): (d["kind"], d["branches"]) for u, v, d in graph.edges(data=True)}
    assert edges == {
        # Two branches to the same target share one edge.
        ("triage", "surgeon"): ("branch", (0, 2)),
        ("triage", "conservative"): ("branch", (1, 3)),
        ("conservative", "review"): ("next", ()),
        ("review", "augmentation"): ("branch", (0,)),
        ("review", "done"): ("branch", (1,)),
    }
    assert graph.edges["triage", "surgeon"]["span"].line == 12
    assert graph.edges["conservative", "review"]["span"].line == 20
    assert all(graph.out_degree(e) == 0 for e in ("surgeon", "augmentation", "done"))
    assert nx.is_directed_acyclic_graph(graph)


HEAD = 'pathway p "P"\n\ninput a: boolean "A"\ninput n: integer\n\n'


def test_start_is_none_without_exactly_one_known_start() -> None:
    body = 'decision d "Q?"\n  when a -> e\n  otherwise -> e\n\nend e "E"\n'
    assert graph_of(HEAD + body).graph["start"] is None
    assert graph_of(HEAD + "start d\nstart e\n\n" + body).graph["start"] is None
    assert graph_of(HEAD + "start nowhere\n\n" + body).graph["start"] is None
    assert graph_of(HEAD + "start e\n\n" + body).graph["start"] == "e"


def test_unknown_targets_and_bad_branches_leave_no_trace() -> None:
    body = (
        "start d\n\n"
        'decision d "Q?"\n'
        "  when a -> missing\n"
        "  when n and a -> e\n"  # a type error: the branch is left out
        "  when not a -> e\n"
        "  otherwise -> e\n\n"
        'action x "X"\n  next gone\n\n'
        "end e\n"
    )
    loaded = load_text(HEAD + body, "g.cpath")
    assert sorted(d.code for d in loaded.diagnostics) == ["CP101", "CP101", "CP106"]
    assert loaded.pathway is not None
    graph = loaded.pathway.graph
    branches = graph.nodes["d"]["branches"]
    assert [(b.index, b.target) for b in branches] == [(0, "missing"), (1, "e"), (2, "e")]
    assert set(graph.edges) == {("d", "e")}
    assert graph.edges["d", "e"]["branches"] == (1, 2)
    assert graph.nodes["x"]["next"] == "gone"
    assert graph.nodes["e"]["has_outcome"] is False
    assert graph.nodes["e"]["label"] == ""

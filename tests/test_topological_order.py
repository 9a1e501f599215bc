"""The logic analysis orders strongly connected components exactly as networkx's
condensation and topological sort do: the order decides which witness is shown."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.compiler.checks.logic_analysis import _topological_order

_EDGES = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(nodes=st.permutations(range(12)), edges=_EDGES)
def test_components_come_in_networkx_order(nodes: list[int], edges: list[tuple[int, int]]) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(f"n{i}" for i in nodes)
    graph.add_edges_from((f"n{a}", f"n{b}") for a, b in edges)
    components = list(nx.strongly_connected_components(graph))
    expected = list(nx.topological_sort(nx.condensation(graph, components)))
    assert _topological_order(graph, components) == expected


def test_a_graph_with_a_loop_and_a_self_loop() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "d"), ("a", "d")])
    components = list(nx.strongly_connected_components(graph))
    order = [sorted(components[i]) for i in _topological_order(graph, components)]
    assert order == [["a"], ["b", "c"], ["d"]]

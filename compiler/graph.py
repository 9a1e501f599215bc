"""Resolved declarations -> the pathway as a ``networkx.DiGraph`` (the IR).

A pure function; docs/graph.md documents every attribute.

Nodes are keyed by node id, with attributes

- ``kind``: ``"decision"``, ``"action"`` or ``"end"``
- ``label``: the question, action or outcome as written
- ``span``: where the node is declared
- ``notes``, ``citations``: tuples of text and reference ids
- decisions: ``policy`` (``"unique"`` or ``"first"``), ``branches`` (tuple of
  :class:`~carepath.compiler.ir.BranchIR`, in written order, ``otherwise`` last)
- actions and ends: ``items`` (tuple of :class:`~carepath.compiler.ir.ItemIR`)
- actions: ``next`` (node id or None); ends: ``has_outcome``

Edges carry ``kind`` (``"branch"`` or ``"next"``) and ``branches``: the indices
of the decision's branches that lead along this edge (two branches of one
decision may lead to the same node). Graph attributes: ``id``, ``title``,
``start`` (the start node id, or None).
"""

from __future__ import annotations

import networkx as nx

from carepath.dsl import ast

from .resolve import Resolved


def build_graph(resolved: Resolved) -> nx.DiGraph:
    graph = nx.DiGraph(id=resolved.header.id, title=resolved.header.title)
    starts = [s.target.id for s in resolved.starts if s.target.id in resolved.nodes]
    graph.graph["start"] = starts[0] if len(starts) == 1 else None
    for node in resolved.nodes.values():
        attrs: dict[str, object] = {
            "label": node.label,
            "span": node.span,
            "notes": node.notes,
            "citations": tuple(c.reference for c in node.citations),
        }
        if isinstance(node, ast.Decision):
            attrs.update(
                kind="decision", policy=node.policy, branches=resolved.branches.get(node.id, ())
            )
        elif isinstance(node, ast.Action):
            attrs.update(
                kind="action",
                items=resolved.items.get(node.id, ()),
                next=node.next.id if node.next else None,
            )
        elif isinstance(node, ast.End):
            attrs.update(
                kind="end",
                items=resolved.items.get(node.id, ()),
                has_outcome=node.has_label and bool(node.label.strip()),
            )
        graph.add_node(node.id, **attrs)
    for node_id, data in graph.nodes(data=True):
        if data["kind"] == "decision":
            for branch in data["branches"]:
                if branch.target not in resolved.nodes:
                    continue
                if graph.has_edge(node_id, branch.target):
                    graph.edges[node_id, branch.target]["branches"] += (branch.index,)
                else:
                    graph.add_edge(
                        node_id,
                        branch.target,
                        kind="branch",
                        branches=(branch.index,),
                        span=branch.span,
                    )
        elif data["kind"] == "action" and data["next"] in resolved.nodes:
            node = resolved.nodes[node_id]
            assert isinstance(node, ast.Action) and node.next is not None
            graph.add_edge(node_id, data["next"], kind="next", branches=(), span=node.next.span)
    return graph

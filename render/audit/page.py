"""``carepath audit --format html``: one self-contained page: the flowchart with
each edge as wide as the patients along it, then the tables of the text report."""

from __future__ import annotations

from markupsafe import Markup

from carepath.compiler.audit.counts import AuditResult
from carepath.compiler.pathway import Pathway
from carepath.render.dot import (
    START_EDGE_DOM_ID,
    DotOptions,
    branch_dom_id,
    next_dom_id,
    run_dot,
    to_dot,
)
from carepath.render.html import environment

from .text import share


def edge_flow(pathway: Pathway, result: AuditResult) -> dict[str, int]:
    """Patients along each edge of the flowchart, by the edge's DOM id."""
    flow: dict[str, int] = {}
    if pathway.start is not None:
        flow[START_EDGE_DOM_ID] = result.nodes.get(pathway.start, 0)
    for b in result.branches:
        flow[branch_dom_id(b.decision, b.index)] = b.patients
    for node, n in result.nodes.items():
        data = pathway.graph.nodes[node]
        if data["kind"] == "action" and data.get("next") is not None:
            flow[next_dom_id(node)] = n
    return flow


def audit_page(pathway: Pathway, result: AuditResult) -> str:
    svg = run_dot(to_dot(pathway, DotOptions(flow=edge_flow(pathway, result))), "svg")
    text = svg.data.decode("utf-8")
    start = text.find("<svg")
    return (
        environment()
        .get_template("audit.html")
        .render(
            result=result,
            svg=Markup(text[start:] if start >= 0 else text),
            share=share,
            needs=sorted(result.needs.items(), key=lambda kv: (-kv[1], kv[0])),
        )
    )

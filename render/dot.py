"""The pathway as a Graphviz flowchart: DOT text, and SVG/PNG/PDF through ``dot``.

Clinical flowchart conventions: a rounded *Start* terminal points at the start
node, decisions are diamonds holding the question, actions are boxes holding
their first few recommendations (✓ recommend, ? consider, ✗ avoid, "+N more"),
ends are rounded terminals, and every branch edge carries its condition as a
clinician writes it. The renderer has one method per node kind, as sqlglot's
generator does; :data:`DotRenderer.NODE_KINDS` is the dispatch table.

Every label is an HTML-like label whose text is entity-escaped
(:func:`~carepath.render.labels.html_text`), and every other string attribute
is escaped for DOT's quoted strings, so no label can break the DOT, the SVG or
the page the SVG is embedded in. Output is deterministic: nodes in declaration
order, edges in branch order.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import graphviz

from carepath.compiler import ir
from carepath.compiler.evaluate import COMPLETE, Result
from carepath.compiler.pathway import Pathway
from carepath.dsl import ast
from carepath.dsl.diagnostics import Diagnostic, Severity
from carepath.dsl.spans import Span

from .labels import (
    ITEM_MARKS,
    condition_text,
    dot_string,
    group_heading,
    html_text,
    item_text,
    name_text,
    wrap,
)

FONT = "Helvetica,Arial,sans-serif"
MAX_ITEMS = 3
DOT_TIMEOUT_S = 120

# Colours: highlighted path, faded rest, checker findings.
PATH_COLOUR = "#0b5cad"
FADED_COLOUR = "#b0b0b0"
FADED_TEXT = "#8a8a8a"
STOPPED_COLOUR = "#b35c00"
PROBLEM_COLOUR = "#c62828"
PROBLEM_COLOURS = {
    Severity.ERROR: PROBLEM_COLOUR,
    Severity.WARNING: "#b35c00",
    Severity.INFO: "#6a1b9a",
}
FILL = {"start": "#e8f1fb", "decision": "#fff8e1", "action": "#ffffff", "end": "#e8f5e9"}

FORMATS = ("dot", "svg", "png", "pdf")

# Past this many nodes Graphviz's defaults take minutes (measured: a generated
# 1000-node pathway spent over 3 minutes in x-positioning and spline routing, see
# bench/bench_render.py): straight edges and bounded network-simplex and
# crossing-minimisation passes bring it to seconds.
LARGE_GRAPH = 200
LARGE_GRAPH_LAYOUT = {"splines": "line", "nslimit": "0.05", "mclimit": "0.3"}


class RenderError(Exception):
    """Drawing failed; ``code`` is a CP5xx code from :mod:`carepath.render.codes`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DotOptions:
    """What to draw besides the pathway itself."""

    highlight: Result | None = None  # this patient's path, bold; the rest faded
    diagnostics: tuple[Diagnostic, ...] = ()  # findings to mark on nodes and branches
    links: bool = False  # nodes link to ``#step-<id>`` sections (for the HTML page)
    max_items: int = MAX_ITEMS
    # Patients along each edge (by its DOM id), for an audit: widths and labels.
    flow: Mapping[str, int] | None = None


FLOW_MAX_WIDTH = 12.0


def flow_width(patients: int, most: int) -> float:
    """An edge's pen width for ``patients`` of ``most`` (the busiest edge): from 1
    for none to FLOW_MAX_WIDTH, in proportion."""
    if most <= 0:
        return 1.0
    return round(1 + (FLOW_MAX_WIDTH - 1) * patients / most, 2)


def start_id(pathway: Pathway) -> str:
    """The Start terminal's node id: one that no pathway node can have."""
    return "(start)"


def section_id(node: str) -> str:
    """The id of a node's section on the HTML page (flowchart nodes link there)."""
    return f"step-{node}"


def node_dom_id(node: str) -> str:
    return f"node-{node}"


def branch_dom_id(decision: str, index: int) -> str:
    return f"edge-{decision}-{index}"


def next_dom_id(action: str) -> str:
    return f"edge-{action}-next"


START_DOM_ID = "node-start"
START_EDGE_DOM_ID = "edge-start"


@dataclass
class _Marks:
    """Which parts of the chart a highlight or the checker singles out."""

    nodes: set[str] = field(default_factory=set)
    edges: set[str] = field(default_factory=set)  # DOM ids of edges on the path
    problems: dict[str, list[Diagnostic]] = field(default_factory=dict)  # DOM id -> findings
    stopped: dict[str, str] = field(default_factory=dict)  # DOM id -> why the path stops there


class DotRenderer:
    """Builds a ``graphviz.Digraph`` for one pathway; call :meth:`render` for DOT text."""

    NODE_KINDS: ClassVar[dict[str, str]] = {
        "decision": "decision_node",
        "action": "action_node",
        "end": "end_node",
    }

    def __init__(self, pathway: Pathway, options: DotOptions | None = None) -> None:
        self.pathway = pathway
        self.options = options or DotOptions()
        self.guards = _written_guards(pathway.syntax)
        self.marks = _marks(pathway, self.options)
        graph_attr = {
            "rankdir": "TB",
            "fontname": FONT,
            "nodesep": "0.4",
            "ranksep": "0.45",
            "tooltip": dot_string(pathway.title),
            "id": "flowchart",
        }
        if pathway.graph.number_of_nodes() > LARGE_GRAPH:
            graph_attr.update(LARGE_GRAPH_LAYOUT)
        self.dot = graphviz.Digraph(
            name=pathway.id,
            graph_attr=graph_attr,
            node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.15,0.08"},
            edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.8"},
        )

    # ------------------------------------------------------------ entry point

    def render(self) -> str:
        self.start_terminal()
        graph = self.pathway.graph
        for node, data in graph.nodes(data=True):
            method: Callable[[str, dict[str, Any]], None] = getattr(
                self, self.NODE_KINDS[data["kind"]]
            )
            method(node, data)
        for node, data in graph.nodes(data=True):
            if data["kind"] == "decision":
                for branch in data["branches"]:
                    if branch.target in graph:
                        self.branch_edge(node, branch, data["policy"])
            elif data["kind"] == "action" and data["next"] in graph:
                self.next_edge(node, data["next"])
        source: str = self.dot.source
        return source

    # ------------------------------------------------------------ nodes, one method per kind

    def start_terminal(self) -> None:
        start = self.pathway.start
        on_path = self.options.highlight is not None and bool(self.options.highlight.path)
        self.dot.node(
            start_id(self.pathway),
            label=_html_label([f"<B>{html_text('Start')}</B>"]),
            shape="box",
            fillcolor=FILL["start"],
            id=START_DOM_ID,
            **_with_style(self._emphasis(START_DOM_ID, on_path), "rounded,filled"),
        )
        if start is not None and start in self.pathway.graph:
            attrs = self._edge_emphasis(START_EDGE_DOM_ID, on_path)
            self._flow(START_EDGE_DOM_ID, attrs)
            flow = self._flow_lines(START_EDGE_DOM_ID)
            if flow:
                attrs["label"] = _html_label(flow)
            self.dot.edge(start_id(self.pathway), start, id=START_EDGE_DOM_ID, **attrs)

    def decision_node(self, node: str, data: dict[str, Any]) -> None:
        lines = [html_text(line) for line in wrap(data["label"] or name_text(node))]
        self.dot.node(
            node,
            label=_html_label(lines),
            shape="diamond",
            fillcolor=FILL["decision"],
            **self._node_common(node, data, data["label"], "filled"),
        )

    def action_node(self, node: str, data: dict[str, Any]) -> None:
        self.dot.node(
            node,
            label=_html_label(self._titled_items(data["label"] or name_text(node), data["items"])),
            shape="box",
            fillcolor=FILL["action"],
            **self._node_common(node, data, self._full_text(data), "filled"),
        )

    def end_node(self, node: str, data: dict[str, Any]) -> None:
        title = data["label"] if data.get("has_outcome") else name_text(node)
        self.dot.node(
            node,
            label=_html_label(self._titled_items(title, data["items"])),
            shape="box",
            fillcolor=FILL["end"],
            **self._node_common(node, data, self._full_text(data), "rounded,filled,bold"),
        )

    # ------------------------------------------------------------ edges

    def branch_edge(self, decision: str, branch: ir.BranchIR, policy: str) -> None:
        dom_id = branch_dom_id(decision, branch.index)
        text = self.branch_text(branch)
        if policy == "first" and not branch.is_otherwise:
            text = f"{branch.index + 1}. {text}"
        lines = [html_text(line) for line in wrap(text)]
        on_path = dom_id in self.marks.edges
        attrs = self._edge_emphasis(dom_id, on_path)
        if branch.is_otherwise:
            attrs.setdefault("style", "dashed")
        lines += self._flow_lines(dom_id)
        self._flow(dom_id, attrs)
        self.dot.edge(
            decision,
            branch.target,
            label=_html_label(lines, bold=on_path),
            id=dom_id,
            tooltip=dot_string(self._problem_text(dom_id) or text + self._where(branch.guard)),
            **attrs,
        )

    def _where(self, guard: ir.Expr | None) -> str:
        """What the derived values a condition reads are made of, for its tooltip:
        ``where risk = points of (2 if fever, 1 if cough)``."""
        if guard is None:
            return ""
        from carepath.compiler.derived import defines_read, formula

        names = defines_read(self.pathway, guard)
        return "".join(f"\nwhere {name} = {formula(self.pathway, name)}" for name in names)

    def next_edge(self, action: str, target: str) -> None:
        dom_id = next_dom_id(action)
        attrs = self._edge_emphasis(dom_id, dom_id in self.marks.edges)
        self._flow(dom_id, attrs)
        flow = self._flow_lines(dom_id)
        if flow:
            attrs["label"] = _html_label(flow)
        self.dot.edge(action, target, id=dom_id, **attrs)

    def _flow(self, dom_id: str, attrs: dict[str, str]) -> None:
        """An audit's width for the edge: in proportion to the patients along it."""
        flow = self.options.flow
        if flow is None:
            return
        most = max(flow.values(), default=0)
        attrs["penwidth"] = str(flow_width(flow.get(dom_id, 0), most))
        if not flow.get(dom_id):
            attrs["style"] = "dotted"

    def _flow_lines(self, dom_id: str) -> list[str]:
        flow = self.options.flow
        if flow is None:
            return []
        n = flow.get(dom_id, 0)
        return [html_text(f"{n:,} patient{'s' if n != 1 else ''}")]

    def branch_text(self, branch: ir.BranchIR) -> str:
        """The branch condition as a clinician writes it."""
        if branch.is_otherwise:
            return "otherwise"
        written = self.guards.get(branch.span)
        return condition_text(written) if written is not None else branch.guard_text

    # ------------------------------------------------------------ shared pieces

    def _titled_items(self, title: str, items: Sequence[ir.ItemIR]) -> list[str]:
        lines = [f"<B>{html_text(line)}</B>" for line in wrap(title)]
        shown = items[: self.options.max_items]
        group: ir.GroupIR | None = None
        for item in shown:
            if item.group is not None and item.group != group:
                heading = group_heading(item.group.policy, item.group.label)
                lines.extend(_left(f"<I>{html_text(line)}</I>") for line in wrap(heading, 34))
            group = item.group
            condition = self._item_condition(item) if item.guard is not None else None
            text = item_text(item.kind, item.text, condition)
            indent = "   " if group is None else "      "
            first = "" if group is None else "   "
            lines.extend(
                _left(html_text(first + line if n == 0 else line))
                for n, line in enumerate(wrap(text, 34, indent=indent))
            )
        if len(items) > len(shown):
            lines.append(_left(f"<I>+{len(items) - len(shown)} more</I>"))
        return lines

    def _item_condition(self, item: ir.ItemIR) -> str:
        written = self.guards.get(item.span)
        if written is not None:
            return condition_text(written)
        return item.guard_text or ""

    def _full_text(self, data: dict[str, Any]) -> str:
        """Tooltip: the label and every recommendation, untruncated."""
        lines = [data["label"]]
        for item in data["items"]:
            line = f"{ITEM_MARKS.get(item.kind, '•')} {item.text}"
            if item.guard is not None:
                line += f" (if {self._item_condition(item)})"
            lines.append(line)
        return "\n".join(lines)

    def _node_common(
        self, node: str, data: dict[str, Any], tooltip: str, style: str
    ) -> dict[str, str]:
        dom_id = node_dom_id(node)
        shown = self._problem_text(dom_id) or self.marks.stopped.get(dom_id) or tooltip
        attrs = {"id": dom_id, "tooltip": dot_string(shown)}
        if self.options.links:
            attrs["URL"] = dot_string(f"#{section_id(node)}")
        attrs.update(self._emphasis(dom_id, node in self.marks.nodes))
        return _with_style(attrs, style)

    def _emphasis(self, dom_id: str, on_path: bool) -> dict[str, str]:
        attrs: dict[str, str] = {}
        classes = ["cp-node"]
        if self.options.highlight is not None:
            if dom_id in self.marks.stopped:
                # The highlighted path ends here without an outcome (missing data,
                # conflict, no branch, loop): draw the stop, dashed, in amber.
                attrs.update(color=STOPPED_COLOUR, penwidth="3", style="dashed")
                classes.extend(("cp-path", "cp-stopped"))
            elif on_path:
                attrs.update(color=PATH_COLOUR, penwidth="3")
                classes.append("cp-path")
            else:
                attrs.update(color=FADED_COLOUR, fontcolor=FADED_TEXT)
                classes.append("cp-faded")
        if dom_id in self.marks.problems:
            worst = max(d.severity for d in self.marks.problems[dom_id])
            attrs.update(color=PROBLEM_COLOURS[worst], penwidth="3")
            if worst == Severity.INFO:
                attrs["style"] = "dashed"
            classes.append("cp-problem")
            classes.append(f"cp-{worst}")
        attrs["class"] = " ".join(classes)
        return attrs

    def _edge_emphasis(self, dom_id: str, on_path: bool) -> dict[str, str]:
        attrs = self._emphasis(dom_id, on_path)
        attrs["class"] = attrs["class"].replace("cp-node", "cp-edge")
        if self.options.highlight is not None and on_path and dom_id not in self.marks.problems:
            attrs["style"] = "bold"
        if dom_id in self.marks.problems:
            attrs["fontcolor"] = attrs["color"]
        return attrs

    def _problem_text(self, dom_id: str) -> str:
        found = self.marks.problems.get(dom_id, [])
        return "\n".join(f"{d.severity}[{d.code}]: {d.message}" for d in found)


def _with_style(attrs: dict[str, str], base: str) -> dict[str, str]:
    """``attrs`` with the node's own style plus any the emphasis adds (dashed)."""
    extra = attrs.get("style")
    return {**attrs, "style": f"{base},{extra}" if extra else base}


LEFT = "\x00left"  # marks a line to be left-aligned; never in escaped text


def _left(line: str) -> str:
    return line + LEFT


def _html_label(lines: Sequence[str], *, bold: bool = False) -> str:
    """An HTML-like label from already-escaped lines, centred unless marked with
    :func:`_left` (Graphviz puts the alignment on the line break after a line)."""
    parts: list[str] = []
    for i, line in enumerate(lines):
        left = line.endswith(LEFT)
        text = line.removesuffix(LEFT)
        if bold and not text.startswith("<B>"):
            text = f"<B>{text}</B>"
        if left:
            parts.append(text + '<BR ALIGN="LEFT"/>')
        else:
            parts.append(text + ("<BR/>" if i < len(lines) - 1 else ""))
    return "<" + "".join(parts) + ">"


def _written_guards(syntax: ast.PathwayFile) -> dict[Span, ast.Expr]:
    """Branch and item spans -> the condition as written (the AST), for pretty-printing."""
    found: dict[Span, ast.Expr] = {}
    for node in syntax.nodes:
        if isinstance(node, ast.Decision):
            for branch in node.branches:
                found[branch.span] = branch.guard
        elif isinstance(node, ast.Action | ast.End):
            for item in node.items:
                if item.guard is not None:
                    found[item.span] = item.guard
    return found


def _marks(pathway: Pathway, options: DotOptions) -> _Marks:
    marks = _Marks()
    result = options.highlight
    if result is not None:
        marks.nodes.update(result.path)
        if result.path:
            marks.edges.add(START_EDGE_DOM_ID)
        for step in result.steps:
            if step.kind == "decision" and step.branch is not None:
                marks.edges.add(branch_dom_id(step.node, step.branch))
            elif step.kind == "action" and pathway.graph.nodes[step.node]["next"] in result.path:
                marks.edges.add(next_dom_id(step.node))
    if result is not None and result.status != COMPLETE and result.path:
        why = result.message or result.status
        if result.needs:
            why = f"the path stops here: needs {', '.join(result.needs)}"
        marks.stopped[node_dom_id(result.path[-1])] = why
    for diagnostic in options.diagnostics:
        target = locate(pathway, diagnostic.span)
        if target is not None:
            marks.problems.setdefault(target, []).append(diagnostic)
    return marks


def _contains(outer: Span, inner: Span) -> bool:
    return (
        (outer.line, outer.column)
        <= (inner.line, inner.column)
        <= (
            outer.end_line,
            outer.end_column,
        )
    )


def locate(pathway: Pathway, span: Span) -> str | None:
    """The DOM id of the branch or node a finding at ``span`` is about, if any."""
    graph = pathway.graph
    for node, data in graph.nodes(data=True):
        for branch in data.get("branches", ()):
            if _contains(branch.span, span):
                return branch_dom_id(node, branch.index)
    for node, data in graph.nodes(data=True):
        if _contains(data["span"], span):
            return node_dom_id(node)
    return None


# ---------------------------------------------------------------- public functions


def to_dot(pathway: Pathway, options: DotOptions | None = None) -> str:
    """The flowchart as DOT text (deterministic: same pathway and options, same bytes)."""
    return DotRenderer(pathway, options).render()


def dot_program() -> str:
    found = shutil.which("dot")
    if found is None:
        raise RenderError(
            "CP501",
            "Graphviz `dot` was not found on the PATH; install graphviz, "
            "or use -f dot or -f mermaid",
        )
    return found


@dataclass(frozen=True)
class Drawn:
    data: bytes
    warnings: str  # what dot printed on stderr


def run_dot(source: str, fmt: str) -> Drawn:
    """Run Graphviz ``dot`` on DOT text; raises :class:`RenderError` on failure."""
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"unknown format {fmt}")
    try:
        done = subprocess.run(
            [dot_program(), f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError("CP502", f"Graphviz dot took longer than {DOT_TIMEOUT_S} s") from None
    except OSError as error:
        raise RenderError("CP502", f"cannot run Graphviz dot: {error.strerror}") from None
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout:
        raise RenderError(
            "CP502", f"Graphviz dot failed (exit {done.returncode}): {stderr or 'no output'}"
        )
    return Drawn(done.stdout, stderr)


def render(pathway: Pathway, fmt: str, options: DotOptions | None = None) -> bytes:
    """The flowchart in ``fmt`` (dot, svg, png or pdf)."""
    source = to_dot(pathway, options)
    if fmt == "dot":
        return source.encode("utf-8")
    return run_dot(source, fmt).data


def svg_for_page(pathway: Pathway, diagnostics: Iterable[Diagnostic] = ()) -> str:
    """Inline SVG for the HTML page: nodes link to their sections, findings marked;
    the XML prologue and DOCTYPE are dropped so it can sit inside HTML."""
    options = DotOptions(diagnostics=tuple(diagnostics), links=True)
    svg = run_dot(to_dot(pathway, options), "svg").data.decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg

"""The pathway as a Mermaid ``flowchart TD``, as GitHub renders it in Markdown.

Node ids are prefixed (``n_triage``) so that no pathway id can collide with a
Mermaid keyword (``end``, ``graph``, ``subgraph``, ``style``, ``click``,
``class``...). Every label is quoted, and every character Mermaid or the HTML it
produces could read as syntax is written as an entity (``#quot;``, ``#35;``),
so labels are shown exactly as written. One method per node kind, as in
:mod:`carepath.render.dot`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway

from .dot import MAX_ITEMS, _written_guards
from .labels import condition_text, group_heading, item_text, name_text, wrap

START = "start_"  # the Start terminal; pathway node ids all get the n_ prefix
_NAMED = {'"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;"}
# Characters that mean something to Mermaid's lexer or to Markdown/HTML inside a label.
_NUMBERED = set("#;|`\\")


def node_id(node: str) -> str:
    return f"n_{node}"


def escape(text: str) -> str:
    """Text for inside a quoted Mermaid label: markup characters as entities.

    >>> escape('Say "no" <b>#1</b>')
    'Say #quot;no#quot; #lt;b#gt;#35;1#lt;/b#gt;'
    """
    out: list[str] = []
    for char in text:
        if char in _NAMED:
            out.append(_NAMED[char])
        elif char in _NUMBERED or ord(char) < 32:
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def _label(lines: list[str]) -> str:
    return '"' + "<br/>".join(escape(line) for line in lines) + '"'


class MermaidRenderer:
    NODE_KINDS: ClassVar[dict[str, str]] = {
        "decision": "decision_node",
        "action": "action_node",
        "end": "end_node",
    }

    def __init__(self, pathway: Pathway, max_items: int = MAX_ITEMS) -> None:
        self.pathway = pathway
        self.max_items = max_items
        self.guards = _written_guards(pathway.syntax)
        self.lines: list[str] = []

    def render(self) -> str:
        self.lines = [*FRONTMATTER, "flowchart TD"]
        self.lines.append(f"  {START}([{_label(['Start'])}])")
        graph = self.pathway.graph
        for node, data in graph.nodes(data=True):
            method: Callable[[str, dict[str, Any]], None] = getattr(
                self, self.NODE_KINDS[data["kind"]]
            )
            method(node, data)
        start = self.pathway.start
        if start is not None and start in graph:
            self.lines.append(f"  {START} --> {node_id(start)}")
        for node, data in graph.nodes(data=True):
            if data["kind"] == "decision":
                for branch in data["branches"]:
                    if branch.target in graph:
                        self.branch_edge(node, branch, data["policy"])
            elif data["kind"] == "action" and data["next"] in graph:
                self.lines.append(f"  {node_id(node)} --> {node_id(data['next'])}")
        return "\n".join(self.lines) + "\n"

    def decision_node(self, node: str, data: dict[str, Any]) -> None:
        text = wrap(data["label"] or name_text(node))
        self.lines.append(f"  {node_id(node)}{{{_label(text)}}}")

    def action_node(self, node: str, data: dict[str, Any]) -> None:
        text = self._titled_items(data["label"] or name_text(node), data["items"])
        self.lines.append(f"  {node_id(node)}[{_label(text)}]")

    def end_node(self, node: str, data: dict[str, Any]) -> None:
        title = data["label"] if data.get("has_outcome") else name_text(node)
        text = self._titled_items(title, data["items"])
        self.lines.append(f"  {node_id(node)}([{_label(text)}])")

    def branch_edge(self, decision: str, branch: ir.BranchIR, policy: str) -> None:
        if branch.is_otherwise:
            text = "otherwise"
        else:
            written = self.guards.get(branch.span)
            text = condition_text(written) if written is not None else branch.guard_text
            if policy == "first":
                text = f"{branch.index + 1}. {text}"
        arrow = "-.->" if branch.is_otherwise else "-->"
        self.lines.append(
            f"  {node_id(decision)} {arrow}|{_label(wrap(text, EDGE_WRAP))}| "
            f"{node_id(branch.target)}"
        )

    def _titled_items(self, title: str, items: tuple[ir.ItemIR, ...]) -> list[str]:
        lines = wrap(title)
        group: ir.GroupIR | None = None
        for item in items[: self.max_items]:
            if item.group is not None and item.group != group:
                lines.extend(wrap(group_heading(item.group.policy, item.group.label), 34))
            group = item.group
            condition = None
            if item.guard is not None:
                written = self.guards.get(item.span)
                condition = condition_text(written) if written is not None else item.guard_text
            lines.extend(wrap(item_text(item.kind, item.text, condition), 34, indent="   "))
        if len(items) > self.max_items:
            lines.append(f"+{len(items) - self.max_items} more")
        return lines


# carepath wraps every label itself (at word boundaries, quantities kept whole); this
# raises Mermaid's own wrapping width for node labels so that it does not wrap them a
# second time. Edge labels sit in a box Mermaid fixes at 200 px, so carepath wraps
# them at a width that fits it (checked by rendering with Mermaid in Chromium).
FRONTMATTER = ("---", "config:", "  flowchart:", "    wrappingWidth: 1000", "---")
EDGE_WRAP = 22


def to_mermaid(pathway: Pathway) -> str:
    """The flowchart as Mermaid text (deterministic)."""
    return MermaidRenderer(pathway).render()

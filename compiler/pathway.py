"""Loading a pathway: file -> text -> AST -> resolved -> graph, with every diagnostic."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import networkx as nx

from carepath.dsl import ast
from carepath.dsl import codes as _dsl_codes  # noqa: F401 - registers CP0xx
from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.files import STDIN, STDIN_NAME, read_source
from carepath.dsl.parser import parse
from carepath.dsl.suppress import split_suppressed

from . import ir
from .graph import build_graph
from .resolve import resolve


@dataclass(frozen=True)
class Pathway:
    """A parsed and resolved pathway: the graph plus its declarations."""

    file: str
    source: str
    syntax: ast.PathwayFile
    graph: nx.DiGraph = field(hash=False, compare=False)
    inputs: dict[str, ir.InputDecl] = field(hash=False)
    defines: dict[str, ir.DefineDecl] = field(hash=False)
    references: dict[str, ir.ReferenceDecl] = field(hash=False)
    cases: tuple[ir.CaseIR, ...] = ()
    used_inputs: frozenset[str] = frozenset()
    used_defines: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.syntax.header.id

    @property
    def title(self) -> str:
        return self.syntax.header.title

    @property
    def metadata(self) -> ast.Metadata:
        return self.syntax.header.metadata

    @property
    def start(self) -> str | None:
        start: str | None = self.graph.graph.get("start")
        return start


@dataclass(frozen=True)
class Loaded:
    """The outcome of loading one file: the pathway when it could be built, and every
    problem found on the way (sorted by position)."""

    file: str
    pathway: Pathway | None
    diagnostics: tuple[Diagnostic, ...]
    source: str = ""
    # Findings a `# carepath: ignore[...]` comment silenced (for the unused-suppression
    # audit, and for SARIF, which lists them as suppressed rather than dropping them).
    silenced: tuple[Diagnostic, ...] = ()
    checked: bool = False  # every check pass ran (not only parse and resolve)

    @property
    def ok(self) -> bool:
        return self.pathway is not None and not any(
            d.severity >= d.severity.ERROR for d in self.diagnostics
        )


def load_text(text: str, file: str = "<text>") -> Loaded:
    parsed = parse(text, file)
    if parsed.pathway is None:
        return Loaded(file, None, tuple(sorted(parsed.diagnostics, key=Diagnostic.sort_key)), text)
    resolved, problems = resolve(parsed.pathway, text)
    pathway = Pathway(
        file=file,
        source=text,
        syntax=parsed.pathway,
        graph=build_graph(resolved),
        inputs=resolved.inputs,
        defines=resolved.defines,
        references=resolved.references,
        cases=resolved.cases,
        used_inputs=frozenset(resolved.used_inputs),
        used_defines=frozenset(resolved.used_defines),
    )
    diagnostics, silenced = split_suppressed([*parsed.diagnostics, *problems], text)
    return Loaded(
        file, pathway, tuple(sorted(diagnostics, key=Diagnostic.sort_key)), text, tuple(silenced)
    )


def load(path: str | os.PathLike[str], shown_as: str | None = None) -> Loaded:
    """Read and load a pathway file (``-``: standard input), named ``shown_as`` in
    messages when given."""
    text, problem = read_source(path, shown_as=shown_as)
    name = shown_as or (STDIN_NAME if str(path) == STDIN else str(path))
    if text is None:
        assert problem is not None
        return Loaded(name, None, (problem,))
    return load_text(text, name)


def node_conditions(pathway: Pathway, nodes: Iterable[str] | None = None) -> Iterator[ir.Expr]:
    """The conditions written at ``nodes`` (every node when None): branch guards and
    recommendation conditions, in node order."""
    graph = pathway.graph
    for node in graph.nodes if nodes is None else nodes:
        data = graph.nodes[node]
        for branch in data.get("branches", ()):
            if branch.guard is not None:
                yield branch.guard
        for item in data.get("items", ()):
            if item.guard is not None:
                yield item.guard

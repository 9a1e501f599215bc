"""Where each name in a pathway file is declared and where it is used.

Built from the AST the parser gives (the partial one after syntax errors, so that
a half-typed file still has its outline, hovers and references). Names live in
three namespaces, as the resolver reads them: inputs and defines (one namespace,
used in conditions), nodes (after ``start``, ``->``, ``next``, ``expect end`` and
``expect path``) and references (after ``cite``). An enumeration value is a
fourth kind, owned by its input.

>>> text = 'pathway p "P"\\ninput pain: one of mild, severe\\nstart d\\n'
>>> text += 'decision d "Q"\\n  when pain == severe -> e\\n  otherwise -> e\\nend e "E"\\n'
>>> found = index(text, "p.cpath")
>>> [(o.kind.value, o.name, o.span.line, o.span.column) for o in found.uses_of(Kind.NODE, "e")]
[('node', 'e', 5, 26), ('node', 'e', 6, 16), ('node', 'e', 7, 5)]
>>> found.at(5, 19).kind, found.at(5, 19).owner
(<Kind.VALUE: 'enumeration value'>, 'pain')
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from carepath.dsl import ast
from carepath.dsl.parser import ParseResult, parse
from carepath.dsl.spans import Span

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The word before a declared name on its first line.
_DECLARES: dict[type, str] = {
    ast.Input: "input",
    ast.Define: "define",
    ast.Reference: "reference",
    ast.Decision: "decision",
    ast.Action: "action",
    ast.End: "end",
}


_DECLARATION_LINE = re.compile(
    r"(input|setting|define|reference|decision|action|end)[ \t]+([A-Za-z_][A-Za-z0-9_]*)\b"
)


class Kind(enum.Enum):
    INPUT = "input"
    DEFINE = "derived value"
    NODE = "node"
    REFERENCE = "reference"
    VALUE = "enumeration value"

    @property
    def namespace(self) -> str:
        """Names that must not clash: an input and a define are read the same way."""
        return "value" if self in (Kind.INPUT, Kind.DEFINE) else self.name


_KIND_OF_WORD = {
    "input": Kind.INPUT,
    "setting": Kind.INPUT,
    "define": Kind.DEFINE,
    "reference": Kind.REFERENCE,
    "decision": Kind.NODE,
    "action": Kind.NODE,
    "end": Kind.NODE,
}


@dataclass(frozen=True)
class Occurrence:
    """One place a name is written: its declaration or a use. ``owner`` is the
    input an enumeration value belongs to."""

    kind: Kind
    name: str
    span: Span
    declaration: bool = False
    owner: str | None = None


@dataclass(frozen=True)
class Declared:
    """A declared name with the AST node that declares it (None when its block has a
    syntax error)."""

    kind: Kind
    name: str
    span: Span
    node: object
    owner: str | None = None


@dataclass(frozen=True)
class Index:
    text: str
    parsed: ParseResult
    declared: tuple[Declared, ...]
    occurrences: tuple[Occurrence, ...]

    @property
    def pathway(self) -> ast.PathwayFile | None:
        return self.parsed.partial

    def at(self, line: int, column: int) -> Occurrence | None:
        """The name written at ``line``:``column`` (from 1), or just before it, as a
        cursor at the end of a word is on it."""
        for occurrence in self.occurrences:
            s = occurrence.span
            if s.line == line and s.column <= column <= s.end_column:
                return occurrence
        return None

    def declaration(self, kind: Kind, name: str, owner: str | None = None) -> Declared | None:
        for declared in self.declared:
            if (declared.kind, declared.name, declared.owner) == (kind, name, owner):
                return declared
        if kind in (Kind.INPUT, Kind.DEFINE):  # a use is classified by what is declared
            return next(
                (d for d in self.declared if d.kind.namespace == "value" and d.name == name),
                None,
            )
        return None

    def uses_of(self, kind: Kind, name: str, owner: str | None = None) -> list[Occurrence]:
        """Every occurrence of the name, its declaration included, in file order."""
        same = [
            o
            for o in self.occurrences
            if o.name == name and o.kind.namespace == kind.namespace and o.owner == owner
        ]
        return sorted(same, key=lambda o: (o.span.line, o.span.column))

    def names(self, *kinds: Kind) -> list[Declared]:
        return [d for d in self.declared if d.kind in kinds]


def index(text: str, file: str) -> Index:
    parsed = parse(text, file)
    pathway = parsed.partial
    if pathway is None:
        return Index(text, parsed, (), ())
    return _Builder(text, pathway).build(parsed)


class _Builder:
    def __init__(self, text: str, pathway: ast.PathwayFile) -> None:
        self.lines = text.split("\n")
        self.text = text
        self.pathway = pathway
        self.declared: list[Declared] = []
        self.found: list[Occurrence] = []
        self.enums = {
            i.id: i.type.values for i in pathway.inputs if isinstance(i.type, ast.EnumSpec)
        }
        self.defines = {d.id for d in pathway.defines}
        self.values = {i.id for i in pathway.inputs} | self.defines

    def build(self, parsed: ParseResult) -> Index:
        p = self.pathway
        for reference in p.references:
            self._declare(Kind.REFERENCE, reference, reference.id)
        for input_ in p.inputs:
            self._declare(Kind.INPUT, input_, input_.id)
            if isinstance(input_.type, ast.EnumSpec):
                for value, span in zip(input_.type.values, input_.type.value_spans, strict=True):
                    self.declared.append(Declared(Kind.VALUE, value, span, input_, input_.id))
                    self.found.append(Occurrence(Kind.VALUE, value, span, True, input_.id))
        for define in p.defines:
            self._declare(Kind.DEFINE, define, define.id)
            self._expr(define.expr)
        for start in p.starts:
            self._use(Kind.NODE, start.target.id, start.target.span)
        for node in p.nodes:
            self._declare(Kind.NODE, node, node.id)
            self._citations(node.citations)
            if isinstance(node, ast.Decision):
                for branch in node.branches:
                    self._expr(branch.guard)
                    self._use(Kind.NODE, branch.target.id, branch.target.span)
                if node.otherwise is not None:
                    self._use(Kind.NODE, node.otherwise.id, node.otherwise.span)
            elif isinstance(node, ast.Action | ast.End):
                for item in node.items:
                    self._citations(item.citations)
                    if item.guard is not None:
                        self._expr(item.guard)
                if isinstance(node, ast.Action) and node.next is not None:
                    self._use(Kind.NODE, node.next.id, node.next.span)
        for case in p.cases:
            self._case(case)
        self._unparsed()
        occurrences = sorted(self.found, key=lambda o: (o.span.line, o.span.column))
        return Index(self.text, parsed, tuple(self.declared), tuple(occurrences))

    def _unparsed(self) -> None:
        """Names declared in blocks the parser could not read (the one being typed):
        known by the line that begins them, so they can still be completed and found."""
        known = {(d.kind.namespace, d.name) for d in self.declared}
        for number, line in enumerate(self.lines, start=1):
            found = _DECLARATION_LINE.match(line)
            if found is None:
                continue
            kind = _KIND_OF_WORD[found.group(1)]
            name = found.group(2)
            if (kind.namespace, name) in known:
                continue
            known.add((kind.namespace, name))
            column = found.start(2) + 1
            where = Span(self.pathway.span.file, number, column, number, column + len(name))
            self.declared.append(Declared(kind, name, where, None))
            self.found.append(Occurrence(kind, name, where, declaration=True))

    def _declare(self, kind: Kind, node: object, name: str) -> None:
        span: Span = node.span  # type: ignore[attr-defined]
        line = self.lines[span.line - 1] if span.line <= len(self.lines) else ""
        word = "setting" if isinstance(node, ast.Input) and node.setting else _DECLARES[type(node)]
        found = re.match(rf"\s*{word}\s+({re.escape(name)})\b", line)
        column = found.start(1) + 1 if found else span.column
        where = Span(span.file, span.line, column, span.line, column + len(name))
        self.declared.append(Declared(kind, name, where, node))
        self.found.append(Occurrence(kind, name, where, declaration=True))

    def _use(self, kind: Kind, name: str, span: Span, owner: str | None = None) -> None:
        self.found.append(Occurrence(kind, name, span, owner=owner))

    def _citations(self, citations: tuple[ast.Citation, ...]) -> None:
        for citation in citations:
            self._use(Kind.REFERENCE, citation.reference, citation.span)

    def _expr(self, expr: ast.Expr) -> None:
        for name, owner in _names(expr, self.enums):
            if owner is not None:
                self._use(Kind.VALUE, name.name, name.span, owner)
            elif name.name in self.values:
                kind = Kind.DEFINE if name.name in self.defines else Kind.INPUT
                self._use(kind, name.name, name.span)

    def _case(self, case: ast.Case) -> None:
        for assignment in case.given:
            s = assignment.span
            where = Span(s.file, s.line, s.column, s.line, s.column + len(assignment.input))
            self._use(Kind.INPUT, assignment.input, where)
            given = assignment.value
            if given.name is not None and given.name in self.enums.get(assignment.input, ()):
                self._use(Kind.VALUE, given.name, given.span, assignment.input)
        for expectation in case.expectations:
            if expectation.kind in ("end", "path"):
                kind = Kind.NODE
            elif expectation.kind == "needs":
                kind = Kind.INPUT
            else:
                continue
            for name, span in zip(expectation.values, expectation.value_spans, strict=True):
                self._use(kind, name, span)


def _names(
    expr: ast.Expr, enums: dict[str, tuple[str, ...]]
) -> Iterator[tuple[ast.Name, str | None]]:
    """Every name in ``expr``, with the input it is a value of when it is an
    enumeration value (``severe`` in ``pain == severe``)."""
    if isinstance(expr, ast.Name):
        yield expr, None
    elif isinstance(expr, ast.Compare):
        for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
            owner = _enum_input(other, enums)
            if isinstance(side, ast.Name) and owner and side.name in enums[owner]:
                yield side, owner
            else:
                yield from _names(side, enums)
    elif isinstance(expr, ast.InSet):
        yield from _names(expr.operand, enums)
        owner = _enum_input(expr.operand, enums)
        for value in expr.values:
            yield value, owner if owner and value.name in enums[owner] else None
    elif isinstance(expr, ast.PointsOf):
        for weight in expr.weights:
            yield from _names(weight.condition, enums)
    else:
        for child in _children(expr):
            yield from _names(child, enums)


def _enum_input(expr: ast.Expr, enums: dict[str, tuple[str, ...]]) -> str | None:
    return expr.name if isinstance(expr, ast.Name) and expr.name in enums else None


def _children(expr: ast.Expr) -> tuple[ast.Expr, ...]:
    if isinstance(expr, ast.Negate | ast.Not | ast.IsKnown):
        return (expr.operand,)
    if isinstance(expr, ast.Arithmetic):
        return (expr.left, expr.right)
    if isinstance(expr, ast.Chain):
        return (expr.low, expr.middle, expr.high)
    if isinstance(expr, ast.And | ast.Or | ast.CountOf):
        return expr.operands
    return ()

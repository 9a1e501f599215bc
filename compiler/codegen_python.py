"""The compiled evaluator: a pathway -> a standalone, readable Python module.

The generated module imports only the standard library (``fractions``,
``typing``); it needs carepath neither to run nor to be read. Its
``evaluate(patient, written=None, explain=True)`` has the semantics of the
reference interpreter (:mod:`carepath.compiler.evaluate`) and returns the same
result as a ``NamedTuple`` of plain tuples; :func:`to_result` turns it into an
:class:`~carepath.compiler.evaluate.Result` (the differential tests compare the
two on thousands of patients).

How the code is laid out, for the person reading it:

- every number is an exact ``Fraction`` in SI base units, precomputed once as a
  module-level constant (``K0 = Fraction(3628800)  # 6 weeks``);
- every condition (``when`` of a branch or of a recommendation) and every
  ``define`` is a small function of ``get`` (the patient record's ``get``)
  returning ``True``, ``False`` or ``None`` (unknown), with Kleene's logic;
- ``evaluate`` walks the graph: one ``if node == ...`` block per node;
- each line that comes from the pathway is preceded by ``# line N`` and listed
  in ``LINE_MAP`` (generated line -> pathway line) at the end of the module, as
  Jinja2's ``writeline(code, node)`` does: :func:`pathway_lines` maps a
  traceback from generated code back to the pathway.

The output is formatted as ``ruff format`` (default settings) formats it.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\ninput a: boolean\\nstart d\\n'
...               'decision d "A?"\\n  when a -> yes\\n  otherwise -> no\\n'
...               'end yes "Yes"\\nend no "No"\\n').pathway
>>> module = load_module(p)
>>> module.evaluate({"a": True}).outcome
'yes'
>>> to_result(module.evaluate({})) == evaluate(p, {})
True
"""

from __future__ import annotations

import json
import linecache
import re
import sys
import types
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx

from carepath import __version__
from carepath.dsl.spans import Span

from . import evaluate as _ev
from . import ir
from .evaluate import Recommendation, Result, Step, Undetermined, evaluate, reads
from .pathway import Pathway
from .units import DURATION_UNITS

LINE_LENGTH = 88
_KLEENE_HELPERS = '''
def _and(*values):
    """Kleene and: false wins, then unknown."""
    if False in values:
        return False
    return None if None in values else True


def _or(*values):
    """Kleene or: true wins, then unknown."""
    if True in values:
        return True
    return None if None in values else False


class _Range(NamedTuple):
    """A score with unknown criteria: somewhere from low to high (low < high)."""

    low: Fraction
    high: Fraction


def _score(pairs):
    """The points of the criteria that hold; a range while some are unknown."""
    low = high = ZERO
    for points, holds in pairs:
        if holds is None:
            if points < 0:
                low += points
            else:
                high += points
        elif holds:
            low += points
            high += points
    return low if low == high else _Range(low, high)


def _count(*values):
    """count of (...)."""
    return _score((1, v) for v in values)


def _points(*pairs):
    """points of (w if c, ...)."""
    return _score(pairs)


def _ends(value):
    return (value.low, value.high) if isinstance(value, _Range) else (value, value)


def _cmp_range(op, left, right):
    """A comparison decided when every value in the ranges gives the same answer."""
    if left is None or right is None:
        return None
    (a, b), (c, d) = _ends(left), _ends(right)
    if op in {">", ">="}:
        a, b, c, d = c, d, a, b
        op = "<" if op == ">" else "<="
    if op == "<":
        return True if b < c else (False if a >= d else None)
    if op == "<=":
        return True if b <= c else (False if a > d else None)
    apart = b < c or d < a
    single = a == b == c == d
    if op == "==":
        return False if apart else (True if single else None)
    return True if apart else (False if single else None)


def _arith_range(op, left, right):
    """Interval arithmetic; unknown when a divisor's range holds zero."""
    if left is None or right is None:
        return None
    (a, b), (c, d) = _ends(left), _ends(right)
    if op == "+":
        low, high = a + c, b + d
    elif op == "-":
        low, high = a - d, b - c
    else:
        if op == "/":
            if c <= 0 <= d:
                return None
            c, d = 1 / Fraction(d), 1 / Fraction(c)
        corners = (a * c, a * d, b * c, b * d)
        low, high = min(corners), max(corners)
    return low if low == high else _Range(low, high)


def _neg_range(value):
    if value is None:
        return None
    if isinstance(value, _Range):
        return _Range(-value.high, -value.low)
    return -value
'''

_EXPLAIN_HELPERS = """
def _given(name, patient, written):
    value = patient.get(name)
    if value is None:
        return "unknown"
    if written and name in written:
        return written[name]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    how = SHOW[name]
    if how is None:
        return format_number(value)
    if how == "duration":
        return format_duration(value)
    return f"{format_number(value / how[0])} {how[1]}"


def _listing(names, patient, written):
    shown = ", ".join(f"{n}: {_given(n, patient, written)}" for n in names)
    return f" (given {shown})" if shown else ""


def _missing(names, patient):
    return [n for n in names if patient.get(n) is None]


def _took(decision, index, patient, written):
    node, guards, _otherwise = decision
    target, text, names = guards[index]
    why = f"took `{target}` because {text}" + _listing(names, patient, written)
    return (node, "decision", index, why)


def _reads(guards):
    wanted = {n for _target, _text, names in guards for n in names}
    return [n for n in INPUTS if n in wanted]


def _otherwise(decision, patient, written):
    node, guards, (index, target) = decision
    why = f"took `{target}` (otherwise): no other branch holds"
    return (node, "decision", index, why + _listing(_reads(guards), patient, written))


def _items(items, verdicts, patient, written):
    notes = []
    for (text, guard, names, _id), holds in zip(items, verdicts, strict=True):
        if holds is None:
            needs = ", ".join(_missing(names, patient)) or "more data"
            why = f"needs {needs} to know whether {guard}"
            notes.append(f'; "{text}" undetermined: {why}')
        else:
            if holds:
                verdict = f"given because {guard}"
            else:
                verdict = f"left out because `{guard}` is false"
            shown = _listing(names, patient, written)
            notes.append(f'; "{text}" {verdict}{shown}')
    return "".join(notes)


def _did(action, verdicts, patient, written):
    node, label, target, items = action
    why = f"did `{node}`: {label}; next `{target}`"
    return (node, "action", None, why + _items(items, verdicts, patient, written))


def _reached(end, verdicts, patient, written):
    node, label, items = end
    why = f"reached `{node}`: {label}"
    return (node, "end", None, why + _items(items, verdicts, patient, written))
"""

_RUNTIME_HELPERS = '''
def _undetermined(node, item, patient):
    text, _guard, names, item_id = item
    return (node, text, tuple(_missing(names, patient)), item_id)


def _finish(status, outcome, needs, message, path, steps, recs, undetermined):
    # tuple.__new__ skips NamedTuple's slower Python-level __new__ (once per patient).
    return _new_result(
        Result,
        (
            status,
            tuple(path),
            tuple(steps),
            tuple(recs),
            outcome,
            needs,
            tuple(undetermined),
            message,
        ),
    )


_new_result = tuple.__new__


def _blocked(decision, verdicts, patient):
    """(needs, explanation) when unknown branches block a decision."""
    _node, guards, _otherwise = decision
    unknown = [g for g, v in zip(guards, verdicts, strict=False) if v is None]
    wanted = {n for _t, _x, names in unknown for n in names if patient.get(n) is None}
    needs = tuple(n for n in INPUTS if n in wanted)
    conditions = "; ".join(text for _target, text, _names in unknown)
    needed = ", ".join(needs) or "more data"
    return needs, f"cannot decide: needs {needed} to know whether {conditions}"


def _conflict(decision, verdicts, patient, written):
    _node, guards, _otherwise = decision
    true = [g for g, v in zip(guards, verdicts, strict=True) if v is True]
    names = ", ".join(f"`{target}`" for target, _text, _names in true)
    shown = _listing(_reads(true), patient, written)
    return f"branches to {names} all hold: the decision is ambiguous{shown}"


def _stuck(decision, patient, written):
    _node, guards, _otherwise = decision
    shown = _listing(_reads(guards), patient, written)
    return f"no branch holds and there is no `otherwise`{shown}"
'''


@dataclass(frozen=True)
class Generated:
    """A generated module's source and its line map (generated line -> pathway line)."""

    source: str
    line_map: dict[int, int]


# ---------------------------------------------------------------- writing lines


@dataclass(frozen=True)
class Str:
    """A string literal, split in parentheses when it does not fit."""

    text: str


@dataclass(frozen=True)
class Tup:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Str | Tup | Call | str  # a bare str is code that is never split


def flat(node: Node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Str):
        return _quote(node.text)
    if isinstance(node, Tup):
        inner = ", ".join(flat(i) for i in node.items)
        return f"({inner},)" if len(node.items) == 1 else f"({inner})"
    return f"{node.function}({', '.join(flat(a) for a in node.args)})"


def _width(text: str) -> int:
    """Columns as ruff counts them (E501, the formatter): East Asian wide and full-width
    characters (日, 🙂) take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def layout(node: Node, column: int, indent: int, tail: int, width: int) -> str:
    """``node`` placed at ``column``; continuation lines at ``indent``; ``tail``
    characters follow it. Exploded brackets put one item per line with a trailing
    comma (ruff keeps that layout: a "magic trailing comma")."""
    text = flat(node)
    if column + _width(text) + tail <= width or isinstance(node, str):
        return text
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(node, Str):
        room = width - indent - 4
        chunks: list[str] = []
        current = ""
        for word in re.split(r"(?<= )", node.text):
            if current and _width(_quote(current + word)) > room:
                chunks.append(current)
                current = word
            else:
                current += word
        chunks.append(current)
        body = "\n".join(inner + _quote(c) for c in chunks)
        return f"(\n{body}\n{pad})"
    items = node.items if isinstance(node, Tup) else node.args
    head = "(" if isinstance(node, Tup) else f"{node.function}("
    if not items:
        return head + ")"
    body = "".join(inner + layout(i, indent + 4, indent + 4, 1, width) + ",\n" for i in items)
    return f"{head}\n{body}{pad})"


class _Writer:
    """Lines of code with the pathway line each one came from (Jinja2's ``writeline``)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origin: list[int | None] = []
        self.indent = 0

    def write(self, code: str, line: int | None = None) -> None:
        for part in code.split("\n"):
            self.lines.append(("    " * self.indent + part) if part else "")
            self.origin.append(line)

    def stmt(self, prefix: str, node: Node, suffix: str = "", line: int | None = None) -> None:
        """``prefix + node + suffix``, laid out to fit the line."""
        width = LINE_LENGTH - 4 * self.indent
        self.write(prefix + layout(node, len(prefix), 0, len(suffix), width) + suffix, line)

    def comment(self, line: int, what: str) -> None:
        text = f"# line {line}: {_one_line(what)}"
        room = LINE_LENGTH - 4 * self.indent
        if _width(text) > room:
            text = text[:room]  # a character is at least one column wide
            while _width(text) > room - 1:
                text = text[:-1]
            text = text.rstrip() + "…"
        self.write(text, line)

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.write("")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str) -> str:
    """A string literal as ruff writes it: double quotes, unless single quotes need
    fewer escapes."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if text.count('"') > text.count("'"):
        return "'" + body.replace('\\"', '"').replace("'", "\\'") + "'"
    return f'"{body}"'


def _strs(names: Iterable[str]) -> Tup:
    return Tup(tuple(Str(n) for n in names))


# ---------------------------------------------------------------- expressions


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Function:
    """Statements computing one expression into temporaries (``t0``, ``t1``, …)."""

    def __init__(self, gen: _Generator, writer: _Writer, line: int) -> None:
        self.gen = gen
        self.w = writer
        self.line = line
        self.count = 0
        self.reads: dict[str, str] = {}

    def temp(self) -> str:
        name = f"t{self.count}"
        self.count += 1
        return name

    def assign(self, code: str, line: int | None = None) -> str:
        name = self.temp()
        self.w.write(f"{name} = {code}", line or self.line)
        return name

    def call(self, function: str, args: list[str]) -> str:
        name = self.temp()
        self.w.stmt(f"{name} = ", Call(function, tuple(args)), line=self.line)
        return name

    def value(self, expr: ir.Expr) -> str:
        """An atom (temporary, constant or literal) holding the expression's value."""
        line = expr.span.line
        if isinstance(expr, ir.Const):
            return self.gen.constant(expr)
        if isinstance(expr, ir.Ref):
            key = ("i:" if expr.is_input else "d:") + expr.name
            if key not in self.reads:
                code = f'get("{expr.name}")' if expr.is_input else f"define_{expr.name}(get)"
                self.reads[key] = self.assign(code, line)
            return self.reads[key]
        if isinstance(expr, ir.Not):
            inner = self.value(expr.operand)
            return self.assign(f"None if {inner} is None else not {inner}", line)
        if isinstance(expr, ir.IsKnown):
            inner = self.value(expr.operand)
            if self.gen.scored(expr.operand):
                return self.assign(f"{inner} is not None and not isinstance({inner}, _Range)", line)
            return self.assign(f"{inner} is not None", line)
        if isinstance(expr, ir.InSet):
            inner = self.value(expr.operand)
            values = self.gen.enum_set(expr.values)
            return self.assign(f"None if {inner} is None else {inner} in {values}", line)
        if isinstance(expr, ir.Compare | ir.Arith) and (
            self.gen.scored(expr.left) or self.gen.scored(expr.right)
        ):
            helper = "_cmp_range" if isinstance(expr, ir.Compare) else "_arith_range"
            left, right = self.value(expr.left), self.value(expr.right)
            return self.call(helper, [f'"{expr.op}"', left, right])
        if isinstance(expr, ir.Compare | ir.Arith):
            left, right = self.value(expr.left), self.value(expr.right)
            if isinstance(expr, ir.Compare) and not left.startswith("t") and right.startswith("t"):
                # `6 weeks > x` is written `x < 6 weeks` (ruff's SIM300: no Yoda conditions).
                left, right = right, left
                expr = ir.Compare(expr.span, _MIRROR[expr.op], expr.right, expr.left)
            unknown = [f"{a} is None" for a in (left, right) if a.startswith("t")]
            if isinstance(expr, ir.Arith) and expr.op == "/":
                unknown.append(f"{right} == 0")
                op = f"Fraction({left}) / {right}"
            elif right in ("True", "False") and expr.op in ("==", "!="):
                # Booleans compare by identity (ruff's E712).
                op = f"{left} {'is' if expr.op == '==' else 'is not'} {right}"
            elif left in ("True", "False") and expr.op in ("==", "!="):
                op = f"{right} {'is' if expr.op == '==' else 'is not'} {left}"
            else:
                op = f"{left} {expr.op} {right}"
            if not unknown:
                return self.assign(op, line)
            return self.assign(f"None if {' or '.join(unknown)} else {op}", line)
        if isinstance(expr, ir.Negate):
            inner = self.value(expr.operand)
            if self.gen.scored(expr.operand):
                return self.call("_neg_range", [inner])
            return self.assign(f"None if {inner} is None else -{inner}", line)
        if isinstance(expr, ir.And | ir.Or):
            operands = [self.value(e) for e in expr.operands]
            return self.call("_and" if isinstance(expr, ir.And) else "_or", operands)
        if isinstance(expr, ir.Count):
            return self.call("_count", [self.value(e) for e in expr.operands])
        if isinstance(expr, ir.Points):
            pairs = [
                f"({self.gen.number(points)}, {self.value(cond)})" for points, cond in expr.weights
            ]
            return self.call("_points", pairs)
        raise TypeError(f"cannot compile {type(expr).__name__}")

    def condition(self, expr: ir.Expr) -> None:
        """A function body returning the condition's truth: True, False or None.

        The outermost ``and``/``or`` stops early, as the interpreter does."""
        if isinstance(expr, ir.And | ir.Or):
            stop = "False" if isinstance(expr, ir.And) else "True"
            self.w.write(f"result = {'True' if stop == 'False' else 'False'}", self.line)
            for operand in expr.operands:
                value = self._truth(self.value(operand))
                self.w.write(f"if {value} is {stop}:", operand.span.line)
                self.w.write(f"    return {stop}", operand.span.line)
                self.w.write(f"if {value} is None:", operand.span.line)
                self.w.write("    result = None", operand.span.line)
            self.w.write("return result", self.line)
            return
        self.w.write(f"return {self._truth(self.value(expr))}", self.line)

    def _truth(self, atom: str) -> str:
        return atom


# ---------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, pathway: Pathway) -> None:
        self.p = pathway
        self.graph: nx.DiGraph = pathway.graph
        self.consts: dict[Fraction, str] = {}
        self.const_notes: dict[str, tuple[str, int]] = {}
        self.sets: dict[frozenset[str], str] = {}
        self.functions = _Writer()
        self.tables = _Writer()
        self.body = _Writer()
        self.defines_done: set[str] = set()
        self.cyclic = self._cyclic_nodes()
        self.table_lines: dict[str, int] = {}
        self.calls: dict[str, str] = {}  # condition function -> the code that calls it
        self.scored_defines = ir.scored_defines(self.p.defines)

    def scored(self, expr: ir.Expr) -> bool:
        return ir.is_scored(expr, self.scored_defines)

    def _cyclic_nodes(self) -> set[str]:
        found: set[str] = set()
        for component in nx.strongly_connected_components(self.graph):
            if len(component) > 1:
                found |= component
        found |= {n for n in self.graph if self.graph.has_edge(n, n)}
        return found

    # -------------------------------------------------------- constants
    def number(self, value: Fraction, note: str = "", line: int = 0) -> str:
        if value == 0:
            return "ZERO"
        if value not in self.consts:
            name = f"K{len(self.consts)}"
            self.consts[value] = name
            self.const_notes[name] = (note, line)
        return self.consts[value]

    def constant(self, const: ir.Const) -> str:
        if isinstance(const.value, bool):
            return "True" if const.value else "False"
        if isinstance(const.value, str):
            return _quote(const.value)
        note = const.text
        if const.unit is not None and not note.endswith(const.unit.text):
            note = f"{note} {const.unit.text}"
        return self.number(const.value, note, const.span.line)

    def enum_set(self, values: frozenset[str]) -> str:
        if values not in self.sets:
            self.sets[values] = f"S{len(self.sets)}"
        return self.sets[values]

    # -------------------------------------------------------- functions
    def define(self, name: str) -> None:
        if name in self.defines_done:
            return
        self.defines_done.add(name)
        decl = self.p.defines[name]
        for dep in sorted(_defines_used(decl.expr)):
            self.define(dep)
        w = self.functions
        w.write(f"def define_{name}(get):", decl.span.line)
        w.indent += 1
        w.comment(decl.span.line, _text_of(self.p, decl.span) or f"define {name}")
        fn = _Function(self, w, decl.span.line)
        w.write(f"return {fn.value(decl.expr)}", decl.span.line)
        w.indent -= 1
        w.blank(2)

    def guard(self, function: str, expr: ir.Expr, span_line: int, what: str) -> None:
        for dep in sorted(_defines_used(expr)):
            self.define(dep)
        if isinstance(expr, ir.Ref):
            # A bare input or derived value needs no function of its own.
            self.calls[function] = (
                f'get("{expr.name}")' if expr.is_input else f"define_{expr.name}(get)"
            )
            return
        self.calls[function] = f"{function}(get)"
        w = self.functions
        w.write(f"def {function}(get):", span_line)
        w.indent += 1
        w.comment(span_line, what)
        _Function(self, w, span_line).condition(expr)
        w.indent -= 1
        w.blank(2)

    # -------------------------------------------------------- module
    def generate(self) -> Generated:
        order = self._node_order()
        tables: list[tuple[str, Node, int]] = []  # (name, code, line)
        for node in order:
            data = self.graph.nodes[node]
            if data["kind"] == "decision":
                self._decision_functions(node, data, tables)
            else:
                self._item_functions(node, data, tables)
        self._evaluate(order)
        return self._assemble(tables)

    def _node_order(self) -> list[str]:
        """Nodes in the order a patient meets them (breadth first from the start)."""
        start = self.p.start
        seen: list[str] = []
        if start is not None and start in self.graph:
            seen = [start, *(v for _, v in nx.bfs_edges(self.graph, start))]
        return seen + [n for n in self.graph if n not in seen]

    def _decision_functions(
        self, node: str, data: dict[str, Any], tables: list[tuple[str, Node, int]]
    ) -> None:
        branches: tuple[ir.BranchIR, ...] = data["branches"]
        guards: list[Node] = []
        otherwise: Node = "None"
        for branch in branches:
            if branch.guard is None:
                otherwise = Tup((str(branch.index), Str(branch.target)))
                continue
            self.guard(
                f"when_{node}_{branch.index}",
                branch.guard,
                branch.span.line,
                f"when {branch.guard_text} -> {branch.target}",
            )
            names = _strs(reads(self.p, branch.guard))
            guards.append(Tup((Str(branch.target), Str(branch.guard_text), names)))
        tables.append((f"D_{node}", Tup((Str(node), Tup(tuple(guards)), otherwise)), 0))
        self.table_lines[f"D_{node}"] = data["span"].line

    def _item_functions(
        self, node: str, data: dict[str, Any], tables: list[tuple[str, Node, int]]
    ) -> None:
        conditional: list[Node] = []
        for index, item in enumerate(data["items"]):
            line = item.span.line
            rec = Tup(
                (
                    Str(node),
                    Str(item.kind),
                    Str(item.text),
                    Str(item.strength) if item.strength else "None",
                    _strs(item.citations),
                    Str(f"{node}.{index + 1}"),
                )
            )
            tables.append((f"R_{node}_{index}", rec, line))
            if item.guard is not None:
                assert item.guard_text is not None
                self.guard(
                    f"item_{node}_{index}",
                    item.guard,
                    item.guard.span.line,
                    f'{item.kind} "{item.text}" when {item.guard_text}',
                )
                names = _strs(reads(self.p, item.guard))
                conditional.append(
                    Tup((Str(item.text), Str(item.guard_text), names, Str(f"{node}.{index + 1}")))
                )
        line = data["span"].line
        items = Tup(tuple(conditional))
        label = Str(data["label"])
        if data["kind"] == "action":
            target: Node = Str(data["next"]) if data["next"] else "None"
            code = Tup((Str(node), label, target, items))
        else:
            code = Tup((Str(node), label, items))
        tables.append((f"N_{node}", code, line))

    # -------------------------------------------------------- evaluate()
    def _evaluate(self, order: list[str]) -> None:
        w = self.body
        w.write("def evaluate(patient, written=None, explain=True):")
        w.indent += 1
        w.write(
            '"""Run the pathway for one patient record (see the module docstring).\n'
            "\n"
            "``patient`` maps input names to values (absent or None: unknown);\n"
            "``written`` optionally maps inputs to the values as the user wrote them,\n"
            "for the explanations; ``explain=False`` leaves explanations empty.\n"
            '"""'
        )
        w.write(
            "get = {**SETTINGS, **patient}.get"
            if _setting_defaults(self.p)
            else "get = patient.get"
        )
        get_line = len(w.lines) - 1
        w.write("path = []\nsteps = []\nrecs = []\nundetermined = []")
        self._walk(order)
        if not any("get(" in line or "(get)" in line for line in w.lines[get_line + 1 :]):
            # No condition reads the record (a pathway without decisions or conditions).
            del w.lines[get_line], w.origin[get_line]

    def _walk(self, order: list[str]) -> None:
        w = self.body
        start = self.p.start
        if start is None or start not in self.graph:
            self._finish("DEAD_END", "None", "()", Str("the pathway has no single start node"))
            w.indent -= 1
            return
        w.write(f"node = {_quote(start)}")
        w.write("while True:")
        w.indent += 1
        for position, node in enumerate(order):
            data = self.graph.nodes[node]
            line = data["span"].line
            keyword = "if" if position == 0 else "elif"
            w.write(f"{keyword} node == {_quote(node)}:", line)
            w.indent += 1
            w.comment(line, f"{data['kind']} {node} {_quote(data['label'])}")
            if node in self.cyclic:
                w.write("if node in path:", line)
                w.write("    return _loop(node, path, steps, recs, undetermined)", line)
            w.write("path.append(node)", line)
            if data["kind"] == "decision":
                self._decision_block(node, data)
            else:
                self._items_block(node, data)
            w.indent -= 1
        w.indent -= 1
        w.indent -= 1

    def _finish(
        self, status: str, outcome: Node, needs: str, message: Node, line: int | None = None
    ) -> None:
        args = (status, outcome, needs, message, "path", "steps", "recs", "undetermined")
        self.body.stmt("return ", Call("_finish", args), line=line)

    def _step(self, explained: Node, quiet: Node, line: int) -> None:
        """Append a step: ``explained`` when explaining, else ``quiet``."""
        w = self.body
        w.write("if explain:", line)
        w.indent += 1
        w.stmt("", Call("steps.append", (explained,)), line=line)
        w.indent -= 1
        w.write("else:", line)
        w.indent += 1
        w.stmt("", Call("steps.append", (quiet,)), line=line)
        w.indent -= 1

    def _decision_block(self, node: str, data: dict[str, Any]) -> None:
        w = self.body
        branches: tuple[ir.BranchIR, ...] = data["branches"]
        guarded = [b for b in branches if b.guard is not None]
        otherwise = next((b for b in branches if b.guard is None), None)
        first = data["policy"] == "first"
        table = f"D_{node}"
        verdicts = [f"b{i}" for i in range(len(guarded))]
        node_line = data["span"].line
        if not first:
            for i, branch in enumerate(guarded):
                call = self.calls[f"when_{node}_{branch.index}"]
                w.write(f"b{i} = {call}", branch.span.line)
            if len(guarded) > 1:
                if len(guarded) == 2:
                    w.write("if b0 is True and b1 is True:", node_line)
                else:
                    w.stmt("if ", Call("_many", tuple(verdicts)), ":", node_line)
                w.indent += 1
                w.stmt(
                    "why = ",
                    Call("_conflict", (table, Tup(tuple(verdicts)), "patient", "written")),
                    line=node_line,
                )
                w.write('steps.append((node, "decision", None, why if explain else ""))')
                self._finish("CONFLICT", "None", "()", "why", node_line)
                w.indent -= 1
        for i, branch in enumerate(guarded):
            line = branch.span.line
            head = "if" if i == 0 else "elif"
            if first:
                call = self.calls[f"when_{node}_{branch.index}"]
                w.write(f"{head} (b{i} := {call}) is True:", line)
            else:
                w.write(f"{head} b{i} is True:", line)
            w.indent += 1
            quiet = Tup((Str(node), Str("decision"), str(branch.index), Str("")))
            took = Call("_took", (table, str(i), "patient", "written"))
            self._step(took, quiet, line)
            self._go(node, branch.target, line)
            w.indent -= 1
            if first:
                w.write(f"elif b{i} is None:", line)
                w.indent += 1
                self._blocked(table, verdicts[: i + 1], line)
                w.indent -= 1
        if not first and guarded:
            inline = " or ".join(f"{v} is None" for v in verdicts)
            if 4 * w.indent + len(inline) + 6 <= LINE_LENGTH:
                w.write(f"elif {inline}:", node_line)
            else:
                w.stmt("elif ", Call("_unknown", tuple(verdicts)), ":", node_line)
            w.indent += 1
            self._blocked(table, verdicts, node_line)
            w.indent -= 1
        if guarded:
            w.write("else:", otherwise.span.line if otherwise else node_line)
            w.indent += 1
        if otherwise is not None:
            line = otherwise.span.line
            quiet = Tup((Str(node), Str("decision"), str(otherwise.index), Str("")))
            self._step(Call("_otherwise", (table, "patient", "written")), quiet, line)
            self._go(node, otherwise.target, line)
        else:
            w.write(f"why = _stuck({table}, patient, written)", node_line)
            w.write('steps.append((node, "decision", None, why if explain else ""))', node_line)
            self._finish("STUCK", "None", "()", "why", node_line)
        if guarded:
            w.indent -= 1

    def _blocked(self, table: str, verdicts: list[str], line: int) -> None:
        w = self.body
        w.stmt(
            "needs, why = ", Call("_blocked", (table, Tup(tuple(verdicts)), "patient")), "", line
        )
        w.write('steps.append((node, "decision", None, why if explain else ""))', line)
        self._finish("INCOMPLETE", "None", "needs", "why", line)

    def _go(self, node: str, target: str, line: int) -> None:
        w = self.body
        if target in self.graph:
            w.write(f"node = {_quote(target)}", line)
            w.write("continue", line)
        else:
            message = Str(f"`{node}` leads to `{target}`, which is no node")
            self._finish("DEAD_END", "None", "()", message, line)

    def _items_block(self, node: str, data: dict[str, Any]) -> None:
        w = self.body
        verdicts: list[str] = []
        run: list[str] = []  # unconditional items waiting to be added in one go

        def flush() -> None:
            if len(run) == 1:
                w.write(f"recs.append({run[0]})", run_lines[0])
            elif run:
                w.stmt("recs += ", Tup(tuple(run)), line=run_lines[0])
            run.clear()
            run_lines.clear()

        run_lines: list[int] = []
        for index, item in enumerate(data["items"]):
            line = item.span.line
            if item.guard is None:
                w.comment(line, f'{item.kind} "{item.text}"')
                run.append(f"R_{node}_{index}")
                run_lines.append(line)
                continue
            flush()
            w.comment(line, f'{item.kind} "{item.text}"')
            c = f"c{len(verdicts)}"
            call = self.calls[f"item_{node}_{index}"]
            w.write(f"{c} = {call}", line)
            w.write(f"if {c} is True:", line)
            w.write(f"    recs.append(R_{node}_{index})", line)
            w.write(f"elif {c} is None:", line)
            w.indent += 1
            found = Call("_undetermined", ("node", f"N_{node}[-1][{len(verdicts)}]", "patient"))
            w.stmt("", Call("undetermined.append", (found,)), line=line)
            w.indent -= 1
            verdicts.append(c)
        flush()
        line = data["span"].line
        shown = Tup(tuple(verdicts))
        if data["kind"] == "end":
            step = Call("_reached", (f"N_{node}", shown, "patient", "written"))
            self._step(step, Tup((Str(node), Str("end"), "None", Str(""))), line)
            self._finish("COMPLETE", Str(node), "()", Str(""), line)
            return
        target = data["next"]
        if target is None or target not in self.graph:
            quiet = Tup((Str(node), Str("action"), "None", Str("")))
            explained = Tup(("node", Str("action"), "None", Str(f"`{node}` has no next step")))
            self._step(explained, quiet, line)
            self._finish("DEAD_END", "None", "()", Str(f"action `{node}` has no `next`"), line)
            return
        step = Call("_did", (f"N_{node}", shown, "patient", "written"))
        self._step(step, Tup((Str(node), Str("action"), "None", Str(""))), line)
        self._go(node, target, line)

    # -------------------------------------------------------- assembly
    def _assemble(self, tables: list[tuple[str, Node, int]]) -> Generated:
        out = _Writer()
        p = self.p
        out.write('"""' + _docstring(p) + '"""')
        out.blank()
        out.write("from __future__ import annotations")
        out.blank()
        out.write("from fractions import Fraction\nfrom typing import NamedTuple")
        out.blank()
        out.stmt("PATHWAY_ID = ", Str(p.id))
        out.stmt("PATHWAY_TITLE = ", Str(p.title))
        out.stmt("SOURCE_FILE = ", Str(p.file))
        out.stmt("CAREPATH_VERSION = ", Str(__version__))
        out.blank()
        for status in _ev.STATUSES:
            out.write(f"{status.upper()} = {_quote(status)}")
        out.blank(2)
        out.write(_RESULT_CLASS.strip("\n"))
        out.blank(2)
        out.write("# Exact constants, in SI base units (seconds, kilograms, metres, ...).")
        out.write("ZERO = Fraction(0)")
        for value, name in self.consts.items():
            note, line = self.const_notes[name]
            code = f"{name} = {self._factor(value)}"
            comment = f"  # {_one_line(note)} (line {line})" if note else ""
            if _width(code + comment) > LINE_LENGTH:
                comment = f"  # line {line}"
            out.write(code + comment, line or None)
        for values, name in self.sets.items():
            out.stmt(f"{name} = ", Call("frozenset", (Tup(tuple(Str(v) for v in sorted(values))),)))
        out.blank()
        out.write("# The inputs in declaration order, and how to show each value.")
        out.stmt("INPUTS = ", _strs(p.inputs))
        defaults = _setting_defaults(p)
        if defaults:
            out.write("# Settings of the place of care, at their defaults (a patient dict may")
            out.write("# give another value, as `carepath run --set` does).")
            entries = "\n".join(
                f"    {_quote(name)}: {self._value(value)}," for name, value in defaults.items()
            )
            out.write("SETTINGS = {\n" + entries + "\n}")
        show = []
        for name, decl in p.inputs.items():
            t = decl.type
            if not isinstance(t, ir.NumberType):
                continue
            how = "None"
            if t.unit is not None:
                how = f"({self._factor(t.unit.factor)}, {_quote(t.unit.text)})"
            elif t.duration:
                how = '"duration"'
            show.append(f"    {_quote(name)}: {how},")
        out.write("SHOW = {\n" + "\n".join(show) + "\n}" if show else "SHOW = {}")
        out.blank()
        out.write(
            "# Decisions: (node, ((target, condition as written, inputs read), ...),\n"
            "# (index, target) of `otherwise` or None). Recommendations: (node, kind,\n"
            "# text, strength, citations, item id). Actions and ends: (node, label,\n"
            "# [next,] conditional items as (text, condition, inputs read, item id))."
        )
        for name, table, line in tables:
            out.stmt(f"{name} = ", table, line=line or self.table_lines.get(name))
        out.blank(2)
        out.write(_number_helpers())
        out.blank(2)
        for helpers in (_KLEENE_HELPERS, _EXPLAIN_HELPERS, _RUNTIME_HELPERS, _LOOP_HELPERS):
            out.write(helpers.strip("\n"))
            out.blank(2)
        out.write("# ---- conditions and derived values, in the order the pathway uses them")
        out.blank(2)
        self._append(out, self.functions)
        self._append(out, self.body)
        line_map = {
            number: line for number, line in enumerate(out.origin, start=1) if line is not None
        }
        out.write("# Generated line -> pathway line.")
        if line_map:
            entries = "\n".join(f"    {k}: {v}," for k, v in line_map.items())
            out.write("LINE_MAP = {\n" + entries + "\n}")
        else:
            out.write("LINE_MAP = {}")
        while out.lines and out.lines[-1] == "":
            out.lines.pop()
        return Generated("\n".join(out.lines) + "\n", line_map)

    def _value(self, value: ir.Value) -> str:
        if isinstance(value, bool):
            return repr(value)
        if isinstance(value, str):
            return _quote(value)
        return self._factor(value)

    def _factor(self, value: Fraction) -> str:
        if value.denominator == 1:
            return f"Fraction({value.numerator})"
        return f"Fraction({value.numerator}, {value.denominator})"

    @staticmethod
    def _append(out: _Writer, other: _Writer) -> None:
        lines, origin = other.lines, other.origin
        while lines and lines[-1] == "":
            lines, origin = lines[:-1], origin[:-1]
        out.lines.extend(lines)
        out.origin.extend(origin)
        if lines:
            out.blank(2)


_RESULT_CLASS = '''
class Result(NamedTuple):
    """What evaluate() returns.

    steps: (node, kind, branch index or None, explanation) per node on the path;
    recommendations: (node, kind, text, strength, citations, item id);
    undetermined: (node, text, inputs needed, item id) for recommendations
    whose condition is unknown. An item id is `node.n`: the n-th
    recommendation of the node, from 1.
    """

    status: str
    path: tuple
    steps: tuple
    recommendations: tuple
    outcome: str | None
    needs: tuple
    undetermined: tuple
    message: str
'''

_LOOP_HELPERS = """
def _loop(node, path, steps, recs, undetermined):
    path.append(node)
    message = (
        f"the path returns to `{node}`: with the same data it would go round forever"
    )
    return _finish(LOOP, None, (), message, path, steps, recs, undetermined)


def _many(*verdicts):
    return sum(1 for v in verdicts if v is True) > 1


def _unknown(*verdicts):
    return None in verdicts
"""


# The interpreter's number formatting (units.format_number, evaluate.format_duration),
# copied so that explanations read the same; tests/test_codegen.py checks that the
# copies agree with the originals. A copy rather than inspect.getsource: the generated
# module must be clean under ruff's default settings (88 columns), the project's are 100.
_NUMBER_HELPERS = '''
def format_number(value):
    """An exact number for people: 12, 0.5, 30.4375; repeating fractions as 10/3."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    while denominator % 2 == 0:
        denominator //= 2
    while denominator % 5 == 0:
        denominator //= 5
    if denominator == 1:
        places = 1
        while (value * 10**places).denominator != 1:
            places += 1
        if places <= 12:
            digits = str(abs(value.numerator * 10**places // value.denominator))
            digits = digits.rjust(places + 1, "0")
            sign = "-" if value < 0 else ""
            return f"{sign}{digits[:-places]}.{digits[-places:]}"
    return f"{value.numerator}/{value.denominator}"


def format_duration(seconds):
    """The largest unit in which a duration is a whole number: 6048000 s -> 10 weeks."""
    for name, factor in _DURATION_UNITS:
        amount = seconds / factor
        if amount.denominator == 1 and amount != 0:
            return f"{amount.numerator} {name}"
    return f"{format_number(seconds / 86400)} days"
'''


def _number_helpers() -> str:
    units = "".join(
        f"    ({_quote(name)}, Fraction({factor.numerator})),\n" for name, factor in DURATION_UNITS
    )
    return f"_DURATION_UNITS = (\n{units})\n\n\n" + _NUMBER_HELPERS.strip("\n")


def _docstring(p: Pathway) -> str:
    module = re.sub(r"\W", "_", p.id)
    text = (
        f"Compiled evaluator for the pathway `{p.id}`.\n"
        "\n"
        f"{_one_line(p.title)}\n"
        "\n"
        f"Generated by carepath {__version__} from\n"
        f"{p.file}\n"
        "Do not edit: regenerate with `carepath compile`. Needs only the Python\n"
        "standard library.\n"
        "\n"
        "Usage:\n"
        "\n"
        "    from fractions import Fraction\n"
        f"    import {module}\n"
        "\n"
        f"    result = {module}.evaluate({{...}})\n"
        "    result.status, result.outcome, result.recommendations, result.needs\n"
        "\n"
        "Patient values: True/False for booleans, the value's name for enumerations,\n"
        "exact Fractions in SI base units for numbers (seconds for durations: 6 weeks\n"
        "is Fraction(3628800)); an input that is absent or None is unknown.\n"
        "A setting of the place of care takes its default (SETTINGS) unless given.\n"
        "Unknown values follow three-valued (Kleene) logic, as in the interpreter.\n"
        "\n"
        "`# line N` marks the pathway line the code below it comes from; LINE_MAP at\n"
        "the end maps every generated line to its pathway line.\n"
    )
    # A title or file name may hold a backslash or quotes: keep the docstring a docstring.
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _setting_defaults(p: Pathway) -> dict[str, ir.Value]:
    return {
        name: decl.default
        for name, decl in p.inputs.items()
        if decl.setting and decl.default is not None
    }


def _defines_used(expr: ir.Expr) -> set[str]:
    found: set[str] = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, ir.Ref) and not e.is_input:
            found.add(e.name)
        stack.extend(ir.children(e))
    return found


def _text_of(p: Pathway, span: Span) -> str:
    lines = p.source.split("\n")
    if 0 < span.line <= len(lines):
        return str(lines[span.line - 1]).strip()
    return ""


# ---------------------------------------------------------------- public API


def generate(pathway: Pathway) -> Generated:
    """The module's source and line map."""
    return _Generator(pathway).generate()


def generate_source(pathway: Pathway) -> str:
    return generate(pathway).source


def load_module(pathway: Pathway, name: str | None = None) -> types.ModuleType:
    """Generate the module and execute it in memory (registered with ``linecache`` so
    that tracebacks show the generated lines)."""
    generated = generate(pathway)
    name = name or "carepath_compiled_" + re.sub(r"\W", "_", pathway.id)
    filename = f"<carepath compiled {pathway.file}>"
    module = types.ModuleType(name)
    module.__file__ = filename
    linecache.cache[filename] = (
        len(generated.source),
        None,
        generated.source.splitlines(keepends=True),
        filename,
    )
    code = compile(generated.source, filename, "exec")
    exec(code, module.__dict__)
    return module


def to_result(raw: Any) -> Result:
    """The generated module's result as the interpreter's :class:`Result`."""
    return Result(
        raw.status,
        tuple(raw.path),
        tuple(Step(*s) for s in raw.steps),
        tuple(Recommendation(*r) for r in raw.recommendations),
        raw.outcome,
        tuple(raw.needs),
        tuple(Undetermined(*u) for u in raw.undetermined),
        raw.message,
    )


def pathway_lines(error: BaseException, module: types.ModuleType) -> list[int]:
    """The pathway lines of the generated-code frames in ``error``'s traceback,
    innermost last."""
    line_map: dict[int, int] = getattr(module, "LINE_MAP", {})
    filename = getattr(module, "__file__", None)
    found = []
    for frame, number in _frames(error):
        if frame.f_code.co_filename == filename and number in line_map:
            found.append(line_map[number])
    return found


def _frames(error: BaseException) -> Iterator[tuple[types.FrameType, int]]:
    tb = error.__traceback__
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def check_equivalent(pathway: Pathway, patient: dict[str, ir.Value]) -> bool:
    """Whether the interpreter and the compiled module agree on one patient."""
    module = load_module(pathway)
    return to_result(module.evaluate(patient)) == evaluate(pathway, patient)


if __name__ == "__main__":  # pragma: no cover - debugging aid
    from .pathway import load

    loaded = load(sys.argv[1])
    assert loaded.pathway is not None
    sys.stdout.write(generate_source(loaded.pathway))

"""A pathway as one SQL query over a patients table: the interpreter, row by row.

The query is a chain of common table expressions, each adding columns:

1. ``cp_input``: the input columns (numbers as DECIMAL(38, 9)) and, per row,
   the first problem with its values (``CP407 age``: outside the plausible
   range), which makes the row ``invalid`` and keeps it off every path;
2. ``cp_define_N``: the derived values, a level at a time (a number with a
   range, a score with unknown criteria, is two columns, its two ends);
3. ``cp_guards``: every branch condition and every ``when`` of an item,
   three-valued;
4. ``cp_choices``: the branch each decision takes for this row, or why it
   takes none (incomplete, conflict, stuck), exactly as ``evaluate._decide``;
5. ``cp_walk_N``: whether the row's path passes each node, a level of the
   graph at a time (a node's flag reads only the flags of nodes before it);
6. the result: status, outcome, path, recommendations (item ids), items left
   undetermined, the inputs still needed, the problem of an invalid row.

Paths in an acyclic graph visit nodes in topological order, so the path is the
list of visited nodes in that order. A pathway whose graph has a cycle is
refused (:class:`CannotCompile`): the interpreter stops such a patient with
status ``loop`` when they come back to a node, which a bounded SQL walk could
mirror, but no pathway that passes ``check`` needs one yet.

The tree is built with sqlglot expressions, and sqlglot writes each dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx
from sqlglot import exp

from carepath.compiler import ir
from carepath.compiler.evaluate import reads
from carepath.compiler.pathway import Pathway, node_conditions

from . import numbers
from .columns import NUMBER_TYPE, Column, columns
from .errors import CannotCompile
from .expressions import SqlValue, Translator, column, define_order
from .numbers import MAX_DIGITS, Num

OUTPUTS = ("status", "outcome", "path", "recommendations", "undetermined", "needs", "problem")
# Why a decision takes no branch (the choice column holds a branch index otherwise).
INCOMPLETE, CONFLICT, STUCK = -1, -2, -3
STOP_STATUS = {INCOMPLETE: "incomplete", CONFLICT: "conflict", STUCK: "stuck"}


@dataclass(frozen=True)
class Item:
    """A recommendation, by id (``node.n``, the n-th item of the node, from 1)."""

    id: str
    node: str
    item: ir.ItemIR


@dataclass(frozen=True)
class PathwayQuery:
    """The query and what a report needs to read its columns."""

    select: exp.Select
    columns: tuple[Column, ...]  # every input's column
    reads: tuple[Column, ...]  # the columns the query reads: the inputs some condition uses
    nodes: tuple[str, ...]  # reachable, in topological (= path) order
    items: tuple[Item, ...]
    decisions: tuple[str, ...]
    id_column: str | None
    internal: bool
    outputs: tuple[str, ...] = field(default=OUTPUTS)
    # internal: the inputs with a ``needs`` column (some decision reads them)
    needed: frozenset[str] = frozenset()

    def sql(self, dialect: str = "duckdb", pretty: bool = True) -> str:
        return self.select.sql(dialect=dialect, pretty=pretty)


def at(node: str) -> str:
    """The column saying whether a row's path passes ``node``."""
    return f"cp:at:{node}"


def choice(node: str) -> str:
    """The column with the branch index a decision takes, or a negative stop code."""
    return f"cp:choice:{node}"


def _guard(node: str, index: int) -> str:
    return f"cp:guard:{node}:{index}"


def _item_guard(item: Item) -> str:
    return f"cp:when:{item.id}"


def _define(name: str, part: str = "") -> str:
    return f"cp:define:{name}{':' + part if part else ''}"


PROBLEM = "cp:problem"
VALID = "cp:valid"
STOP = "cp:stop"


def item_ids(pathway: Pathway, nodes: Iterable[str]) -> tuple[Item, ...]:
    found: list[Item] = []
    for node in nodes:
        for n, item in enumerate(pathway.graph.nodes[node].get("items", ()), start=1):
            found.append(Item(f"{node}.{n}", node, item))
    return tuple(found)


def reachable_order(pathway: Pathway) -> tuple[str, ...]:
    """The nodes a patient can reach, in topological order; refuses cycles."""
    start = pathway.start
    if start is None:
        raise CannotCompile("the pathway has no single start node")
    graph = pathway.graph
    reachable = {start} | nx.descendants(graph, start)
    sub = graph.subgraph(reachable)
    if not nx.is_directed_acyclic_graph(sub):
        cycle = nx.find_cycle(sub)
        shown = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
        raise CannotCompile(
            f"the pathway has a cycle ({shown}); the SQL query follows acyclic pathways only"
        )
    return tuple(nx.lexicographical_topological_sort(sub))


def build_query(
    pathway: Pathway,
    *,
    table: str = "patients",
    units: Mapping[str, str] | None = None,
    id_column: str | None = None,
    outputs: Sequence[str] = OUTPUTS,
    internal: bool = False,
    carry: Sequence[str] = (),
    read_problem: str | None = None,
    types: Mapping[str, str] | None = None,
    settings: Mapping[str, ir.Value] | None = None,
) -> PathwayQuery:
    """The query of ``pathway`` over ``table`` (see the module docstring).

    ``outputs`` picks the result columns; ``internal`` keeps the per-node flags
    and choices (``at``, ``choice``) for reports that count patients per branch.
    ``carry`` names more columns of the table to pass through to the results;
    ``read_problem`` a column that, when not NULL, makes the row invalid with its
    value as the problem (a cell the reader could not convert). ``types`` gives
    the engine's type of each column when known (an audit reads them from the
    file): an exact numeric column is then read as it is, not cast. ``settings``
    gives the value of each of the pathway's settings (else its default): the same
    for every row, they are constants of the query, not columns."""
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise ValueError(f"unknown outputs: {unknown}")
    if id_column is not None and id_column in OUTPUTS:
        raise CannotCompile(f"the id column cannot be called `{id_column}`: a result has that name")
    nodes = reachable_order(pathway)
    graph = pathway.graph
    all_columns = columns(pathway, units)
    read = _read_inputs(pathway, nodes)
    used = tuple(c for c in all_columns if c.name in read)
    items = item_ids(pathway, nodes)
    decisions = tuple(n for n in nodes if graph.nodes[n]["kind"] == "decision")

    chain: list[tuple[str, list[exp.Expr]]] = []
    # 1. inputs and the problem of each row
    passed = ([id_column] if id_column is not None else []) + [
        name for name in carry if name != id_column
    ]
    inputs: list[exp.Expr] = [column(name) for name in passed]
    in_arithmetic = _arithmetic_inputs(pathway, nodes)
    shapes = {
        c.name: numeric_shape(c, (types or {}).get(c.name), c.name in in_arithmetic) for c in used
    }
    for c in used:
        inputs.append(_input_column(c, shapes[c.name]))
    checks = _problems(used, shapes)
    problem: exp.Expr = (
        numbers.case(*checks)
        if checks
        else exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
    )
    # Whether the row can be evaluated, as a yes/no: cheaper for the walk to read
    # than the problem's text, which only the `problem` result needs.
    bad: list[exp.Expr] = [
        exp.Is(this=numbers.paren(condition), expression=exp.true()) for condition, _ in checks
    ]
    if read_problem is not None:
        problem = numbers.case(
            (numbers.not_null(column(read_problem)), column(read_problem)), default=problem
        )
        bad = [numbers.not_null(column(read_problem)), *bad]
    valid: exp.Expr = numbers.not_(exp.or_(*bad)) if bad else exp.true()
    # The stop reads the checks themselves: a CASE takes a WHEN that is NULL as not
    # taken, as a missing value is no problem, and so needs no IS TRUE of its own.
    invalid = [condition for condition, _ in checks]
    if read_problem is not None:
        invalid.insert(0, numbers.not_null(column(read_problem)))
    inputs.append(exp.alias_(problem, PROBLEM, quoted=True))
    inputs.append(exp.alias_(valid, VALID, quoted=True))
    chain.append(("cp_input", inputs))

    # 2. derived values
    define_values: dict[str, SqlValue] = {}

    in_force = {**default_values(pathway), **(settings or {})}

    def ref(r: ir.Ref) -> SqlValue:
        if r.is_input and pathway.inputs[r.name].setting:
            return _setting(r.name, in_force)
        if r.is_input:
            c = next(c for c in used if c.name == r.name)
            if c.kind == "number":
                return Num.column(column(c.name), c.factor, shapes[c.name][1])
            return column(c.name)
        return define_values[r.name]

    translate = Translator(ref)
    needed_defines = _read_defines(pathway, nodes)
    for n, level in enumerate(define_order(pathway.defines), start=1):
        level_columns: list[exp.Expr] = []
        for name in level:
            if name not in needed_defines:
                continue
            value = translate.value(pathway.defines[name].expr)
            define_values[name] = _as_columns(name, value, level_columns)
        if level_columns:
            chain.append((f"cp_define_{n}", level_columns))

    # 3. where each row's walk stops: status and outcome
    for n, stops in enumerate(_stop_levels(pathway, nodes, translate, invalid), start=1):
        chain.append((f"cp_stop_{n}", stops))
    walk = internal or any(
        o in outputs for o in ("path", "recommendations", "undetermined", "needs")
    )

    # 4. conditions, choices and the walk, for the path and what it gives
    guards: list[exp.Expr] = []
    for node in decisions:
        for b in graph.nodes[node]["branches"]:
            if b.guard is not None:
                guards.append(
                    exp.alias_(translate.holds(b.guard), _guard(node, b.index), quoted=True)
                )
    for item in items:
        if item.item.guard is not None:
            guards.append(
                exp.alias_(translate.holds(item.item.guard), _item_guard(item), quoted=True)
            )
    choices = [
        exp.alias_(_choice(node, graph.nodes[node]), choice(node), quoted=True)
        for node in decisions
    ]
    if walk and guards:
        chain.append(("cp_guards", guards))
    if walk and choices:
        chain.append(("cp_choices", choices))
    if walk:
        for n, flags in enumerate(_walk_levels(pathway, nodes), start=1):
            chain.append((f"cp_walk_{n}", flags))

    # 5. results
    results = _results(pathway, nodes, items, decisions, used, outputs)
    final: list[exp.Expr] = [column(name) for name in passed]
    final.extend(results)
    if internal:
        final.extend(column(at(n)) for n in nodes)
        final.extend(column(choice(d)) for d in decisions)
        final.extend(column(_item_guard(i)) for i in items if i.item.guard is not None)
        final.extend(
            exp.alias_(condition, needs(name), quoted=True)
            for name, condition in needs_conditions(pathway, decisions, used).items()
        )

    select = _chain(table, chain, final)
    needed = frozenset(needs_conditions(pathway, decisions, used)) if internal else frozenset()
    return PathwayQuery(
        select,
        all_columns,
        used,
        nodes,
        items,
        decisions,
        id_column,
        internal,
        tuple(outputs),
        needed,
    )


def _chain(
    table: str, chain: list[tuple[str, list[exp.Expr]]], final: list[exp.Expr]
) -> exp.Select:
    source = exp.to_table(table)
    query: exp.Select | None = None
    previous: exp.Expr = source
    ctes: list[tuple[str, exp.Select]] = []
    for i, (name, projections) in enumerate(chain):
        if i == 0:
            body = exp.select(*projections).from_(previous)
        else:
            body = exp.select(exp.Star(), *projections).from_(previous)
        ctes.append((name, body))
        previous = exp.to_table(name)
    query = exp.select(*final).from_(previous)
    for name, body in ctes:
        query = query.with_(name, as_=body)
    return query


def _read_inputs(pathway: Pathway, nodes: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    for expr in node_conditions(pathway, nodes):
        found |= ir.inputs_of(expr, pathway.defines)
    return frozenset(found)


def _arithmetic_inputs(pathway: Pathway, nodes: Sequence[str]) -> frozenset[str]:
    """The inputs some arithmetic reads (through derived values): their sums and
    products must not overflow a narrow integer column type."""
    found: set[str] = set()
    exprs = [*node_conditions(pathway, nodes), *(d.expr for d in pathway.defines.values())]
    for root in exprs:
        for e in ir.walk(root):
            if isinstance(e, ir.Arith | ir.Negate):
                found |= ir.inputs_of(e, pathway.defines)
    return frozenset(found)


def _read_defines(pathway: Pathway, nodes: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    stack = list(node_conditions(pathway, nodes))
    while stack:
        for e in ir.walk(stack.pop()):
            if isinstance(e, ir.Ref) and not e.is_input and e.name not in found:
                found.add(e.name)
                stack.append(pathway.defines[e.name].expr)
    return frozenset(found)


# ---------------------------------------------------------------- inputs


def default_values(pathway: Pathway) -> dict[str, ir.Value]:
    return {
        name: decl.default
        for name, decl in pathway.inputs.items()
        if decl.setting and decl.default is not None
    }


def _setting(name: str, in_force: Mapping[str, ir.Value]) -> SqlValue:
    """A setting's value as a constant of the query."""
    if name not in in_force:
        raise CannotCompile(f"setting `{name}` has no default: give it with --set {name}=VALUE")
    value = in_force[name]
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, str):
        return exp.Literal.string(value)
    return Num.constant(value)


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "LONG", "SHORT", "BYTE")


def numeric_shape(
    c: Column, sql_type: str | None, in_arithmetic: bool = True
) -> tuple[str | None, int]:
    """How a number column is read: (the type to cast it to, or None to read it as
    it is; its decimal places). Integers are read as they are, widened to
    DECIMAL(38, 0) when arithmetic reads them (a product of 64-bit integers
    overflows at 9.2e18, a decimal at 1e38); exact decimals of at most MAX_DIGITS places are
    read as they are; anything else (floating point, or a type not known when the
    query is built) is cast to DECIMAL(38, 9)."""
    if c.kind != "number":
        return None, 0
    base = (sql_type or "").upper().replace(" ", "")
    if base.split("(")[0] in _INTEGERS:
        return ("DECIMAL(38, 0)" if in_arithmetic else None), 0
    if base.startswith("DECIMAL(") and "," in base:
        places = int(base.split(",")[1].rstrip(")"))
        if places <= MAX_DIGITS:
            return None, places
    return NUMBER_TYPE, MAX_DIGITS


def _input_column(c: Column, shape: tuple[str | None, int]) -> exp.Expr:
    cast_to, _ = shape
    if cast_to is None:
        return column(c.name)
    cast = exp.Cast(this=column(c.name), to=exp.DataType.build(cast_to))
    return exp.alias_(cast, c.name, quoted=True)


def _problems(
    used: Sequence[Column], shapes: Mapping[str, tuple[str | None, int]]
) -> list[tuple[exp.Expr, exp.Expr]]:
    """The values in a row that a patient record could not hold (as
    ``patient.convert`` rejects them): (condition, ``CODE input``), in order."""
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    for c in used:
        value = column(c.name)
        t = c.input.type
        if isinstance(t, ir.EnumType):
            outside = numbers.not_(
                exp.In(this=value, expressions=[exp.Literal.string(v) for v in t.values])
            )
            whens.append((outside, exp.Literal.string(f"CP404 {c.name}")))
            continue
        if not isinstance(t, ir.NumberType):
            continue
        num = Num.column(value, c.factor, shapes[c.name][1])
        step = t.unit.factor if t.unit else Fraction(1)
        ratio = step / c.factor
        whole_column = shapes[c.name][1] == 0 and ratio.numerator == 1
        if t.integer and not whole_column:
            # A whole number of the declared unit: value / step has no fraction.
            scaled = numbers.mul(value, ratio.denominator) if ratio.denominator != 1 else value
            whole_steps = numbers.number(ratio.numerator)
            not_whole = exp.NEQ(
                this=exp.Mod(this=numbers.paren(scaled), expression=whole_steps),
                expression=numbers.number(0),
            )
            whens.append((not_whole, exp.Literal.string(f"CP408 {c.name}")))
        decl = c.input
        if decl.low is not None and decl.high is not None:
            outside_range = exp.or_(
                numbers.compare("<", num, Num.constant(decl.low)),
                numbers.compare(">", num, Num.constant(decl.high)),
            )
            whens.append((outside_range, exp.Literal.string(f"CP407 {c.name}")))
        elif decl.lowest is not None:
            whens.append(
                (
                    numbers.compare("<", num, Num.constant(decl.lowest)),
                    exp.Literal.string(f"CP407 {c.name}"),
                )
            )
    return whens


# ---------------------------------------------------------------- derived values


def _as_columns(name: str, value: SqlValue, out: list[exp.Expr]) -> SqlValue:
    """Adds a derived value's columns to ``out``; returns how later SQL reads them."""
    if not isinstance(value, Num):
        out.append(exp.alias_(value, _define(name), quoted=True))
        return column(_define(name))
    if value.exact:
        out.append(exp.alias_(value.low, _define(name), quoted=True))
        low = high = column(_define(name))
    else:
        out.append(exp.alias_(value.low, _define(name, "low"), quoted=True))
        out.append(exp.alias_(value.high, _define(name, "high"), quoted=True))
        low, high = column(_define(name, "low")), column(_define(name, "high"))
    den: exp.Expr | None = None
    if value.den is not None:
        out.append(exp.alias_(value.den, _define(name, "den"), quoted=True))
        den = column(_define(name, "den"))
    return Num(low, high, value.scale, den, value.digits)


# ---------------------------------------------------------------- decisions


def _choice(node: str, data: Mapping[str, object]) -> exp.Expr:
    """The branch taken, as ``evaluate._decide`` picks it, or a stop code."""
    branches: tuple[ir.BranchIR, ...] = data["branches"]  # type: ignore[assignment]
    guarded = [b for b in branches if b.guard is not None]
    otherwise = next((b for b in branches if b.guard is None), None)
    fallback = numbers.number(otherwise.index if otherwise is not None else STUCK)
    g = {b.index: column(_guard(node, b.index)) for b in guarded}
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    if data.get("policy") == "first":
        for b in guarded:
            whens.append((g[b.index], numbers.number(b.index)))
            whens.append((numbers.is_null(g[b.index]), numbers.number(INCOMPLETE)))
    else:
        if 1 < len(guarded) <= 4:
            # Two that hold: a few pairs are cheaper to test than a count of all.
            pairs = [
                exp.and_(g[a.index], g[b.index])
                for i, a in enumerate(guarded)
                for b in guarded[i + 1 :]
            ]
            whens.append((exp.or_(*pairs), numbers.number(CONFLICT)))
        elif len(guarded) > 4:
            true_count = numbers.total(
                [
                    numbers.case((g[b.index], numbers.number(1)), default=numbers.number(0))
                    for b in guarded
                ]
            )
            whens.append(
                (
                    exp.GT(this=numbers.paren(true_count), expression=numbers.number(1)),
                    numbers.number(CONFLICT),
                )
            )
        for b in guarded:
            whens.append((g[b.index], numbers.number(b.index)))
        if guarded:
            whens.append(
                (
                    exp.or_(*[numbers.is_null(g[b.index]) for b in guarded]),
                    numbers.number(INCOMPLETE),
                )
            )
    if not whens:
        return fallback
    return numbers.case(*whens, default=fallback)


# Where a walk stops when it is not at an end: "!" cannot begin a node id.
_STOPS = {
    "!invalid": "invalid",
    "!incomplete": "incomplete",
    "!conflict": "conflict",
    "!stuck": "stuck",
    "!dead_end": "dead_end",
}


def _stop_column(node: str) -> str:
    return f"cp:stop:{node}"


def _stop_levels(
    pathway: Pathway, nodes: Sequence[str], translate: Translator, invalid: Sequence[exp.Expr]
) -> list[list[exp.Expr]]:
    """Where each row's walk stops: the end it reaches, or why it stops (``!stuck``, …),
    as one nested CASE that follows the walk, so that a decision's conditions are
    evaluated only for the rows that reach it (as a person writes it by hand).

    The walk from a node goes the same way however the row got there, so a node
    where paths merge is computed once, as a column (``cp:stop:<node>``), before
    the nodes that lead to it; every other node is written out in its parent."""
    graph = pathway.graph
    parents: dict[str, int] = {n: 0 for n in nodes}
    for node in nodes:
        data = graph.nodes[node]
        targets = (
            {b.target for b in data["branches"]}
            if data["kind"] == "decision"
            else {data["next"]}
            if data.get("next") is not None
            else set()
        )
        for target in targets:
            parents[target] += 1
    merges = [n for n in nodes if parents[n] > 1]
    level: dict[str, int] = {}
    built: dict[str, tuple[exp.Expr, int]] = {}

    def stop_of(node: str) -> tuple[exp.Expr, int]:
        """The stop from ``node``, and the latest level of the columns it reads."""
        if node in level:
            return column(_stop_column(node)), level[node]
        data = graph.nodes[node]
        if data["kind"] == "end":
            return exp.Literal.string(node), 0
        if data["kind"] == "action":
            nxt = data.get("next")
            return (exp.Literal.string("!dead_end"), 0) if nxt is None else stop_of(nxt)
        return _decision_stop(node, data, translate, stop_of)

    for node in reversed(nodes):
        if node in merges:
            expr, reads = stop_of(node)
            built[node] = (expr, reads)
            level[node] = reads + 1
    start_expr, start_reads = stop_of(nodes[0])
    top = numbers.case(
        (numbers.not_(column(VALID)), exp.Literal.string("!invalid")), default=start_expr
    )
    last = start_reads + 1
    levels: list[list[exp.Expr]] = [[] for _ in range(last + 1)]
    for node, (expr, _) in built.items():
        levels[level[node]].append(exp.alias_(expr, _stop_column(node), quoted=True))
    levels[last].append(exp.alias_(top, STOP, quoted=True))
    return [stops for stops in levels if stops]


def _decision_stop(
    node: str,
    data: Mapping[str, object],
    translate: Translator,
    stop_of: Callable[[str], tuple[exp.Expr, int]],
) -> tuple[exp.Expr, int]:
    """A decision's CASE: its conditions (as ``_choice`` decides), each branch
    followed by the stop from its target."""
    branches: tuple[ir.BranchIR, ...] = data["branches"]  # type: ignore[assignment]
    guarded = [b for b in branches if b.guard is not None]
    otherwise = next((b for b in branches if b.guard is None), None)
    reads = 0

    def then(target: str) -> exp.Expr:
        nonlocal reads
        expr, r = stop_of(target)
        reads = max(reads, r)
        return expr

    def g(b: ir.BranchIR) -> exp.Expr:
        assert b.guard is not None
        return translate.holds(b.guard)

    incomplete = exp.Literal.string("!incomplete")
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    if data.get("policy") == "first":
        for b in guarded:
            whens.append((g(b), then(b.target)))
            whens.append((numbers.is_null(g(b)), incomplete))
    else:
        if len(guarded) > 1:
            pairs = [exp.and_(g(a), g(b)) for i, a in enumerate(guarded) for b in guarded[i + 1 :]]
            whens.append((exp.or_(*pairs), exp.Literal.string("!conflict")))
        for b in guarded:
            whens.append((g(b), then(b.target)))
        if guarded:
            whens.append((exp.or_(*[numbers.is_null(g(b)) for b in guarded]), incomplete))
    fallback = then(otherwise.target) if otherwise is not None else exp.Literal.string("!stuck")
    if not whens:
        return fallback, reads
    return numbers.case(*whens, default=fallback), reads


# A node's flag is written out in terms of its parent's while the chain is short;
# a node where paths merge, or a long chain, becomes a column of its own.
MAX_INLINED = 6


def _walk_levels(pathway: Pathway, nodes: Sequence[str]) -> list[list[exp.Expr]]:
    """The ``at`` flags, as few projections as can be: a node on a single line
    from an earlier one is that node's flag AND its branch (written out, not a
    column of a projection of its own); a node where paths merge is a column,
    computed after every column it reads. The last level names every flag."""
    graph = pathway.graph
    start = nodes[0]
    incoming: dict[str, list[tuple[str, int | None]]] = {n: [] for n in nodes}
    for node in nodes:
        data = graph.nodes[node]
        if data["kind"] == "decision":
            for b in data["branches"]:
                incoming[b.target].append((node, b.index))
        elif data["kind"] == "action" and data.get("next") is not None:
            incoming[data["next"]].append((node, None))
    flags: dict[str, exp.Expr] = {start: column(VALID)}
    chain: dict[str, int] = {start: 0}  # how many flags are written out in this one
    reads: dict[str, int] = {start: 0}  # the latest level of the columns it reads
    level: dict[str, int] = {}  # nodes that are columns, and the level of each

    def ref(node: str) -> exp.Expr:
        return column(at(node)) if node in level else numbers.paren(flags[node])

    for node in nodes[1:]:
        parts = []
        for parent, index in incoming[node]:
            if index is None:
                parts.append(ref(parent))
            else:
                taken = exp.EQ(this=column(choice(parent)), expression=numbers.number(index))
                parts.append(exp.and_(ref(parent), taken))
        flags[node] = exp.or_(*[numbers.paren(p) for p in parts])
        parents = [p for p, _ in incoming[node]]
        reads[node] = max(level.get(p, reads[p]) for p in parents)
        chain[node] = 1 + max(0 if p in level else chain[p] for p in parents)
        if len(parts) > 1 or chain[node] > MAX_INLINED:
            level[node] = reads[node] + 1
            chain[node] = 0
    # Written-out flags come last, after every column they may read.
    last = max(level.values(), default=0) + 1
    levels: list[list[exp.Expr]] = [[] for _ in range(last + 1)]
    for node in nodes:
        levels[level.get(node, last)].append(exp.alias_(flags[node], at(node), quoted=True))
    return [flags_at for flags_at in levels if flags_at]


# ---------------------------------------------------------------- results


def _listed(elements: Sequence[exp.Expr]) -> exp.Expr:
    """The non-NULL elements, in order, as an array of text."""
    if not elements:
        return exp.Cast(this=exp.Array(expressions=[]), to=exp.DataType.build("ARRAY<VARCHAR>"))
    x = exp.to_identifier("x")
    return exp.ArrayFilter(
        this=exp.Array(expressions=list(elements)),
        expression=exp.Lambda(this=numbers.not_null(x), expressions=[x]),
    )


def _results(
    pathway: Pathway,
    nodes: Sequence[str],
    items: Sequence[Item],
    decisions: Sequence[str],
    used: Sequence[Column],
    outputs: Sequence[str],
) -> list[exp.Expr]:
    stopped = column(STOP)
    not_at_an_end = exp.Like(this=stopped, expression=exp.Literal.string("!%"))
    status = numbers.case(
        (not_at_an_end, exp.Substring(this=stopped, start=numbers.number(2))),
        default=exp.Literal.string("complete"),
    )
    outcome = numbers.case((numbers.not_(not_at_an_end), stopped))
    values: dict[str, exp.Expr] = {"status": status, "outcome": outcome}
    if not any(o in outputs for o in ("path", "recommendations", "undetermined", "needs")):
        return [exp.alias_(values.get(o, column(PROBLEM)), o, quoted=True) for o in outputs]
    values["path"] = _listed([numbers.case((column(at(n)), exp.Literal.string(n))) for n in nodes])
    given: list[exp.Expr] = []
    undetermined: list[exp.Expr] = []
    for item in items:
        here = column(at(item.node))
        text = exp.Literal.string(item.id)
        if item.item.guard is None:
            given.append(numbers.case((here, text)))
            continue
        g = column(_item_guard(item))
        given.append(numbers.case((exp.and_(here, g), text)))
        undetermined.append(numbers.case((exp.and_(here, numbers.is_null(g)), text)))
    values["recommendations"] = _listed(given)
    values["undetermined"] = _listed(undetermined)
    values["needs"] = _needs(pathway, decisions, used)
    values["problem"] = column(PROBLEM)
    return [exp.alias_(values[o], o, quoted=True) for o in outputs]


def _needs(pathway: Pathway, decisions: Sequence[str], used: Sequence[Column]) -> exp.Expr:
    """The inputs the blocking decision needs (``evaluate._needs``): those its
    unknown branches read that the row lacks, in declaration order."""
    return _listed(
        [
            numbers.case((condition, exp.Literal.string(name)))
            for name, condition in needs_conditions(pathway, decisions, used).items()
        ]
    )


def needs(name: str) -> str:
    """The column (of an ``internal`` query) saying whether the row's evaluation
    waits for input ``name``."""
    return f"cp:needs:{name}"


def needs_conditions(
    pathway: Pathway, decisions: Sequence[str], used: Sequence[Column]
) -> dict[str, exp.Expr]:
    """Per input that some decision reads: when the row's evaluation waits for it."""
    graph = pathway.graph
    blocked_by: dict[str, list[exp.Expr]] = {c.name: [] for c in used}
    for d in decisions:
        data = graph.nodes[d]
        guarded = [b for b in data["branches"] if b.guard is not None]
        first = data.get("policy") == "first"
        stopped = exp.and_(
            column(at(d)), exp.EQ(this=column(choice(d)), expression=numbers.number(INCOMPLETE))
        )
        per_input: dict[str, list[exp.Expr]] = {}
        for i, b in enumerate(guarded):
            assert b.guard is not None
            unknown: exp.Expr = numbers.is_null(column(_guard(d, b.index)))
            if first and i:
                # A `first` decision stops at its first unknown branch.
                earlier = [numbers.not_null(column(_guard(d, e.index))) for e in guarded[:i]]
                unknown = exp.and_(unknown, *earlier)
            for name in reads(pathway, b.guard):
                if name in blocked_by:  # a column: a setting is a constant, never missing
                    per_input.setdefault(name, []).append(unknown)
        for name, conditions in per_input.items():
            blocked_by[name].append(exp.and_(stopped, exp.or_(*conditions)))
    return {
        c.name: exp.and_(numbers.is_null(column(c.name)), exp.or_(*blocked_by[c.name]))
        for c in used
        if blocked_by[c.name]
    }

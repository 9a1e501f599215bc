"""What an audit counts, as one aggregate query over the pathway's query, and the
report those counts make.

One pass over the data counts every status, outcome, node, branch,
recommendation (given, undetermined, and with ``done_<item>`` columns, given
and done, given and not done, done without being given), every input still
needed, and every problem of an invalid row. A second, small query lists the
first rows of each status that needs a person to look at it (stuck, conflict,
dead end, invalid), only when there are any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.compiler.sql.expressions import column
from carepath.compiler.sql.numbers import not_, number
from carepath.compiler.sql.query import Item, PathwayQuery, at, choice, needs

MAX_LISTED = 20
LOOK_AT = ("stuck", "conflict", "dead_end", "invalid")
STATUSES = ("complete", "incomplete", "conflict", "stuck", "dead_end", "invalid")


def done_column(item_id: str) -> str:
    """The column that says whether a patient received an item: ``done_<node>_<n>``."""
    return "done_" + item_id.replace(".", "_")


@dataclass(frozen=True)
class BranchCount:
    decision: str
    index: int
    target: str
    condition: str
    patients: int


@dataclass(frozen=True)
class ItemCount:
    id: str
    node: str
    kind: str
    text: str
    given: int
    undetermined: int


@dataclass(frozen=True)
class Adherence:
    """Per item with a ``done_`` column: eligible (the pathway gives the item) or not,
    against received (the column is true)."""

    id: str
    kind: str
    text: str
    column: str
    eligible_received: int
    eligible_not_received: int
    ineligible_received: int
    eligible_unrecorded: int  # given, and the done column is NULL
    select_eligible_not_received: str = ""  # SQL: the rows, for a person to look at
    select_ineligible_received: str = ""


@dataclass(frozen=True)
class ListedRow:
    row: str
    status: str
    problem: str | None


@dataclass(frozen=True)
class AuditResult:
    pathway: str
    title: str
    source: str
    engine: str
    rows: int
    statuses: dict[str, int]
    outcomes: dict[str, int]
    nodes: dict[str, int]
    branches: tuple[BranchCount, ...]
    items: tuple[ItemCount, ...]
    needs: dict[str, int]
    problems: dict[str, int]
    adherence: tuple[Adherence, ...] = ()
    listed: tuple[ListedRow, ...] = ()
    row_label: str = "row"  # what `listed` rows are numbered by: "row" or the id column
    edges: dict[tuple[str, str], int] = field(default_factory=dict)
    # The settings the rows were evaluated under: (name, value as written, a default).
    settings: tuple[tuple[str, str, bool], ...] = ()

    @property
    def look_at(self) -> int:
        return sum(self.statuses.get(s, 0) for s in LOOK_AT)


@dataclass(frozen=True)
class _Counter:
    """One count of the aggregate query, and where its value goes."""

    key: tuple[str, ...]
    condition: exp.Expr | None  # None: every row


def _count(condition: exp.Expr | None) -> exp.Expr:
    if condition is None:
        return exp.Count(this=exp.Star())
    # COUNT_IF, not COUNT(*) FILTER (WHERE …): a third of the time on DuckDB with a
    # hundred counts in one pass (bench/bench_audit.py); Spark has it too.
    # It is NULL, not 0, over rows where the condition is never known (DuckDB).
    return exp.Coalesce(this=exp.CountIf(this=condition), expressions=[number(0)])


def _given(item: Item) -> exp.Expr:
    here = column(at(item.node))
    if item.item.guard is None:
        return here
    return exp.and_(here, column(f"cp:when:{item.id}"))


def _counters(pathway: Pathway, query: PathwayQuery, adherence: Sequence[Item]) -> list[_Counter]:
    graph = pathway.graph
    found = [_Counter(("rows",), None)]
    for status in STATUSES:
        found.append(
            _Counter(
                ("status", status),
                exp.EQ(this=column("status"), expression=exp.Literal.string(status)),
            )
        )
    for node in query.nodes:
        found.append(_Counter(("node", node), column(at(node))))
        data = graph.nodes[node]
        if data["kind"] == "decision":
            for b in data["branches"]:
                taken = exp.and_(
                    column(at(node)),
                    exp.EQ(this=column(choice(node)), expression=number(b.index)),
                )
                found.append(_Counter(("branch", node, str(b.index)), taken))
    for item in query.items:
        found.append(_Counter(("given", item.id), _given(item)))
        if item.item.guard is not None:
            undetermined = exp.and_(
                column(at(item.node)),
                exp.Is(this=column(f"cp:when:{item.id}"), expression=exp.Null()),
            )
            found.append(_Counter(("undetermined", item.id), undetermined))
    for c in query.reads:
        if c.name in query.needed:
            found.append(_Counter(("needs", c.name), column(needs(c.name))))
    for problem in possible_problems(query):
        found.append(
            _Counter(
                ("problem", problem),
                exp.EQ(this=column("problem"), expression=exp.Literal.string(problem)),
            )
        )
    for item in adherence:
        given = _given(item)
        done = column(done_column(item.id))
        found.append(_Counter(("adherence", item.id, "er"), exp.and_(given, done)))
        found.append(_Counter(("adherence", item.id, "en"), exp.and_(given, not_(done))))
        found.append(
            _Counter(
                ("adherence", item.id, "ir"),
                exp.and_(
                    not_(given),
                    done,
                    exp.EQ(this=column("status"), expression=exp.Literal.string("complete")),
                ),
            )
        )
        found.append(
            _Counter(
                ("adherence", item.id, "eu"),
                exp.and_(given, exp.Is(this=done, expression=exp.Null())),
            )
        )
    return found


def possible_problems(query: PathwayQuery) -> list[str]:
    """Every problem an invalid row can have (``CODE input``)."""
    found: list[str] = []
    for c in query.reads:
        t = c.input.type
        found.append(f"CP404 {c.name}")
        if isinstance(t, ir.NumberType):
            if t.integer:
                found.append(f"CP408 {c.name}")
            found.append(f"CP407 {c.name}")
    return found


def aggregate_sql(
    pathway: Pathway, query: PathwayQuery, adherence: Sequence[Item], dialect: str
) -> tuple[str, list[_Counter]]:
    counters = _counters(pathway, query, adherence)
    select = exp.select(
        *[exp.alias_(_count(c.condition), f"c{i}") for i, c in enumerate(counters)]
    ).from_(exp.Subquery(this=query.select, alias=exp.TableAlias(this=exp.to_identifier("r"))))
    return select.sql(dialect=dialect), counters


def listed_sql(query: PathwayQuery, row_column: str, dialect: str, limit: int = MAX_LISTED) -> str:
    """The first rows of each status a person should look at."""
    parts = []
    for status in LOOK_AT:
        body = (
            exp.select(column(row_column), column("status"), column("problem"))
            .from_(
                exp.Subquery(
                    this=query.select.copy(), alias=exp.TableAlias(this=exp.to_identifier("r"))
                )
            )
            .where(exp.EQ(this=column("status"), expression=exp.Literal.string(status)))
            .order_by(column(row_column))
            .limit(limit)
        )
        parts.append(
            exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(f"l_{status}")))
        )
    union: exp.Expr = exp.select(exp.Star()).from_(parts[0])
    for part in parts[1:]:
        union = exp.union(union, exp.select(exp.Star()).from_(part), distinct=False)
    return union.sql(dialect=dialect)


def selection_sql(query: PathwayQuery, where: exp.Expr, row_column: str, dialect: str) -> str:
    """The SQL that selects the rows ``where`` picks (for a report to show)."""
    body = (
        exp.select(column(row_column))
        .from_(
            exp.Subquery(
                this=query.select.copy(), alias=exp.TableAlias(this=exp.to_identifier("r"))
            )
        )
        .where(where)
    )
    return body.sql(dialect=dialect, pretty=True)


def report(
    pathway: Pathway,
    query: PathwayQuery,
    counters: Sequence[_Counter],
    values: Sequence[int],
    adherence: Sequence[Item],
    *,
    source: str,
    engine: str,
    listed: Sequence[ListedRow] = (),
    row_label: str = "row",
    selections: dict[str, tuple[str, str]] | None = None,
    settings: tuple[tuple[str, str, bool], ...] = (),
) -> AuditResult:
    got = {c.key: int(v) for c, v in zip(counters, values, strict=True)}
    graph = pathway.graph
    branches: list[BranchCount] = []
    edges: dict[tuple[str, str], int] = {}
    for node in query.nodes:
        data = graph.nodes[node]
        if data["kind"] == "decision":
            for b in data["branches"]:
                n = got[("branch", node, str(b.index))]
                branches.append(BranchCount(node, b.index, b.target, b.guard_text, n))
                edges[(node, b.target)] = edges.get((node, b.target), 0) + n
        elif data["kind"] == "action" and data.get("next") is not None:
            edges[(node, data["next"])] = got[("node", node)]
    items = tuple(
        ItemCount(
            i.id,
            i.node,
            i.item.kind,
            i.item.text,
            got[("given", i.id)],
            got.get(("undetermined", i.id), 0),
        )
        for i in query.items
    )
    selections = selections or {}
    adhered = tuple(
        Adherence(
            i.id,
            i.item.kind,
            i.item.text,
            done_column(i.id),
            got[("adherence", i.id, "er")],
            got[("adherence", i.id, "en")],
            got[("adherence", i.id, "ir")],
            got[("adherence", i.id, "eu")],
            *selections.get(i.id, ("", "")),
        )
        for i in adherence
    )
    return AuditResult(
        pathway=pathway.id,
        title=pathway.title,
        source=source,
        engine=engine,
        rows=got[("rows",)],
        statuses={s: got[("status", s)] for s in STATUSES if got[("status", s)]},
        outcomes={n: got[("node", n)] for n in query.nodes if graph.nodes[n]["kind"] == "end"},
        nodes={n: got[("node", n)] for n in query.nodes},
        branches=tuple(branches),
        items=items,
        needs={c.name: got[("needs", c.name)] for c in query.reads if got.get(("needs", c.name))},
        problems={p: got[("problem", p)] for p in possible_problems(query) if got[("problem", p)]},
        adherence=adhered,
        listed=tuple(listed),
        row_label=row_label,
        edges=edges,
        settings=settings,
    )


def adherence_where(item: Item, which: str) -> exp.Expr:
    """The rows of one adherence count, in the query's public columns (what a
    person runs on the output of `carepath compile --to sql`)."""
    given = exp.ArrayContains(
        this=column("recommendations"), expression=exp.Literal.string(item.id)
    )
    done = column(done_column(item.id))
    if which == "eligible_not_received":
        return exp.and_(given, not_(done))
    undetermined = exp.ArrayContains(
        this=column("undetermined"), expression=exp.Literal.string(item.id)
    )
    complete = exp.EQ(this=column("status"), expression=exp.Literal.string("complete"))
    return exp.and_(complete, not_(given), not_(undetermined), done)

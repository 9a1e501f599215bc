"""An audit: a pathway over a table of patients on a SQL engine, counted.

The steps, each of which can stop with a :class:`~.source.DataProblem` before
any row is evaluated: the columns' units (``--unit``), the file, the columns
the pathway reads (present, of a type that holds their values), the
``done_<item>`` columns (booleans). Then one aggregate pass, and a second
small one only when some rows need a person to look at them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from carepath.compiler.pathway import Pathway
from carepath.compiler.patient import SettingValues, default_settings
from carepath.compiler.settings import in_force as in_force_list
from carepath.compiler.sql.columns import NUMBER_TYPE, UnitProblem, columns
from carepath.compiler.sql.errors import CannotCompile
from carepath.compiler.sql.expressions import column
from carepath.compiler.sql.query import build_query, item_ids, reachable_order

from .counts import (
    AuditResult,
    ListedRow,
    adherence_where,
    aggregate_sql,
    done_column,
    listed_sql,
    report,
    selection_sql,
)
from .engines import RAW, Engine, Progress
from .source import PATIENTS, READ_PROBLEM, ROW, DataProblem, DataSource, check_columns, csv_view


@dataclass(frozen=True)
class AuditOptions:
    units: Mapping[str, str] | None = None
    id_column: str | None = None  # name listed rows by this column instead of row numbers
    # The settings in force (as settings.settings_in_force gives them; None: defaults).
    settings: SettingValues | None = None


def audit(
    pathway: Pathway,
    source: DataSource,
    engine: Engine,
    options: AuditOptions | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    options = options or AuditOptions()
    in_force = options.settings if options.settings is not None else default_settings(pathway)
    values_in_force = {name: value for name, (value, _) in in_force.items()}
    try:
        columns(pathway, options.units)
        probe = build_query(pathway, units=options.units, settings=values_in_force)
    except UnitProblem as problem:
        raise DataProblem("CP604", str(problem)) from None
    except CannotCompile as problem:
        raise DataProblem("CP606", f"cannot audit {pathway.id}: {problem}") from None
    reads = probe.reads
    schema = engine.open(source)
    shown = str(source.path) + (f" (table {source.table})" if source.table else "")
    extra = [options.id_column] if options.id_column else []
    nodes = reachable_order(pathway)
    candidates = [i for i in item_ids(pathway, nodes) if done_column(i.id) in schema]
    if source.format == "csv":
        check_columns(reads, schema, shown, extra, typed=False)
        view = csv_view(reads, RAW, extra)
        view = _with_done_columns(view, [done_column(i.id) for i in candidates])
        engine.create_view(PATIENTS, view)
        read_problem: str | None = READ_PROBLEM
        # The view converts every number cell to this type.
        types = {c.name: NUMBER_TYPE for c in reads if c.kind == "number"}
    else:
        check_columns(reads, schema, shown, extra)
        for item in candidates:
            name = done_column(item.id)
            if schema[name].upper() not in ("BOOLEAN", "BOOL", "NULL"):
                raise DataProblem(
                    "CP603",
                    f"column `{name}` is {schema[name]}, but a done_ column says whether the "
                    f"patient received item {item.id} (true, false, NULL): BOOLEAN",
                )
        engine.create_view(PATIENTS, exp.select(exp.Star()).from_(RAW))
        read_problem = None
        types = {c.name: schema[c.name] for c in reads}
    adherence = tuple(candidates)
    done = [done_column(i.id) for i in adherence]
    query = build_query(
        pathway,
        table=PATIENTS,
        units=options.units,
        outputs=("status", "problem"),
        internal=True,
        carry=done,
        read_problem=read_problem,
        types=types,
        settings=values_in_force,
    )
    sql, counters = aggregate_sql(pathway, query, adherence, engine.dialect)
    (values,) = engine.rows(sql, progress)
    row_column = options.id_column or ROW
    listed: list[ListedRow] = []
    result = report(pathway, query, counters, values, adherence, source=shown, engine=engine.name)
    public = build_query(
        pathway,
        table=PATIENTS,
        units=options.units,
        carry=[row_column, *done],
        read_problem=read_problem,
        types=types,
        settings=values_in_force,
    )
    if result.look_at:
        for row, status, why in engine.rows(listed_sql(public, row_column, engine.dialect)):
            listed.append(ListedRow(str(row), str(status), why))
    selections = {
        item.id: (
            selection_sql(
                public, adherence_where(item, "eligible_not_received"), row_column, engine.dialect
            ),
            selection_sql(
                public, adherence_where(item, "ineligible_received"), row_column, engine.dialect
            ),
        )
        for item in adherence
    }
    return report(
        pathway,
        query,
        counters,
        values,
        adherence,
        source=shown,
        engine=engine.name,
        listed=listed,
        row_label=options.id_column or "row",
        selections=selections,
        settings=tuple((n, w, d) for n, _, w, d in in_force_list(pathway, in_force)),
    )


def _with_done_columns(view: exp.Select, names: list[str]) -> exp.Select:
    """A CSV's done_ columns as booleans (``true``/``false``; anything else unknown
    would hide a recording error, so it is a read problem of the row too)."""
    if not names:
        return view
    from carepath.compiler.sql.numbers import case

    extra: list[exp.Expr] = []
    for name in names:
        lower = exp.Lower(this=exp.Trim(this=column(name)))
        extra.append(
            exp.alias_(
                case(
                    (exp.EQ(this=lower, expression=exp.Literal.string("true")), exp.true()),
                    (exp.EQ(this=lower, expression=exp.Literal.string("false")), exp.false()),
                ),
                name,
                quoted=True,
            )
        )
    return view.select(*extra)

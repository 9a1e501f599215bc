"""The query as a file: a header that states the table it expects, then the SQL."""

from __future__ import annotations

from collections.abc import Mapping

from carepath.compiler.pathway import Pathway
from carepath.compiler.patient import SettingValues, default_settings
from carepath.compiler.settings import in_force as in_force_list

from .query import OUTPUTS, build_query


def query_text(
    pathway: Pathway,
    *,
    dialect: str = "duckdb",
    table: str = "patients",
    units: Mapping[str, str] | None = None,
    id_column: str | None = None,
    generator: str = "carepath",
    types: Mapping[str, str] | None = None,
    settings: SettingValues | None = None,
) -> str:
    """The query with its header; ``generator`` names what wrote it (with its version);
    ``types`` the SQL types of columns known to the caller (``build_query``);
    ``settings`` the settings in force (None: their defaults)."""
    in_force = settings if settings is not None else default_settings(pathway)
    query = build_query(
        pathway,
        table=table,
        units=units,
        id_column=id_column,
        types=types,
        settings={name: value for name, (value, _) in in_force.items()},
    )
    used = query.reads
    lines = [
        f"-- {pathway.id}: {pathway.title}",
        f"-- compiled by {generator} from {pathway.file}; the same answers as",
        "-- `carepath run` for every row (docs/audit.md).",
        "--",
        f"-- reads {table}: one row per patient, NULL where a value is unknown",
    ]
    width = max((len(c.name) for c in used), default=0)
    lines += [f"--   {c.name.ljust(width)}  {c.describe()}" for c in used]
    shown = in_force_list(pathway, in_force)
    if shown:
        lines.append("-- settings, the same for every row (constants of the query):")
        lines += [
            f"--   {name} = {written}" + (" (default)" if is_default else " (--set)")
            for name, _, written, is_default in shown
        ]
    lines += [
        "-- returns, per row: " + ", ".join(OUTPUTS),
        "--   status: complete, incomplete, conflict, stuck, dead_end or invalid;",
        "--   recommendations and undetermined: item ids, `node.n` = the n-th item of node;",
        "--   problem (invalid rows): the code and the input, e.g. `CP407 age`.",
        "",
    ]
    return "\n".join(lines) + query.sql(dialect) + ";\n"

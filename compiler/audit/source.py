"""Patients data for an audit: which file, how it is read, and the checks made on
its columns before any row is evaluated.

A data file is Parquet, CSV, JSON Lines, or a DuckDB database (with ``--table``).
Typed formats (Parquet, JSON Lines, DuckDB) must hold each input in a column of
the right type; CSV is text, so every cell is converted here as ``carepath run
--batch`` converts it (``true``/``false`` in any case, an empty cell or
``unknown`` is unknown), and a cell that does not convert makes its row invalid
(``CP404 column``) instead of failing the run or turning into NULL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from carepath.compiler.sql.columns import NUMBER_TYPE, Column
from carepath.compiler.sql.expressions import column
from carepath.compiler.sql.numbers import case, is_null, not_

FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".duckdb": "duckdb",
    ".db": "duckdb",
}
# The view an audit's query reads, and the columns carepath adds to it.
PATIENTS = "cp_patients"
ROW = "cp:row"  # the row's number in the file, from 1
READ_PROBLEM = "cp:read_problem"  # CSV: the first cell that does not convert


class DataProblem(ValueError):
    """The data cannot be audited as it is (a missing column, a column of the wrong
    type, an unreadable file): the message says which and what to do."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class DataSource:
    path: Path
    format: str
    table: str | None = None  # a table of a DuckDB database

    @staticmethod
    def of(path: str, table: str | None = None) -> DataSource:
        p = Path(path)
        if not p.exists():
            raise DataProblem("CP601", f"{path}: no such file")
        if not p.is_file() and p.suffix.lower() != ".parquet":
            raise DataProblem("CP601", f"{path}: not a file")
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise DataProblem(
                "CP601",
                f"{path}: carepath reads .parquet, .csv, .jsonl and .duckdb files",
                "give the file one of those extensions",
            )
        if fmt == "duckdb" and table is None:
            raise DataProblem("CP601", f"{path} is a DuckDB database: name its table with --table")
        if fmt != "duckdb" and table is not None:
            raise DataProblem("CP601", f"--table names a table of a DuckDB database, not of {path}")
        return DataSource(p, fmt, table)


# ---------------------------------------------------------------- column checks

_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
    "INT",
    "LONG",
    "SHORT",
    "BYTE",
)
_TEXT = ("VARCHAR", "STRING", "TEXT", "ENUM", "CHAR")
_NULL_ONLY = ("NULL", '"NULL"', "VOID")


def type_fits(c: Column, sql_type: str) -> bool:
    base = sql_type.upper().split("(")[0].strip()
    if base in _NULL_ONLY:
        return True  # every value unknown
    if c.kind == "boolean":
        return base in ("BOOLEAN", "BOOL")
    if c.kind == "enum":
        return base in _TEXT
    return base in _NUMERIC


def check_columns(
    reads: Sequence[Column],
    schema: Mapping[str, str],
    source: str,
    extra: Sequence[str] = (),
    *,
    typed: bool = True,
) -> None:
    """Every column the query reads is there and (``typed``: the file says its
    types) of a type that holds its values; raises :class:`DataProblem` naming
    the first that is not."""
    by_lower = {name.lower(): name for name in schema}
    missing = [c for c in reads if c.name not in schema]
    if missing:
        names = ", ".join(c.name for c in missing)
        near = [by_lower[c.name.lower()] for c in missing if c.name.lower() in by_lower]
        hint = (
            f"column names are matched exactly: found {', '.join(near)}"
            if near
            else "add the column (all NULL if the value is unknown for every patient)"
        )
        raise DataProblem(
            "CP602", f"{source} has no column for {names} (the pathway reads it)", hint
        )
    for name in extra:
        if name not in schema:
            raise DataProblem("CP602", f"{source} has no column `{name}`")
    for c in reads:
        if typed and not type_fits(c, schema[c.name]):
            raise DataProblem(
                "CP603",
                f"column `{c.name}` is {schema[c.name]}, but the pathway reads {c.describe()}",
                "numbers must be numeric columns (in the unit shown; --unit NAME=UNIT "
                'states another); for text such as "10 weeks" use '
                "`carepath run --batch`",
            )


# ---------------------------------------------------------------- CSV cells


def csv_view(reads: Sequence[Column], raw: str, extra: Sequence[str]) -> exp.Select:
    """The typed view of a CSV read as text: each cell converted as
    ``patient.convert(..., cells=True)`` converts it, and the first cell that does
    not convert named in ``cp:read_problem``."""
    projections: list[exp.Expr] = [column(ROW)]
    problems: list[tuple[exp.Expr, exp.Expr]] = []
    for c in reads:
        cell = exp.Trim(this=column(c.name))
        unknown = exp.or_(
            is_null(cell),
            exp.In(this=cell, expressions=[exp.Literal.string(""), exp.Literal.string("unknown")]),
        )
        if c.kind == "boolean":
            lower = exp.Lower(this=cell)
            value: exp.Expr = case(
                (unknown, exp.Null()),
                (exp.EQ(this=lower, expression=exp.Literal.string("true")), exp.true()),
                (exp.EQ(this=lower, expression=exp.Literal.string("false")), exp.false()),
            )
            bad = exp.and_(
                not_(unknown),
                not_(
                    exp.In(
                        this=lower,
                        expressions=[exp.Literal.string("true"), exp.Literal.string("false")],
                    )
                ),
            )
        elif c.kind == "number":
            converted = exp.TryCast(this=cell, to=exp.DataType.build(NUMBER_TYPE))
            value = case((unknown, exp.Null()), default=converted)
            bad = exp.and_(not_(unknown), is_null(converted))
        else:
            value = case((unknown, exp.Null()), default=cell)
            bad = exp.false()
        projections.append(exp.alias_(value, c.name, quoted=True))
        problems.append((bad, exp.Literal.string(f"CP404 {c.name}")))
    projections.extend(column(name) for name in extra)
    problem = case(*problems) if problems else exp.Null()
    projections.append(exp.alias_(problem, READ_PROBLEM, quoted=True))
    return exp.select(*projections).from_(exp.to_table(raw))

"""``carepath compile --to sql`` from the command line: the query it writes runs on
DuckDB; --unit and --type shape how columns are read; what it cannot compile is a
clear error with exit 2 and no file written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from carepath.compiler.pathway import load
from carepath.compiler.sql.columns import columns
from tests.sql_support import sql_type
from tests.test_sql_duckdb import LARGE

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"


def _compile(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepath", "compile", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _names(con: duckdb.DuckDBPyConnection) -> list[str]:
    assert con.description is not None
    return [d[0] for d in con.description]


def test_the_written_query_runs_on_duckdb(tmp_path: Path) -> None:
    out = tmp_path / "vcf.sql"
    run = _compile(str(SEED), "--to", "sql", "--id-column", "pid", "-o", str(out))
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert text.startswith("-- ")  # the header states the table it reads
    con = duckdb.connect()
    given = {"fracture_age": "70", "age": "70", "pain": "'severe'", "neuro_deficit": "false"}
    loaded = load(SEED)
    assert loaded.pathway is not None
    cells = [
        f'{given.get(c.name, "NULL")}::{sql_type(c)} AS "{c.name}"' for c in columns(loaded.pathway)
    ]
    con.execute("CREATE TABLE patients AS SELECT 'p1' AS pid, " + ", ".join(cells))
    row = dict(zip(_names(con.execute(text)), con.fetchall()[0], strict=True))
    assert (row["pid"], row["status"], row["outcome"]) == ("p1", "incomplete", None)
    assert row["needs"][0] == "spinal_instability"  # the next red flag to ask about


def test_type_reads_a_column_as_it_is(tmp_path: Path) -> None:
    large = tmp_path / "large.cpath"
    large.write_text(LARGE)
    refused = _compile(str(large), "--to", "sql", "-o", str(tmp_path / "q.sql"))
    assert refused.returncode == 2
    assert "more than the 38 digits a SQL decimal holds" in refused.stderr
    assert "--type NAME=TYPE" in refused.stderr
    assert not (tmp_path / "q.sql").exists()
    typed = _compile(str(large), "--to", "sql", "--type", "n=BIGINT")
    assert typed.returncode == 0, typed.stderr
    assert 'CAST("n" AS DECIMAL(38, 0))' in typed.stdout  # whole numbers, no places
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE patients AS SELECT * FROM (VALUES (true, NULL::DOUBLE, 464158884::BIGINT),"
        " (true, NULL, 464158883)) t(fever, fracture_age, n)"
    )
    names = _names(con.execute(typed.stdout))
    outcomes = [dict(zip(names, r, strict=True))["outcome"] for r in con.fetchall()]
    assert outcomes == ["b", "c"]  # n^3 * 1e6 just over, just under 1e32


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("n", "write NAME=TYPE"),
        ("n=not a type", "not a SQL type"),
        ("fever=INTEGER", "only number columns take a type"),
        ("x=INTEGER", "no input called x"),
    ],
)
def test_bad_types_are_refused(tmp_path: Path, option: str, message: str) -> None:
    large = tmp_path / "large.cpath"
    large.write_text(LARGE)
    run = _compile(str(large), "--to", "sql", "--type", option)
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stdout == ""

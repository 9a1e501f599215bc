"""``carepath audit`` on a real embedded DuckDB: its counts are the interpreter's
counts over the same patients, whatever the file format; bad data stops it
before any row, or makes the row invalid, counted and listed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest

from carepath.compiler import ir
from carepath.compiler.audit.counts import AuditResult, done_column
from carepath.compiler.audit.engines import DuckDBEngine
from carepath.compiler.audit.run import AuditOptions, audit
from carepath.compiler.audit.source import DataSource
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load
from carepath.compiler.sql.columns import columns
from tests.sql_support import create_duckdb_table, expected, random_patients, sql_type

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
DONE = ("conservative_care.1", "conservative_care.10", "surgical_consultation.2")


@pytest.fixture(scope="module")
def seed() -> Pathway:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway


@pytest.fixture(scope="module")
def people(seed: Pathway) -> list[dict[str, ir.Value]]:
    return random_patients(seed, 3_000, seed=11)


def _done(rid: int, item: str) -> bool | None:
    """A recorded treatment: true, false, or not recorded, varying by row."""
    k = (rid * 7 + len(item)) % 5
    return None if k == 0 else k % 2 == 0


def _write(tmp: Path, pathway: Pathway, people: list[dict[str, ir.Value]], fmt: str) -> Path:
    con = duckdb.connect()
    create_duckdb_table(con, pathway, people)
    for item in DONE:
        con.execute(f"ALTER TABLE patients ADD COLUMN {done_column(item)} BOOLEAN")
        con.executemany(
            f"UPDATE patients SET {done_column(item)} = ? WHERE rid = ?",
            [(_done(rid, item), rid) for rid in range(len(people))],
        )
    path = tmp / f"patients.{fmt}"
    if fmt == "parquet":
        con.execute(f"COPY (SELECT * FROM patients ORDER BY rid) TO '{path}' (FORMAT parquet)")
    elif fmt == "csv":
        con.execute(f"COPY (SELECT * FROM patients ORDER BY rid) TO '{path}' (HEADER)")
    elif fmt == "jsonl":
        con.execute(f"COPY (SELECT * FROM patients ORDER BY rid) TO '{path}' (FORMAT json)")
    else:
        con.execute(f"ATTACH '{path}' AS out")
        con.execute("CREATE TABLE out.patients AS SELECT * FROM patients ORDER BY rid")
        con.execute("DETACH out")
    con.close()
    return path


def _expected_counts(pathway: Pathway, people: list[dict[str, ir.Value]]) -> dict[str, Any]:
    """What the interpreter says, counted the way the audit counts."""
    statuses: Counter[str] = Counter()
    nodes: Counter[str] = Counter()
    branches: Counter[tuple[str, int]] = Counter()
    given: Counter[str] = Counter()
    undetermined: Counter[str] = Counter()
    needs: Counter[str] = Counter()
    adherence: Counter[tuple[str, str]] = Counter()
    for rid, patient in enumerate(people):
        result = evaluate(pathway, patient, explain=False)
        row = expected(pathway, patient)
        statuses[result.status] += 1
        nodes.update(result.path)
        for step in result.steps:
            if step.kind == "decision" and step.branch is not None:
                branches[(step.node, step.branch)] += 1
        given.update(row.recommendations)
        undetermined.update(row.undetermined)
        needs.update(result.needs)
        for item in DONE:
            done = _done(rid, item)
            if item in row.recommendations:
                key = "eu" if done is None else ("er" if done else "en")
                adherence[(item, key)] += 1
            elif result.status == "complete" and item not in row.undetermined and done:
                adherence[(item, "ir")] += 1
    return {
        "statuses": dict(statuses),
        "nodes": nodes,
        "branches": branches,
        "given": given,
        "undetermined": undetermined,
        "needs": {k: v for k, v in needs.items() if v},
        "adherence": adherence,
    }


def _audit(pathway: Pathway, path: Path, **options: Any) -> AuditResult:
    engine = DuckDBEngine()
    try:
        return audit(
            pathway,
            DataSource.of(str(path), options.pop("table", None)),
            engine,
            AuditOptions(**options),
        )
    finally:
        engine.close()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "duckdb"])
def test_counts_are_the_interpreters(
    tmp_path: Path, seed: Pathway, people: list[dict[str, ir.Value]], fmt: str
) -> None:
    path = _write(tmp_path, seed, people, fmt)
    result = _audit(seed, path, table="patients" if fmt == "duckdb" else None)
    want = _expected_counts(seed, people)
    assert result.rows == len(people)
    assert result.statuses == want["statuses"]
    assert {n: c for n, c in result.nodes.items() if c} == dict(want["nodes"])
    assert {(b.decision, b.index): b.patients for b in result.branches if b.patients} == dict(
        want["branches"]
    )
    assert {i.id: i.given for i in result.items if i.given} == dict(want["given"])
    assert {i.id: i.undetermined for i in result.items if i.undetermined} == dict(
        want["undetermined"]
    )
    assert result.needs == want["needs"]
    assert [a.id for a in result.adherence] == list(DONE)
    for a in result.adherence:
        assert a.eligible_received == want["adherence"][(a.id, "er")]
        assert a.eligible_not_received == want["adherence"][(a.id, "en")]
        assert a.eligible_unrecorded == want["adherence"][(a.id, "eu")]
        assert a.ineligible_received == want["adherence"][(a.id, "ir")]
    # Flow is conserved: what enters a decision leaves it by one branch, or stops there.
    for decision in {b.decision for b in result.branches}:
        out = sum(b.patients for b in result.branches if b.decision == decision)
        assert out <= result.nodes[decision]


def test_adherence_sql_selects_the_counted_rows(
    tmp_path: Path, seed: Pathway, people: list[dict[str, ir.Value]]
) -> None:
    """The SQL the report shows, run on the data, picks exactly the rows counted."""
    path = _write(tmp_path, seed, people, "parquet")
    result = _audit(seed, path)
    con = duckdb.connect()
    con.execute(
        'CREATE VIEW cp_patients AS SELECT *, file_row_number + 1 AS "cp:row" '
        f"FROM read_parquet('{path}', file_row_number = true)"
    )
    for a in result.adherence:
        assert (
            len(con.execute(a.select_eligible_not_received).fetchall()) == a.eligible_not_received
        )
        assert len(con.execute(a.select_ineligible_received).fetchall()) == a.ineligible_received


# ---------------------------------------------------------------- bad data


def _table(
    tmp: Path,
    pathway: Pathway,
    rows: list[dict[str, Any]],
    fmt: str = "parquet",
    types: dict[str, str] | None = None,
) -> Path:
    """A small file with exactly the given cells (NULL where a row lacks a column)."""
    cols = {c.name: sql_type(c) for c in columns(pathway)}
    cols.update(types or {})
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f'"{k}" {v}' for k, v in cols.items()) + ")")
    for row in rows:
        names = list(row)
        con.execute(
            "INSERT INTO t ("
            + ", ".join(f'"{n}"' for n in names)
            + ") VALUES ("
            + ", ".join("?" * len(names))
            + ")",
            [row[n] for n in names],
        )
    path = tmp / f"bad.{fmt}"
    option = "(FORMAT parquet)" if fmt == "parquet" else "(HEADER)"
    con.execute(f"COPY t TO '{path}' {option}")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carepath", "audit", str(SEED), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_invalid_values_make_rows_invalid_and_listed(tmp_path: Path, seed: Pathway) -> None:
    rows = [
        {"fracture_age": 70, "age": 70, "pain": "severe"},
        {"fracture_age": 70, "age": 130},  # outside 18..120
        {"fracture_age": 70, "age": 65.5},  # not a whole number of years
        {"fracture_age": -3},  # a negative duration
        {"fracture_age": 70, "pain": "agonising"},  # not one of the values
        {"fracture_age": 10},
    ]
    path = _table(tmp_path, seed, rows, types={"age": "DOUBLE"})
    result = _audit(seed, path)
    assert result.statuses["invalid"] == 4
    assert result.problems == {
        "CP407 age": 1,
        "CP408 age": 1,
        "CP407 fracture_age": 1,
        "CP404 pain": 1,
    }
    listed = {(r.row, r.problem) for r in result.listed}
    assert listed == {
        ("2", "CP407 age"),
        ("3", "CP408 age"),
        ("4", "CP407 fracture_age"),
        ("5", "CP404 pain"),
    }
    run = _cli("--data", str(path))
    assert run.returncode == 1, run.stderr
    assert "row 5: invalid (CP404 pain)" in run.stdout


def test_csv_cells_convert_as_batch_cells_do(tmp_path: Path, seed: Pathway) -> None:
    path = tmp_path / "cells.csv"
    first = ["fracture_age", "age", "neuro_deficit", "pain"]
    rest = [c.name for c in columns(seed) if c.name not in first]  # empty: unknown
    lines = [
        "fracture_age,age,neuro_deficit,pain",
        "70, 70 ,TRUE,severe",  # spaces and upper case are fine, as in run --batch
        "unknown,,False,",  # unknown and empty cells are unknown
        "ten weeks,70,true,mild",  # not a number: the row is invalid
        "70,70,1,mild",  # 1 is not a boolean
    ]
    path.write_text(
        "\n".join(
            line + "," * len(rest) if i else line + "," + ",".join(rest)
            for i, line in enumerate(lines)
        )
        + "\n",
        encoding="utf-8",
    )
    result = _audit(seed, path)
    assert result.rows == 4
    assert result.problems == {"CP404 fracture_age": 1, "CP404 neuro_deficit": 1}
    assert {r.row for r in result.listed} == {"3", "4"}
    assert result.nodes["chronicity"] == 2  # the two valid rows
    assert result.needs == {"fracture_age": 1}


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--unit", "age=kg"], "CP604", "`kg` measures mass, but `age` is time"),
        (["--unit", "agee=a"], "CP604", "no input `agee`"),
        (["--table", "t"], "CP601", "--table names a table of a DuckDB database"),
    ],
)
def test_wrong_options_stop_before_any_row(
    tmp_path: Path, seed: Pathway, args: list[str], code: str, words: str
) -> None:
    path = _table(tmp_path, seed, [{"fracture_age": 70}])
    out = tmp_path / "report.txt"
    run = _cli("--data", str(path), "-o", str(out), *args)
    assert run.returncode == 2
    assert f"error[{code}]" in run.stderr and words in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


def test_a_missing_column_is_named(tmp_path: Path, seed: Pathway) -> None:
    con = duckdb.connect()
    path = tmp_path / "few.parquet"
    con.execute(f"COPY (SELECT 70 AS fracture_age, 70 AS Age) TO '{path}' (FORMAT parquet)")
    run = _cli("--data", str(path))
    assert run.returncode == 2
    assert "error[CP602]" in run.stderr
    assert "no column for age, neuro_deficit" in run.stderr
    assert "column names are matched exactly: found Age" in run.stderr


def test_a_column_of_the_wrong_type_is_named(tmp_path: Path, seed: Pathway) -> None:
    path = _table(tmp_path, seed, [{"fracture_age": "10 weeks"}], types={"fracture_age": "VARCHAR"})
    run = _cli("--data", str(path))
    assert run.returncode == 2
    assert "error[CP603]: column `fracture_age` is VARCHAR" in run.stderr
    assert "number in days" in run.stderr


def test_a_done_column_must_be_boolean(tmp_path: Path, seed: Pathway) -> None:
    path = _table(
        tmp_path, seed, [{"fracture_age": 70}], types={"done_conservative_care_1": "INTEGER"}
    )
    run = _cli("--data", str(path))
    assert run.returncode == 2
    assert "`done_conservative_care_1` is INTEGER" in run.stderr


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing.parquet", "no such file"),
        ("data.xlsx", "carepath reads .parquet, .csv, .jsonl and .duckdb files"),
        ("db.duckdb", "name its table with --table"),
    ],
)
def test_unreadable_data_is_an_error(tmp_path: Path, name: str, words: str) -> None:
    path = tmp_path / name
    if name != "missing.parquet":
        path.write_bytes(b"not data")
    run = _cli("--data", str(path))
    assert run.returncode == 2
    assert "error[CP601]" in run.stderr and words in run.stderr
    assert "Traceback" not in run.stderr


def test_a_malformed_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    run = _cli("--data", str(path))
    assert run.returncode == 2
    assert "error[CP601]" in run.stderr
    assert "Traceback" not in run.stderr


def test_json_report_and_exit_zero(tmp_path: Path, seed: Pathway) -> None:
    path = _table(tmp_path, seed, [{"fracture_age": 10}, {"fracture_age": 70, "age": 70}])
    out = tmp_path / "audit.json"
    run = _cli("--data", str(path), "--format", "json", "-o", str(out))
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["rows"] == 2
    assert report["statuses"] == {"complete": 1, "incomplete": 1}
    assert report["outcomes"]["outside_pathway"] == 1
    assert report["needs"] == {
        "neuro_deficit": 1,
        "spinal_instability": 1,
        "canal_compromise": 1,
        "spinal_deformity": 1,
        "focal_cord_compression": 1,
    }


def test_progress_is_reported_while_the_engine_works(tmp_path: Path, seed: Pathway) -> None:
    """The progress bar's numbers come from DuckDB as it runs: rising, ending at 100,
    and the counts the same as without them."""
    path = tmp_path / "many.parquet"
    columns_sql = ", ".join(
        f"(random() * 200)::INTEGER AS {c.name}"
        if c.kind == "number"
        else f"'mild' AS {c.name}"
        if c.kind == "enum"
        else f"random() < 0.1 AS {c.name}"
        for c in columns(seed)
    ).replace("(random() * 200)::INTEGER AS age", "(20 + random() * 80)::INTEGER AS age")
    duckdb.sql(f"COPY (SELECT {columns_sql} FROM range(2000000)) TO '{path}' (FORMAT parquet)")
    seen: list[float] = []
    engine = DuckDBEngine()
    with_progress = audit(seed, DataSource.of(str(path)), engine, progress=seen.append)
    without = _audit(seed, path)
    assert seen and seen[-1] == 100.0
    assert all(0 <= a <= b <= 100 for a, b in pairwise(seen))
    assert with_progress.statuses == without.statuses and with_progress.rows == 2_000_000

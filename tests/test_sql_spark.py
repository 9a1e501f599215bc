"""The same SQL on Apache Spark (pyspark, local mode): the interpreter, DuckDB and
Spark agree row for row, and `carepath audit --engine spark` counts what DuckDB
counts. Slow to start (a JVM): marked `spark`; CI runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.compiler.audit.engines import DuckDBEngine, SparkEngine
from carepath.compiler.audit.run import audit
from carepath.compiler.audit.source import DataSource
from carepath.compiler.pathway import Pathway, load, load_text
from carepath.compiler.sql.columns import columns
from carepath.compiler.sql.query import build_query
from tests.sql_support import (
    create_duckdb_table,
    exact_units,
    expected,
    random_patients,
    rows_of,
    table_rows,
)
from tests.strategies import pathway_sources, patients

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"


@pytest.fixture(scope="module")
def engine() -> Iterator[SparkEngine]:
    yield SparkEngine("local[2]")


def _spark_rows(
    engine: SparkEngine,
    pathway: Pathway,
    people: list[dict[str, Any]],
    units: dict[str, str] | None,
) -> dict[int, Any]:
    from pyspark.sql import types as T

    cols = columns(pathway, units)
    fields = [T.StructField("rid", T.IntegerType())]
    for c in cols:
        kind = {"boolean": T.BooleanType(), "enum": T.StringType()}.get(
            c.kind, T.DecimalType(38, 9)
        )
        fields.append(T.StructField(c.name, kind))
    data = [tuple(r) for r in table_rows(pathway, people, units)]
    frame = engine.spark.createDataFrame(data, T.StructType(fields))
    frame.createOrReplaceTempView("patients")
    query = build_query(pathway, id_column="rid", units=units)
    return rows_of(engine.rows(query.sql("spark")))


def test_seed_ten_thousand_patients_agree(engine: SparkEngine) -> None:
    loaded = load(SEED)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    people = random_patients(pathway, 10_000, seed=15)
    got = _spark_rows(engine, pathway, people, None)  # type: ignore[arg-type]
    assert len(got) == 10_000
    for rid, patient in enumerate(people):
        assert got[rid] == expected(pathway, patient), patient


SCORES = (
    (ROOT / "tests" / "test_sql_duckdb.py")
    .read_text(encoding="utf-8")
    .split('SCORES = """\\\n')[1]
    .split('"""')[0]
)


def test_scores_and_exact_division_agree(engine: SparkEngine) -> None:
    loaded = load_text(SCORES)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    people = random_patients(pathway, 2_000, seed=3)
    got = _spark_rows(engine, pathway, people, None)  # type: ignore[arg-type]
    for rid, patient in enumerate(people):
        assert got[rid] == expected(pathway, patient), patient


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(source=pathway_sources(), data=st.data())
def test_random_pathways_agree_on_spark_and_duckdb(
    engine: SparkEngine, source: str, data: st.DataObject
) -> None:
    loaded = load_text(source, "random.cpath")
    assert loaded.pathway is not None
    pathway = loaded.pathway
    if pathway.start is None:
        return
    units = exact_units(pathway)
    people = [data.draw(patients(pathway, missing=0.3)) for _ in range(25)]
    spark = _spark_rows(engine, pathway, people, units)
    con = duckdb.connect()
    create_duckdb_table(con, pathway, people, units)
    duck = rows_of(
        con.execute(build_query(pathway, id_column="rid", units=units).sql("duckdb")).fetchall()
    )
    for rid, patient in enumerate(people):
        want = expected(pathway, patient)
        assert spark[rid] == want, patient
        assert duck[rid] == want, patient


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_audit_on_spark_counts_what_duckdb_counts(
    engine: SparkEngine, tmp_path: Path, fmt: str
) -> None:
    loaded = load(SEED)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    people = random_patients(pathway, 2_000, seed=5)
    con = duckdb.connect()
    create_duckdb_table(con, pathway, people)
    con.execute("UPDATE patients SET age = 130 WHERE rid = 7")  # invalid: listed by row number
    con.execute("ALTER TABLE patients ADD COLUMN done_conservative_care_1 BOOLEAN")
    con.execute("UPDATE patients SET done_conservative_care_1 = (rid % 3 = 0)")
    path = tmp_path / f"p.{fmt}"
    option = {"parquet": "(FORMAT parquet)", "csv": "(HEADER)", "jsonl": "(FORMAT json)"}[fmt]
    con.execute(f"COPY (SELECT * FROM patients ORDER BY rid) TO '{path}' {option}")
    source = DataSource.of(str(path))
    on_spark = audit(pathway, source, engine)
    on_duckdb = audit(pathway, source, DuckDBEngine())
    assert on_spark.rows == on_duckdb.rows == 2_000
    assert on_spark.statuses == on_duckdb.statuses
    assert on_spark.statuses["invalid"] == 1
    assert on_spark.nodes == on_duckdb.nodes
    assert on_spark.branches == on_duckdb.branches
    assert on_spark.items == on_duckdb.items
    assert on_spark.needs == on_duckdb.needs
    assert on_spark.problems == on_duckdb.problems == {"CP407 age": 1}
    assert on_spark.listed == on_duckdb.listed
    assert [r.row for r in on_spark.listed] == ["8"]
    spark_counts = [
        (a.eligible_received, a.eligible_not_received, a.ineligible_received)
        for a in on_spark.adherence
    ]
    duck_counts = [
        (a.eligible_received, a.eligible_not_received, a.ineligible_received)
        for a in on_duckdb.adherence
    ]
    assert spark_counts == duck_counts

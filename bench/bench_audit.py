"""Population audit throughput: the seed pathway over 10^7 patients in Parquet.

    .venv/bin/python bench/bench_audit.py [--rows N] [--rounds R] [--spark-rows N]
                                          [--batch-rows N] [--no-spark]

Generates bench/out/audit_<N>.parquet once (gitignored; DuckDB writes it: ages,
durations in days as integers, booleans and pain with 5% NULLs). Then, in the
same DuckDB process, interleaved over the rounds, it times:

- ``handwritten``: the seed's outcome logic as one SQL CASE expression written by
  a person (the baseline), GROUP BY outcome;
- ``generated``: the pathway's query computing status and outcome, GROUP BY
  both, with the file's column types known (as `carepath audit` builds it);
- ``generated, untyped``: the same as `carepath compile --to sql` writes it,
  every number column cast to DECIMAL(38, 9) first;
- ``+recommendations``, ``+needs``, ``+path``: the same with one more result column each
  (summed, so that the engine cannot skip it): the cost of each column;
- ``audit``: `carepath audit`'s whole aggregate pass (every count it reports).

and, once each (they are much slower): the same generated query on Spark local
mode over the first --spark-rows rows, and `carepath run --batch` (the compiled
Python evaluator) over --batch-rows rows of JSON Lines. Prints medians,
patients per second, and each DuckDB configuration's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"

import duckdb  # noqa: E402

from carepath.compiler.audit.counts import aggregate_sql  # noqa: E402
from carepath.compiler.audit.engines import DuckDBEngine, SparkEngine  # noqa: E402
from carepath.compiler.audit.run import audit  # noqa: E402
from carepath.compiler.audit.source import PATIENTS, DataSource  # noqa: E402
from carepath.compiler.pathway import Pathway, load  # noqa: E402
from carepath.compiler.sql.query import build_query  # noqa: E402

BOOLEANS = [
    "neuro_deficit",
    "spinal_instability",
    "canal_compromise",
    "spinal_deformity",
    "focal_cord_compression",
    "pain_refractory",
    "parenteral_or_admission",
    "ckd",
    "cardiovascular_disease",
    "oral_bisphosphonate_intolerance",
    "bisphosphonate_nonadherence",
    "high_fracture_risk",
    "advanced_osteoporosis",
    "frail",
    "multimorbidity",
    "good_performance_status",
    "reasonable_life_expectancy",
]

# The seed's outcome logic as a person writes it in SQL, with NULL meaning unknown.
RED_FLAG = " OR ".join(
    [
        "neuro_deficit",
        "spinal_instability",
        "canal_compromise",
        "spinal_deformity",
        "focal_cord_compression",
    ]
)
HANDWRITTEN = f"""
SELECT outcome, count(*) FROM (
  SELECT CASE
    WHEN fracture_age <= 42 THEN 'outside_pathway'
    WHEN fracture_age > 42 THEN CASE
      WHEN {RED_FLAG} THEN 'surgical_consultation'
      WHEN NOT ({RED_FLAG}) THEN CASE
        WHEN parenteral_or_admission OR (pain = 'severe' AND pain_refractory
             AND conservative_duration >= 91.3125) THEN 'vertebral_augmentation'
        WHEN parenteral_or_admission IS NULL OR (pain = 'severe' AND pain_refractory
             AND conservative_duration >= 91.3125) IS NULL THEN NULL
        WHEN conservative_duration < 91.3125 THEN 'continue_conservative'
        WHEN conservative_duration IS NULL THEN NULL
        ELSE 'no_augmentation' END
      END
    END AS outcome
  FROM {PATIENTS}
) GROUP BY outcome
"""


def generate(path: Path, rows: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)

    def maybe(expr: str) -> str:
        return f"CASE WHEN random() < 0.05 THEN NULL ELSE {expr} END"

    pain = "['none', 'mild', 'moderate', 'severe'][1 + (random() * 3.99)::INTEGER]"
    columns = [
        f"{maybe('(random() * 200)::INTEGER')} AS fracture_age",
        f"{maybe('(18 + random() * 100)::INTEGER')} AS age",
        f"{maybe('(random() * 200)::INTEGER')} AS conservative_duration",
        f"{maybe(pain)} AS pain",
    ]
    # Red flags are rare, as in a real registry; the rest are coin flips.
    for name in BOOLEANS:
        chance = 0.02 if name in RED_FLAG else 0.5
        columns.append(f"{maybe(f'random() < {chance}')} AS {name}")
    tmp = path.with_suffix(".tmp")
    duckdb.sql(f"COPY (SELECT {', '.join(columns)} FROM range({rows})) TO '{tmp}' (FORMAT parquet)")
    tmp.rename(path)


def _seconds(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    start = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - start


def duckdb_configurations(pathway: Pathway, types: dict[str, str]) -> dict[str, str]:
    """``types``: the file's column types, as `carepath audit` reads them (integer
    columns are then compared as they are, not cast to DECIMAL(38, 9) first)."""

    def generated(*outputs: str, typed: bool = True) -> str:
        query = build_query(
            pathway,
            table=PATIENTS,
            outputs=("status", "outcome", *outputs),
            types=types if typed else None,
        )
        extra = "".join(f", sum(len({o}))" for o in outputs)
        return f"SELECT status, outcome, count(*){extra} FROM ({query.sql('duckdb')}) GROUP BY ALL"

    internal = build_query(
        pathway, table=PATIENTS, outputs=("status", "problem"), internal=True, types=types
    )
    aggregate, _ = aggregate_sql(pathway, internal, (), "duckdb")
    return {
        "handwritten": HANDWRITTEN,
        "generated": generated(),
        "generated, untyped": generated(typed=False),
        "+recommendations": generated("recommendations"),
        "+needs": generated("needs"),
        "+path": generated("path"),
        "audit": aggregate,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spark-rows", type=int, default=2_000_000)
    parser.add_argument("--batch-rows", type=int, default=20_000)
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    loaded = load(SEED)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    data = OUT / f"audit_{args.rows}.parquet"
    generate(data, args.rows)

    engine = DuckDBEngine()
    engine.open(DataSource.of(str(data)))
    engine.con.execute(f"CREATE VIEW {PATIENTS} AS SELECT * FROM cp_raw")
    # The generated query's answers are the interpreter's (tests/test_sql_duckdb.py);
    # here it must agree with the hand-written one on every outcome count too.
    hand = dict(engine.con.execute(HANDWRITTEN).fetchall())
    query = build_query(pathway, table=PATIENTS, outputs=("outcome",))
    mine = dict(
        engine.con.execute(
            f"SELECT outcome, count(*) FROM ({query.sql('duckdb')}) GROUP BY outcome"
        ).fetchall()
    )
    assert hand == mine, (hand, mine)

    types = {name: str(t) for name, t, *_ in engine.con.execute(f"DESCRIBE {PATIENTS}").fetchall()}
    configurations = duckdb_configurations(pathway, types)
    times: dict[str, list[float]] = {name: [] for name in configurations}
    for _ in range(args.rounds):
        for name, sql in configurations.items():
            times[name].append(_seconds(engine.con, sql))
    base = statistics.median(times["handwritten"])
    print(f"{args.rows:,} patients, {args.rounds} rounds interleaved, DuckDB {duckdb.__version__}")
    print(f"{'configuration':<20} {'median s':>9} {'patients/s':>14} {'vs handwritten':>15}")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{name:<20} {median:9.3f} {args.rows / median:14,.0f} {median / base:14.2f}x")

    # The whole command, as a user runs it (process start, checks, both passes).
    start = time.perf_counter()
    audit(pathway, DataSource.of(str(data)), DuckDBEngine())
    print(f"{'audit() in-process':<20} {time.perf_counter() - start:9.3f}")

    if not args.no_spark:
        spark_data = OUT / f"audit_{args.spark_rows}.parquet"
        generate(spark_data, args.spark_rows)
        spark = SparkEngine("local[*]")
        spark.open(DataSource.of(str(spark_data)))
        spark.spark.sql(f"CREATE OR REPLACE TEMP VIEW {PATIENTS} AS SELECT * FROM cp_raw")
        sql = build_query(pathway, table=PATIENTS, outputs=("status", "outcome")).sql("spark")
        grouped = f"SELECT status, outcome, count(*) FROM ({sql}) GROUP BY status, outcome"
        spark.rows(grouped)  # warm: JIT, planning
        start = time.perf_counter()
        spark.rows(grouped)
        seconds = time.perf_counter() - start
        print(
            f"{'spark local':<20} {seconds:9.3f} {args.spark_rows / seconds:14,.0f}"
            f"   ({args.spark_rows:,} rows; session start {spark.startup_seconds:.1f} s)"
        )

    batch = OUT / f"audit_batch_{args.batch_rows}.jsonl"
    if not batch.exists():
        cols = ", ".join(
            f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || ' d' END AS {c}"
            if c in ("fracture_age", "conservative_duration")
            else c
            for c in ["fracture_age", "age", "conservative_duration", "pain", *BOOLEANS]
        )
        duckdb.sql(
            f"COPY (SELECT {cols} FROM read_parquet('{data}') LIMIT {args.batch_rows}) "
            f"TO '{batch}' (FORMAT json)"
        )
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "carepath",
            "run",
            str(SEED),
            "--batch",
            str(batch),
            "-o",
            "/dev/null",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    # 1: some rows are incomplete, as they are meant to be; anything else is a failure.
    assert done.returncode in (0, 1), done.stderr
    print(
        f"{'run --batch':<20} {seconds:9.3f} {args.batch_rows / seconds:14,.0f}"
        f"   ({args.batch_rows:,} rows, whole process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

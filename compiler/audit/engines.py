"""The SQL engines an audit runs on: embedded DuckDB (the default, nothing to
start) and Apache Spark (local mode, or any cluster through ``--master``).

Each opens the data file as the view ``cp_raw`` with the row's number in the
file as ``cp:row``, tells the column types, creates views and runs queries.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlglot import exp

from .source import ROW, DataProblem, DataSource

RAW = "cp_raw"
Progress = Callable[[float], None]


class Engine(Protocol):
    name: str
    dialect: str

    def open(self, source: DataSource) -> dict[str, str]:
        """Reads ``source`` as the view ``cp_raw``; returns its columns' types."""
        ...

    def create_view(self, name: str, select: exp.Select) -> None: ...

    def rows(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


def _string(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="duckdb")


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")

    def open(self, source: DataSource) -> dict[str, str]:
        path = _string(str(source.path))
        row = exp.to_identifier(ROW, quoted=True).sql(dialect="duckdb")
        if source.format == "parquet":
            body = (
                f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS {row} "
                f"FROM read_parquet({path}, file_row_number = true)"
            )
        elif source.format == "csv":
            body = (
                f"SELECT *, row_number() OVER () AS {row} "
                f"FROM read_csv({path}, all_varchar = true, header = true)"
            )
        elif source.format == "jsonl":
            body = (
                f"SELECT *, row_number() OVER () AS {row} "
                f"FROM read_json({path}, format = 'newline_delimited')"
            )
        else:
            assert source.table is not None
            self._run(f"ATTACH {path} AS cp_source (READ_ONLY)")
            table = exp.to_table(source.table).sql(dialect="duckdb")
            body = f"SELECT *, rowid + 1 AS {row} FROM cp_source.{table}"
        self._run(f"CREATE VIEW {RAW} AS {body}")
        described = self._run(f"DESCRIBE {RAW}")
        return {name: str(sql_type) for name, sql_type, *_ in described}

    def create_view(self, name: str, select: exp.Select) -> None:
        self._run(f"CREATE OR REPLACE VIEW {name} AS {select.sql(dialect='duckdb')}")

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(sql).fetchall()
        except self._duckdb.Error as error:
            raise DataProblem("CP601", _first_line(str(error))) from None

    def rows(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]:
        if progress is None:
            return self._run(sql)
        # DuckDB tracks a query's progress only with its progress bar on (not printed).
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")
        # DuckDB reports how far a query is while it runs: ask from this thread
        # while another waits for the rows.
        done: list[list[tuple[Any, ...]]] = []
        failed: list[BaseException] = []

        def work() -> None:
            try:
                done.append(self._run(sql))
            except BaseException as error:  # handed to the caller's thread
                failed.append(error)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            try:
                share = self.con.query_progress()
            except self._duckdb.Error:
                share = -1
            if share is not None and share >= 0:
                progress(min(float(share), 100.0))
        if failed:
            raise failed[0]
        progress(100.0)
        return done[0]

    def close(self) -> None:
        self.con.close()


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "the engine failed"


class SparkEngine:
    """pyspark, local mode unless ``master`` names a cluster."""

    name = "spark"
    dialect = "spark"

    def __init__(self, master: str = "local[*]") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise DataProblem(
                "CP605",
                "--engine spark needs pyspark, which is not installed",
                "pip install 'carepath[spark]' (and a Java runtime: apt-get install "
                "default-jre-headless)",
            ) from None
        if master.startswith("local") and "SPARK_LOCAL_IP" not in os.environ:
            # Local mode talks to itself: on the loopback address, and without Spark's
            # warning that the host name resolves to it.
            os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
        if master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
            # Local workers run on this machine: with this interpreter, not whichever
            # `python3` is first on PATH (pyspark refuses a worker of another version).
            os.environ["PYSPARK_PYTHON"] = sys.executable
        started = time.monotonic()
        self.spark = (
            SparkSession.builder.master(master)
            .appName("carepath audit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Exact decimals: an overflow is an error, never a NULL or a rounded value.
            .config("spark.sql.ansi.enabled", "true")
            .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        self.startup_seconds = time.monotonic() - started

    def open(self, source: DataSource) -> dict[str, str]:
        from pyspark.sql import functions as F
        from pyspark.sql.window import Window

        reader = self.spark.read
        path = str(source.path)
        try:
            if source.format == "parquet":
                frame = reader.parquet(path)
            elif source.format == "csv":
                frame = reader.option("header", "true").option("inferSchema", "false").csv(path)
            elif source.format == "jsonl":
                frame = reader.json(path)
            else:
                raise DataProblem(
                    "CP601", "--engine spark reads Parquet, CSV and JSON Lines, not DuckDB files"
                )
            # Row numbers in file order: the id Spark gives each row grows with it.
            frame = frame.withColumn("cp:order", F.monotonically_increasing_id())
            frame = frame.withColumn(ROW, F.row_number().over(Window.orderBy("cp:order"))).drop(
                "cp:order"
            )
        except DataProblem:
            raise
        except Exception as error:  # pyspark raises many kinds: all mean "cannot read"
            raise DataProblem("CP601", _first_line(str(error))) from None
        frame.createOrReplaceTempView(RAW)
        return {f.name: f.dataType.simpleString().upper() for f in frame.schema.fields}

    def create_view(self, name: str, select: exp.Select) -> None:
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {select.sql(dialect='spark')}")

    def rows(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]:
        try:
            return [tuple(r) for r in self.spark.sql(sql).collect()]
        except Exception as error:
            raise DataProblem("CP601", _first_line(str(error))) from None

    def close(self) -> None:
        pass  # the session is shared by the process; Spark stops it at exit

"""``carepath audit``: what a pathway does for a whole population, on a SQL engine."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carepath.compiler.audit.engines import Engine

HELP = "run a pathway over a table of patients on DuckDB or Spark and count what it does"
DESCRIPTION = """\
Evaluate the pathway for every row of a patients table, as one SQL query on a
real engine (embedded DuckDB by default, nothing to start; Apache Spark with
--engine spark), with exactly the answers `carepath run` gives, and count:
patients per status, outcome, branch and recommendation, the inputs missing
most, the rows a person should look at (stuck, conflict, invalid: with their
row numbers), and, when the data records what was done, adherence.

The data: Parquet, CSV, JSON Lines, or a DuckDB database (--table). One column
per input the pathway reads (names match exactly): booleans, enumeration values
as text, numbers in the input's declared unit, durations in days
(--unit NAME=UNIT states another); NULL, or an empty CSV cell, is unknown.
A missing column or a column of the wrong type stops the audit before any row
is evaluated; a value a patient record could not hold (outside its range, a
cell that is not a number) makes its row invalid, counted and listed.
The pathway's settings (facts about the place of care) are not columns: they
take their defaults, or --set NAME=VALUE, the same for every row.

Adherence: a BOOLEAN column done_<node>_<n> says whether the patient received
item <node>.<n> (the n-th recommendation of that node; `carepath compile --to
sql` lists the ids). The report counts, per item, eligible patients who
received it and who did not, and patients who received it without being
eligible, with the SQL that selects each group.

examples:
  carepath audit pathways/chronic_osteoporotic_vcf.cpath --data registry.parquet
  carepath audit p.cpath --data patients.csv --unit fracture_age=wk --format json
  carepath audit p.cpath --data registry.duckdb --table patients --format html -o audit.html
  carepath audit p.cpath --data big.parquet --engine spark --master spark://host:7077
  carepath audit p.cpath --data registry.parquet --set "mrsa_prevalence=25 %"

exit codes:
  0  audited, and no row is stuck, in conflict, at a dead end or invalid
  1  audited, and some rows need looking at (listed in the report)
  2  the pathway has errors, a --set does not fit, the data cannot be read, or a
     column is missing or of the wrong type
"""


def configure(parser: argparse.ArgumentParser) -> None:
    from carepath.commands.common import add_colour_option, add_set_option, add_unit_option

    parser.add_argument("pathway", metavar="PATHWAY", help="the .cpath file")
    add_set_option(parser)
    parser.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="the patients: .parquet, .csv, .jsonl or a .duckdb database",
    )
    parser.add_argument("--table", metavar="NAME", help="the table of a .duckdb database")
    add_unit_option(parser)
    parser.add_argument(
        "--id-column",
        metavar="NAME",
        help="list rows to look at by this column (a patient id) instead of row numbers",
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (default, embedded) or spark (pyspark; local unless --master)",
    )
    parser.add_argument(
        "--master",
        default="local[*]",
        metavar="URL",
        help="--engine spark: the cluster (default: local[*], this machine's cores)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="text (default), json, or html: the flowchart drawn with edges as wide as "
        "the patients along them",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of standard output",
    )
    add_colour_option(parser)


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import load_sound, settings_from
    from carepath.compiler.audit import codes as _codes  # noqa: F401 - registers CP6xx
    from carepath.compiler.audit.run import AuditOptions, audit
    from carepath.compiler.audit.source import DataProblem, DataSource
    from carepath.compiler.sql.columns import UnitProblem, parse_unit_options
    from carepath.dsl.files import output_target, write_output

    pathway = load_sound(
        args.pathway, f"carepath audit: {args.pathway} has errors; nothing audited"
    )
    if pathway is None:
        return 2
    settings = settings_from(pathway, args)
    if settings is None:
        return 2
    if args.output is not None:
        # Before the work, not after it: a long audit must not fail at the last step.
        try:
            output_target(args.output)
        except OSError as error:
            print(f"carepath audit: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return 2
    engine: Engine | None = None
    try:
        units = parse_unit_options(args.unit)
        source = DataSource.of(args.data, args.table)
        engine = _engine(args)
        with _progress() as progress:
            result = audit(
                pathway,
                source,
                engine,
                AuditOptions(units=units, id_column=args.id_column, settings=settings),
                progress,
            )
    except UnitProblem as problem:
        _problem("CP604", str(problem), "")
        return 2
    except DataProblem as problem:
        _problem(problem.code, problem.message, problem.hint)
        return 2
    finally:
        if engine is not None:
            engine.close()
    if args.format == "json":
        from carepath.render.audit.json_report import audit_json

        report = json.dumps(audit_json(result), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        from carepath.render.audit.page import audit_page
        from carepath.render.dot import RenderError

        try:
            report = audit_page(pathway, result)
        except RenderError as error:
            print(f"carepath audit: error[{error.code}]: {error.message}", file=sys.stderr)
            return 2
    else:
        from carepath.render.audit.text import audit_text

        report = audit_text(result)
    try:
        write_output(args.output or "-", report)
    except OSError as error:
        print(f"carepath audit: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    return 1 if result.look_at else 0


def _problem(code: str, message: str, hint: str) -> None:
    print(f"error[{code}]: {message}", file=sys.stderr)
    if hint:
        print(f"  = help: {hint}", file=sys.stderr)


def _engine(args: argparse.Namespace) -> Engine:
    from carepath.compiler.audit.engines import DuckDBEngine, SparkEngine

    if args.engine == "spark":
        return SparkEngine(args.master)
    return DuckDBEngine()


class _progress:
    """A rich progress bar on standard error while the engine works, on a terminal
    only (and not in CI); ``None`` inside otherwise."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty() or os.environ.get("CI"):
            self.bar = None
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

        self.bar = Progress(
            "evaluating patients",
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("audit", total=100.0)
        bar = self.bar
        return lambda share: bar.update(task, completed=share)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

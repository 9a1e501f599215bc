"""``carepath compile``: a pathway -> a standalone Python module, or one SQL query."""

from __future__ import annotations

import argparse
import sys

HELP = "compile a pathway into a standalone Python module or one SQL query"
DESCRIPTION = """\
--to python (the default) generates a readable Python module that evaluates the
pathway exactly as `carepath run` does, without carepath installed (it imports
only the standard library). Every generated line is traceable: `# line N`
comments and the LINE_MAP dict at the end map it to its pathway line.

--to sql generates one SQL query over a patients table (one column per input)
that returns, per row, what `carepath run` would: status, outcome, path,
recommendations (item ids: `node.n`, the n-th item of the node), undetermined
items, the inputs still needed, and the problem of an invalid row. The columns
(docs/audit.md): booleans as BOOLEAN, enumerations as text, numbers in the
input's declared unit, durations in days (--unit NAME=UNIT states another);
NULL is unknown. Arithmetic is exact (DECIMAL, no division), so the query gives
the interpreter's answers, boundaries included. A number column whose type is
not given is read as DECIMAL(38, 9); --type NAME=TYPE (INTEGER, DECIMAL(5, 1))
reads it as it is, which is faster, and which a product of several decimal
columns may need to stay within the 38 digits SQL decimals hold (`audit` reads
the types from the data itself). DuckDB and Spark SQL are run
against the interpreter by carepath's tests; other dialects are written by
sqlglot and not run here. The pathway's settings are constants of the query,
not columns: their defaults, or --set NAME=VALUE.

examples:
  carepath compile pathways/chronic_osteoporotic_vcf.cpath -o vcf.py
  carepath compile p.cpath --to sql --dialect spark --table registry.patients
  carepath compile p.cpath --to sql --unit fracture_age=wk --id-column patient_id
  carepath compile p.cpath --to sql --type age=INTEGER --type weight="DECIMAL(5, 1)"

  >>> from fractions import Fraction
  >>> import vcf
  >>> WEEK = Fraction(604800)               # values are exact, in SI units
  >>> result = vcf.evaluate({"fracture_age": 4 * WEEK})
  >>> result.status, result.outcome
  ('complete', 'outside_pathway')
  >>> result.recommendations                # (node, kind, text, strength, citations, item id)
  ()

exit codes: 0 written, 2 the pathway has errors, cannot be compiled to SQL
(a cycle, a number past 38 digits), a --unit, --type or --set is wrong, or the
file cannot be written.
"""

DIALECTS = ("duckdb", "spark", "databricks", "postgres", "snowflake", "trino", "bigquery")


def configure(parser: argparse.ArgumentParser) -> None:
    from carepath.commands.common import add_set_option, add_unit_option

    parser.add_argument("pathway", metavar="PATHWAY", help="the .cpath file")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the module or query (written atomically); default: stdout",
    )
    parser.add_argument(
        "--to",
        choices=("python", "sql"),
        default="python",
        help="what to generate (default: python)",
    )
    sql = parser.add_argument_group("--to sql")
    sql.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="duckdb",
        help="the SQL dialect sqlglot writes (default: duckdb)",
    )
    sql.add_argument(
        "--table", default="patients", help="the patients table to read (default: patients)"
    )
    add_unit_option(sql)
    add_set_option(sql)
    sql.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="NAME=TYPE",
        help="the SQL type of a number column, read as it is instead of as "
        "DECIMAL(38, 9); repeatable, e.g. --type age=INTEGER",
    )
    sql.add_argument(
        "--id-column",
        metavar="NAME",
        help="a column of the table to carry into the results (e.g. a patient id)",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import load_sound
    from carepath.dsl.files import write_output

    pathway = load_sound(args.pathway, f"carepath: not compiled: {args.pathway} has errors")
    if pathway is None:
        return 2
    if args.to == "sql":
        from carepath.commands.common import settings_from
        from carepath.compiler.sql.columns import (
            UnitProblem,
            parse_type_options,
            parse_unit_options,
        )
        from carepath.compiler.sql.errors import CannotCompile
        from carepath.compiler.sql.text import query_text
        from carepath.version import __version__

        settings = settings_from(pathway, args)
        if settings is None:
            return 2
        try:
            source = query_text(
                pathway,
                dialect=args.dialect,
                table=args.table,
                units=parse_unit_options(args.unit),
                id_column=args.id_column,
                generator=f"carepath {__version__}",
                types=parse_type_options(args.type, pathway),
                settings=settings,
            )
        except (CannotCompile, UnitProblem) as problem:
            print(f"carepath: not compiled: {problem}", file=sys.stderr)
            return 2
    else:
        from carepath.compiler.codegen_python import generate_source

        source = generate_source(pathway)
    if args.output is None:
        sys.stdout.write(source)
        return 0
    try:
        write_output(args.output, source)
    except OSError as error:
        print(f"carepath: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    return 0

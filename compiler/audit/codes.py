"""Diagnostic codes of population audits (CP6xx): the data, its columns, the engine.

Each stops the audit before any row is evaluated: counts over data carepath
misread would be worse than none.
"""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_AUDIT = "population audits"

register(
    "CP601",
    Severity.ERROR,
    "data cannot be read",
    category=_AUDIT,
    explanation="""
The data file does not exist, has an extension carepath does not read (.parquet,
.csv, .jsonl, .duckdb), is malformed (the engine's message says where), or is a
DuckDB database given without `--table`.""",
    bad="""
carepath audit p.cpath --data registry.duckdb
""",
    fixed="""
carepath audit p.cpath --data registry.duckdb --table patients
""",
)

register(
    "CP602",
    Severity.ERROR,
    "a column the pathway reads is missing",
    category=_AUDIT,
    explanation="""
Every input a condition of the pathway reads needs a column of that name in the
data (names match exactly). A column that is absent is not "unknown for every
patient": it is more often a misspelt or renamed column, so carepath stops. If
the value really is unknown for everyone, add the column with NULLs.""",
    bad="""
input neuro_deficit: boolean        -- the file has a column NeuroDeficit
""",
    fixed="""
SELECT NeuroDeficit AS neuro_deficit, … FROM registry   -- or rename the column
""",
)

register(
    "CP603",
    Severity.ERROR,
    "a column of the wrong type",
    category=_AUDIT,
    explanation="""
A boolean input needs a BOOLEAN column, an enumeration a text column, a number a
numeric column in the unit carepath states (`carepath compile --to sql` prints
the table it expects). Text such as "10 weeks" is for `carepath run --batch`,
which reads units in each value; a `done_` column is BOOLEAN.""",
    bad="""
fracture_age VARCHAR    -- "10 weeks", "3 months"
""",
    fixed="""
fracture_age DOUBLE     -- days: 70, 91.3
""",
)

register(
    "CP604",
    Severity.ERROR,
    "a stated column unit does not fit",
    category=_AUDIT,
    explanation="""
`--unit NAME=UNIT` states the unit of a number column. It must name an input of
the pathway that is a number, and be a unit (UCUM or a word) of the same
dimension as the input: a duration in `wk` or `mo`, a mass in `kg`.""",
    bad="""
carepath audit p.cpath --data d.parquet --unit age=kg
""",
    fixed="""
carepath audit p.cpath --data d.parquet --unit age=mo
""",
)

register(
    "CP605",
    Severity.ERROR,
    "the engine is not available",
    category=_AUDIT,
    explanation="""
`--engine spark` needs pyspark and a Java runtime. DuckDB, the default, needs
nothing more than carepath.""",
    bad="""
carepath audit p.cpath --data d.parquet --engine spark    # pyspark not installed
""",
    fixed="""
pip install 'carepath[spark]'; apt-get install default-jre-headless
""",
)

register(
    "CP606",
    Severity.ERROR,
    "the pathway cannot be written as one SQL query",
    category=_AUDIT,
    explanation="""
The SQL query follows acyclic pathways: a pathway whose graph has a cycle (a
step that leads back to an earlier one) is refused rather than evaluated by a
walk that would differ from `carepath run`'s.""",
    bad="""
action reassess "Reassess"
  next triage
""",
    fixed="""
action reassess "Reassess"
  next follow_up
""",
)

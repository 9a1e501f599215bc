"""Diagnostic codes of patient records and evaluation (CP4xx).

A patient record (JSON, YAML, a CSV row) is checked against the pathway's
inputs before anything is evaluated: a clinician must never get a
recommendation computed from a value carepath misread.
"""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_RECORDS = "patient records"

register(
    "CP401",
    Severity.ERROR,
    "patient record cannot be parsed",
    category=_RECORDS,
    explanation="""
The patient file is not well-formed JSON or YAML (or a batch line is not a JSON
object). The message gives the line and column where the parser gave up.""",
    bad="""
{"age": 70, "pain": "severe",}
""",
    fixed="""
{"age": 70, "pain": "severe"}
""",
)

register(
    "CP402",
    Severity.ERROR,
    "patient record is not an object",
    category=_RECORDS,
    explanation="""
A patient record maps input names to values. A list, a string or a number at
the top of the file is not a record.""",
    bad="""
[{"age": 70}]
""",
    fixed="""
{"age": 70}
""",
)

register(
    "CP403",
    Severity.ERROR,
    "unknown field",
    category=_RECORDS,
    explanation="""
The record gives a value for a name that is not an input of the pathway. A
misspelt field would otherwise be silently ignored and the input treated as
unknown. The message suggests the closest input.""",
    bad="""
{"neuro_defecit": true}
""",
    fixed="""
{"neuro_deficit": true}
""",
)

register(
    "CP404",
    Severity.ERROR,
    "value of the wrong type",
    category=_RECORDS,
    explanation="""
The value does not fit the input's type: booleans are `true` or `false` (not
`"yes"`, not `1`), enumerations are one of their declared values, numbers are
numbers or quantities. Write `null` for a value that is not known.""",
    bad="""
{"neuro_deficit": "yes", "pain": "sever"}
""",
    fixed="""
{"neuro_deficit": true, "pain": "severe"}
""",
)

register(
    "CP405",
    Severity.ERROR,
    "unit of the wrong dimension",
    category=_RECORDS,
    explanation="""
The value carries a unit that measures something else than the input: a
duration given in milligrams, a rate given in weeks.""",
    bad="""
{"fracture_age": {"value": 10, "unit": "mg"}}
""",
    fixed="""
{"fracture_age": {"value": 10, "unit": "wk"}}
""",
)

register(
    "CP406",
    Severity.ERROR,
    "unknown unit in a patient record",
    category=_RECORDS,
    explanation="""
carepath does not know the unit of this value. Write a UCUM code (`wk`, `mo`,
`a`, `d`, `mg/d`, `mm[Hg]`) or a plain word (`weeks`, `months`). A FHIR
Quantity must use the UCUM system `http://unitsofmeasure.org`.""",
    bad="""
{"fracture_age": "10 wekks"}
""",
    fixed="""
{"fracture_age": "10 weeks"}
""",
)

register(
    "CP407",
    Severity.ERROR,
    "value outside the plausible range",
    category=_RECORDS,
    explanation="""
The input declares a plausible range (`age: integer years 0..120`) and the
value lies outside it: most likely a typing error or a value in another unit.
A duration without a range is never negative (`"-3 weeks"`): a pathway that
means a time before an event declares a range that starts below zero.""",
    bad="""
{"age": 700}
""",
    fixed="""
{"age": 70}
""",
)

register(
    "CP408",
    Severity.ERROR,
    "not a whole number",
    category=_RECORDS,
    explanation="""
The input is declared `integer` (in its unit), but the value has a fraction.""",
    bad="""
{"age": 70.5}
""",
    fixed="""
{"age": 70}
""",
)

register(
    "CP409",
    Severity.ERROR,
    "field given twice",
    category=_RECORDS,
    explanation="""
The same input appears twice in one record; which value is meant is unclear.""",
    bad="""
{"age": 70, "age": 71}
""",
    fixed="""
{"age": 71}
""",
)

register(
    "CP410",
    Severity.ERROR,
    "number without a unit",
    category=_RECORDS,
    explanation="""
A duration, or an input that declares a dimension but no unit, needs the unit
with the number: `10` could be days, weeks or months.""",
    bad="""
{"fracture_age": 10}
""",
    fixed="""
{"fracture_age": "10 weeks"}
""",
)

register(
    "CP411",
    Severity.ERROR,
    "patient file cannot be read",
    category=_RECORDS,
    explanation="""
The patient file does not exist, is not a file, is not UTF-8 text, or has an
extension carepath does not read (.json, .yaml, .yml; .jsonl and .csv for
`--batch`).""",
    bad="""
carepath run p.cpath --patient patient.jsn
""",
    fixed="""
carepath run p.cpath --patient patient.json
""",
)

register(
    "CP412",
    Severity.ERROR,
    "pathway cannot be evaluated",
    category=_RECORDS,
    explanation="""
The pathway has errors (unknown names, type errors, …), so evaluating it could
give a wrong answer. Fix the errors `carepath check` reports first.""",
    bad="""
decision triage "Red flags?"
  when neuro_defecit -> surgical_consult
""",
    fixed="""
decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
""",
)

register(
    "CP413",
    Severity.ERROR,
    "setting given as patient data",
    category=_RECORDS,
    explanation="""
The record gives a value for a setting: a fact about the place of care (a local
prevalence, a formulary choice) that is the same for every patient. It comes
from `--set NAME=VALUE` or the setting's default, never from one patient's
record, so that two records of one run cannot be evaluated under different
local policies.""",
    bad="""
{"allergy": false, "mrsa_prevalence": "25 %"}
""",
    fixed="""
carepath run p.cpath --patient patient.json --set "mrsa_prevalence=25 %"
""",
)

register(
    "CP414",
    Severity.ERROR,
    "setting without a value",
    category=_RECORDS,
    explanation="""
`--set NAME=VALUE` names something that is not a setting of the pathway, is
malformed or given twice, or a setting has no default and no `--set`. A setting
is never unknown: the pathway's logic for a place of care depends on it.""",
    bad="""
carepath run p.cpath --patient patient.json --set mrsa=25
""",
    fixed="""
carepath run p.cpath --patient patient.json --set "mrsa_prevalence=25 %"
""",
)

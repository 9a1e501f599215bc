"""Diagnostic codes of name, type and unit resolution (CP1xx)."""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_NAMES = "names"
_TYPES = "types and units"

register(
    "CP101",
    Severity.ERROR,
    "unknown node",
    category=_NAMES,
    explanation="""
A `start`, `next`, `->` or `expect` names a node that no `decision`, `action`
or `end` defines. The message suggests the closest existing node.""",
    bad="""
decision triage "Red flags?"
  when neuro_deficit -> surgical_consul
""",
    fixed="""
decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
""",
)

register(
    "CP102",
    Severity.ERROR,
    "unknown name in an expression",
    category=_NAMES,
    explanation="""
An expression uses a name that is neither an input, a derived value (`define`),
nor `true`/`false`. Declare the input, or correct the spelling.""",
    bad="""
input neuro_deficit: boolean
decision triage "Red flags?"
  when neuro_defecit -> surgical_consult
""",
    fixed="""
input neuro_deficit: boolean
decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
""",
)

register(
    "CP103",
    Severity.ERROR,
    "unknown value of an enumeration",
    category=_NAMES,
    explanation="""
A comparison or `in {…}` names a value the input's `one of` list does not
have. Such a condition could never hold (or always hold, with `!=`).""",
    bad="""
input pain: one of none, mild, moderate, severe
decision review "Severe pain?"
  when pain == sever -> augmentation
""",
    fixed="""
input pain: one of none, mild, moderate, severe
decision review "Severe pain?"
  when pain == severe -> augmentation
""",
)

register(
    "CP104",
    Severity.ERROR,
    "unknown reference",
    category=_NAMES,
    explanation="""
A `cite` names a reference that no `reference` line declares. Every citation
must lead the reader to a source.""",
    bad="""
reference overview "Guideline Directed Topic Overview" year 2025
action a "Analgesia"
  recommend "Acetaminophen first" cite overveiw
""",
    fixed="""
reference overview "Guideline Directed Topic Overview" year 2025
action a "Analgesia"
  recommend "Acetaminophen first" cite overview
""",
)

register(
    "CP105",
    Severity.ERROR,
    "name declared twice",
    category=_NAMES,
    explanation="""
Two nodes, two inputs/derived values, two references, two cases or two values
of one enumeration share a name. Every use of the name would be ambiguous.""",
    bad="""
end surgical_consult "Refer to spine surgery"
end surgical_consult "Urgent surgical consultation"
""",
    fixed="""
end surgical_consult "Refer to spine surgery"
end urgent_surgery "Urgent surgical consultation"
""",
)

register(
    "CP106",
    Severity.ERROR,
    "type mismatch",
    category=_TYPES,
    explanation="""
An operator is used with values it cannot combine: `and` on a number, `<` on
an enumeration, a boolean compared with a number, arithmetic on booleans.""",
    bad="""
input pain: one of none, mild, moderate, severe
decision d "Pain?"
  when pain > mild -> treat
""",
    fixed="""
input pain: one of none, mild, moderate, severe
decision d "Pain?"
  when pain in {moderate, severe} -> treat
""",
)

register(
    "CP107",
    Severity.ERROR,
    "unknown unit",
    category=_TYPES,
    explanation="""
carepath does not know this unit. Units are UCUM codes (`wk`, `mo`, `a`, `d`,
`mg/d`, `mm[Hg]`, `mL/min`) or their plain words (`weeks`, `months`, `years`).""",
    bad="""
decision d "Old fracture?"
  when fracture_age > 6 wekks -> chronic
""",
    fixed="""
decision d "Old fracture?"
  when fracture_age > 6 weeks -> chronic
""",
)

register(
    "CP108",
    Severity.ERROR,
    "units of different dimensions",
    category=_TYPES,
    explanation="""
Two quantities of different kinds are compared or added: a dose in mg against a
time in weeks. Quantities of one kind convert exactly (`6 weeks` vs `3 months`).""",
    bad="""
input calcium: decimal mg/d
decision d "Enough calcium?"
  when calcium >= 1000 weeks -> ok
""",
    fixed="""
input calcium: decimal mg/d
decision d "Enough calcium?"
  when calcium >= 1000 mg/d -> ok
""",
)

register(
    "CP109",
    Severity.ERROR,
    "number without a unit where one is needed",
    category=_TYPES,
    explanation="""
A bare number is compared with a duration (or a quantity without a declared
unit). `fracture_age > 6` could mean days, weeks or months: say which.""",
    bad="""
input fracture_age: duration
decision d "Chronic?"
  when fracture_age > 6 -> chronic
""",
    fixed="""
input fracture_age: duration
decision d "Chronic?"
  when fracture_age > 6 weeks -> chronic
""",
)

register(
    "CP110",
    Severity.ERROR,
    "invalid plausible range",
    category=_TYPES,
    explanation="""
A plausible range must go from a lower to a higher number, and only numbers
have ranges (a boolean or an enumeration cannot).""",
    bad="""
input age: integer years 120..0
""",
    fixed="""
input age: integer years 0..120
""",
)

register(
    "CP111",
    Severity.ERROR,
    "derived value defined in terms of itself",
    category=_NAMES,
    explanation="""
A `define` uses itself, directly or through other defines; it has no value.""",
    bad="""
define a = b + 1
define b = a + 1
""",
    fixed="""
define a = b + 1
define b = weight + 1
""",
)

register(
    "CP112",
    Severity.ERROR,
    "unknown strength of recommendation",
    category=_NAMES,
    explanation="""
The strength of a recommendation is one of `strong`, `moderate`, `weak` or
`conditional` (GRADE's vocabulary).""",
    bad="""
  recommend "Acetaminophen first" strength high
""",
    fixed="""
  recommend "Acetaminophen first" strength strong
""",
)

register(
    "CP113",
    Severity.ERROR,
    "invalid value in a test case",
    category=_TYPES,
    explanation="""
A `given` line names an input that does not exist, gives it twice, or gives a
value of the wrong type, unit or range for it.""",
    bad="""
input pain: one of none, mild, moderate, severe
case "Severe pain"
  given pain = 8
""",
    fixed="""
input pain: one of none, mild, moderate, severe
case "Severe pain"
  given pain = severe
""",
)

register(
    "CP114",
    Severity.ERROR,
    "unknown pathway status",
    category=_NAMES,
    explanation="""
A pathway's status is `draft`, `active`, `retired` or `unknown` (the FHIR
publication status), so that readers know whether to follow it.""",
    bad="""
pathway vcf "Vertebral fracture"
  status final
""",
    fixed="""
pathway vcf "Vertebral fracture"
  status active
""",
)

register(
    "CP115",
    Severity.ERROR,
    "invalid date",
    category=_TYPES,
    explanation="""
The `reviewed` date is not a real calendar date (YYYY-MM-DD).""",
    bad="""
pathway vcf "Vertebral fracture"
  reviewed 2026-02-30
""",
    fixed="""
pathway vcf "Vertebral fracture"
  reviewed 2026-02-27
""",
)

register(
    "CP116",
    Severity.ERROR,
    "expected recommendation appears nowhere",
    category=_NAMES,
    explanation="""
An `expect recommends "…"` quotes text that no recommendation in the pathway
has; the case could never pass. Quote the recommendation exactly.""",
    bad="""
  expect recommends "Acetaminophen"
""",
    fixed="""
  expect recommends "Acetaminophen as first-line analgesic"
""",
)

register(
    "CP117",
    Severity.ERROR,
    "input name is a reserved word",
    category=_NAMES,
    explanation="""
`true`, `false` and `unknown` are values, not names; an input or derived value
cannot be called that.""",
    bad="""
input unknown: boolean
""",
    fixed="""
input unknown_history: boolean
""",
)

register(
    "CP119",
    Severity.ERROR,
    "invalid setting default",
    category=_TYPES,
    explanation="""
A setting's `default` must be a value of the setting's type, in its unit and
plausible range, and known: a setting is the same for every patient and is
never unknown when the pathway runs. Leave the default out to make every run
give the value (`carepath run --set NAME=VALUE`).""",
    bad="""
setting mrsa_prevalence: decimal % 0..100 default 150 %
""",
    fixed="""
setting mrsa_prevalence: decimal % 0..100 default 15 %
""",
)

register(
    "CP118",
    Severity.ERROR,
    "division by zero",
    category=_TYPES,
    explanation="""
An expression divides by the constant zero.""",
    bad="""
define ratio = dose / 0
""",
    fixed="""
define ratio = dose / weight
""",
)

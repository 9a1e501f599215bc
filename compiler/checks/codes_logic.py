"""Diagnostic codes of the decision-logic checks (CP3xx).

Every logic finding that claims a patient exists carries one (the witness),
confirmed by the reference interpreter before it is reported.
"""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_LOGIC = "decision logic"

register(
    "CP301",
    Severity.ERROR,
    "condition that can never hold",
    category=_LOGIC,
    explanation="""
No patient satisfies this condition: its parts contradict each other (or the
plausible range declared for an input). The branch can never be taken; the
pathway almost certainly says something other than what was meant.""",
    bad="""
decision renal "Renal function?"
  when egfr < 30 mL/min and egfr > 60 mL/min -> adjust
""",
    fixed="""
decision renal "Renal function?"
  when egfr < 30 mL/min or egfr > 60 mL/min -> adjust
""",
)

register(
    "CP302",
    Severity.ERROR,
    "two branches hold for one patient",
    category=_LOGIC,
    explanation="""
A `unique` decision (the default) must send every patient down at most one
branch. Every overlapping pair of branches is its own finding (at most
`--max-regions` per decision); the witness is a patient, who can reach the
decision, for whom both branches hold; the evaluator would stop with a conflict. Make the conditions
exclusive, or declare the decision `first` if the written order is the rule.""",
    bad="""
decision triage "Age group?"
  when age >= 65 -> geriatric
  when age >= 18 -> adult
""",
    fixed="""
decision triage "Age group?"
  when age >= 65 -> geriatric
  when age >= 18 and age < 65 -> adult
""",
)

register(
    "CP303",
    Severity.ERROR,
    "branch masked by earlier branches",
    category=_LOGIC,
    explanation="""
In a `first` decision the branches are tried in order. Every patient for whom
this branch holds is already taken by an earlier branch, so it is never
taken. The message names the covering branches; the witness satisfies this
branch but goes elsewhere.""",
    bad="""
decision triage "Age group?" first
  when age >= 18 -> adult
  when age >= 65 -> geriatric
""",
    fixed="""
decision triage "Age group?" first
  when age >= 65 -> geriatric
  when age >= 18 -> adult
""",
)

register(
    "CP304",
    Severity.ERROR,
    "patient for whom no branch holds",
    category=_LOGIC,
    explanation="""
A decision without `otherwise` must cover every patient who can reach it. Each
region of patients no branch covers is its own finding, described in the
author's terms (`pain is severe and 12 weeks <= fracture_age < 13 weeks`), with
boxes merged wherever they provably form one region; its witness has complete
data, lies in that region, reaches the decision, and no branch holds: the
evaluator is stuck. Fixing one region does not hide the next: all are reported
(at most `--max-regions`, 10 by default, per decision; the last one counts the
rest). Add the missing branch or an `otherwise`. (Patients with missing data are
not gaps: the evaluator asks for the data instead.)""",
    bad="""
decision pain_level "Pain?"
  when egfr < 30 mL/min -> low
  when egfr > 30 mL/min -> high
""",
    fixed="""
decision pain_level "Pain?"
  when egfr < 30 mL/min -> low
  when egfr >= 30 mL/min -> high
""",
)

register(
    "CP305",
    Severity.ERROR,
    "branch no patient on the way there can take",
    category=_LOGIC,
    explanation="""
The condition can hold in general, but not for any patient who reaches this
decision: what the path to it established rules it out (after `age >= 75`, a
branch `age < 65` is dead). The witness reaches the decision and shows the
path; the branch is never taken.""",
    bad="""
decision old "Elderly?"
  when age >= 75 -> review
  otherwise -> done
decision review "Which step?"
  when age < 65 -> young
  otherwise -> standard
""",
    fixed="""
decision review "Which step?"
  when age < 85 -> standard
  otherwise -> very_old
""",
)

register(
    "CP306",
    Severity.ERROR,
    "node no patient can reach",
    category=_LOGIC,
    explanation="""
The node is connected to the start, but every branch that leads to it is dead
for the patients who get that far, so no patient ever arrives.""",
    bad="""
decision a "A?"
  when age >= 75 -> b
  otherwise -> c
decision b "B?"
  when age < 18 -> x
  otherwise -> y
""",
    fixed="""
decision b "B?"
  when age < 85 -> x
  otherwise -> y
""",
)

register(
    "CP307",
    Severity.ERROR,
    "conditional recommendation that can never apply",
    category=_LOGIC,
    explanation="""
The `when` of a recommendation never holds for any patient who reaches its
node, so the recommendation is never given.""",
    bad="""
decision a "Old?"
  when age >= 75 -> care
  otherwise -> other
action care "Care"
  consider "Paediatric dosing" when age < 18
""",
    fixed="""
action care "Care"
  consider "Reduced dose" when age >= 85
""",
)

register(
    "CP308",
    Severity.WARNING,
    "`otherwise` that is never taken",
    category=_LOGIC,
    explanation="""
The other branches already cover every patient with complete data who
reaches the decision, so `otherwise` is never taken. Remove it, or check
whether a branch is wider than intended.""",
    bad="""
decision renal "Renal function?"
  when egfr < 30 mL/min -> reduce
  when egfr >= 30 mL/min -> standard
  otherwise -> standard
""",
    fixed="""
decision renal "Renal function?"
  when egfr < 30 mL/min -> reduce
  otherwise -> standard
""",
)

register(
    "CP309",
    Severity.WARNING,
    "redundant part of a condition",
    category=_LOGIC,
    explanation="""
One part of an `and` is implied by the other parts, or by what the path to the
decision already established; it changes nothing and may hide a mistake (a
threshold that was meant to be different).""",
    bad="""
decision review "Refer?"
  when age >= 65 and age >= 18 -> refer
  otherwise -> stay
""",
    fixed="""
decision review "Refer?"
  when age >= 65 -> refer
  otherwise -> stay
""",
)

register(
    "CP310",
    Severity.WARNING,
    "thresholds on one input that almost coincide",
    category=_LOGIC,
    explanation="""
Two thresholds on the same input differ by less than a day (durations) or by
less than one step of an integer input. `3 months` is 91.3125 days and
`13 weeks` is 91 days: the guideline almost certainly meant one cut-off, and
the patients in between are treated inconsistently.""",
    bad="""
decision a "Long enough?"
  when therapy < 3 months -> wait
  otherwise -> next
decision b "Still long enough?"
  when therapy >= 13 weeks -> refer
  otherwise -> stay
""",
    fixed="""
decision b "Still long enough?"
  when therapy >= 3 months -> refer
  otherwise -> stay
""",
)

register(
    "CP311",
    Severity.INFO,
    "missing data stops a decision it cannot change",
    category=_LOGIC,
    explanation="""
When this input is unknown the decision cannot be taken and the evaluator
asks for it, although every value it could have leads to the same next step.
The witness is such a patient. Rewrite the branches so the answer does not
depend on the input (for example merge branches that go to the same node).
`carepath.compiler.checks.robustness.undecided_inputs` lists, for every
decision, the inputs whose absence leaves it undecided.""",
    bad="""
decision a "Refer?"
  when pain == severe and age >= 65 -> refer
  when pain == severe and age < 65 -> refer
  when pain != severe -> stay
""",
    fixed="""
decision a "Refer?"
  when pain == severe -> refer
  otherwise -> stay
""",
)

register(
    "CP312",
    Severity.ERROR,
    "loop a patient can go round forever",
    category=_LOGIC,
    explanation="""
A cycle is allowed only if every patient with fixed data leaves it. The
witness is a patient who reaches the cycle and whose data keeps every branch
on it true, so the evaluator would go round forever. Give the cycle an exit
that depends on something that changes (or a counter the pathway records).""",
    bad="""
decision reassess "Better?"
  when pain == severe -> treat
  otherwise -> done
action treat "Treat"
  next reassess
""",
    fixed="""
decision reassess "Better?"
  when pain == severe and weeks_treated < 12 weeks -> treat
  otherwise -> done
""",
)

register(
    "CP320",
    Severity.ERROR,
    "two items of an `exactly one` or `at most one` group apply together",
    category=_LOGIC,
    explanation="""
A group says how many of its items may apply to one patient. In an `exactly one`
or `at most one` group (a guideline's "either … or", first-line against
alternative agents), two items whose conditions both hold for a patient who
reaches the node give that patient both: make the conditions exclusive, or say
`at least one` or `any` if both may be given.""",
    bad="""
action therapy "Antiresorptive therapy"
  group "First-line or alternative" exactly one
    recommend "Oral alendronate" when age >= 50
    consider "Denosumab" when oral_intolerance
""",
    fixed="""
action therapy "Antiresorptive therapy"
  group "First-line or alternative" exactly one
    recommend "Oral alendronate" when not oral_intolerance
    consider "Denosumab" when oral_intolerance
""",
)

register(
    "CP321",
    Severity.ERROR,
    "no item of an `exactly one` or `at least one` group applies",
    category=_LOGIC,
    explanation="""
In an `exactly one` or `at least one` group, a patient who reaches the node and
for whom no item's condition holds gets none of them: the guideline's table has
a hole, as a decision without `otherwise` has a gap. Add the missing item, or
say `at most one` or `any` if getting none is intended.""",
    bad="""
action dose "Dose by age"
  group "Dose" exactly one
    recommend "Child dose" when age < 18
    recommend "Adult dose" when age > 18
""",
    fixed="""
action dose "Dose by age"
  group "Dose" exactly one
    recommend "Child dose" when age < 18
    recommend "Adult dose" when age >= 18
""",
)

register(
    "CP314",
    Severity.WARNING,
    "hole between the bands of one input inside a condition or a score",
    category=_LOGIC,
    explanation="""
A band table written inside one condition (rows joined by `or`) or one score
(`count of`, `points of`) has a hole between two neighbouring bands of one
input, at most one unit wide in the units the bands are written in: `<= 5 years`
then `> 6 years`, or `<= 74` then `>= 75` on a decimal age. A decision would
report the hole as a gap (CP304); here nobody falls through, the condition is
simply false (or the score counts nothing) for a patient in the hole, which is
the wrong answer just as silently. Make neighbouring bands meet, or write the
band for the hole if it is meant. A wider hole (`age < 18 or age > 65`) reads as
meant and is not reported.""",
    bad="""
define age_points = points of (1 if 65 <= age <= 74, 2 if age >= 75) "Age points"
""",
    fixed="""
define age_points = points of (1 if 65 <= age < 75, 2 if age >= 75) "Age points"
""",
)

register(
    "CP313",
    Severity.INFO,
    "the checker could not decide",
    category=_LOGIC,
    explanation="""
A question about this decision was too hard to settle within the time limit
(for example arithmetic between several inputs). Nothing is claimed either
way; the pathway may be fine. Simplify the condition, or cover the case with
`case` tests.""",
    bad="""
decision dose "Dose?"
  when weight * egfr / age > 3 -> high
  when weight * weight > egfr * age -> low
""",
    fixed="""
define clearance = weight * egfr / age
decision dose "Dose?"
  when clearance > 3 -> high
  otherwise -> low
""",
)

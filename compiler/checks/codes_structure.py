"""Diagnostic codes of the graph structure (CP2xx): the shape of the pathway, no logic.

These checks look only at which nodes lead to which; whether a branch's
condition can hold is a logic question (CP3xx). Cycles are a logic question
too: whether a patient can leave one depends on the guards.
"""

from __future__ import annotations

from carepath.dsl.diagnostics import Severity, register

_STRUCTURE = "graph structure"
_UNUSED = "unused declarations"

register(
    "CP201",
    Severity.ERROR,
    "no start",
    category=_STRUCTURE,
    explanation="""
The pathway has no `start` line, so no patient can enter it: the evaluator has
nowhere to begin and the flowchart has no first step. Name the first step with
`start NODE`.""",
    bad="""
pathway vcf "Vertebral fracture"

decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
  otherwise -> conservative
""",
    fixed="""
pathway vcf "Vertebral fracture"

start triage

decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
  otherwise -> conservative
""",
)

register(
    "CP202",
    Severity.ERROR,
    "more than one start",
    category=_STRUCTURE,
    explanation="""
A pathway has exactly one entry. With two `start` lines a reader cannot tell
where a patient begins. Every `start` after the first is reported; to ask a
question first, start at a `decision` that chooses between the entries.""",
    bad="""
start triage
start conservative
""",
    fixed="""
start triage
""",
)

register(
    "CP203",
    Severity.ERROR,
    "unreachable node",
    category=_STRUCTURE,
    explanation="""
No path from `start` leads to this node: no branch and no `next` names it, or
only other unreachable nodes do. Its recommendations can never be given, yet
the flowchart and the HTML page show them as part of the pathway, and a reader
would believe they apply. It is usually a misspelt or forgotten target. This is
an error, not a warning, because the published pathway would say something
untrue; while drafting, silence it on the node's line with
`# carepath: ignore[CP203]`.""",
    bad="""
start triage

decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
  otherwise -> surgical_consult

end surgical_consult "Refer to spine surgery"
end conservative "Conservative care"
""",
    fixed="""
start triage

decision triage "Red flags?"
  when neuro_deficit -> surgical_consult
  otherwise -> conservative

end surgical_consult "Refer to spine surgery"
end conservative "Conservative care"
""",
)

register(
    "CP204",
    Severity.ERROR,
    "dead end",
    category=_STRUCTURE,
    explanation="""
A step that is not an `end` has no way out: an `action` without `next`, or a
`decision` without any branch. A patient who reaches it is left with no
outcome. Add `next NODE`, add the branches, or make the step an `end`.""",
    bad="""
action conservative "Continue conservative therapy"
  recommend "Acetaminophen as first-line analgesic"
""",
    fixed="""
action conservative "Continue conservative therapy"
  recommend "Acetaminophen as first-line analgesic"
  next review
""",
)

register(
    "CP205",
    Severity.WARNING,
    "end without an outcome",
    category=_STRUCTURE,
    explanation="""
A branch or `next` leads to an `end` that states no outcome (`end acute_care`
without a label, or with an empty one). The patient's path finishes there, but
the flowchart box is blank and the evaluator reports no outcome. Write the
outcome as the end's label.""",
    bad="""
decision triage "Acute fracture?"
  when fracture_age < 6 weeks -> acute_care
  otherwise -> conservative

end acute_care
""",
    fixed="""
decision triage "Acute fracture?"
  when fracture_age < 6 weeks -> acute_care
  otherwise -> conservative

end acute_care "Manage as an acute fracture"
""",
)

register(
    "CP206",
    Severity.ERROR,
    "action leads to itself",
    category=_STRUCTURE,
    explanation="""
An action's `next` names the action itself. Nothing changes between one visit
and the next, so a patient who reaches it goes round forever. To repeat a step
until something changes, go through a `decision` that asks whether it has.""",
    bad="""
action analgesia "Adjust analgesia"
  recommend "Titrate acetaminophen"
  next analgesia
""",
    fixed="""
action analgesia "Adjust analgesia"
  recommend "Titrate acetaminophen"
  next review
""",
)

register(
    "CP207",
    Severity.WARNING,
    "unused input",
    category=_UNUSED,
    explanation="""
No branch, recommendation or used derived value reads this input. Either a
condition that should use it is missing, or the declaration is left over and
would make users collect data the pathway never looks at.""",
    bad="""
input egfr: decimal mL/min "Estimated GFR"
input age: integer years "Age"
decision d "Older patient?"
  when age >= 65 -> older
  otherwise -> younger
""",
    fixed="""
input age: integer years "Age"
decision d "Older patient?"
  when age >= 65 -> older
  otherwise -> younger
""",
)

register(
    "CP208",
    Severity.WARNING,
    "unused derived value",
    category=_UNUSED,
    explanation="""
No branch, recommendation or other used derived value reads this `define`.
A score that is computed but never decides anything is either a missing
condition or dead text.""",
    bad="""
define red_flags = count of (neuro_deficit, instability)
decision triage "Red flags?"
  when neuro_deficit or instability -> surgical_consult
  otherwise -> conservative
""",
    fixed="""
define red_flags = count of (neuro_deficit, instability)
decision triage "Red flags?"
  when red_flags >= 1 -> surgical_consult
  otherwise -> conservative
""",
)

register(
    "CP209",
    Severity.WARNING,
    "unused reference",
    category=_UNUSED,
    explanation="""
No node and no recommendation cites this reference. Cite it where the pathway
relies on it, or remove it so the reference list shows only real sources.""",
    bad="""
reference overview "Guideline Directed Topic Overview" year 2025
reference t8 "Treatment of T8 Compression Fracture" year 2025
action a "Analgesia"
  recommend "Acetaminophen first" cite overview
""",
    fixed="""
reference overview "Guideline Directed Topic Overview" year 2025
reference t8 "Treatment of T8 Compression Fracture" year 2025
action a "Analgesia"
  recommend "Acetaminophen first" cite overview, t8
""",
)

register(
    "CP210",
    Severity.WARNING,
    "decision with only `otherwise`",
    category=_STRUCTURE,
    explanation="""
A decision whose only branch is `otherwise` asks nothing: every patient goes
the same way, yet the flowchart shows a question. Add the `when` branches that
were meant, or replace the decision by a `next` on the step before.""",
    bad="""
decision review "Severe pain despite therapy?"
  otherwise -> maintenance
""",
    fixed="""
decision review "Severe pain despite therapy?"
  when pain == severe -> augmentation
  otherwise -> maintenance
""",
)

register(
    "CP211",
    Severity.WARNING,
    "empty step",
    category=_STRUCTURE,
    explanation="""
A decision with a blank question, or an action with a blank label and no
recommendations: the flowchart shows an empty box and the clinician is told
nothing at this step. Write what is asked or what is done.""",
    bad="""
action pause ""
  next review
""",
    fixed="""
action pause "Reassess in 4 weeks"
  next review
""",
)

"""``carepath diff --format html``: one self-contained page that shows, for each group
of patients treated differently, the change in words and both flowcharts with that
group's patient's path drawn bold (Graphviz, as ``carepath render --highlight``)."""

from __future__ import annotations

from markupsafe import Markup

from carepath.compiler.diff import Diff, patient_values
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway
from carepath.compiler.patient import PatientChecker

from .dot import DotOptions, run_dot, to_dot
from .html import environment

MAX_DRAWN = 10  # groups drawn with their flowcharts; a page stays readable


def diff_page(old: Pathway, new: Pathway, found: Diff, old_file: str, new_file: str) -> str:
    changes = []
    for number, change in enumerate(found.changes, start=1):
        entry = {
            "patient": [f"{k} = {v}" for k, v in change.patient]
            + [f"{name} unknown" for name in change.unknown],
            "differences": change.before.differences(change.after),
            "old_route": change.old_route,
            "new_route": change.new_route,
            "old_svg": Markup(""),
            "new_svg": Markup(""),
        }
        if number <= MAX_DRAWN:
            record = dict(change.patient)
            entry["old_svg"] = _highlighted(old, record)
            entry["new_svg"] = _highlighted(new, record)
        changes.append(entry)
    return (
        environment()
        .get_template("diff.html")
        .render(
            changes=changes,
            partial=found.partial,
            old_file=old_file,
            new_file=new_file,
            new_title=new.title,
        )
    )


def _highlighted(pathway: Pathway, record: dict[str, str]) -> Markup:
    """The flowchart with the patient's path bold, as inline SVG."""
    cells = {k: v for k, v in record.items() if k in pathway.inputs}
    checked, _ = PatientChecker(pathway, settings_in_record=True).check(
        cells, "witness", cells=True
    )
    values = checked.values if checked is not None else {}
    result = evaluate(pathway, patient_values(pathway, dict(values)))
    svg = run_dot(to_dot(pathway, DotOptions(highlight=result)), "svg").data.decode("utf-8")
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else svg)

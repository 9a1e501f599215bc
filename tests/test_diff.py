"""`carepath diff`: on version pairs whose changed patients are known, every reported
group is real (its patient, re-run here through both versions, is treated
differently), the known changes are found, and a reformat or a renamed node id is
no change."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from carepath.cli import main
from carepath.compiler.diff import Diff, Treatment, diff
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load_text
from carepath.compiler.patient import PatientChecker
from carepath.dsl.formatter import format_source

OLD = """pathway back "Acute low back pain"
input red_flag: boolean
input pain_duration: duration
input ckd: boolean
input age: integer years 18..110
start triage
decision triage "Red flags, duration?" first
  when red_flag -> urgent
  when pain_duration < 6 weeks -> self_care
  otherwise -> physio
end urgent "Refer urgently"
  recommend "Same-day spinal referral"
end self_care "Self-care"
  recommend "Stay active"
  consider "An NSAID" when not ckd
end physio "Physiotherapy"
  recommend "Refer to physiotherapy"
"""


def _pathway(text: str) -> Pathway:
    loaded = load_text(text, "p.cpath")
    assert loaded.pathway is not None, loaded.diagnostics
    return loaded.pathway


def _rerun(old: Pathway, new: Pathway, found: Diff) -> None:
    """Every reported patient, read back as a record and run through both versions
    here, really is treated differently, as reported."""
    for change in found.changes:
        record = {name: value for name, value in change.patient}
        values = {}
        for pathway in (old, new):
            # As written in a case or a CSV cell: `false`, `6 weeks`, `70 years`.
            checked, problems = PatientChecker(pathway).check(
                {k: v for k, v in record.items() if k in pathway.inputs}, "witness", cells=True
            )
            assert checked is not None and problems == [], problems
            values[id(pathway)] = checked.values
        was = Treatment.of(old, evaluate(old, values[id(old)]))
        now = Treatment.of(new, evaluate(new, values[id(new)]))
        assert was == change.before and now == change.after
        assert was != now


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        (
            "a threshold moved",
            lambda t: t.replace("pain_duration < 6 weeks", "pain_duration < 8 weeks"),
            {("Physiotherapy", "Self-care")},
        ),
        (
            "a branch added",
            lambda t: t.replace(
                "  when pain_duration < 6 weeks",
                "  when age >= 80 -> urgent\n  when pain_duration < 6 weeks",
            ),
            # and with missing data: age unknown now stops at triage before physiotherapy;
            # a patient over 80 whose pain duration is unknown no longer waits for it.
            {
                ("Self-care", "Refer urgently"),
                ("Physiotherapy", "Refer urgently"),
                ("Physiotherapy", None),
                (None, "Refer urgently"),
            },
        ),
        (
            "an item's condition changed",
            lambda t: t.replace(
                'consider "An NSAID" when not ckd', 'consider "An NSAID" when not ckd and age < 65'
            ),
            {("Self-care", "Self-care")},
        ),
    ],
)
def test_known_changes_are_found_and_every_one_is_real(
    name: str, edit: object, expected: set[tuple[str, str]]
) -> None:
    old = _pathway(OLD)
    new_text = edit(OLD)  # type: ignore[operator]
    assert new_text != OLD
    new = _pathway(new_text)
    found = diff(old, new)
    assert found.changed and found.unconfirmed == 0
    assert {(c.before.outcome, c.after.outcome) for c in found.changes} == expected
    _rerun(old, new, found)


def test_the_moved_threshold_is_found_exactly_where_it_moved() -> None:
    old = _pathway(OLD)
    new = _pathway(OLD.replace("pain_duration < 6 weeks", "pain_duration < 8 weeks"))
    (change,) = diff(old, new).changes
    patient = dict(change.patient)
    assert patient["red_flag"] == "false"
    weeks = int(patient["pain_duration"].split()[0]) / (
        7 if "days" in patient["pain_duration"] else 1
    )
    assert 6 <= weeks < 8
    assert change.old_route == ("triage: otherwise",)
    assert change.new_route == ("triage: pain_duration < 8 weeks",)


def test_an_item_condition_change_names_the_recommendation() -> None:
    old = _pathway(OLD)
    new = _pathway(OLD.replace("when not ckd", "when not ckd and age < 65"))
    (change,) = diff(old, new).changes
    assert change.before.differences(change.after) == ["no longer: consider 'An NSAID'"]
    assert dict(change.patient)["ckd"] == "false"


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: format_source(t, "p.cpath"),  # a pure reformat
        lambda t: t.replace("self_care", "self_help"),  # a node id renamed, label kept
        lambda t: t.replace("  otherwise -> physio", "  when pain_duration >= 6 weeks -> physio"),
    ],
    ids=["reformat", "renamed node id", "otherwise written out"],
)
def test_no_change_for_any_patient_is_no_change(edit: object) -> None:
    old = _pathway(OLD)
    new_text = edit(OLD)  # type: ignore[operator]
    assert new_text != OLD
    found = diff(old, _pathway(new_text))
    assert found.changes == () and not found.partial


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.cpath", tmp_path / "new.cpath"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(OLD.replace("< 6 weeks", "< 8 weeks"), encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"1 group of patients treated differently by {new} than by {old}:")
    assert "outcome: Physiotherapy -> Self-care" in out
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] is True and len(report["changes"]) == 1
    assert report["changes"][0]["after"]["outcome"] == "Self-care"
    assert main(["diff", str(old), str(old)]) == 0
    assert "no patient is treated differently" in capsys.readouterr().out
    # Versions that cannot be compared, or that do not load: exit 2, said why.
    broken = tmp_path / "broken.cpath"
    broken.write_text('pathway b "B"\nstart nowhere\nend a "A"\n', encoding="utf-8")
    assert main(["diff", str(old), str(broken)]) == 2
    assert "has errors; nothing compared" in capsys.readouterr().err
    retyped = tmp_path / "retyped.cpath"
    retyped.write_text(
        OLD.replace("input ckd: boolean", "input ckd: one of none, mild, severe").replace(
            "when not ckd", "when ckd == none"
        ),
        encoding="utf-8",
    )
    assert main(["diff", str(old), str(retyped)]) == 2
    assert "cannot compare: input `ckd`" in capsys.readouterr().err


def test_against_a_committed_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = shutil.which("git")
    assert git is not None
    file = tmp_path / "back.cpath"
    file.write_text(OLD, encoding="utf-8")

    def run(*args: str) -> None:
        subprocess.run([git, "-C", str(tmp_path), *args], check=True, capture_output=True)

    run("init", "-q")
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "back.cpath")
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "v1")
    assert main(["diff", "--git", "HEAD", str(file)]) == 0
    file.write_text(OLD.replace("< 6 weeks", "< 4 weeks"), encoding="utf-8")
    assert main(["diff", "--git", "HEAD", str(file)]) == 1
    out = capsys.readouterr().out
    assert "outcome: Self-care -> Physiotherapy" in out
    assert main(["diff", "--git", "no-such-rev", str(file)]) == 2
    assert "no back.cpath at no-such-rev" in capsys.readouterr().err


def test_the_html_page_draws_both_versions_with_the_patient_path_bold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    from carepath.render.dot import PATH_COLOUR

    old, new = tmp_path / "old.cpath", tmp_path / "new.cpath"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(OLD.replace("< 6 weeks", "< 8 weeks"), encoding="utf-8")
    page = tmp_path / "changes.html"
    assert main(["diff", str(old), str(new), "--format", "html", "-o", str(page)]) == 1
    assert capsys.readouterr().out == ""
    html = page.read_text(encoding="utf-8")
    assert "1 group of patients is treated differently." in html
    assert "outcome: Physiotherapy -&gt; Self-care" in html
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    before, after = svgs

    def drawn_bold(svg: str, node: str) -> bool:
        # Graphviz writes the id's dash as &#45;; a node on the path has class cp-path and
        # the path colour on its outline.
        group = re.search(rf'<g id="node&#45;{node}" class="([^"]*)">(.*?)</a>', svg, re.S)
        assert group is not None, node
        return "cp&#45;path" in group.group(1) and f'stroke="{PATH_COLOUR}"' in group.group(2)

    assert drawn_bold(before, "physio") and not drawn_bold(before, "self_care")
    assert drawn_bold(after, "self_care") and not drawn_bold(after, "physio")
    # Self-contained, as the other pages: nothing is fetched.
    assert "<script src" not in html and "<link" not in html and "default-src 'none'" in html


def test_a_version_that_asks_for_more_data_treats_those_patients_differently() -> None:
    """Patients whose record lacks an input count: the new version waits for `ckd`
    where the old went on, and refers a patient it now can without `red_flag`."""
    old = _pathway(OLD)
    new = _pathway(OLD.replace("  when red_flag -> urgent", "  when red_flag or ckd -> urgent"))
    found = diff(old, new)
    _rerun(old, new, found)
    waits = [c for c in found.changes if c.after.status == "incomplete"]
    assert waits and all(c.unknown == ("ckd",) for c in waits)
    assert waits[0].after.ending() == "waits at Red flags, duration? for ckd"
    assert waits[0].after.needs == ("ckd",)
    decided = [c for c in found.changes if c.before.status == "incomplete"]
    assert decided and all("red_flag" in c.unknown for c in decided)
    assert {c.after.outcome for c in decided} == {"Refer urgently"}

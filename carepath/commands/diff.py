"""``carepath diff``: which patients a new version of a pathway treats differently."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carepath.compiler.diff import Change, Diff

HELP = "which patients two versions of a pathway treat differently"
DESCRIPTION = """\
Compare two versions of a pathway by what they do for patients, not by their
text: every group of patients whose path, outcome or recommendations change,
each with one such patient, checked by running both versions. A reformatted
file or a renamed node id changes nothing; a moved threshold, an added branch
or a changed condition on a recommendation shows up with the patients it
affects. Patients with missing data count too: a version that now waits for an
input the old one did not need (or no longer waits) treats them differently.

examples:
  carepath diff old.cpath new.cpath
  carepath diff --git HEAD~1 pathways/back_pain.cpath     the file against a commit
  carepath diff --git main p.cpath --format json
  carepath diff old.cpath new.cpath --format html -o changes.html

exit codes:
  0  no patient is treated differently (even if the text changed)
  1  some patients are treated differently
  2  a version cannot be read or has errors, or the two cannot be compared
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the old version (or, with --git, the file)")
    parser.add_argument("new", metavar="NEW", nargs="?", help="the new version")
    parser.add_argument(
        "--git",
        metavar="REV",
        default=None,
        help="compare the file with its committed version at REV (a commit, tag or branch)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="text (default), json, or html: a page with both flowcharts per group",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=None,
        help="write the report to FILE (atomically) instead of standard output",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import print_diagnostics
    from carepath.compiler.diff import diff
    from carepath.compiler.pathway import load, load_text
    from carepath.dsl.diagnostics import Severity

    if args.git is not None:
        if args.new is not None:
            print("carepath diff: with --git give one file, not two", file=sys.stderr)
            return 2
        new_path = args.old
        old_text, problem = _committed(args.git, new_path)
        if old_text is None:
            print(f"carepath diff: {problem}", file=sys.stderr)
            return 2
        old = load_text(old_text, f"{new_path}@{args.git}")
        new = load(new_path)
    else:
        if args.new is None:
            print("carepath diff: give OLD and NEW, or --git REV and one file", file=sys.stderr)
            return 2
        old, new = load(args.old), load(args.new)
    for version in (old, new):
        errors = [d for d in version.diagnostics if d.severity >= Severity.ERROR]
        if version.pathway is None or errors:
            print_diagnostics(errors or list(version.diagnostics), {version.file: version.source})
            print(f"carepath diff: {version.file} has errors; nothing compared", file=sys.stderr)
            return 2
    assert old.pathway is not None and new.pathway is not None
    found = diff(old.pathway, new.pathway)
    if found.incompatible:
        for reason in found.incompatible:
            print(f"carepath diff: cannot compare: {reason}", file=sys.stderr)
        return 2
    if args.format == "json":
        report = json.dumps(_json(found, old.file, new.file), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        from carepath.render.diff_html import diff_page
        from carepath.render.dot import RenderError

        try:
            report = diff_page(old.pathway, new.pathway, found, old.file, new.file)
        except RenderError as error:
            print(f"carepath diff: error[{error.code}]: {error.message}", file=sys.stderr)
            return 2
    else:
        report = _text(found, old.file, new.file)
    from carepath.dsl.files import write_output

    try:
        write_output(args.output or "-", report)
    except OSError as error:
        print(f"carepath diff: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    return 1 if found.changed else 0


def _committed(rev: str, path: str) -> tuple[str | None, str]:
    """The file's text at ``rev``, or why it cannot be had."""
    file = Path(path).resolve()
    try:
        root = subprocess.run(
            ["git", "-C", str(file.parent), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        relative = file.relative_to(Path(root).resolve()).as_posix()
        shown = subprocess.run(
            ["git", "-C", root, "show", f"{rev}:{relative}"],
            capture_output=True,
            text=True,
            check=False,
        )
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None, f"{path} is not in a git repository"
    if shown.returncode != 0:
        return None, f"no {relative} at {rev}: {shown.stderr.strip()}"
    return shown.stdout, ""


def _text(found: Diff, old: str, new: str) -> str:
    from carepath.render.printable import printable

    if not found.changes:
        lines = [f"no patient is treated differently by {new} than by {old}"]
    else:
        n = len(found.changes)
        lines = [
            f"{n} group{'s' if n != 1 else ''} of patients treated differently by {new} "
            f"than by {old}:"
        ]
        for number, change in enumerate(found.changes, start=1):
            lines.append("")
            lines.extend(_change_lines(number, change))
    if found.partial:
        lines.append("")
        lines.append("note: a version has more routes than the diff compares; compared the first")
    if found.unconfirmed:
        lines.append("")
        lines.append(
            f"note: {found.unconfirmed} candidate patient(s) were treated alike when run, "
            "and are not reported"
        )
    return "".join(printable(line) + "\n" for line in lines)


def _change_lines(number: int, change: Change) -> list[str]:
    patient = ", ".join(f"{k} = {v}" for k, v in change.patient) or "(any patient)"
    if change.unknown:
        patient += f"; {', '.join(change.unknown)} unknown"
    lines = [f"{number}. for example {patient}"]
    lines.extend(f"   {what}" for what in change.before.differences(change.after))
    lines.append(f"   was: {' -> '.join(change.before.steps)}")
    lines.append(f"   now: {' -> '.join(change.after.steps)}")
    lines.append(f"   old route: {'; '.join(change.old_route) or '(no decision)'}")
    lines.append(f"   new route: {'; '.join(change.new_route) or '(no decision)'}")
    return lines


def _json(found: Diff, old: str, new: str) -> dict[str, Any]:
    def treatment(t: Any) -> dict[str, Any]:
        return {
            "steps": list(t.steps),
            "outcome": t.outcome,
            "recommendations": [{"kind": k, "text": x} for k, x in t.recommendations],
        }

    return {
        "old": old,
        "new": new,
        "changed": found.changed,
        "changes": [
            {
                "patient": dict(c.patient),
                "unknown": list(c.unknown),
                "before": treatment(c.before),
                "after": treatment(c.after),
                "differences": c.before.differences(c.after),
                "old_route": list(c.old_route),
                "new_route": list(c.new_route),
            }
            for c in found.changes
        ],
        "partial": found.partial,
        "unconfirmed": found.unconfirmed,
    }

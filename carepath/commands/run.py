"""``carepath run``: evaluate one patient (or a batch) and explain the result."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from carepath.compiler.derived import Derived
    from carepath.compiler.evaluate import Result
    from carepath.compiler.pathway import Pathway
    from carepath.compiler.patient import SettingValues
    from carepath.render.colour import Palette

HELP = "evaluate a patient record (JSON or YAML) against a pathway"
DESCRIPTION = """\
Evaluate one patient record and print the path taken, the outcome, the
recommendations (kind, strength, cited references), the recommendations that
are undetermined for lack of data, the inputs still needed, the notes and
citations of every node on the path (the rationale), and the reasons for
every step.

A record maps input names to values: true/false, an enumeration value,
a number (in the input's declared unit), "10 weeks", {"value": 10, "unit": "wk"}
(FHIR Quantity; UCUM codes), or null for unknown. A pathway's settings (facts
about the place of care, the same for every patient) are not in the record:
they take their defaults, or --set NAME=VALUE.

--batch FILE.jsonl|FILE.csv evaluates many records, streaming: one JSON object
per line, or a CSV whose header names the inputs (cells as "10 weeks", true,
false; an empty cell is unknown). Results go to stdout or -o FILE (.jsonl or
.csv, written atomically). Bad rows are reported with their line number and
written as status "invalid"; the run goes on. A row names its recommendations
by item id (node.n, the n-th item of the node); --items FILE writes their
texts once, --with-texts puts them in every row.

examples:
  carepath run pathways/chronic_osteoporotic_vcf.cpath --patient patient.json
  carepath run p.cpath --patient patient.yaml --format json
  carepath run p.cpath --batch patients.csv -o results.jsonl
  carepath run p.cpath --patient patient.json --set "mrsa_prevalence=25 %"
  carepath run - --patient patient.json < p.cpath

exit codes:
  0  the evaluation is complete (batch: every row complete)
  1  incomplete: the record lacks inputs the pathway needs (or another status:
     conflict, stuck, loop, dead_end; batch: some row not complete)
  2  bad input: the pathway has errors, the record is invalid, a --set does not
     fit, a file cannot be read (batch: any invalid row)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    from carepath.commands.common import add_colour_option, add_set_option, add_stdin_option

    parser.add_argument(
        "pathway", metavar="PATHWAY", help="the .cpath file; - reads it from standard input"
    )
    add_stdin_option(parser)
    add_colour_option(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--patient", metavar="FILE", help="one patient record (.json, .yaml)")
    source.add_argument("--batch", metavar="FILE", help="many records (.jsonl or .csv)")
    add_set_option(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output for --patient (default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="--batch results file; .csv writes CSV, anything else JSON Lines (default: stdout)",
    )
    parser.add_argument(
        "--interpreter",
        action="store_true",
        help="--batch: use the reference interpreter instead of the compiled evaluator",
    )
    parser.add_argument(
        "--with-texts",
        action="store_true",
        help="--batch: give each row's recommendations with their kind, text, strength "
        "and citations (by default a row names them by item id, node.n)",
    )
    parser.add_argument(
        "--items",
        metavar="FILE",
        help="--batch: also write the recommendations by item id, with their texts, "
        "to FILE (JSON, once for the whole batch)",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import print_diagnostics, settings_from, stdin_name
    from carepath.compiler.pathway import load
    from carepath.dsl.diagnostics import Severity

    loaded = load(args.pathway, stdin_name(args))
    errors = [d for d in loaded.diagnostics if d.severity >= Severity.ERROR]
    if loaded.pathway is None or errors:
        from carepath.compiler import codes_eval as _codes  # noqa: F401 - CP412
        from carepath.dsl.diagnostics import make

        shown = errors or list(loaded.diagnostics)
        refusal = make(
            "CP412",
            f"not evaluated: the pathway has {len(shown)} error{'s' if len(shown) != 1 else ''}",
            shown[0].span,
            notes=("fix what `carepath check` reports first",),
        )
        print_diagnostics([*shown, refusal], {loaded.file: loaded.source})
        return 2
    settings = settings_from(loaded.pathway, args)
    if settings is None:
        return 2
    if args.batch:
        return _batch(loaded.pathway, args, settings)
    return _single(loaded.pathway, args, settings)


def _single(pathway: Pathway, args: argparse.Namespace, settings: SettingValues) -> int:
    from carepath.commands.common import palette_for, print_diagnostics
    from carepath.compiler.derived import derived_values
    from carepath.compiler.evaluate import evaluate
    from carepath.compiler.patient import read_patient, read_text

    record, problems = read_patient(args.patient, pathway, settings)
    if record is None:
        text, _ = read_text(args.patient)
        print_diagnostics(problems, {args.patient: text or ""})
        print(f"carepath: {args.patient}: not evaluated (invalid record)", file=sys.stderr)
        return 2
    result = evaluate(pathway, record.values, record.written)
    derived = derived_values(pathway, record.values, result)
    if args.format == "json":
        import json

        report = json_report(pathway, result, args.patient, derived, settings)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(text_report(pathway, result, args.patient, palette_for(args), derived, settings))
    return 0 if result.complete else 1


def json_report(
    pathway: Pathway,
    result: Result,
    patient_file: str,
    derived: Sequence[Derived] = (),
    settings: SettingValues | None = None,
) -> dict[str, Any]:
    from carepath.compiler.batch import result_record
    from carepath.compiler.settings import in_force
    from carepath.render.report_json import typed_value

    record = result_record(result)
    # The settings the patient was evaluated under (the place of care's values).
    record["settings"] = [
        {"name": name, "value": typed_value(written), "default": is_default}
        for name, _, written, is_default in in_force(pathway, settings or {})
    ]
    # Every derived value the path used, typed as a record would hold it.
    record["derived"] = [
        {
            "name": d.name,
            "formula": d.formula,
            "value": None if d.value == "unknown" else typed_value(d.value),
        }
        for d in derived
    ]
    record["pathway"] = {"id": pathway.id, "title": pathway.title, "file": pathway.file}
    record["patient"] = patient_file
    if result.outcome is not None:
        record["outcome_label"] = pathway.graph.nodes[result.outcome]["label"]
    for rec in record["recommendations"]:
        rec["references"] = [_reference(pathway, c) for c in rec["citations"]]
    record["rationale"] = [
        {
            "node": node,
            "notes": list(notes),
            "citations": list(citations),
            "references": [_reference(pathway, c) for c in citations],
        }
        for node, notes, citations in rationale(pathway, result)
    ]
    record["steps"] = [
        {"node": s.node, "kind": s.kind, "branch": s.branch, "explanation": s.explanation}
        for s in result.steps
    ]
    return record


def rationale(
    pathway: Pathway, result: Result
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(node, notes, citations) of every node on the path that has notes or cites."""
    found = []
    for node in dict.fromkeys(result.path):
        data = pathway.graph.nodes[node]
        notes, citations = tuple(data.get("notes", ())), tuple(data.get("citations", ()))
        if notes or citations:
            found.append((node, notes, citations))
    return found


def _reference(pathway: Pathway, ref_id: str) -> dict[str, Any]:
    ref = pathway.references.get(ref_id)
    if ref is None:
        return {"id": ref_id, "title": ref_id}
    return {"id": ref_id, "title": ref.title, "year": ref.year, "url": ref.url}


def _cites(pathway: Pathway, citations: tuple[str, ...]) -> str:
    titles = []
    for ref_id in citations:
        ref = pathway.references.get(ref_id)
        if ref is None:
            titles.append(ref_id)
        else:
            titles.append(ref.title + (f" ({ref.year})" if ref.year else ""))
    return "; ".join(titles)


def text_report(
    pathway: Pathway,
    result: Result,
    patient_file: str,
    palette: Palette | None = None,
    derived: Sequence[Derived] = (),
    settings: SettingValues | None = None,
) -> str:
    from carepath.compiler.settings import in_force
    from carepath.render.colour import PLAIN
    from carepath.render.printable import printable

    lines = [f"pathway  {pathway.id}: {pathway.title}", f"patient  {patient_file}"]
    shown_settings = [
        f"{name} = {written}" + (" (default)" if is_default else " (--set)")
        for name, _, written, is_default in in_force(pathway, settings or {})
    ]
    if shown_settings:
        lines.append(f"settings {', '.join(shown_settings)}")
    lines.append("")
    status_line = len(lines)
    lines.append(f"status   {result.status}")
    lines.append(f"path     {' -> '.join(result.path) or '(none)'}")
    if result.outcome is not None:
        label = pathway.graph.nodes[result.outcome]["label"]
        lines.append(f"outcome  {result.outcome}: {label}")
    if result.message:
        lines.append(f"why      {result.message}")
    if result.needs:
        lines.append(f"needs    {', '.join(result.needs)}")
    if derived:
        lines.append("")
        lines.append("derived values (what the path read):")
        width = max(len(d.name) for d in derived)
        for d in derived:
            lines.append(f"  {d.name:<{width}} = {d.value}    ({d.formula})")
    lines.append("")
    if result.recommendations:
        lines.append("recommendations:")
        for number, rec in enumerate(result.recommendations, start=1):
            strength = f" ({rec.strength})" if rec.strength else ""
            lines.append(f"  {number:>2}. {rec.kind}{strength}: {rec.text}")
            where = f"at {rec.node}"
            if rec.citations:
                where += f"; cites {_cites(pathway, rec.citations)}"
            lines.append(f"      {where}")
    else:
        lines.append("recommendations: none")
    if result.undetermined:
        lines.append("")
        lines.append("undetermined (the record lacks what their conditions read):")
        for item in result.undetermined:
            lines.append(f"   - {item.text}")
            lines.append(f"      at {item.node}; needs {', '.join(item.needs) or 'more data'}")
    why = rationale(pathway, result)
    if why:
        lines.append("")
        lines.append("rationale (notes and citations of the nodes on the path):")
        for node, notes, citations in why:
            lines.append(
                f"  {node}" + (f"; cites {_cites(pathway, citations)}" if citations else "")
            )
            lines.extend(f"    - {note}" for note in notes)
    lines.append("")
    lines.append("explanation:")
    for number, step in enumerate(result.steps, start=1):
        # Conditional items are appended to a step as `; "text" given because ...`.
        head, *items = step.explanation.split('; "')
        lines.append(f"  {number:>2}. {step.node}: {head}")
        lines.extend(f'        - "{item}' for item in items)
    shown = [printable(line) for line in lines]
    status = shown[status_line]  # painted after escaping: a label cannot bring its own escapes
    shown[status_line] = "status   " + (palette or PLAIN).paint(
        status[len("status   ") :], "ok" if result.complete else "warning"
    )
    return "\n".join(shown)


def _batch(pathway: Pathway, args: argparse.Namespace, settings: SettingValues) -> int:
    from carepath.compiler.batch import AtomicOutput, BatchError, run_batch
    from carepath.render.report_text import format_text

    out_format = "csv" if (args.output or "").lower().endswith(".csv") else "jsonl"
    try:
        target = AtomicOutput(args.output) if args.output else None
    except OSError as error:
        # Checked before any row is evaluated: a directory, a folder that cannot be
        # written, a missing parent that cannot be made.
        print(f"carepath: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    stream = target.handle if target is not None else sys.stdout
    progress = _Progress() if sys.stderr.isatty() and not os.environ.get("CI") else None
    try:
        summary = run_batch(
            pathway,
            args.batch,
            stream,
            out_format,
            compiled=not args.interpreter,
            progress=progress,
            texts=args.with_texts,
            settings=settings,
        )
    except BatchError as error:
        if target is not None:
            target.abort()
        print(format_text([error.diagnostic], {}), file=sys.stderr)
        return 2
    except BaseException:
        if target is not None:
            target.abort()
        raise
    finally:
        if progress is not None:
            progress.clear()
    if target is not None:
        target.commit()
    if args.items:
        import json

        from carepath.compiler.batch import items_table
        from carepath.dsl.files import write_output

        table = json.dumps(items_table(pathway), indent=2, ensure_ascii=False) + "\n"
        try:
            write_output(args.items, table)
        except OSError as error:
            print(f"carepath: cannot write {args.items}: {error.strerror}", file=sys.stderr)
            return 2
    if summary.problems:
        print(format_text(summary.problems, {}), file=sys.stderr)
        if summary.dropped_problems:
            print(f"... and {summary.dropped_problems} more problems", file=sys.stderr)
    print(summary.text(), file=sys.stderr)
    return summary.exit_code


class _Progress:
    """A progress bar on standard error (rich's), shown only on a terminal: the bytes
    of the batch file read so far, the rate and the time left."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.bar = Progress(
            "evaluating",
            BarColumn(),
            TaskProgressColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,  # gone when done: the summary line follows
        )
        self.task = self.bar.add_task("batch", total=None)
        self.bar.start()

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def clear(self) -> None:
        self.bar.stop()

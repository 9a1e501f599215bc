"""``carepath render``: draw a pathway's flowchart (DOT, SVG, PNG, PDF or Mermaid)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "draw a pathway's flowchart (dot, svg, png, pdf or mermaid)"
DESCRIPTION = """\
Draw the pathway as a clinical flowchart: a Start terminal, decisions as
diamonds with their question, actions as boxes with their key
recommendations, ends as rounded terminals, and every branch labelled with
its condition. svg, png and pdf are drawn by Graphviz `dot`.

  --highlight PATIENT.json   draw the path this patient takes in bold; fade the rest
  --diagnostics              mark nodes and branches the checker flags (red outline)

exit codes:
  0  written
  1  the pathway has errors (nothing written; with --diagnostics it is drawn
     with the errors marked)
  2  a file could not be read or written, Graphviz is missing or failed, bad usage
"""

FORMATS = ("dot", "svg", "png", "pdf", "mermaid")
_SUFFIX_FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}
_SUFFIX_FORMATS |= {".mmd": "mermaid", ".mermaid": "mermaid"}


def configure(parser: argparse.ArgumentParser) -> None:
    from carepath.commands.common import add_stdin_option

    parser.add_argument(
        "pathway",
        metavar="PATHWAY",
        help="the pathway file (.cpath); - reads it from standard input",
    )
    add_stdin_option(parser)
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from the output file's suffix, else svg)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="output file (default: standard output)"
    )
    parser.add_argument(
        "--highlight",
        metavar="PATIENT",
        help="a patient record (JSON) whose path is drawn bold and coloured",
    )
    parser.add_argument(
        "--diagnostics",
        action="store_true",
        help="mark the nodes and branches that `carepath check` flags",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import print_diagnostics, stdin_name
    from carepath.compiler.check import check_file
    from carepath.compiler.evaluate import evaluate
    from carepath.dsl.files import write_output
    from carepath.render import codes as _codes  # noqa: F401 - registers CP5xx
    from carepath.render.dot import DotOptions, RenderError, render
    from carepath.render.mermaid import to_mermaid

    fmt = args.format or _SUFFIX_FORMATS.get(Path(args.output or "").suffix.lower(), "svg")
    loaded = check_file(args.pathway, shown_as=stdin_name(args))
    errors = [d for d in loaded.diagnostics if d.severity >= d.severity.ERROR]
    if loaded.pathway is None or (errors and not args.diagnostics):
        print_diagnostics(list(loaded.diagnostics), {loaded.file: loaded.source})
        unreadable = loaded.pathway is None and any(
            d.code in ("CP006", "CP007", "CP008") for d in loaded.diagnostics
        )
        print(f"carepath render: {loaded.file} has errors; nothing drawn", file=sys.stderr)
        return 2 if unreadable else 1
    pathway = loaded.pathway
    highlight = None
    if args.highlight:
        from carepath.compiler.patient import read_patient

        record, problems = read_patient(args.highlight, pathway)
        if record is None:
            print_diagnostics(problems, {})
            print(f"carepath render: cannot use {args.highlight}; nothing drawn", file=sys.stderr)
            return 2
        highlight = evaluate(pathway, record.values, record.written)
    options = DotOptions(
        highlight=highlight,
        diagnostics=tuple(loaded.diagnostics) if args.diagnostics else (),
    )
    try:
        data = (
            to_mermaid(pathway).encode("utf-8")
            if fmt == "mermaid"
            else render(pathway, fmt, options)
        )
    except RenderError as error:
        print(f"carepath render: error[{error.code}]: {error.message}", file=sys.stderr)
        return 2
    if args.output:
        try:
            write_output(args.output, data)
        except OSError as error:
            print(f"carepath render: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return 2
    elif fmt in ("png", "pdf") and sys.stdout.isatty():
        print(f"carepath render: {fmt} is binary; give -o FILE", file=sys.stderr)
        return 2
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if errors:
        # --diagnostics drew a pathway that has errors: marked, but not clean.
        print_diagnostics(errors, {loaded.file: loaded.source})
        return 1
    return 0

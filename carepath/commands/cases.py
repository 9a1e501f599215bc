"""``carepath cases``: generate case blocks for what no case exercises yet."""

from __future__ import annotations

import argparse
import sys

HELP = "generate case blocks for uncovered branches (for a clinician to review)"
DESCRIPTION = """\
With --generate, find a concrete patient for every decision branch and every
outcome of a conditional recommendation that no case exercises yet (z3 over
the paths that lead there), check each with the interpreter, and print a
`case` block for it, named "TODO: review — reaches <node> via <branch>".
Its expectations record what the pathway does now: a clinician must confirm
them. --write appends the blocks to the pathway file (atomically).

examples:
  carepath cases pathways/chronic_osteoporotic_vcf.cpath --generate
  carepath cases p.cpath --generate --write

exit codes: 0 every branch is covered (now), 1 some branch cannot be reached by
any patient (listed), 2 the pathway has errors or cannot be written.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pathway", metavar="PATHWAY", help="the .cpath file")
    parser.add_argument(
        "--generate", action="store_true", required=True, help="generate the missing cases"
    )
    parser.add_argument(
        "--write", action="store_true", help="append the cases to PATHWAY instead of printing"
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import print_diagnostics
    from carepath.compiler.case_generation import append_cases, generate_cases
    from carepath.compiler.pathway import load
    from carepath.dsl.diagnostics import Severity
    from carepath.dsl.files import write_output

    loaded = load(args.pathway)
    errors = [d for d in loaded.diagnostics if d.severity >= Severity.ERROR]
    if loaded.pathway is None or errors:
        print_diagnostics(errors or list(loaded.diagnostics), {loaded.file: loaded.source})
        return 2
    cases, unreachable = generate_cases(loaded.pathway)
    for target in unreachable:
        print(
            f"{args.pathway}:{target.line}: no patient found that exercises {target.description}"
            " and then finishes (unreachable, only on a path that loops or gets stuck, or only"
            " with numbers finer than the search tries: whole units of an integer, hundredths"
            " of a decimal's unit, whole days)",
            file=sys.stderr,
        )
    if args.write:
        if cases:
            try:
                write_output(args.pathway, append_cases(loaded.source, [c.text for c in cases]))
            except OSError as error:
                print(f"carepath: cannot write {args.pathway}: {error.strerror}", file=sys.stderr)
                return 2
        print(f"appended {len(cases)} case(s) to {args.pathway}", file=sys.stderr)
    else:
        print("\n\n".join(c.text for c in cases))
        if not cases:
            print("# every branch is already covered", file=sys.stderr)
    return 1 if unreachable else 0

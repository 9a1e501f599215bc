"""``carepath compile``: a pathway -> a standalone Python module."""

from __future__ import annotations

import argparse
import sys

HELP = "compile a pathway into a standalone Python module (stdlib only)"
DESCRIPTION = """\
Generate a readable Python module that evaluates the pathway exactly as
`carepath run` does, without carepath installed (it imports only the standard
library). Every generated line is traceable: `# line N` comments and the
LINE_MAP dict at the end map it to its pathway line.

example:
  carepath compile pathways/chronic_osteoporotic_vcf.cpath -o vcf.py

  >>> from fractions import Fraction
  >>> import vcf
  >>> WEEK = Fraction(604800)               # values are exact, in SI units
  >>> result = vcf.evaluate({"fracture_age": 4 * WEEK})
  >>> result.status, result.outcome
  ('complete', 'outside_pathway')
  >>> result.recommendations                # (node, kind, text, strength, citations)
  ()

exit codes: 0 written, 2 the pathway has errors or the file cannot be written.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pathway", metavar="PATHWAY", help="the .cpath file")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the module (written atomically); default: stdout",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.commands.common import print_diagnostics
    from carepath.compiler.codegen_python import generate_source
    from carepath.compiler.pathway import load
    from carepath.dsl.diagnostics import Severity
    from carepath.dsl.files import write_output

    loaded = load(args.pathway)
    errors = [d for d in loaded.diagnostics if d.severity >= Severity.ERROR]
    if loaded.pathway is None or errors:
        print_diagnostics(errors or list(loaded.diagnostics), {loaded.file: loaded.source})
        print(f"carepath: not compiled: {args.pathway} has errors", file=sys.stderr)
        return 2
    source = generate_source(loaded.pathway)
    if args.output is None:
        sys.stdout.write(source)
        return 0
    try:
        write_output(args.output, source)
    except OSError as error:
        print(f"carepath: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    return 0

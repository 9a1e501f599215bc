"""``carepath test``: run the case blocks of pathways, with coverage."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from carepath.commands.common import add_cache_options, add_colour_option, add_paths, palette_for

if TYPE_CHECKING:
    from carepath.compiler.testing import CaseReport
    from carepath.render.colour import Palette

HELP = "run the case blocks of pathway files (with --coverage: node and branch coverage)"
DESCRIPTION = """\
Run every `case` block: evaluate its `given` values and compare with its
`expect` lines (end, recommends, not recommends, needs, incomplete, path).
A failed case shows expected against actual. With --coverage, report node
coverage and branch coverage (every branch of every decision, every conditional
recommendation both given and left out) and list what no case exercises.

examples:
  carepath test pathways/
  carepath test --coverage --min-coverage 90 pathways/chronic_osteoporotic_vcf.cpath
  carepath test --format junit pathways/ > cases.xml

Cases run only on pathways that `carepath check` passes: check errors are
printed, the cases still run, and the run fails.

exit codes:
  0  every case passes (and branch coverage is at least --min-coverage)
  1  a case fails, branch coverage is below --min-coverage, or check finds errors
  2  a file cannot be read, or has syntax, name or type errors
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_paths(parser, help_text="pathway files, or folders to search for *.cpath files")
    parser.add_argument("--coverage", action="store_true", help="report node and branch coverage")
    parser.add_argument(
        "--min-coverage",
        type=float,
        default=None,
        metavar="N",
        help="fail when a pathway's branch coverage is below N percent (implies --coverage)",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "junit"), default="text", help="output format"
    )
    add_colour_option(parser)
    add_cache_options(parser)


def run(args: argparse.Namespace) -> int:
    from carepath.cache import ResultCache, folder_for
    from carepath.commands.common import discovery_of, expand_paths, print_diagnostics
    from carepath.compiler.testing import run_cases
    from carepath.dsl.diagnostics import Severity
    from carepath.findings import find_and_load

    files, problems = expand_paths(args.paths, discovery_of(args))
    load_error = bool(problems)
    print_diagnostics(problems, {})
    reports: list[CaseReport] = []
    check_error = False
    cache = None if args.no_cache else ResultCache(folder_for(args.cache_dir))
    for file in files:
        found, pathway = find_and_load(file, cache)
        sources = {file: found.source or ""}
        errors = [d for d in found.diagnostics if d.severity >= Severity.ERROR]
        if pathway is None or any(d.code[:3] in ("CP0", "CP1") for d in errors):
            print_diagnostics(errors or list(found.diagnostics), sources)
            load_error = True
            continue
        if errors:  # graph and logic errors: the cases can run, but the run fails
            print_diagnostics(errors, sources)
            check_error = True
        reports.append(run_cases(pathway))
    coverage = args.coverage or args.min_coverage is not None
    low = [
        r
        for r in reports
        if args.min_coverage is not None and r.coverage.branch_percent < args.min_coverage
    ]
    if args.format == "json":
        import json

        print(json.dumps({"pathways": [json_report(r) for r in reports]}, indent=2))
    elif args.format == "junit":
        print(junit_report(reports))
    else:
        print(text_report(reports, coverage, args.min_coverage, palette_for(args)))
    if load_error:
        return 2
    return 1 if check_error or low or any(not r.passed for r in reports) else 0


def text_report(
    reports: list[CaseReport], coverage: bool, minimum: float | None, palette: Palette | None = None
) -> str:
    from carepath.render.colour import PLAIN
    from carepath.render.printable import printable

    paint = (palette or PLAIN).paint

    out: list[str] = []
    total = passed = 0
    for report in reports:
        out.append(f"{report.file} ({report.pathway_id})")
        for case in report.cases:
            total += 1
            passed += case.passed
            mark = "ok  " if case.passed else "FAIL"
            out.append(f"  {mark} {case.name}  (line {case.line})")
            if not case.passed:
                out.extend(case.diff_lines())
        if not report.cases:
            out.append("  (no case blocks)")
        if coverage:
            cov = report.coverage
            out.append(
                f"  coverage: nodes {cov.nodes_hit}/{len(cov.nodes)} ({cov.node_percent:.1f}%), "
                f"branches {cov.branches_hit}/{len(cov.branches)} ({cov.branch_percent:.1f}%)"
            )
            if minimum is not None and cov.branch_percent < minimum:
                out.append(f"  branch coverage {cov.branch_percent:.1f}% is below {minimum:g}%")
            for target in cov.missing:
                out.append(f"    not exercised: line {target.line}: {target.description}")
        out.append("")
    out.append(f"{passed}/{total} cases passed")
    lines = [printable(line) for line in out]
    # Painted after escaping, so that case names cannot bring escape sequences of their own.
    for n, line in enumerate(lines):
        if line.startswith("  ok   "):
            lines[n] = "  " + paint("ok", "ok") + line[4:]
        elif line.startswith("  FAIL "):
            lines[n] = "  " + paint("FAIL", "failed") + line[6:]
    if total:
        lines[-1] = paint(lines[-1], "ok" if passed == total else "failed")
    return "\n".join(lines)


def json_report(report: CaseReport) -> dict[str, Any]:
    cov = report.coverage
    return {
        "file": report.file,
        "pathway": report.pathway_id,
        "passed": report.passed,
        "cases": [
            {
                "name": c.name,
                "line": c.line,
                "passed": c.passed,
                "status": c.result.status,
                "outcome": c.result.outcome,
                "path": list(c.result.path),
                "mismatches": [
                    {"kind": m.kind, "expected": m.expected, "actual": m.actual, "line": m.line}
                    for m in c.mismatches
                ],
            }
            for c in report.cases
        ],
        "coverage": {
            "nodes": {"hit": cov.nodes_hit, "total": len(cov.nodes), "percent": cov.node_percent},
            "branches": {
                "hit": cov.branches_hit,
                "total": len(cov.branches),
                "percent": cov.branch_percent,
            },
            "missing": [
                {"kind": t.kind, "node": t.node, "line": t.line, "description": t.description}
                for t in cov.missing
            ],
        },
    }


def junit_report(reports: list[CaseReport]) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="carepath test")
    for report in reports:
        failures = sum(1 for c in report.cases if not c.passed)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report.pathway_id,
            file=report.file,
            tests=str(len(report.cases)),
            failures=str(failures),
            errors="0",
        )
        props = ET.SubElement(suite, "properties")
        cov = report.coverage
        for name, value in (
            ("node_coverage", cov.node_percent),
            ("branch_coverage", cov.branch_percent),
        ):
            ET.SubElement(props, "property", name=name, value=f"{value:.1f}")
        for case in report.cases:
            element = ET.SubElement(
                suite,
                "testcase",
                classname=report.pathway_id,
                name=case.name,
                file=report.file,
                line=str(case.line),
            )
            if not case.passed:
                failure = ET.SubElement(
                    element, "failure", message=f"{len(case.mismatches)} expectation(s) not met"
                )
                failure.text = case.diff()
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)

"""``carepath check``: parse, resolve and prove a pathway sound."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from carepath.commands.common import (
    add_cache_options,
    add_colour_option,
    add_paths,
    add_stdin_option,
    discovery_of,
    expand_paths,
    palette_for,
    severity_arg,
    stdin_name,
)
from carepath.dsl.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from carepath.render.colour import Palette
from carepath.selection import add_selection_options, selection_of

HELP = "check pathway files for errors (syntax, names, types, units, logic)"
DESCRIPTION = """\
Parse each pathway file, resolve its names, types and units, and run every
soundness check. Quiet when nothing is found.

exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  a file could not be read, or bad usage

`-` reads the pathway from standard input, as an editor or a pre-commit hook
sends it: `carepath check - --stdin-filename p.cpath < p.cpath`.

Silence one finding on one line with a comment: `# carepath: ignore[CP203]`.

Findings are kept in a result cache (.carepath_cache, or --cache-dir, or
$CAREPATH_CACHE_DIR) by the file's content, the settings and carepath's own
code: an unchanged file is not checked again. Files not in the cache are
checked in parallel, one process per core (--jobs).
"""

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab")


def configure(parser: argparse.ArgumentParser) -> None:
    add_paths(
        parser,
        help_text="pathway files, or folders to search for *.cpath files; - reads one "
        "from standard input",
    )
    add_stdin_option(parser)
    add_colour_option(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format, on stdout (default: text): json, "
        "sarif (SARIF 2.1.0 for code scanning), junit (JUnit XML for CI test reports), "
        "github (GitHub Actions annotations), gitlab (GitLab Code Quality report)",
    )
    parser.add_argument(
        "-o",
        "--output-file",
        default=None,
        metavar="FILE",
        help="write the report to FILE (atomically: a failed run leaves FILE as it was) "
        "instead of standard output",
    )
    parser.add_argument(
        "--docs-url",
        default=None,
        metavar="URL",
        help="where docs/diagnostics.md is published (a team's mirror): each SARIF rule "
        "links to URL#cp304 as its helpUri",
    )
    parser.add_argument(
        "--sarif-root",
        default=None,
        metavar="DIR",
        help="directory that file paths in SARIF and GitLab output are relative to "
        "(default: the current directory)",
    )
    parser.add_argument(
        "--max-per-code",
        type=int,
        default=20,
        metavar="N",
        help="text output: show at most N findings of one code per file, then count the "
        "rest (default: 20; 0 shows all)",
    )
    parser.add_argument(
        "--max-regions",
        type=_count,
        default=None,
        metavar="N",
        help="per decision, report at most N regions with no branch and N overlapping "
        "pairs of branches, then count the rest (default: 10; 0 reports all)",
    )
    parser.add_argument(
        "--fail-on",
        type=severity_arg,
        default=Severity.ERROR,
        metavar="SEVERITY",
        help="lowest severity that makes the exit code 1: error (default), warning or info",
    )
    add_selection_options(parser)
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when there are findings (a file that cannot be read still exits 2)",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="text output: instead of the findings, how many there are of each code",
    )
    add_cache_options(parser)
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="check files not in the cache in N processes (default: one per core)",
    )


def _count(text: str) -> int:
    """A whole number >= 0 (argparse reports anything else as a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from carepath.cache import ResultCache, folder_for
    from carepath.findings import find

    files, problems = expand_paths(args.paths, discovery_of(args))
    diagnostics: list[Diagnostic] = list(problems)
    sources: dict[str, str] = {}
    io_error = bool(problems)
    cache = None if args.no_cache else ResultCache(folder_for(args.cache_dir))
    settings = {} if args.max_regions is None else {"max_regions": args.max_regions}
    results = find(files, cache, settings, jobs=args.jobs, stdin_name=stdin_name(args))
    files = [found.file for found in results]
    suppressed: list[Diagnostic] = []
    for found in results:
        if found.source is None:
            io_error = True
        else:
            sources[found.file] = found.source
        diagnostics.extend(found.diagnostics)
        suppressed.extend(found.suppressed)
    diagnostics = selection_of(args).keep(diagnostics)
    report = emit(
        diagnostics,
        sources,
        args.format,
        files,
        fail_on=args.fail_on,
        sarif_root=args.sarif_root,
        max_per_code=args.max_per_code,
        statistics=args.statistics,
        suppressed=selection_of(args).keep(suppressed),
        # A report written to a file is never coloured unless asked.
        palette=palette_for(args) if args.output_file is None or args.color == "always" else None,
        docs_url=args.docs_url,
    )
    if args.output_file is None:
        sys.stdout.write(report)
    else:
        from carepath.dsl.files import write_output

        try:
            write_output(args.output_file, report)
        except OSError as error:
            print(f"carepath: cannot write {args.output_file}: {error.strerror}", file=sys.stderr)
            return 2
    if io_error:
        return 2
    if args.exit_zero:
        return 0
    return 1 if any(d.severity >= args.fail_on for d in diagnostics) else 0


def _capped(diagnostics: list[Diagnostic], limit: int) -> tuple[list[Diagnostic], list[str]]:
    """The first ``limit`` findings of each code in each file, and a line for the rest,
    so that one repeated finding does not bury the others."""
    if limit <= 0:
        return diagnostics, []
    counts: dict[tuple[str, str], int] = {}
    shown: list[Diagnostic] = []
    for d in diagnostics:
        key = (d.span.file, d.code)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= limit:
            shown.append(d)
    more = [
        f"… and {n - limit} more {code} in {file} (--max-per-code 0 shows all)"
        for (file, code), n in counts.items()
        if n > limit
    ]
    return shown, more


def _statistics(diagnostics: list[Diagnostic]) -> str:
    """``3  CP207  warning  unused input`` per code, most frequent first (as ruff's)."""
    from carepath.codes import all_codes

    codes = all_codes()
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    order = sorted(counts, key=lambda code: (-counts[code], code))
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = []
    for code in order:
        entry = codes[code]
        lines.append(f"{counts[code]:>{width}}  {code}  {entry.severity!s:<7}  {entry.title}")
    return "".join(line + "\n" for line in lines)


def emit(
    diagnostics: list[Diagnostic],
    sources: dict[str, str],
    fmt: str,
    files: list[str],
    *,
    fail_on: Severity = Severity.ERROR,
    sarif_root: str | None = None,
    max_per_code: int = 0,
    statistics: bool = False,
    suppressed: Sequence[Diagnostic] = (),
    palette: Palette | None = None,
    docs_url: str | None = None,
) -> str:
    """The report in ``fmt``, as the text to write (empty when text output has
    nothing to say)."""
    if fmt == "text" and statistics:
        return _statistics(diagnostics)
    if fmt == "text":
        from carepath.render.colour import PLAIN
        from carepath.render.report_text import format_text, summary

        if not diagnostics:
            return ""
        shown, more = _capped(diagnostics, max_per_code)
        text = format_text(shown, sources, palette or PLAIN) + "\n"
        if more:
            text += "\n" + "\n".join(more) + "\n"
        # A path that could not be read counts too: "1 error in 0 files" reads wrong.
        paths = len(set(files) | {d.span.file for d in diagnostics})
        return text + f"\n{summary(diagnostics)} in {paths} file{'s' if paths != 1 else ''}\n"
    if fmt == "json":
        from carepath.render.report_json import format_json

        return format_json(diagnostics) + "\n"
    if fmt == "sarif":
        from carepath.render.report_sarif import format_sarif

        log = format_sarif(diagnostics, root=sarif_root, suppressed=suppressed, docs_url=docs_url)
        return log + "\n"
    if fmt == "junit":
        from carepath.render.report_junit import format_junit

        return format_junit(diagnostics, files, sources, fail_on) + "\n"
    if fmt == "gitlab":
        from carepath.render.report_gitlab import format_gitlab

        return format_gitlab(diagnostics, root=sarif_root) + "\n"
    assert fmt == "github"
    from carepath.render.report_github import format_github

    return format_github(diagnostics) + "\n" if diagnostics else ""

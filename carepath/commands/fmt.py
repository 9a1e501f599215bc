"""``carepath fmt``: rewrite pathway files in the canonical layout."""

from __future__ import annotations

import argparse
import sys

from carepath.commands.common import (
    add_paths,
    add_stdin_option,
    discovery_of,
    expand_paths,
    print_diagnostics,
    stdin_name,
)
from carepath.dsl.diagnostics import Diagnostic

HELP = "format pathway files in the canonical layout (--check for CI)"
DESCRIPTION = """\
Rewrite each pathway file in the one canonical layout: two-space indentation,
one blank line between blocks, canonical spacing and quoting, parentheses only
where they are needed. Comments are kept. Numbers and units stay exactly as
written. A file is only rewritten when its layout changes, and only after
carepath has re-read the new text and proven it means the same; otherwise the
file is left alone and the problem is reported.

examples:
  carepath fmt pathways/                 format every .cpath file under pathways/
  carepath fmt --check pathways/         CI: list files that need formatting, change nothing
  carepath fmt --diff p.cpath            show what would change, change nothing
  carepath fmt - < p.cpath               read standard input, write the formatted text
                                         to standard output (as editors use it)

A file that cannot be read, has syntax errors, or could not be formatted
safely is reported like `carepath check` reports it, and then no file at all is
rewritten: fix the problem (or name only the good files) and run again.

exit codes:
  0  every file is formatted (or was rewritten)
  1  --check or --diff: some files would change
  2  a file could not be read, has syntax errors, or could not be formatted safely
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_paths(
        parser,
        help_text="pathway files, or folders to search for *.cpath files; - reads one "
        "from standard input and writes it formatted to standard output",
    )
    add_stdin_option(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the files that would change and exit 1 if any would",
    )
    mode.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; print a unified diff of the changes and exit 1 if any",
    )


def run(args: argparse.Namespace) -> int:
    from carepath.dsl.files import STDIN, STDIN_NAME, read_source
    from carepath.dsl.formatter import FormatRefused, format_source

    files, problems = expand_paths(args.paths, discovery_of(args))
    diagnostics: list[Diagnostic] = list(problems)
    sources: dict[str, str] = {}
    changes: list[tuple[str, str, str]] = []  # file, old text, new text
    piped: tuple[str, str, str] | None = None  # standard input: name, old and new text
    for path in files:
        file = path
        if path == STDIN:
            file = stdin_name(args) or STDIN_NAME
            text, problem = read_source(STDIN, shown_as=file)
        else:
            text, problem = read_source(path)
        if text is None:
            assert problem is not None
            diagnostics.append(problem)
            continue
        sources[file] = text
        try:
            formatted = format_source(text, file)
        except FormatRefused as refused:
            diagnostics.extend(refused.diagnostics)
            continue
        if path == STDIN:
            piped = (file, text, formatted)  # never written to a file of that name
        elif formatted != text:
            changes.append((file, text, formatted))
    if diagnostics:
        # All or nothing: a run that found a problem changes no file.
        from carepath.render.report_text import summary

        print_diagnostics(diagnostics, sources)
        n = len(files)
        print(f"\n{summary(diagnostics)} in {n} file{'s' if n != 1 else ''}", file=sys.stderr)
        if changes and not (args.check or args.diff):
            print("no file was changed because of the errors above", file=sys.stderr)
    if args.check or args.diff:
        if piped is not None and piped[1] != piped[2]:
            changes.append(piped)
        return _report(changes, args.diff, failed=bool(diagnostics))
    if diagnostics:
        return 2
    if piped is not None:
        # Standard input is formatted onto standard output, changed or not: an editor
        # replaces its buffer with what comes back.
        sys.stdout.write(piped[2])
    return _write(changes)


def _report(changes: list[tuple[str, str, str]], diff: bool, *, failed: bool) -> int:
    import difflib

    for file, text, formatted in changes:
        if not diff:
            print(f"would reformat {file}")
            continue
        old = text.split("\n")
        for line in difflib.unified_diff(
            old[:-1] if text.endswith("\n") else old,
            formatted.split("\n")[:-1],
            fromfile=f"{file} (original)",
            tofile=f"{file} (formatted)",
            lineterm="",
        ):
            print(line)
    if changes:
        n = len(changes)
        print(f"{n} file{'s' if n != 1 else ''} would be reformatted", file=sys.stderr)
    if failed:
        return 2
    return 1 if changes else 0


def _write(changes: list[tuple[str, str, str]]) -> int:
    from carepath.dsl.diagnostics import make
    from carepath.dsl.files import write_output
    from carepath.dsl.spans import Span

    for file, _, formatted in changes:
        try:
            write_output(file, formatted)
        except OSError as error:
            problem = make("CP006", f"cannot write `{file}`: {error.strerror}", Span.point(file, 1))
            print_diagnostics([problem], {})
            return 2
        print(f"reformatted {file}", file=sys.stderr)
    return 0

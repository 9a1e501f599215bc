"""``carepath html``: a self-contained site, an index and one page per pathway."""

from __future__ import annotations

import argparse
import sys

from carepath.commands.common import add_paths

HELP = "build self-contained HTML pages (index + one page per pathway)"
DESCRIPTION = """\
Check each pathway and write a self-contained HTML site: index.html listing
every pathway (title, version, status, last review, check result) and one page
per pathway with its flowchart (nodes link to their sections), every step with
its recommendations and citations, the references, the inputs, the check
report, the test cases, and an interactive walk-through. Pages load nothing
from the network and work from file://.

  --watch     rebuild on every save, serve the site on http://127.0.0.1:PORT/
              and reload the pages open in a browser (Ctrl-C to stop)

exit codes:
  0  written; no pathway has errors
  1  written, but some pathway has errors (its page says so; walk-through disabled)
  2  a file could not be read or written, Graphviz is missing or failed, bad usage
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_paths(parser, help_text="pathway files, or folders to search for *.cpath files")
    parser.add_argument(
        "-o", "--output", metavar="DIR", required=True, help="folder to write the pages into"
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="rebuild when a pathway file changes, serve the site on localhost and reload "
        "open pages",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="N",
        help="--watch: the port to serve on (default: 8000; 0 picks a free one)",
    )


def run(args: argparse.Namespace) -> int:
    if not args.watch:
        return _build(args)
    from pathlib import Path

    from carepath.commands.common import discovery_of, expand_paths
    from carepath.watch import serve

    def watched() -> dict[str, tuple[int, int]]:
        files, _ = expand_paths(args.paths, discovery_of(args))
        out: dict[str, tuple[int, int]] = {}
        for file in files:
            try:
                info = Path(file).stat()
            except OSError:
                continue
            out[file] = (info.st_mtime_ns, info.st_size)
        return out

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    return serve(Path(args.output), args.port, lambda: _build(args), watched, say)


def _build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from carepath.commands.common import discovery_of, expand_paths, print_diagnostics
    from carepath.dsl.diagnostics import Severity
    from carepath.dsl.files import write_site
    from carepath.render.dot import RenderError
    from carepath.render.html import build_site

    files, problems = expand_paths(args.paths, discovery_of(args))
    if problems:
        print_diagnostics(problems, {})
        return 2
    try:
        site = build_site(files)
    except RenderError as error:
        print(f"carepath html: error[{error.code}]: {error.message}", file=sys.stderr)
        return 2
    out = Path(args.output)
    try:
        write_site(out, site.files, last="index.html")
    except OSError as error:
        where = error.filename or out
        print(
            f"carepath html: cannot write {where}: {error.strerror}; {out} is unchanged",
            file=sys.stderr,
        )
        return 2
    unreadable = [p for p in site.pages if p.loaded.pathway is None]
    with_errors = [p for p in site.pages if p.count(Severity.ERROR)]
    for page in with_errors:
        print_diagnostics(
            [d for d in page.diagnostics if d.severity >= Severity.ERROR],
            {page.file: page.loaded.source},
        )
    pages = len(site.files) - 1
    print(
        f"wrote {out / 'index.html'} and {pages} page{'s' if pages != 1 else ''}", file=sys.stderr
    )
    if unreadable and any(
        d.code in ("CP006", "CP007", "CP008") for p in unreadable for d in p.diagnostics
    ):
        return 2
    return 1 if with_errors else 0

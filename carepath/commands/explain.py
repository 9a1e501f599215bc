"""``carepath explain``: what a diagnostic code means, with a bad and a fixed example."""

from __future__ import annotations

import argparse
import sys

HELP = "explain a diagnostic code (CP304), or list every code (--all)"
DESCRIPTION = """\
Print what a code means, why it matters, an example that triggers it and the
example fixed: the same text as docs/diagnostics.md. A prefix (CP3) explains
every code it starts; --all lists every code with its title.

examples:
  carepath explain CP304
  carepath explain CP3
  carepath explain --all

exit codes: 0 explained, 2 no such code.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("codes", nargs="*", metavar="CODE", help="codes or code prefixes")
    parser.add_argument("--all", action="store_true", help="list every code with its title")


def run(args: argparse.Namespace) -> int:
    from carepath.codes import all_codes
    from carepath.selection import parse_codes

    codes = all_codes()
    if args.all:
        width = max(len(str(entry.severity)) for entry in codes.values())
        for code in sorted(codes):
            entry = codes[code]
            print(f"{code}  {entry.severity!s:<{width}}  {entry.title}")
        return 0
    if not args.codes:
        print("carepath explain: name a code (CP304) or say --all", file=sys.stderr)
        return 2
    try:
        prefixes = parse_codes(",".join(args.codes), "explain", codes)
    except argparse.ArgumentTypeError as error:
        print(f"carepath explain: {error}", file=sys.stderr)
        return 2
    chosen = [c for c in sorted(codes) if any(c.startswith(p) for p in prefixes)]
    print("\n\n".join(explanation(codes[c]) for c in chosen))
    return 0


def explanation(entry: object) -> str:
    from carepath.dsl.diagnostics import Code

    assert isinstance(entry, Code)
    title = entry.title[0].upper() + entry.title[1:]

    def indented(text: str) -> str:
        return "\n".join("    " + line if line else "" for line in text.strip("\n").split("\n"))

    return "\n".join(
        [
            f"{entry.code}: {title} ({entry.severity}, {entry.category})",
            "",
            entry.explanation.strip("\n"),
            "",
            "Example:",
            "",
            indented(entry.bad),
            "",
            "Fixed:",
            "",
            indented(entry.fixed),
        ]
    )

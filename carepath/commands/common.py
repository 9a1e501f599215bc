"""What several sub-commands share: finding pathway files, printing diagnostics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from carepath.dsl.diagnostics import Diagnostic, Severity
from carepath.dsl.spans import Span

if TYPE_CHECKING:
    from carepath.compiler.pathway import Pathway
    from carepath.compiler.patient import SettingValues
    from carepath.discovery import Discovery
    from carepath.render.colour import Palette

PATHWAY_SUFFIX = ".cpath"


def add_paths(parser: argparse.ArgumentParser, *, help_text: str) -> None:
    """The PATH arguments, and how folders among them are searched."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help=help_text)
    add_discovery_options(parser)


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the result cache",
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="where the result cache lives (default: $CAREPATH_CACHE_DIR, else "
        ".carepath_cache in the current directory)",
    )


def add_stdin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdin-filename",
        default=None,
        metavar="NAME",
        help="with `-` for the pathway (read from standard input): the name messages "
        "give it (default: <stdin>)",
    )


def add_set_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="the value of one of the pathway's settings for this place of care, written "
        "as a CSV cell is (true, restricted, 15 %%, 12 weeks); repeat for several "
        "(default: each setting's declared default)",
    )


def settings_from(pathway: Pathway, args: argparse.Namespace) -> SettingValues | None:
    """The settings in force (``--set`` over the defaults), or None after printing
    why they cannot be (the caller exits 2)."""
    from carepath.compiler.settings import settings_in_force

    settings, problems = settings_in_force(pathway, args.set)
    if problems:
        print_diagnostics(problems, {pathway.file: pathway.source})
        return None
    return settings


def stdin_name(args: argparse.Namespace) -> str | None:
    """The name the pathway read from standard input goes by, or None for the default."""
    name: str | None = getattr(args, "stdin_filename", None)
    return name


def add_discovery_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="PATTERN",
        help="in folders, skip files and folders matching this gitignore-style pattern "
        "(repeatable; replaces the default list: .git, .venv, node_modules, build, …)",
    )
    parser.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="like --exclude, but in addition to the default list",
    )
    parser.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="in folders, also take files that .gitignore ignores",
    )


def discovery_of(args: argparse.Namespace) -> Discovery:
    from carepath.discovery import DEFAULT_EXCLUDE, Discovery

    exclude = getattr(args, "exclude", None)
    return Discovery(
        exclude=tuple(exclude) if exclude is not None else DEFAULT_EXCLUDE,
        extend_exclude=tuple(getattr(args, "extend_exclude", ())),
        respect_gitignore=getattr(args, "respect_gitignore", True),
    )


def expand_paths(
    paths: list[str], discovery: Discovery | None = None
) -> tuple[list[str], list[Diagnostic]]:
    """Files named directly, plus the ``*.cpath`` files under named folders that
    ``discovery`` keeps (sorted), and ``-`` (standard input) once, where first named.
    A path that does not exist is a diagnostic (CP006), not a crash."""
    from carepath.discovery import Discovery
    from carepath.dsl import codes as _codes  # noqa: F401 - registers CP006
    from carepath.dsl.diagnostics import make
    from carepath.dsl.files import STDIN

    discovery = discovery or Discovery()

    files: list[str] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if raw == STDIN:
            if STDIN not in files:
                files.append(STDIN)
        elif path.is_dir():
            found = discovery.files(path)
            if not found:
                problems.append(
                    make("CP006", f"no {PATHWAY_SUFFIX} files under `{raw}`", Span.point(raw, 1))
                )
            files.extend(found)
        elif path.exists():
            files.append(raw)
        else:
            problems.append(make("CP006", f"`{raw}` does not exist", Span.point(raw, 1)))
    return files, problems


def severity_arg(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except KeyError:
        raise argparse.ArgumentTypeError("expected error, warning or info") from None


def print_diagnostics(diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
    """Diagnostics on standard error (for commands whose output is something else)."""
    from carepath.render.report_text import format_text

    if diagnostics:
        print(format_text(diagnostics, sources), file=sys.stderr)


def add_colour_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output: auto (default: on a terminal, unless NO_COLOR is set; "
        "FORCE_COLOR forces it), always or never",
    )


def palette_for(args: argparse.Namespace, stream: TextIO | None = None) -> Palette:
    """The palette for text output to ``stream`` (standard output by default)."""
    from carepath.render.colour import Palette, wants_colour

    target = sys.stdout if stream is None else stream
    return Palette(wants_colour(getattr(args, "color", "never"), target))


def add_unit_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--unit NAME=UNIT``: the unit of a number column of a patients table."""
    parser.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="NAME=UNIT",
        help="the unit of a number column when not the input's declared one "
        "(durations: days); repeatable, e.g. --unit fracture_age=wk",
    )


def load_sound(path: str, refusal: str) -> Pathway | None:
    """The pathway at ``path``, or None after printing its errors and ``refusal``
    (``carepath audit: p.cpath has errors; nothing audited``): a command that
    compiles or evaluates it must not work from a pathway with errors."""
    from carepath.compiler.pathway import load

    loaded = load(path)
    errors = [d for d in loaded.diagnostics if d.severity >= Severity.ERROR]
    if loaded.pathway is None or errors:
        print_diagnostics(errors or list(loaded.diagnostics), {loaded.file: loaded.source})
        print(refusal, file=sys.stderr)
        return None
    return loaded.pathway

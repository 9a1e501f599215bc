"""``--select`` / ``--ignore``: codes and code prefixes, checked against the registry.

``CP3`` selects every logic code, ``CP30`` the decision ones, ``CP304`` one code. A
name that matches no code is a usage error that names the nearest real code: a
typo must never quietly select or ignore nothing.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from carepath.codes import all_codes
from carepath.dsl.diagnostics import Diagnostic

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()  # prefixes; empty: every code
    ignore: tuple[str, ...] = ()
    # (gitignore pattern, prefixes): codes ignored in the files a pattern matches,
    # the patterns relative to ``base`` (the configuration file's folder).
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    base: Path | None = None

    def wants(self, code: str, file: str | None = None) -> bool:
        chosen = not self.select or any(code.startswith(p) for p in self.select)
        if not chosen or any(code.startswith(p) for p in self.ignore):
            return False
        return file is None or not any(code.startswith(p) for p in self._ignored_in(file))

    def keep(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        return [d for d in diagnostics if self.wants(d.code, d.span.file)]

    @cached_property
    def _patterns(self) -> tuple[tuple[GitIgnoreSpec, tuple[str, ...]], ...]:
        from pathspec import GitIgnoreSpec

        return tuple((GitIgnoreSpec.from_lines([p]), codes) for p, codes in self.per_file)

    def _ignored_in(self, file: str) -> tuple[str, ...]:
        if not self.per_file:
            return ()
        base = (self.base or Path.cwd()).resolve()
        path = Path(file).resolve()
        if base not in path.parents:
            return ()
        relative = path.relative_to(base).as_posix()
        return tuple(
            code for spec, codes in self._patterns if spec.match_file(relative) for code in codes
        )


def parse_codes(text: str, option: str, known: Collection[str] | None = None) -> tuple[str, ...]:
    """The prefixes in a comma-separated list; ArgumentTypeError for one that matches none."""
    codes = list(all_codes() if known is None else known)
    out: list[str] = []
    for raw in text.split(","):
        name = raw.strip().upper()
        if not name:
            continue
        if not any(code.startswith(name) for code in codes):
            near = difflib.get_close_matches(name, codes, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else "; `carepath explain --all` lists them"
            raise argparse.ArgumentTypeError(f"no code is or starts with {name!r}{hint}")
        out.append(name)
    return tuple(out)


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select",
        type=lambda text: parse_codes(text, "--select"),
        default=(),
        metavar="CODES",
        help="only report these codes or code prefixes (comma-separated: CP304,CP2 reports "
        "CP304 and every CP2xx)",
    )
    parser.add_argument(
        "--ignore",
        type=lambda text: parse_codes(text, "--ignore"),
        default=(),
        metavar="CODES",
        help="never report these codes or code prefixes (comma-separated)",
    )
    # Only a configuration file sets these (per-file-ignores).
    parser.set_defaults(per_file_ignores=(), config_folder=None)


def selection_of(args: argparse.Namespace) -> Selection:
    return Selection(
        tuple(args.select),
        tuple(args.ignore),
        tuple(getattr(args, "per_file_ignores", ())),
        getattr(args, "config_folder", None),
    )

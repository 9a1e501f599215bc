"""Load a pathway and run every check on it: what ``carepath check`` does for one file."""

from __future__ import annotations

import dataclasses

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.suppress import split_suppressed

from .checks import DEFAULT_SETTINGS, Settings, run_checks
from .pathway import Loaded, load, load_text


def check_loaded(loaded: Loaded, settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    if loaded.pathway is None or any(d.severity >= d.severity.ERROR for d in loaded.diagnostics):
        # Logic checks on a pathway with unresolved names would report noise.
        return loaded
    found, silenced = split_suppressed(run_checks(loaded.pathway, settings), loaded.source)
    diagnostics = sorted([*loaded.diagnostics, *found], key=Diagnostic.sort_key)
    return dataclasses.replace(
        loaded,
        diagnostics=tuple(diagnostics),
        silenced=(*loaded.silenced, *silenced),
        checked=True,
    )


def check_file(
    path: str, settings: Settings = DEFAULT_SETTINGS, shown_as: str | None = None
) -> Loaded:
    return check_loaded(load(path, shown_as), settings)


def check_text(text: str, file: str = "<text>", settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    return check_loaded(load_text(text, file), settings)

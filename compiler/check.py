"""Load a pathway and run every check on it: what ``carepath check`` does for one file."""

from __future__ import annotations

import dataclasses

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.suppress import split_suppressed

from .checks import DEFAULT_SETTINGS, Settings, run_checks
from .pathway import Loaded, Pathway, load, load_text


def check_loaded(loaded: Loaded, settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    if loaded.pathway is None or any(d.severity >= d.severity.ERROR for d in loaded.diagnostics):
        # Logic checks on a pathway with unresolved names would report noise.
        return loaded
    checked = [with_derived(loaded.pathway, d) for d in run_checks(loaded.pathway, settings)]
    found, silenced = split_suppressed(checked, loaded.source)
    diagnostics = sorted([*loaded.diagnostics, *found], key=Diagnostic.sort_key)
    return dataclasses.replace(
        loaded,
        diagnostics=tuple(diagnostics),
        silenced=(*loaded.silenced, *silenced),
        checked=True,
    )


def with_derived(pathway: Pathway, d: Diagnostic) -> Diagnostic:
    """``d`` with its witness patient's derived values (the defines the path read),
    so that a finding shows why the patient went where they went."""
    if d.witness is None or not pathway.defines:
        return d
    from .derived import derived_values
    from .evaluate import evaluate
    from .patient import PatientChecker

    record, _ = PatientChecker(pathway).check(dict(d.witness.patient), "witness", cells=True)
    if record is None:
        return d
    result = evaluate(pathway, record.values)
    derived = tuple((v.name, v.value) for v in derived_values(pathway, record.values, result))
    if not derived:
        return d
    return dataclasses.replace(d, witness=dataclasses.replace(d.witness, derived=derived))


def check_file(
    path: str, settings: Settings = DEFAULT_SETTINGS, shown_as: str | None = None
) -> Loaded:
    return check_loaded(load(path, shown_as), settings)


def check_text(text: str, file: str = "<text>", settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    return check_loaded(load_text(text, file), settings)

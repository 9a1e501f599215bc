"""Load a pathway and run every check on it: what ``carepath check`` does for one file."""

from __future__ import annotations

import dataclasses
import re

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.suppress import split_suppressed

from .checks import DEFAULT_SETTINGS, Settings, run_checks
from .pathway import Loaded, Pathway, load, load_text


def check_loaded(loaded: Loaded, settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    if loaded.pathway is None or any(d.severity >= d.severity.ERROR for d in loaded.diagnostics):
        # Logic checks on a pathway with unresolved names would report noise.
        return loaded
    pathway = loaded.pathway
    checked = [
        with_settings_named(pathway, with_derived(pathway, d))
        for d in run_checks(pathway, settings)
    ]
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

    record, _ = PatientChecker(pathway, settings_in_record=True).check(
        dict(d.witness.patient), "witness", cells=True
    )
    if record is None:
        return d
    result = evaluate(pathway, record.values)
    derived = tuple((v.name, v.value) for v in derived_values(pathway, record.values, result))
    if not derived:
        return d
    return dataclasses.replace(d, witness=dataclasses.replace(d.witness, derived=derived))


def with_settings_named(pathway: Pathway, d: Diagnostic) -> Diagnostic:
    """``d`` with a note when the patients it is about are described by settings:
    the finding then holds only at places of care whose settings take those values,
    which a reader should not mistake for a property of every patient."""
    if d.witness is None:
        return d
    named = [
        name
        for name, decl in pathway.inputs.items()
        if decl.setting and re.search(rf"(?<![\w`]){re.escape(name)}(?![\w`])", d.message)
    ]
    if not named:
        return d
    quoted = [f"`{name}`" for name in named]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    what = "is a setting" if len(named) == 1 else "are settings"
    they = "it takes" if len(named) == 1 else "they take"
    note = (
        f"{listed} {what} of the place of care: this happens only where {they} the values "
        "above (every allowed value was checked)"
    )
    return dataclasses.replace(d, notes=(*d.notes, note))


def check_file(
    path: str, settings: Settings = DEFAULT_SETTINGS, shown_as: str | None = None
) -> Loaded:
    return check_loaded(load(path, shown_as), settings)


def check_text(text: str, file: str = "<text>", settings: Settings = DEFAULT_SETTINGS) -> Loaded:
    return check_loaded(load_text(text, file), settings)

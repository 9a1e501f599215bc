"""The public Python API: load, check and evaluate a pathway from a program.

Everything here takes and returns plain values a caller already has (file paths,
pathway text, a patient record as a ``dict`` parsed from JSON) and raises one of two
exceptions with carepath's diagnostics attached, so a caller never has to know the
internal modules. The command line is a client of the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carepath.compiler.evaluate import Result
    from carepath.compiler.pathway import Loaded, Pathway
    from carepath.dsl.diagnostics import Diagnostic


class CarepathError(ValueError):
    """A pathway or a record carepath cannot use; ``diagnostics`` says why, where."""

    def __init__(self, what: str, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        lines = [f"{d.span}: {d.code} {d.message}" for d in diagnostics]
        super().__init__("\n".join([what, *lines]))


class PathwayError(CarepathError):
    """The pathway has errors (syntax, names, types): it cannot be evaluated."""


class RecordError(CarepathError):
    """The patient record does not fit the pathway's inputs (CP4xx)."""


def load(path: str) -> Loaded:
    """Parse and resolve one pathway file; findings in ``.diagnostics``, the pathway
    in ``.pathway`` (None when it could not be built). Never raises for a bad file."""
    from carepath.compiler.pathway import load as _load

    return _load(path)


def load_text(text: str, file: str = "<text>") -> Loaded:
    """As :func:`load`, from text (``file`` names it in messages)."""
    from carepath.compiler.pathway import load_text as _load_text

    return _load_text(text, file)


def check(path: str) -> Loaded:
    """Load a pathway and run every soundness check: what ``carepath check`` reports
    for the file, in ``.diagnostics`` (``.ok`` is True when none is an error)."""
    from carepath.compiler.pathway import load as _load
    from carepath.findings import check_one

    loaded = _load(path)
    if not loaded.source:
        return loaded
    import dataclasses

    return dataclasses.replace(loaded, diagnostics=check_one(loaded.source, path))


def evaluate(
    pathway: Pathway | Loaded,
    record: Mapping[str, object],
    settings: Mapping[str, object] | None = None,
) -> Result:
    """Run the pathway for one patient.

    ``record`` is what a patient file holds, parsed: ``{"age": 70, "pain": "severe",
    "fracture_age": "10 weeks", "hb": {"value": 11, "unit": "g/dL"}}``; an input left
    out is unknown. It is checked against the pathway's inputs exactly as
    ``carepath run`` checks a file: a value of the wrong type or unit, or a name the
    pathway does not have, raises :class:`RecordError`. A pathway with errors raises
    :class:`PathwayError`. ``settings`` gives the pathway's settings for the place of
    care as ``carepath run --set`` does (``{"mrsa_prevalence": "15 %"}``); a setting
    left out takes its default."""
    from carepath.compiler.evaluate import evaluate as _evaluate
    from carepath.compiler.pathway import Loaded
    from carepath.compiler.patient import PatientChecker

    if isinstance(pathway, Loaded):
        if not pathway.ok or pathway.pathway is None:
            errors = tuple(d for d in pathway.diagnostics if d.severity >= d.severity.ERROR)
            raise PathwayError(f"{pathway.file} has errors", errors)
        pathway = pathway.pathway
    if not isinstance(record, Mapping):
        raise TypeError(
            f"a patient record is a mapping of input values, not {type(record).__name__}"
        )
    from carepath.compiler.settings import settings_in_force

    options = [f"{name}={_setting_text(value)}" for name, value in (settings or {}).items()]
    in_force, problems = settings_in_force(pathway, options)
    if problems:
        raise RecordError("the settings do not fit the pathway", tuple(problems))
    checked, problems = PatientChecker(pathway, in_force).check(dict(record), "<record>")
    if checked is None or problems:
        raise RecordError("the patient record does not fit the pathway", tuple(problems))
    return _evaluate(pathway, checked.values, checked.written)


def _setting_text(value: object) -> str:
    """A setting's value as ``--set`` reads it: ``True`` is ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""The settings in force for a run: ``--set NAME=VALUE`` over the declared defaults.

A setting (``setting mrsa_prevalence: decimal % 0..100 default 10 %``) is a fact
about the place of care, the same for every patient. Its value is written as a
CSV cell is (``true``, ``restricted``, ``15 %``, ``12 weeks``) and checked like a
patient value: type, unit, plausible range. It is never unknown: a setting with
no default must be given.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\nsetting share: decimal % 0..100 default 10 %\\n'
...               'start e\\nend e "E"\\n').pathway
>>> settings, problems = settings_in_force(p, ["share=25 %"])
>>> settings["share"], problems
((Fraction(1, 4), '25 %'), [])
"""

from __future__ import annotations

from collections.abc import Sequence

from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.spans import Span

from . import codes_eval as _codes  # noqa: F401 - registers the CP4xx codes
from . import ir
from .pathway import Pathway
from .patient import RecordProblem, SettingValues, convert, default_settings
from .resolve import did_you_mean

# Where a problem with --set is reported: the option, not a place in a file.
OPTION = Span("--set", 0, 0, 0, 0)


def settings_in_force(
    pathway: Pathway, options: Sequence[str]
) -> tuple[dict[str, tuple[ir.Value, str]], list[Diagnostic]]:
    """Each setting's value and how it was written: ``options`` (``NAME=VALUE``, from
    ``--set``) over the defaults. Problems: a malformed option, a name that is not a
    setting, a value that does not fit, a setting given twice or given no value."""
    where = OPTION
    found = default_settings(pathway)
    given: set[str] = set()
    problems: list[Diagnostic] = []
    settings = [name for name, decl in pathway.inputs.items() if decl.setting]
    for option in options:
        name, sep, text = (part.strip() for part in option.partition("="))
        if not sep or not name or not text:
            problems.append(
                make(
                    "CP414",
                    f"`{option}`: write NAME=VALUE",
                    where,
                    notes=("e.g. --set mrsa_prevalence=15 %",),
                )
            )
            continue
        decl = pathway.inputs.get(name)
        if decl is None or not decl.setting:
            what = "a patient input, not a setting" if decl is not None else "not a setting"
            notes = did_you_mean(name, settings) or (
                ("settings: " + ", ".join(settings),)
                if settings
                else (f"pathway `{pathway.id}` declares no settings",)
            )
            problems.append(
                make("CP414", f"`{name}` is {what} of `{pathway.id}`", where, notes=notes)
            )
            continue
        if name in given:
            problems.append(make("CP414", f"`{name}` is given twice", where))
            continue
        given.add(name)  # a value that does not fit is reported once, not also as missing
        try:
            value, shown = convert(decl, text, cells=True)
        except RecordProblem as problem:
            problems.append(
                make(problem.code, f"`{name}`: {problem.message}", where, notes=problem.notes)
            )
            continue
        if value is None:
            problems.append(
                make(
                    "CP414",
                    f"`{name}`: a setting is never unknown",
                    where,
                    notes=("give its value for this place of care",),
                )
            )
            continue
        found[name] = (value, shown)
    for name in settings:
        if name not in found and name not in given:
            problems.append(
                make(
                    "CP414",
                    f"setting `{name}` has no default: give it with --set {name}=VALUE",
                    pathway.inputs[name].span,
                )
            )
    return found, problems


def in_force(pathway: Pathway, settings: SettingValues) -> list[tuple[str, ir.Value, str, bool]]:
    """(name, value, as written, whether it is the declared default) of each setting,
    in declaration order: what a report says the patient was evaluated under."""
    shown = []
    for name, decl in pathway.inputs.items():
        if decl.setting and name in settings:
            value, written = settings[name]
            shown.append((name, value, written, value == decl.default))
    return shown

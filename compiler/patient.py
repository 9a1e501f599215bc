"""Patient records: JSON, YAML or CSV cells -> checked patient values.

A record maps input names to values. What a value may look like depends on the
input's type (docs/patients.md):

- boolean: ``true`` or ``false`` only (not ``"yes"``, not ``1``);
- enumeration: one of the declared values, as a string;
- number: a number (taken in the input's declared unit; not allowed for
  durations and inputs with a dimension but no unit), a string ``"10 weeks"``
  or ``"10 wk"``, or a FHIR Quantity ``{"value": 10, "unit": "wk"}`` /
  ``{"value": 10, "code": "wk", "system": "http://unitsofmeasure.org"}``;
- ``null`` (or the string ``"unknown"``, or an empty CSV cell): unknown, the
  same as leaving the field out.

Numbers are read exactly from their text (``0.1`` is one tenth, never a float).
Values are the ones ``resolve.value_for`` gives a case's ``given`` (the tests
check the two agree). Every problem is a CP4xx diagnostic naming the field, on the line of the
patient file where the field is; a record with any problem is not evaluated.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\ninput age: integer years 0..120\\nstart e\\n'
...               'end e "E"\\n').pathway
>>> record, problems = parse_patient('{"age": "70 a"}', "pt.json", p)
>>> record.values["age"] / 31557600, record.written["age"], problems
(Fraction(70, 1), '70 a', [])
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.files import MAX_NUMBER_DIGITS, read_bounded
from carepath.dsl.spans import Span

from . import codes_eval as _codes  # noqa: F401 - registers the CP4xx codes
from . import ir
from .pathway import Pathway
from .resolve import did_you_mean
from .units import (
    COMMON_UNITS,
    DIMENSIONLESS,
    UnknownUnit,
    dimension_words,
    format_duration,
    format_number,
    parse_unit,
)

UCUM = "http://unitsofmeasure.org"
MAX_PATIENT_BYTES = 16 * 1024 * 1024
_QUANTITY_KEYS = frozenset({"value", "unit", "code", "system", "comparator", "id", "extension"})
_NUMBER = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*")


@dataclass(frozen=True)
class PatientRecord:
    """Checked patient values (unknown inputs left out) and how each was written."""

    file: str
    values: dict[str, ir.Value] = field(hash=False)
    written: dict[str, str] = field(hash=False)


# The settings in force: each setting's value and how it was written.
SettingValues = Mapping[str, tuple[ir.Value, str]]


def default_settings(pathway: Pathway) -> dict[str, tuple[ir.Value, str]]:
    """Each setting with a default, at its default."""
    return {
        name: (decl.default, decl.default_text or "")
        for name, decl in pathway.inputs.items()
        if decl.setting and decl.default is not None
    }


@dataclass(frozen=True)
class _Where:
    file: str
    line: int

    @property
    def span(self) -> Span:
        return Span.point(self.file, self.line)


class _Problem(Exception):
    def __init__(self, code: str, message: str, *notes: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.notes = tuple(n for n in notes if n)


# The problem one field has, for callers that check values outside a record (--set).
RecordProblem = _Problem


class _Duplicates(dict[str, Any]):
    """A JSON object that remembers keys it saw twice."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Duplicates:
    obj = _Duplicates()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _no_constant(text: str) -> Any:
    raise ValueError(f"`{text}` is not a number")


# Bounds on a number as written, checked before exact arithmetic: `1e999999999` as a
# Fraction is a billion-digit integer (minutes of work, then Python's digit limit).
# Clinical values need nowhere near these.
MAX_EXPONENT = 40
_WRITTEN = re.compile(r"[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?")


class TooLarge(ValueError):
    """A number with more digits or a larger exponent than carepath reads."""


def _too_large(text: str) -> str:
    return (
        f"{text[:20]}{'…' if len(text) > 20 else ''} is too large or too precise: carepath "
        f"reads numbers of at most {MAX_NUMBER_DIGITS} digits, with an exponent of at most "
        f"{MAX_EXPONENT}"
    )


def exact_number(text: str) -> Fraction:
    """A number as written (``12``, ``1.5``, ``2e-3``), exactly; TooLarge beyond
    MAX_NUMBER_DIGITS digits or an exponent beyond MAX_EXPONENT."""
    if len(text) <= MAX_NUMBER_DIGITS and "e" not in text and "E" not in text:
        return Fraction(text)  # the usual case: too short to exceed either bound
    match = _WRITTEN.fullmatch(text)
    if match is not None:
        whole, fraction, exponent = match.group(1), match.group(2) or "", match.group(3)
        if len((whole + fraction).lstrip("0")) > MAX_NUMBER_DIGITS or (
            exponent is not None and (len(exponent) > 4 or abs(int(exponent)) > MAX_EXPONENT)
        ):
            raise TooLarge(_too_large(text))
    return Fraction(text)


class _Unread(str):
    """A JSON or YAML number too large to read, kept as its text so that the field it
    belongs to is named when the record is checked (rather than one error for the file)."""


def _json_number(text: str) -> Fraction | str:
    try:
        return exact_number(text)
    except TooLarge:
        return _Unread(text)


def _json_int(text: str) -> int | str:
    # A JSON integer has no exponent: its length alone bounds it.
    return int(text) if len(text.lstrip("-+0")) <= MAX_NUMBER_DIGITS else _Unread(text)


def loads_exact(text: str) -> Any:
    """JSON with exact numbers: ``1.5`` is ``Fraction(3, 2)``; NaN/Infinity are refused."""
    return json.loads(
        text,
        parse_float=_json_number,
        parse_int=_json_int,
        parse_constant=_no_constant,
        object_pairs_hook=_pairs,
    )


# ---------------------------------------------------------------- YAML


def _yaml_loader() -> type:
    import yaml

    class ExactLoader(yaml.SafeLoader):
        """YAML 1.1 without its surprises: ``yes``/``on`` stay strings, ``010`` is not
        octal, floats are exact, dates stay text."""

    def exact_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        text = str(loader.construct_scalar(node))
        return text.lower() == "true" if text.lower() in ("true", "false") else text

    def exact_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        text = str(loader.construct_scalar(node))
        return _json_int(text) if re.fullmatch(r"[-+]?(?:0|[1-9][0-9]*)", text) else text

    def exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        text = str(loader.construct_scalar(node))
        try:
            return _json_number(text.replace("_", ""))
        except (ValueError, ZeroDivisionError):
            return text  # .inf, .nan, 1:30 -- reported as "not a number"

    def plain(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        return str(loader.construct_scalar(node))

    ExactLoader.add_constructor("tag:yaml.org,2002:bool", exact_bool)
    ExactLoader.add_constructor("tag:yaml.org,2002:int", exact_int)
    ExactLoader.add_constructor("tag:yaml.org,2002:float", exact_float)
    ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", plain)
    return ExactLoader


_LOADER: list[type] = []


def _load_yaml(text: str, file: str) -> tuple[Any, dict[str, int], list[tuple[str, int]]]:
    """(data, line of each top-level key, duplicate keys with their lines)."""
    import yaml

    if not _LOADER:
        _LOADER.append(_yaml_loader())
    loader = _LOADER[0](text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        duplicates: list[tuple[str, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key, _value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in lines:
                        duplicates.append((key.value, line))
                    lines.setdefault(key.value, line)
        data = loader.construct_document(node) if node is not None else None
        return data, lines, duplicates
    finally:
        loader.dispose()


# ---------------------------------------------------------------- reading files


def sniff_format(path: str, text: str) -> str:
    """``json`` or ``yaml``: by extension, else by the first character."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def read_text(path: str) -> tuple[str | None, Diagnostic | None]:
    where = Span.point(path, 1)
    file = Path(path)
    try:
        if file.is_dir():
            return None, make("CP411", f"`{path}` is a directory, not a patient file", where)
        bounded = read_bounded(file, MAX_PATIENT_BYTES)
        if bounded is None:
            return None, make("CP411", f"`{path}` is too large for one patient record", where)
        data = bounded
    except FileNotFoundError:
        return None, make("CP411", f"`{path}` does not exist", where)
    except OSError as error:
        return None, make("CP411", f"cannot read `{path}`: {error.strerror}", where)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, make("CP411", f"`{path}` is not UTF-8 text", Span.point(path, line))


def read_patient(
    path: str, pathway: Pathway, settings: SettingValues | None = None
) -> tuple[PatientRecord | None, list[Diagnostic]]:
    """Read and check one patient file (JSON or YAML), with ``settings`` in force
    (None: the defaults)."""
    text, problem = read_text(path)
    if text is None:
        assert problem is not None
        return None, [problem]
    return parse_patient(text, path, pathway, settings=settings)


def parse_patient(
    text: str,
    file: str,
    pathway: Pathway,
    fmt: str | None = None,
    settings: SettingValues | None = None,
) -> tuple[PatientRecord | None, list[Diagnostic]]:
    """Parse and check one record; ``fmt`` is ``json``, ``yaml`` or None (sniff)."""
    fmt = fmt or sniff_format(file, text)
    duplicates: list[tuple[str, int]] = []
    if fmt == "json":
        try:
            data = loads_exact(text)
        except json.JSONDecodeError as error:
            span = Span.point(file, error.lineno, error.colno)
            return None, [make("CP401", f"not valid JSON: {error.msg}", span)]
        except (ValueError, RecursionError) as error:
            return None, [make("CP401", f"not valid JSON: {error}", Span.point(file, 1))]
        lines = _json_key_lines(text, data)
        if isinstance(data, _Duplicates):
            duplicates = [(k, lines.get(k, 1)) for k in data.duplicates]
    else:
        import yaml

        try:
            data, lines, duplicates = _load_yaml(text, file)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            span = Span.point(file, mark.line + 1, mark.column + 1) if mark else Span.point(file, 1)
            what = error.problem or error.context or "malformed"
            return None, [make("CP401", f"not valid YAML: {what}", span)]
        except (yaml.YAMLError, RecursionError) as error:
            return None, [make("CP401", f"not valid YAML: {error}", Span.point(file, 1))]
    checker = PatientChecker(pathway, settings)
    problems = [
        make("CP409", f"`{key}` is given twice", Span.point(file, line)) for key, line in duplicates
    ]
    record, found = checker.check(data, file, lines)
    problems.extend(found)
    return (record if not problems else None), problems


def _json_key_lines(text: str, data: Any) -> dict[str, int]:
    """The line of each top-level key's first appearance (a good guess, not a parse)."""
    if not isinstance(data, dict) or "\n" not in text:
        return {}
    lines: dict[str, int] = {}
    for key in data:
        match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
        if match:
            lines[key] = text.count("\n", 0, match.start()) + 1
    return lines


# ---------------------------------------------------------------- checking values


class PatientChecker:
    """Checks records against one pathway's inputs (built once, used for many records).

    ``settings`` are the values of the pathway's settings in force (from
    :func:`carepath.compiler.settings.settings_in_force`; None: their defaults), added
    to every record. A record that names a setting is refused unless
    ``settings_in_record`` (a witness or a test case, which say the setting's value)."""

    def __init__(
        self,
        pathway: Pathway,
        settings: SettingValues | None = None,
        *,
        settings_in_record: bool = False,
    ) -> None:
        self.pathway = pathway
        self.inputs = pathway.inputs
        self.settings = settings if settings is not None else default_settings(pathway)
        self.settings_in_record = settings_in_record

    def check(
        self,
        data: Any,
        file: str,
        lines: Mapping[str, int] | None = None,
        *,
        line: int = 1,
        cells: bool = False,
    ) -> tuple[PatientRecord | None, list[Diagnostic]]:
        """Check a parsed record. ``lines`` gives each field's line in ``file`` (else
        ``line``); ``cells`` reads every value as CSV text (``true``, ``10 weeks``)."""
        if not isinstance(data, dict):
            what = "an empty file" if data is None else f"a {_json_type(data)}"
            return None, [
                make(
                    "CP402",
                    f"a patient record is an object of input values, not {what}",
                    Span.point(file, line),
                    notes=('e.g. {"age": 70, "pain": "severe"}',),
                )
            ]
        values: dict[str, ir.Value] = {}
        written: dict[str, str] = {}
        problems: list[Diagnostic] = []
        for name, raw in data.items():
            decl = self.inputs.get(name) if isinstance(name, str) else None
            if decl is not None and (not decl.setting or self.settings_in_record):
                fast = self._fast(decl, raw, cells)
                if fast is not None:
                    values[name], written[name] = fast
                    continue
            where = _Where(file, (lines or {}).get(name, line))
            if decl is not None and decl.setting and not self.settings_in_record:
                problems.append(
                    make(
                        "CP413",
                        f"`{name}` is a setting of the place of care, not patient data",
                        where.span,
                        notes=(
                            f"give it for every patient with --set {name}=VALUE",
                            f"(a setting is the same for every patient: pathway "
                            f"`{self.pathway.id}` reads it from --set or its default)",
                        ),
                    )
                )
                continue
            if decl is None:
                problems.append(
                    make(
                        "CP403",
                        f"`{name}` is not an input of pathway `{self.pathway.id}`",
                        where.span,
                        notes=did_you_mean(str(name), self.inputs)
                        or ("inputs: " + ", ".join(self.inputs),),
                    )
                )
                continue
            try:
                value, shown = convert(decl, raw, cells=cells)
            except _Problem as problem:
                problems.append(
                    make(
                        problem.code,
                        f"`{name}`: {problem.message}",
                        where.span,
                        notes=problem.notes,
                    )
                )
                continue
            if value is not None:
                values[name] = value
                written[name] = shown
        if problems:
            return None, problems
        for name, (value, shown) in self.settings.items():
            if name not in values and name not in written:
                values[name] = value
                written[name] = shown
        return PatientRecord(file, values, written), []

    def _fast(self, decl: ir.InputDecl, raw: object, cells: bool) -> tuple[ir.Value, str] | None:
        """The common, valid cases without building messages (batch runs read millions);
        None sends the value through :func:`convert`."""
        t = decl.type
        if raw is True or raw is False:
            if isinstance(t, ir.BooleanType):
                return raw, "true" if raw else "false"
            return None
        if isinstance(raw, str):
            if isinstance(t, ir.EnumType) and raw in t.values:
                return raw, raw
            return None
        if type(raw) is int and isinstance(t, ir.NumberType) and t.unit is not None:
            # A whole number of the declared unit: always whole, so only the range can fail.
            value = raw * t.unit.factor
            low, high = decl.low, decl.high
            if (low is None or low <= value) and (high is None or value <= high):
                return value, f"{raw} {t.unit.text}"
        return None


def _json_type(raw: object) -> str:
    if isinstance(raw, bool):
        return "boolean"
    if isinstance(raw, int | Fraction):
        return "number"
    if isinstance(raw, str):
        return "string"
    if isinstance(raw, list):
        return "list"
    if isinstance(raw, dict):
        return "object"
    return type(raw).__name__


def _shown(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, Fraction | int):
        return format_number(Fraction(raw))
    if isinstance(raw, str):
        return json.dumps(raw, ensure_ascii=False)
    return _json_type(raw)


def convert(decl: ir.InputDecl, raw: object, *, cells: bool = False) -> tuple[ir.Value | None, str]:
    """(value, as written) for one field; ``None`` is unknown. Raises :class:`_Problem`."""
    if raw is None:
        return None, "unknown"
    if isinstance(raw, str):
        raw = raw.strip()
        if raw in ("unknown", "") if cells else raw == "unknown":
            return None, "unknown"
    t = decl.type
    if isinstance(t, ir.BooleanType):
        if isinstance(raw, bool):
            return raw, "true" if raw else "false"
        if cells and isinstance(raw, str) and raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
            return value, raw.lower()
        hint = "write true or false without quotes" if raw in ("true", "false") else ""
        raise _Problem(
            "CP404",
            f"expected true or false, got {_shown(raw)}",
            hint or "booleans are true or false only (not yes/no, not 1/0); null is unknown",
        )
    if isinstance(t, ir.EnumType):
        if isinstance(raw, str) and raw in t.values:
            return raw, raw
        shown = raw if isinstance(raw, str) else _shown(raw)
        raise _Problem(
            "CP404",
            f"{_shown(raw)} is not one of: {', '.join(t.values)}",
            *did_you_mean(shown, t.values),
        )
    assert isinstance(t, ir.NumberType)
    return _number(decl, t, raw)


def _number(decl: ir.InputDecl, t: ir.NumberType, raw: object) -> tuple[ir.Value | None, str]:
    unit_text: str | None
    if isinstance(raw, bool) or not isinstance(raw, int | Fraction | str | dict):
        raise _Problem("CP404", f"expected {_expected(t)}, got a {_json_type(raw)}")
    if isinstance(raw, int | Fraction):
        number, unit_text = Fraction(raw), None
    elif isinstance(raw, str):
        match = _NUMBER.fullmatch(raw)
        if match is None:
            raise _Problem("CP404", f"expected {_expected(t)}, got {_shown(raw)}")
        try:
            number = exact_number(match.group(1))
        except TooLarge as error:
            raise _Problem("CP404", str(error)) from None
        unit_text = match.group(2) or None
    else:
        quantity = _quantity(raw)
        if quantity is None:
            return None, "unknown"
        number, unit_text = quantity
    if unit_text is None:
        if t.unit is not None:
            unit_text = t.unit.text
        elif t.dimension != DIMENSIONLESS:
            example = "10 weeks" if t.duration else f"{format_number(number)} <unit>"
            raise _Problem(
                "CP410",
                f"{format_number(number)} needs a unit: this input is "
                + ("a duration" if t.duration else dimension_words(t.dimension)),
                f'write "{example}" or {{"value": {format_number(number)}, "unit": "…"}}',
            )
    shown = format_number(number) + (f" {unit_text}" if unit_text else "")
    if unit_text is not None:
        try:
            unit = parse_unit(unit_text)
        except UnknownUnit as problem:
            raise _Problem(
                "CP406",
                problem.message(unit_text),
                *did_you_mean(unit_text, COMMON_UNITS),
                "write a UCUM code (wk, mo, a, d, mg/d, mm[Hg]) or a word (weeks, months)",
            ) from None
        if unit.dimension != t.dimension:
            raise _Problem(
                "CP405",
                f"`{unit_text}` measures {dimension_words(unit.dimension)}, but this input is "
                + ("a duration" if t.duration else dimension_words(t.dimension)),
            )
        value = number * unit.factor
    else:
        value = number
    step = t.unit.factor if t.unit else Fraction(1)
    declared = t.unit.text if t.unit else ""
    if t.integer and (value / step).denominator != 1:
        raise _Problem(
            "CP408",
            f"{shown} is not a whole number" + (f" of {declared}" if declared else ""),
            "the input is declared integer",
        )
    if decl.low is not None and decl.high is not None and not decl.low <= value <= decl.high:
        low, high = format_number(decl.low / step), format_number(decl.high / step)
        in_unit = f" ({format_number(value / step)} {declared})" if unit_text != declared else ""
        if t.duration:
            low, high, in_unit = format_duration(decl.low), format_duration(decl.high), ""
        raise _Problem(
            "CP407",
            f"{shown}{in_unit} is outside the plausible range {low}..{high}"
            + (f" {declared}" if declared else ""),
            f"declared at {decl.span}",
        )
    if decl.low is None and decl.lowest is not None and value < decl.lowest:
        raise _Problem(
            "CP407",
            f"{shown} is negative, and a duration never is",
            "a pathway that means a time before an event declares a range, such as "
            f"`input {decl.name}: duration -52 weeks..52 weeks`",
        )
    # ``value_for`` (what case blocks use) gives the same value; the tests hold the two
    # together. Calling it again here would redo every conversion for every row.
    return value, shown


def _expected(t: ir.NumberType) -> str:
    if t.duration:
        return 'a duration such as "10 weeks"'
    if t.unit is not None:
        return f"a number (in {t.unit.text})"
    return "a number" if not t.dimension else "a quantity with a unit"


def _quantity(raw: dict[Any, Any]) -> tuple[Fraction, str | None] | None:
    """A FHIR Quantity -> (number, unit), or None when its value is null."""
    extra = [str(k) for k in raw if k not in _QUANTITY_KEYS]
    if extra:
        raise _Problem(
            "CP404",
            f"a quantity has `value` and `unit` (or `code` and `system`), not {', '.join(extra)}",
            'e.g. {"value": 10, "unit": "wk"}',
        )
    if "comparator" in raw:
        raise _Problem(
            "CP404",
            f"a quantity with comparator `{raw['comparator']}` is a range, not a value",
            "give the measured value",
        )
    if "value" not in raw:
        raise _Problem("CP404", "the quantity has no `value`", 'e.g. {"value": 10, "unit": "wk"}')
    number = raw["value"]
    if number is None:
        return None
    if isinstance(number, _Unread):
        raise _Problem("CP404", _too_large(number))
    if isinstance(number, bool) or not isinstance(number, int | Fraction):
        raise _Problem("CP404", f"the quantity's value must be a number, got {_shown(number)}")
    system = raw.get("system")
    if system is not None and system != UCUM:
        raise _Problem(
            "CP406",
            f"unit system `{system}` is not UCUM",
            f"carepath reads units of the system {UCUM}",
        )
    unit = raw.get("code") if raw.get("code") is not None else raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise _Problem("CP404", f"the quantity's unit must be text, got {_shown(unit)}")
    return Fraction(number), (unit.strip() or None) if unit is not None else None

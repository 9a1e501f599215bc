"""Units: what a unit written in a pathway or patient record means, exactly.

Every unit is reduced to a factor (an exact fraction) onto SI base units and a
dimension. ``6 weeks`` and ``3 months`` compare after conversion (a month is a
twelfth of a Julian year, 30.4375 days, as in pint and UCUM's ``mo``);
``mg`` against ``weeks`` is a dimension error.

pint is the authority, but building its registry costs about half a second,
more than a whole ``carepath check``. So the units clinical pathways use every
day are looked up in ``units_table.json``, generated from pint by
``python -m carepath.compiler.units --regenerate`` (a test checks it still
agrees with pint); anything else falls back to pint, loaded on first use.

>>> parse_unit("wk").factor / parse_unit("d").factor
Fraction(7, 1)
>>> parse_unit("mo").factor / parse_unit("d").factor
Fraction(487, 16)
"""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

Dimension = tuple[tuple[str, int], ...]

DIMENSIONLESS: Dimension = ()
TIME: Dimension = (("[time]", 1),)

_TABLE_PATH = Path(__file__).with_name("units_table.json")

# UCUM codes and clinical spellings pint does not know, as pint expressions.
_ALIASES = {
    "wk": "week",
    "mo": "month",
    "a": "year",
    "d": "day",
    "h": "hour",
    "min": "minute",
    "s": "second",
    "%": "percent",
    "mm[Hg]": "mmHg",
    "[IU]": "IU",
    "[iU]": "IU",
    "U": "enzyme_unit",
    "Cel": "degC",
}

# Offset units cannot be converted by a factor; each stands alone as its own
# dimension, so °C compares with °C and is a dimension error against °F or K.
_OFFSET_UNITS = {
    "degC": "[celsius]",
    "°C": "[celsius]",
    "degF": "[fahrenheit]",
    "[degF]": "[fahrenheit]",
    "°F": "[fahrenheit]",
}

# The units written most in clinical pathways; units_table.json holds these.
COMMON_UNITS = (
    "s",
    "min",
    "h",
    "d",
    "wk",
    "mo",
    "a",
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "mg",
    "g",
    "kg",
    "ug",
    "µg",
    "mcg",
    "mL",
    "L",
    "dL",
    "m",
    "cm",
    "mm",
    "mmol/L",
    "umol/L",
    "µmol/L",
    "mol/L",
    "mg/dL",
    "g/dL",
    "g/L",
    "mg/L",
    "ng/mL",
    "mg/d",
    "mg/day",
    "g/d",
    "ug/d",
    "IU",
    "IU/d",
    "IU/day",
    "[IU]/d",
    "U/L",
    "mL/min",
    "L/min",
    "/min",
    "mm[Hg]",
    "mmHg",
    "kg/m2",
    "kg/m^2",
    "%",
    "percent",
    "Cel",
    "degC",
)


@dataclass(frozen=True)
class Unit:
    """A unit as written (``text``) with its exact factor onto SI base units."""

    text: str
    factor: Fraction
    dimension: Dimension


class UnknownUnit(ValueError):
    pass


def _normalise(text: str) -> str:
    """A unit as written -> a pint expression."""
    if text in _ALIASES:
        return _ALIASES[text]
    # UCUM annotations such as {beats} or {1.73_m2} carry no dimension.
    expr = re.sub(r"\{[^}]*\}", "1", text)
    expr = expr.replace("mm[Hg]", "mmHg").replace("[IU]", "IU").replace("[iU]", "IU")
    if expr.startswith("/"):
        expr = "1" + expr
    parts = re.split(r"([/*.])", expr)
    out: list[str] = []
    for part in parts:
        if part == ".":
            out.append("*")
            continue
        match = re.fullmatch(r"([A-Za-zµ]+)(\d+)", part)
        if match:
            # UCUM writes exponents as digits: m2 is m**2.
            out.append(f"{_ALIASES.get(match.group(1), match.group(1))}**{match.group(2)}")
        else:
            out.append(_ALIASES.get(part, part))
    return "".join(out).replace("^", "**")


@functools.cache
def _table() -> dict[str, Any]:
    with _TABLE_PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@functools.cache
def _registry() -> Any:
    import pint

    registry: Any = pint.UnitRegistry(non_int_type=Fraction)
    registry.define("IU = [international_unit]")
    registry.define("enzyme_unit = [enzyme_unit]")
    registry.define("wk = week")
    registry.define("mo = month")
    return registry


def _from_pint(text: str) -> Unit:
    expr = _normalise(text)
    if expr in _OFFSET_UNITS:
        return Unit(text, Fraction(1), ((_OFFSET_UNITS[expr], 1),))
    try:
        registry = _registry()
        quantity = registry.Quantity(Fraction(1), expr).to_base_units()
    except Exception as error:
        raise UnknownUnit(text) from error
    dimension = tuple(
        sorted((str(name), int(power)) for name, power in quantity.dimensionality.items() if power)
    )
    return Unit(text, Fraction(quantity.magnitude), dimension)


@functools.cache
def parse_unit(text: str) -> Unit:
    """The meaning of a unit; raises :class:`UnknownUnit`."""
    entry = _table().get(text)
    if entry is not None:
        return Unit(
            text,
            Fraction(entry["factor"]),
            tuple((name, int(power)) for name, power in entry["dimension"]),
        )
    return _from_pint(text)


def dimension_words(dimension: Dimension) -> str:
    """``(("[time]", 1),)`` -> ``time``; used in messages."""
    if not dimension:
        return "a plain number"
    parts = []
    for name, power in dimension:
        word = name.strip("[]").replace("_", " ")
        parts.append(word if power == 1 else f"{word}^{power}")
    return " × ".join(parts)


# Past this many decimal places a number reads better as a fraction.
MAX_DECIMAL_PLACES = 12


def format_number(value: Fraction) -> str:
    """An exact number for people: 12, 0.5, 30.4375; repeating fractions as 10/3."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    while denominator % 2 == 0:
        denominator //= 2
    while denominator % 5 == 0:
        denominator //= 5
    if denominator == 1:  # a terminating decimal: written exactly, up to 12 places
        places = 1
        while (value * 10**places).denominator != 1:
            places += 1
        if places <= MAX_DECIMAL_PLACES:
            digits = str(abs(value.numerator * 10**places // value.denominator))
            digits = digits.rjust(places + 1, "0")
            sign = "-" if value < 0 else ""
            return f"{sign}{digits[:-places]}.{digits[-places:]}"
    return f"{value.numerator}/{value.denominator}"


def regenerate_table() -> dict[str, Any]:
    table = {}
    for text in COMMON_UNITS:
        unit = _from_pint(text)
        table[text] = {"factor": str(unit.factor), "dimension": [list(d) for d in unit.dimension]}
    return table


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        rows = [
            f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}"
            for k, v in regenerate_table().items()
        ]
        _TABLE_PATH.write_text("{\n" + ",\n".join(rows) + "\n}\n", encoding="utf-8")
        print(f"wrote {_TABLE_PATH}")
    else:
        print("usage: python -m carepath.compiler.units --regenerate", file=sys.stderr)
        sys.exit(2)


DURATION_UNITS = (
    ("years", Fraction(31557600)),
    ("months", Fraction(2629800)),
    ("weeks", Fraction(604800)),
    ("days", Fraction(86400)),
    ("hours", Fraction(3600)),
    ("minutes", Fraction(60)),
)


def format_duration(seconds: Fraction) -> str:
    """The largest unit in which a duration is a whole number: 6048000 s -> 10 weeks."""
    for name, factor in DURATION_UNITS:
        amount = seconds / factor
        if amount.denominator == 1 and amount != 0:
            return f"{amount.numerator} {name}"
    return f"{format_number(seconds / 86400)} days"

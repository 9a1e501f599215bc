"""What may come next where the cursor is: read from the text before it on its line.

>>> from carepath.lsp.symbols import index
>>> text = 'pathway p "P"\\ninput pain: one of mild, severe\\nstart d\\n'
>>> text += 'decision d "Q"\\n  when pain == severe -> e\\nend e "E"\\n'
>>> found = index(text, "p")
>>> [c.label for c in complete(found, "  when pain == ")]
['mild', 'severe']
>>> [c.label for c in complete(found, "  otherwise -> ")]
['d', 'e']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from carepath.compiler.units import COMMON_UNITS, Dimension, parse_unit
from carepath.dsl import ast

from .symbols import Index, Kind

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_NODE_AFTER = re.compile(
    rf"(?:->|\bnext|^start|\bexpect\s+end|\bexpect\s+path(?:\s+{_WORD}\s*,)*)\s+(?:{_WORD})?$"
)
_NODE_AFTER_COMMA = re.compile(rf"\bexpect\s+path\s+(?:{_WORD}\s*,\s*)*(?:{_WORD})?$")
_REFERENCE_AFTER = re.compile(rf"\bcite\s+(?:{_WORD}\s*,\s*)*(?:{_WORD})?$")
_INPUT_AFTER = re.compile(
    rf"(?:\bgiven\s+|,\s*|\bexpect\s+needs\s+(?:{_WORD}\s*,\s*)*)(?:{_WORD})?$"
)
_ENUM_VALUE_AFTER = re.compile(
    rf"\b({_WORD})\s*(?:==|!=)\s*(?:{_WORD})?$|\b({_WORD})\s+(?:not\s+)?in\s*\{{(?:\s*{_WORD}\s*,)*\s*(?:{_WORD})?$"
)
_GIVEN_VALUE = re.compile(rf"\b({_WORD})\s*=\s*(?:{_WORD})?$")
_UNIT_AFTER = re.compile(
    rf"(?:\b({_WORD})\s*(?:<=|>=|==|!=|<|>|between)\s*)?-?\d+(?:\.\d+)?\s+[A-Za-z%µ/\[]*$"
)
_CONDITION = re.compile(
    rf"(?:\bwhen|\band|\bor|\bnot|\(|,|\bif|=|<|>|\+|-|\*|/|^define\s+{_WORD}\s*=)\s*(?:{_WORD})?$"
)
_LINE_START = re.compile(rf"^(\s*)(?:{_WORD})?$")

# Keywords that begin a line, by whether the line is indented.
TOP_KEYWORDS = (
    "pathway",
    "reference",
    "input",
    "setting",
    "define",
    "start",
    "decision",
    "action",
    "end",
    "case",
)
BLOCK_KEYWORDS = (
    "when",
    "otherwise",
    "recommend",
    "consider",
    "avoid",
    "group",
    "next",
    "note",
    "cite",
    "given",
    "expect",
)
EXPRESSION_KEYWORDS = ("not", "and", "or", "count of", "points of", "is known", "is unknown")


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # "node", "input", "derived value", "enumeration value", "unit", "keyword", ...
    detail: str = ""


def complete(found: Index, before: str) -> list[Completion]:
    """Completions for a cursor after ``before`` (the text of its line up to it)."""
    if before.lstrip().startswith("#") or before.count('"') % 2:
        return []  # in a comment or quoted text
    if _NODE_AFTER.search(before) or _NODE_AFTER_COMMA.search(before):
        return _declared(found, Kind.NODE)
    if _REFERENCE_AFTER.search(before):
        return _declared(found, Kind.REFERENCE)
    stripped = before.lstrip()
    if stripped.startswith(("given ", "expect needs")):
        value = _GIVEN_VALUE.search(before)
        if value and stripped.startswith("given "):
            return _values_of(found, value.group(1)) + _words(("unknown", "true", "false"))
        if _INPUT_AFTER.search(before):
            return _declared(found, Kind.INPUT)
    enum = _ENUM_VALUE_AFTER.search(before)
    if enum:
        values = _values_of(found, enum.group(1) or enum.group(2))
        if values:
            return values
    unit = _UNIT_AFTER.search(before)
    if unit:
        return _units(found, unit.group(1))
    start = _LINE_START.match(before)
    if start:
        return _words(BLOCK_KEYWORDS if start.group(1) else TOP_KEYWORDS)
    if _CONDITION.search(before):
        return _declared(found, Kind.INPUT, Kind.DEFINE) + _words(EXPRESSION_KEYWORDS)
    return []


def _declared(found: Index, *kinds: Kind) -> list[Completion]:
    seen: dict[str, Completion] = {}
    for declared in found.names(*kinds):
        node = declared.node
        label = getattr(node, "label", None) or getattr(node, "title", None) or ""
        description = getattr(node, "description", None) or ""
        seen.setdefault(
            declared.name, Completion(declared.name, declared.kind.value, label or description)
        )
    return sorted(seen.values(), key=lambda c: c.label)


def _values_of(found: Index, input_name: str) -> list[Completion]:
    return [
        Completion(d.name, Kind.VALUE.value, f"a value of {input_name}")
        for d in found.names(Kind.VALUE)
        if d.owner == input_name
    ]


def _words(words: tuple[str, ...]) -> list[Completion]:
    return [Completion(word, "keyword") for word in words]


def _units(found: Index, input_name: str | None) -> list[Completion]:
    """The compared input's own unit first, then the units of its kind (time units
    for a duration), else every unit carepath knows without loading pint."""
    table = _unit_table()
    declared = next((i for i in _inputs(found) if i.id == input_name), None)
    own: list[str] = []
    dimension = None
    if declared is not None and isinstance(declared.type, ast.NumberSpec) and declared.type.unit:
        own = [declared.type.unit]
        dimension = table.get(declared.type.unit)
    elif declared is not None and isinstance(declared.type, ast.DurationSpec):
        dimension = table["weeks"]
    names = [name for name, dim in table.items() if dimension is None or dim == dimension]
    ordered = own + [name for name in names if name not in own]
    return [Completion(name, "unit", "the input's unit" if name in own else "") for name in ordered]


def _inputs(found: Index) -> tuple[ast.Input, ...]:
    return found.pathway.inputs if found.pathway is not None else ()


@cache
def _unit_table() -> dict[str, Dimension]:
    """The units carepath reads without loading pint, and their dimensions."""
    return {name: parse_unit(name).dimension for name in COMMON_UNITS}

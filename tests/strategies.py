"""Hypothesis strategies for property tests: random *valid* pathway text and patients.

``pathway_sources()`` draws pathway files that load without syntax (CP0xx) or
name/type/unit (CP1xx) errors. Graph and logic problems -- unreachable nodes,
overlapping or missing branches, dead ends -- are left in on purpose: they are
what the checks must find. Nodes point only forward (the graph is acyclic)
unless ``allow_cycles=True``.

``patients(pathway)`` draws patient records for a loaded ``Pathway`` in the
evaluator's representation (``bool``, enum ``str``, ``Fraction`` in SI base
units); each input is missing (unknown) now and then, and numbers cluster on
and next to every threshold the pathway uses.

Every unit used here is in ``compiler/units_table.json`` so that no draw pays
for building pint's registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from carepath.compiler import ir
from carepath.compiler.units import TIME, parse_unit
from carepath.dsl.formatter import quote

# ---------------------------------------------------------------- vocabulary

# Units by dimension. The first of each group is the "natural" one an input declares.
UNIT_GROUPS: dict[str, tuple[str, ...]] = {
    "time": ("years", "months", "weeks", "days", "hours", "a", "mo", "wk", "d", "h"),
    "mass": ("mg", "g", "kg", "ug"),
    "amount_conc": ("mmol/L", "umol/L", "mol/L"),
    "mass_conc": ("mg/dL", "g/L", "mg/L", "g/dL"),
    "flow": ("mL/min", "L/min"),
    "rate": ("/min",),
    "pressure": ("mm[Hg]", "mmHg"),
    "bmi": ("kg/m2",),
}
# Plausible magnitudes (in the group's first unit) for drawing thresholds.
MAGNITUDES: dict[str, tuple[int, int]] = {
    "time": (0, 100),
    "mass": (0, 2000),
    "amount_conc": (0, 50),
    "mass_conc": (0, 400),
    "flow": (0, 200),
    "rate": (20, 200),
    "pressure": (40, 240),
    "bmi": (10, 60),
    "": (0, 200),
}

INPUT_STEMS = {
    "boolean": ("neuro_deficit", "instability", "smoker", "frail", "fever", "pregnant", "on_dmard"),
    "enum": ("pain", "mobility", "risk_group", "stage", "response", "imaging"),
    "integer": ("age", "heart_rate", "visits", "t_score_rank", "falls"),
    "decimal": ("egfr", "sbp", "weight", "crp", "sodium", "bmi_value", "dose"),
    "duration": ("fracture_age", "symptom_time", "therapy_time", "since_surgery"),
}
ENUM_VALUES = (
    "none",
    "mild",
    "moderate",
    "severe",
    "low",
    "high",
    "absent",
    "present",
    "stable",
    "worse",
    "early",
    "late",
)
DEFINE_STEMS = ("score", "risk", "total", "load", "sum_", "index")
NODE_STEMS = ("triage", "review", "assess", "treat", "refer", "watch", "consult", "augment")
STRENGTHS = ("strong", "moderate", "weak", "conditional")
STATUSES = ("draft", "active", "retired", "unknown")
# Findings random pathways often have, for `# carepath: ignore[...]` comments.
IGNORED_CODES = ("CP203", "CP205", "CP207", "CP208", "CP302", "CP304", "CP305", "CP309")
_GRADES = ("A", "B", '"1a"', '"C"')

# Text: ordinary words plus every character that quoting must handle.
_TEXT_ALPHABET = st.sampled_from(
    [
        *"abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789-/.,:;()%<>=+'",
        *['"', "\\", "\n", "\t", "#", "é", "ü", "µ", "≥", "—", "→", "日", "🙂", "{", "}"],
    ]
)


# ---------------------------------------------------------------- what we know about names


@dataclass
class InputInfo:
    name: str
    kind: str  # boolean, enum, integer, decimal, duration
    group: str = ""  # unit group; "" for dimensionless numbers
    unit: str | None = None
    values: tuple[str, ...] = ()
    low: Fraction | None = None  # in the declared unit (durations: days)
    high: Fraction | None = None
    thresholds: list[tuple[str, str | None]] = field(default_factory=list)
    setting: bool = False  # declared with `setting … default …`: never unknown

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "decimal", "duration")


@dataclass
class NumberName:
    """A numeric input or define, and the unit group of its dimension."""

    name: str
    group: str
    info: InputInfo | None  # the input, when it is one


@dataclass
class Model:
    inputs: list[InputInfo] = field(default_factory=list)
    numbers: list[NumberName] = field(default_factory=list)
    item_texts: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small pieces


@st.composite
def _text(draw: st.DrawFn, min_size: int = 1, max_size: int = 24) -> str:
    words = draw(
        st.one_of(
            st.sampled_from(
                [
                    "Continue conservative therapy",
                    "Refer to spine surgeon",
                    "Calcium 1000-1200 mg/day",
                    'Say "no" to bed rest',
                    "Use \\ with care",
                    "eGFR ≥ 30 mL/min",
                    "Check # of falls",
                ]
            ),
            st.text(_TEXT_ALPHABET, min_size=min_size, max_size=max_size),
        )
    )
    return words if words.strip() else "Text"


@st.composite
def _string(draw: st.DrawFn, min_size: int = 1, max_size: int = 24) -> str:
    text = draw(_text(min_size, max_size))
    literal = quote(text)
    # Sometimes spell a character as \\uXXXX: same meaning, different text.
    if draw(st.booleans()) and "é" in literal:
        literal = literal.replace("é", "\\u00e9", 1)
    return literal


def _number_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@st.composite
def _threshold_value(draw: st.DrawFn, group: str, integer: bool) -> Fraction:
    low, high = MAGNITUDES[group]
    whole = draw(st.integers(low, high))
    if integer or draw(st.booleans()):
        return Fraction(whole)
    return Fraction(whole) + Fraction(draw(st.sampled_from((1, 2, 5))), 10)


class Lines:
    """Builds source lines with a per-file indentation and a little messiness."""

    def __init__(
        self, indent: str, messy: bool, draw: st.DrawFn, comments: bool, ignores: bool = False
    ) -> None:
        self.lines: list[str] = []
        self.indent = indent
        self.messy = messy
        self.draw = draw
        self.comments = comments
        self.ignores = ignores

    def add(self, depth: int, text: str) -> None:
        if self.comments and self.draw(st.integers(0, 9)) == 0:
            text += self.draw(st.sampled_from(("  # why", " #note", "   # see 'x' \"y\"")))
        if self.ignores and self.draw(st.integers(0, 4)) == 0:
            codes = self.draw(st.lists(st.sampled_from(IGNORED_CODES), min_size=1, max_size=2))
            text += "  # carepath: ignore[" + ", ".join(codes) + "]"
        if self.comments and self.draw(st.integers(0, 14)) == 0:
            self.lines.append(self.indent * depth + "# " + self.draw(st.sampled_from(("a", "b c"))))
        if self.messy and self.draw(st.integers(0, 11)) == 0:
            self.lines.append("")
        self.lines.append(self.indent * depth + text)

    def sep(self) -> str:
        return self.draw(st.sampled_from((" ", " ", " ", "  "))) if self.messy else " "

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# ---------------------------------------------------------------- declarations


def _unique(draw: st.DrawFn, stems: Iterable[str], used: set[str]) -> str:
    stem = draw(st.sampled_from(sorted(stems)))
    name = stem
    n = 2
    while name in used:
        name = f"{stem}{n}"
        n += 1
    used.add(name)
    return name


@st.composite
def _input(draw: st.DrawFn, kind: str, used: set[str], out: Lines) -> InputInfo:
    name = _unique(draw, INPUT_STEMS[kind], used)
    info = InputInfo(name, kind)
    sep = out.sep()
    if kind == "boolean":
        type_text = "boolean"
    elif kind == "enum":
        info.values = tuple(
            draw(st.lists(st.sampled_from(ENUM_VALUES), min_size=2, max_size=5, unique=True))
        )
        type_text = "one of " + ", ".join(info.values)
    elif kind == "duration":
        info.group = "time"
        type_text = "duration"
        if draw(st.integers(0, 2)) == 0:
            # Bounds of a duration carry their own units; kept in days here.
            a = draw(st.integers(0, 30))
            b = draw(st.integers(a, 3650))
            info.low, info.high = Fraction(a), Fraction(b)
            high = f"{b // 7} weeks" if b % 7 == 0 else f"{b} days"
            type_text += f" {a} {draw(st.sampled_from(('days', 'd')))}..{high}"
    else:
        if draw(st.booleans()) or kind == "decimal":
            info.group = draw(st.sampled_from(sorted(UNIT_GROUPS)))
            info.unit = UNIT_GROUPS[info.group][0]
        type_text = kind + (f" {info.unit}" if info.unit else "")
        if draw(st.booleans()):
            lo, hi = MAGNITUDES[info.group]
            a = draw(st.integers(lo - 5, hi))
            b = draw(st.integers(a, hi + 50))
            info.low, info.high = Fraction(a), Fraction(b)
            low_text = str(a) if kind == "integer" or draw(st.booleans()) else f"{a}.0"
            high_text = str(b)
            if info.unit is not None and draw(st.booleans()):
                low_text, high_text = f"{low_text} {info.unit}", f"{high_text} {info.unit}"
            type_text += f" {low_text}..{high_text}"
    desc = (sep + draw(_string())) if draw(st.booleans()) else ""
    info.setting = draw(st.integers(0, 5)) == 0
    if info.setting:
        default = f"{sep}default{sep}{draw(_given_value(info, known=True))}"
        out.add(0, f"setting{sep}{name}:{sep}{type_text}{default}{desc}")
    else:
        out.add(0, f"input{sep}{name}:{sep}{type_text}{desc}")
    if info.numeric:
        count = draw(st.integers(1, 3))
        for _ in range(count):
            value = draw(_threshold_value(info.group, kind == "integer"))
            ranged = info.low is not None and info.high is not None and kind != "duration"
            if ranged and draw(st.integers(0, 3)):
                assert info.low is not None and info.high is not None
                value = min(max(value, info.low), info.high)
            info.thresholds.append((_number_text(value), None))
    return info


@st.composite
def _threshold(draw: st.DrawFn, number: NumberName, *, bare_ok: bool) -> str:
    """A threshold for comparisons with ``number``: a bare number when the unit is
    implied (``bare_ok``) or dimensionless, otherwise a number with a unit of the group."""
    info = number.info
    if info is not None and info.thresholds and draw(st.integers(0, 3)):
        text, _ = draw(st.sampled_from(info.thresholds))
        value = Fraction(text)
    else:
        value = draw(_threshold_value(number.group, False))
        text = _number_text(value)
    if number.group == "":
        return text
    if bare_ok and info is not None and info.unit is not None and draw(st.booleans()):
        return text
    units = UNIT_GROUPS[number.group]
    unit = info.unit if info is not None and info.unit and draw(st.booleans()) else None
    return f"{text} {unit or draw(st.sampled_from(units))}"


# ---------------------------------------------------------------- expressions


@st.composite
def _condition(draw: st.DrawFn, model: Model, depth: int = 0) -> str:
    """A yes/no expression over the model's inputs and defines."""
    simple = [
        _bool_test(model),
        _enum_test(model),
        _number_test(model),
        _known_test(model),
    ]
    if depth >= 2 or draw(st.integers(0, 2)) > 0:
        return draw(st.one_of(simple))
    kind = draw(st.sampled_from(("and", "or", "not", "paren")))
    if kind == "not":
        inner = draw(_condition(model, depth + 1))
        return f"not ({inner})" if draw(st.booleans()) or " " in inner else f"not {inner}"
    if kind == "paren":
        return "(" + draw(_condition(model, depth + 1)) + ")"
    parts = draw(st.lists(_condition(model, depth + 1), min_size=2, max_size=3))
    wrapped = [
        f"({p})" if (" or " in p or " and " in p) and draw(st.booleans()) else p for p in parts
    ]
    if kind == "and":
        # `a or b` inside `and` needs its parentheses.
        wrapped = [f"({p})" if " or " in p and not p.startswith("(") else p for p in wrapped]
    return f" {kind} ".join(wrapped)


@st.composite
def _bool_test(draw: st.DrawFn, model: Model) -> str:
    flags = [i for i in model.inputs if i.kind == "boolean"]
    flag = draw(st.sampled_from(flags)).name
    form = draw(st.integers(0, 4))
    if form == 0:
        return f"not {flag}"
    if form == 1:
        return f"{flag} == {draw(st.sampled_from(('true', 'false')))}"
    if form == 2:
        return f"{flag} != false"
    return flag


@st.composite
def _enum_test(draw: st.DrawFn, model: Model) -> str:
    enum = draw(st.sampled_from([i for i in model.inputs if i.kind == "enum"]))
    values = draw(st.lists(st.sampled_from(enum.values), min_size=1, max_size=3, unique=True))
    form = draw(st.integers(0, 4))
    if form == 0:
        return f"{enum.name} == {values[0]}"
    if form == 1:
        return f"{enum.name} != {values[0]}"
    if form == 2:
        return f"{values[0]} == {enum.name}"
    if form == 3:
        return f"{enum.name} not in {{{', '.join(values)}}}"
    return f"{enum.name} in {{{', '.join(values)}}}"


@st.composite
def _known_test(draw: st.DrawFn, model: Model) -> str:
    names = [i.name for i in model.inputs] + [n.name for n in model.numbers if n.info is None]
    name = draw(st.sampled_from(names))
    return f"{name} is {draw(st.sampled_from(('known', 'unknown')))}"


_OPS = ("<", "<=", ">", ">=", "==", "!=")


@st.composite
def _number_test(draw: st.DrawFn, model: Model) -> str:
    number = draw(st.sampled_from(model.numbers))
    op = draw(st.sampled_from(_OPS[:4] if draw(st.integers(0, 5)) else _OPS))
    form = draw(st.integers(0, 11))
    if form >= 10:
        # Two bounds: `low <= x < high` (or downwards) and `x between low and high`.
        low, high = draw(_threshold(number, bare_ok=True)), draw(_threshold(number, bare_ok=True))
        if form == 11:
            return f"{number.name} between {low} and {high}"
        upward = draw(st.booleans())
        ops = draw(st.tuples(*[st.sampled_from(_OPS[:2] if upward else _OPS[2:4])] * 2))
        return f"{low} {ops[0]} {number.name} {ops[1]} {high}"
    if form <= 5:
        threshold = draw(_threshold(number, bare_ok=True))
        if form == 5:
            flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
            return f"{threshold} {flipped} {number.name}"
        return f"{number.name} {op} {threshold}"
    # Arithmetic: the result keeps the dimension, so thresholds carry their unit.
    if form == 6:
        op_text = draw(st.sampled_from(("*", "/")))
        left = f"{number.name} {op_text} {draw(st.sampled_from(('2', '3', '0.5')))}"
    elif form == 7:
        left = f"-{number.name}"
        threshold = draw(_threshold(number, bare_ok=False))
        return f"{left} {op} -{threshold}" if draw(st.booleans()) else f"{left} {op} {threshold}"
    else:
        same = [n for n in model.numbers if n.group == number.group]
        other = draw(st.sampled_from(same))
        sign = draw(st.sampled_from(("+", "-")))
        left = f"{number.name} {sign} {other.name}"
        if form == 9 and len(same) > 0:
            left = f"({left}) / 2"
    unit_free = NumberName(number.name, number.group, None)
    return f"{left} {op} {draw(_threshold(unit_free, bare_ok=False))}"


@st.composite
def _define(draw: st.DrawFn, model: Model, used: set[str], out: Lines) -> None:
    name = _unique(draw, DEFINE_STEMS, used)
    kind = draw(st.sampled_from(("count", "points", "arith", "chain")))
    sep = out.sep()
    if kind == "chain" and not any(n.info is None for n in model.numbers):
        kind = "count"
    group = ""
    if kind == "count":
        parts = draw(st.lists(_condition(model, 1), min_size=1, max_size=4))
        # Inside parentheses a statement may run over several lines, with comments.
        joiner = draw(st.sampled_from((", ", ", ", ",\n      ", ",  # part\n   ")))
        expr = "count of (" + (joiner if out.messy else ", ").join(parts) + ")"
    elif kind == "points":
        weights = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(("1", "2", "3", "-1", "0.5", "10")), _condition(model, 2)
                ),
                min_size=1,
                max_size=4,
            )
        )
        expr = "points of (" + ", ".join(f"{w} if {c}" for w, c in weights) + ")"
    elif kind == "arith":
        number = draw(st.sampled_from([n for n in model.numbers if n.info is not None]))
        group = number.group
        same = [n for n in model.numbers if n.group == group]
        other = draw(st.sampled_from(same))
        expr = draw(
            st.sampled_from(
                [
                    f"{number.name} + {other.name}",
                    f"({number.name} + {other.name}) / 2",
                    f"{number.name} * 2",
                    f"{number.name} - {other.name} * 3",
                ]
            )
        )
    else:
        bases = [n for n in model.numbers if n.info is None and n.group == ""]
        base = draw(st.sampled_from(bases)) if bases else None
        if base is None:
            expr = "count of (" + draw(_condition(model, 2)) + ")"
        else:
            expr = f"{base.name} + 1"
    desc = (sep + draw(_string())) if draw(st.booleans()) else ""
    out.add(0, f"define{sep}{name}{sep}={sep}{expr}{desc}")
    model.numbers.append(NumberName(name, group, None))


# ---------------------------------------------------------------- the file


@st.composite
def _pathway(
    draw: st.DrawFn, allow_cycles: bool, comments: bool, messy: bool, ignores: bool
) -> str:
    indent = draw(st.sampled_from(("  ", "  ", "    ", "   "))) if messy else "  "
    out = Lines(indent, messy, draw, comments, ignores)
    used: set[str] = set(ENUM_VALUES)
    model = Model()

    # Header.
    out.add(0, f"pathway p_{draw(st.integers(0, 999))} {draw(_string())}")
    meta = draw(
        st.lists(
            st.sampled_from(
                ["version", "status", "population", "author", "reviewed", "description"]
            ),
            unique=True,
            max_size=6,
        )
    )
    for key in meta:
        if key == "version":
            out.add(1, f'version "{draw(st.integers(0, 9))}.{draw(st.integers(0, 9))}.0"')
        elif key == "status":
            out.add(1, f"status {draw(st.sampled_from(STATUSES))}")
        elif key == "author":
            names = draw(st.lists(_string(1, 12), min_size=1, max_size=3))
            out.add(1, "author " + ", ".join(names))
        elif key == "reviewed":
            year, month, day = draw(
                st.tuples(st.integers(10, 30), st.integers(1, 9), st.integers(10, 19))
            )
            out.add(1, f"reviewed 20{year}-0{month}-{day}")
        else:
            out.add(1, f"{key} {draw(_string())}")
    out.lines.append("")

    # References.
    references = [f"ref{i}" for i in range(draw(st.integers(1, 3)))]
    for ref in references:
        attrs: list[str] = []
        if draw(st.booleans()):
            attrs.append(f"year {draw(st.integers(1990, 2030))}")
        if draw(st.booleans()):
            attrs.append(f"publisher {draw(_string(1, 10))}")
        if draw(st.booleans()):
            attrs.append('url "https://example.org/' + ref + '"')
        if draw(st.booleans()):
            attrs.append("grade " + draw(st.sampled_from(_GRADES)))
        own_lines: bool = draw(st.booleans())
        if attrs and own_lines:
            out.add(0, f"reference {ref} {draw(_string())}")
            for attr in attrs:
                out.add(1, attr)
        else:
            out.add(0, " ".join([f"reference {ref} {draw(_string())}", *attrs]))
    out.lines.append("")

    # Inputs: one of every type, then a few more.
    kinds = ["boolean", "enum", "integer", "decimal", "duration"]
    kinds += draw(st.lists(st.sampled_from(kinds), max_size=3))
    kinds = draw(st.permutations(kinds))
    for kind in kinds:
        info = draw(_input(kind, used, out))
        model.inputs.append(info)
        if info.numeric:
            model.numbers.append(NumberName(info.name, info.group, info))
    for _ in range(draw(st.integers(0, 3))):
        draw(_define(model, used, out))
    out.lines.append("")

    # Nodes: decisions and actions first, ends last; targets only point forward.
    n_inner = draw(st.integers(1, 5))
    n_ends = draw(st.integers(1, 3))
    node_ids = [_unique(draw, NODE_STEMS, used) for _ in range(n_inner)]
    end_ids = [f"done_{i}" for i in range(n_ends)]
    all_ids = node_ids + end_ids
    kinds_inner = [draw(st.sampled_from(("decision", "decision", "action"))) for _ in node_ids]

    def target(index: int) -> str:
        pool = all_ids if allow_cycles else all_ids[index + 1 :]
        return draw(st.sampled_from(pool))

    out.add(
        0, f"start {node_ids[0] if draw(st.integers(0, 5)) else draw(st.sampled_from(all_ids))}"
    )
    out.lines.append("")

    def cites() -> str:
        chosen = draw(st.lists(st.sampled_from(references), min_size=1, max_size=2, unique=True))
        return "cite " + ", ".join(chosen)

    def items(depth: int) -> None:
        if draw(st.integers(0, 3)) == 0:
            policy = draw(st.sampled_from(("exactly one", "at least one", "at most one", "any")))
            out.add(depth, f"group {quote(draw(_text()))} {policy}")
            item_lines(depth + 1, 1)
        item_lines(depth, 0)

    def item_lines(depth: int, minimum: int) -> None:
        for _ in range(draw(st.integers(minimum, 3))):
            text = draw(_text())
            model.item_texts.append(text)
            head = f"{draw(st.sampled_from(('recommend', 'consider', 'avoid')))} {quote(text)}"
            attrs = []
            if draw(st.booleans()):
                attrs.append(cites())
            if draw(st.booleans()):
                attrs.append(f"strength {draw(st.sampled_from(STRENGTHS))}")
            if draw(st.integers(0, 2)) == 0:
                attrs.append(f"when {draw(_condition(model))}")
            attrs = draw(st.permutations(attrs))
            split = draw(st.integers(0, len(attrs)))
            if out.messy and split < len(attrs) and draw(st.integers(0, 5)) == 0:
                # A backslash continues the line.
                first = " ".join([head, *attrs[:split]])
                out.add(depth, first + " \\\n" + out.indent * 3 + attrs[split])
                split += 1
            else:
                out.add(depth, " ".join([head, *attrs[:split]]))
            for attr in attrs[split:]:
                out.add(depth + 1, attr)

    def notes_and_cites(depth: int) -> None:
        if draw(st.integers(0, 3)) == 0:
            out.add(depth, f"note {draw(_string())}")
        if draw(st.integers(0, 3)) == 0:
            out.add(depth, cites())

    for index, (node, kind) in enumerate(zip(node_ids, kinds_inner, strict=True)):
        if kind == "decision":
            policy = draw(st.sampled_from(("", "", " first", " unique")))
            out.add(0, f"decision {node} {draw(_string())}{policy}")
            for _ in range(draw(st.integers(1, 4))):
                out.add(1, f"when {draw(_condition(model))} -> {target(index)}")
            notes_and_cites(1)
            if draw(st.booleans()):
                out.add(1, f"otherwise -> {target(index)}")
        else:
            out.add(0, f"action {node} {draw(_string())}")
            items(1)
            notes_and_cites(1)
            if draw(st.integers(0, 5)) or not out.lines[-1].startswith(indent):
                out.add(1, f"next {target(index)}")
        out.lines.append("")
    for end in end_ids:
        label = f" {draw(_string())}" if draw(st.integers(0, 3)) else ""
        out.add(0, f"end {end}{label}")
        items(1)
        notes_and_cites(1)
        out.lines.append("")

    # Cases.
    for n in range(draw(st.integers(0, 3))):
        out.add(0, f"case {quote(f'case {n} ' + draw(_text(0, 8)))}")
        givens = draw(
            st.lists(st.sampled_from(model.inputs), unique_by=lambda i: i.name, max_size=5)
        )
        line: list[str] = []
        for info in givens:
            line.append(f"{info.name} = {draw(_given_value(info))}")
            if draw(st.integers(0, 2)) == 0:
                out.add(1, "given " + ", ".join(line))
                line = []
        if line:
            out.add(1, "given " + ", ".join(line))
        expectations = draw(
            st.lists(
                st.sampled_from(
                    ("end", "recommends", "not recommends", "needs", "incomplete", "path")
                ),
                max_size=3,
            )
        )
        if not givens and not expectations:
            expectations = ["end"]
        for kind in expectations:
            if kind == "end":
                out.add(1, f"expect end {draw(st.sampled_from(end_ids))}")
            elif kind in ("recommends", "not recommends") and model.item_texts:
                text = quote(draw(st.sampled_from(model.item_texts)))
                out.add(1, f"expect {kind} {text}")
            elif kind == "incomplete":
                out.add(1, "expect incomplete")
            elif kind == "needs" and any(not i.setting for i in model.inputs):
                patient_data = [i.name for i in model.inputs if not i.setting]
                names = draw(st.lists(st.sampled_from(patient_data), min_size=1, max_size=2))
                out.add(1, "expect needs " + ", ".join(names))
            else:
                path = draw(st.lists(st.sampled_from(all_ids), min_size=1, max_size=3))
                out.add(1, "expect path " + ", ".join(path))
        out.lines.append("")
    return out.text()


@st.composite
def _given_value(draw: st.DrawFn, info: InputInfo, known: bool = False) -> str:
    if not known and not info.setting and draw(st.integers(0, 7)) == 0:
        return "unknown"
    if info.kind == "boolean":
        return draw(st.sampled_from(("true", "false")))
    if info.kind == "enum":
        return draw(st.sampled_from(info.values))
    lo, hi = MAGNITUDES[info.group]
    if info.low is not None and info.high is not None:
        lo, hi = int(info.low), int(info.high)
        # A whole number inside a range with fractional ends.
        lo, hi = (lo + 1, hi) if Fraction(lo) < info.low else (lo, hi)
    if info.kind == "duration":
        if info.low is not None:
            return f"{draw(st.integers(lo, hi))} days"
        return f"{draw(st.integers(0, 60))} {draw(st.sampled_from(UNIT_GROUPS['time']))}"
    number = draw(st.integers(lo, max(lo, hi)))
    if number < 0 and info.low is None:
        number = -number
    if info.kind == "decimal" and draw(st.booleans()) and number < hi:
        text = f"{number}.5"
    else:
        text = str(number)
    if info.unit is not None and draw(st.booleans()):
        return f"{text} {info.unit}"
    return text


def pathway_sources(
    *,
    allow_cycles: bool = False,
    comments: bool = True,
    messy: bool = True,
    ignores: bool = False,
) -> st.SearchStrategy[str]:
    """Valid pathway text (no CP0xx/CP1xx errors).

    ``allow_cycles`` lets nodes point backwards too; ``comments`` adds whole-line and
    trailing comments; ``messy`` adds odd spacing, indentation widths, blank lines,
    statements continued over several lines; ``ignores`` adds
    ``# carepath: ignore[...]`` comments (off by default: they hide findings)."""
    return _pathway(allow_cycles, comments, messy, ignores)


# ---------------------------------------------------------------- broken text

# Characters that matter to the lexer and the indenter, plus a few others.
LEXER_ALPHABET = st.sampled_from(
    list(' \t\n\r\\"#(){},.:=<>!-+*/_%[]') + list("aeinoprstuwx0159") + ["é", "\x00", "µ", "\ufeff"]
)
LEXER_WORDS = st.sampled_from(
    [
        "pathway",
        "p",
        '"P"',
        "when",
        "->",
        "otherwise",
        "decision",
        "action",
        "end",
        "input",
        ":",
        "boolean",
        "one of",
        "count of (",
        "points of (",
        "1 if",
        "6 weeks",
        "in {",
        "}",
        ")",
        "(",
        "not",
        "and",
        "or",
        "is known",
        "start",
        "case",
        "given",
        "expect",
        "=",
        ",",
        "\n",
        "\n  ",
        "\n    ",
        "# c",
        '"a\\q"',
        '"\\u00e9"',
        "..",
        "-",
    ]
)


@st.composite
def mutated_sources(draw: st.DrawFn) -> str:
    """A valid pathway with one to four random edits: mostly broken, sometimes not."""
    lines = draw(pathway_sources()).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "cut"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(LEXER_ALPHABET, min_size=1, max_size=3)) + line[at:]
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at]
    return "\n".join(lines)


# ---------------------------------------------------------------- patients


def thresholds(pathway: Any) -> dict[tuple[tuple[str, int], ...], set[Fraction]]:
    """Every numeric constant in the pathway's expressions, by dimension (SI values)."""
    found: dict[tuple[tuple[str, int], ...], set[Fraction]] = {}
    exprs: list[ir.Expr] = [d.expr for d in pathway.defines.values()]
    for _, data in pathway.graph.nodes(data=True):
        for branch in data.get("branches", ()):
            if branch.guard is not None:
                exprs.append(branch.guard)
        for item in data.get("items", ()):
            if item.guard is not None:
                exprs.append(item.guard)
    for root in exprs:
        for e in ir.walk(root):
            if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
                assert isinstance(e.type, ir.NumberType)
                found.setdefault(e.type.dimension, set()).add(e.value)
    return found


def _default_range(decl: ir.InputDecl) -> tuple[Fraction, Fraction]:
    t = decl.type
    assert isinstance(t, ir.NumberType)
    if decl.low is not None and decl.high is not None:
        return decl.low, decl.high
    if t.duration or t.dimension == TIME:
        return Fraction(0), Fraction(20) * parse_unit("years").factor
    factor = t.unit.factor if t.unit else Fraction(1)
    return Fraction(0), Fraction(1000) * factor


def _number_values(decl: ir.InputDecl, near: set[Fraction]) -> st.SearchStrategy[Fraction]:
    t = decl.type
    assert isinstance(t, ir.NumberType)
    low, high = _default_range(decl)
    step = (t.unit.factor if t.unit else Fraction(1)) if t.integer else None
    if step is None:
        # Decimals: a thousandth of the unit (or of a day for durations).
        base = t.unit.factor if t.unit else (Fraction(86400) if t.duration else Fraction(1))
        tiny = base / 1000
    else:
        tiny = step

    def fit(value: Fraction) -> Fraction:
        if step is not None:
            value = math.floor(value / step) * step
            if value < low:
                value += step * math.ceil((low - value) / step)
        return min(max(value, low), high)

    candidates: set[Fraction] = set()
    for t_value in near:
        for delta in (-tiny, Fraction(0), tiny):
            v = t_value + delta
            if low <= v <= high:
                candidates.add(fit(v))
    candidates.update({low, high})
    spread = st.integers(0, 1000).map(lambda k: fit(low + (high - low) * Fraction(k, 1000)))
    if candidates:
        return st.one_of(st.sampled_from(sorted(candidates)), spread)
    return spread


def patients(pathway: Any, *, missing: float = 0.2) -> st.SearchStrategy[dict[str, ir.Value]]:
    """Patient records for a loaded ``Pathway``: every input present or (with about
    ``missing`` probability) absent, numbers on and next to the pathway's thresholds."""
    near = thresholds(pathway)
    fields: dict[str, st.SearchStrategy[ir.Value]] = {}
    settings: dict[str, ir.Value] = {}
    for name, decl in pathway.inputs.items():
        t = decl.type
        if decl.setting:
            # The place of care's, the same for every patient: here, its default.
            assert decl.default is not None
            settings[name] = decl.default
        elif isinstance(t, ir.BooleanType):
            fields[name] = st.booleans()
        elif isinstance(t, ir.EnumType):
            fields[name] = st.sampled_from(t.values)
        else:
            assert isinstance(t, ir.NumberType)
            fields[name] = _number_values(decl, near.get(t.dimension, set()))
    keep_weight = max(1, round((1 - missing) * 10))
    drop_weight = max(0, 10 - keep_weight)

    @st.composite
    def draw_patient(draw: st.DrawFn) -> dict[str, ir.Value]:
        patient: dict[str, ir.Value] = dict(settings)
        for name in sorted(fields):
            if drop_weight and draw(st.integers(1, keep_weight + drop_weight)) > keep_weight:
                continue
            patient[name] = draw(fields[name])
        return patient

    return draw_patient()

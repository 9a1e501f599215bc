"""Labels for flowcharts: conditions as a clinician writes them, wrapped and escaped.

Conditions are printed from the AST (what the author wrote), not from the IR,
so quantities keep their written units (``6 weeks``, never 3628800 seconds):

>>> from carepath.dsl.parser import parse
>>> p = parse('pathway p "P"\\ninput fracture_age: duration\\ninput pain: one of mild, severe\\n'
...           'start d\\ndecision d "D?"\\n  when fracture_age < 6 weeks and pain == severe -> e\\n'
...           'end e\\n', "x").pathway
>>> condition_text(p.nodes[0].branches[0].guard)
'fracture age < 6 weeks and pain is severe'
>>> wrap("a fairly long label that a flowchart box cannot hold on one line")
['a fairly long label that a', 'flowchart box cannot hold on', 'one line']
>>> html_text('<script>"x" & y</script>')
'&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;'
"""

from __future__ import annotations

import re
import textwrap

from carepath.dsl import ast

WRAP_WIDTH = 28

# Kind of recommendation -> the mark a flowchart shows before it.
ITEM_MARKS = {"recommend": "✓", "consider": "?", "avoid": "✗"}

_COMPARE_WORDS = {"==": "is", "!=": "is not", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}

# Binding strength: a child binding less tightly than its parent needs parentheses.
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6}


def name_text(name: str) -> str:
    """``fracture_age`` -> ``fracture age``."""
    return name.replace("_", " ")


def condition_text(expr: ast.Expr) -> str:
    """A condition as a clinician reads it aloud."""
    return _text(expr, 0)


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Or):
        return _PRECEDENCE["or"]
    if isinstance(expr, ast.And):
        return _PRECEDENCE["and"]
    if isinstance(expr, ast.Not):
        return _PRECEDENCE["not"]
    if isinstance(expr, ast.Compare | ast.Chain | ast.InSet | ast.IsKnown):
        return _PRECEDENCE["compare"]
    if isinstance(expr, ast.Arithmetic):
        return _PRECEDENCE[expr.op]
    return 10


def _text(expr: ast.Expr, outer: int) -> str:
    level = _level(expr)
    text = _bare(expr, level)
    return f"({text})" if level < outer else text


def _bare(expr: ast.Expr, level: int) -> str:
    if isinstance(expr, ast.Name):
        return name_text(expr.name)
    if isinstance(expr, ast.Quantity):
        return f"{expr.number} {expr.unit}" if expr.unit else expr.number
    if isinstance(expr, ast.Negate):
        return "-" + _text(expr.operand, 10)
    if isinstance(expr, ast.Arithmetic):
        # Left-associative: the right operand of `-` and `/` needs parentheses at equal level.
        return f"{_text(expr.left, level)} {expr.op} {_text(expr.right, level + 1)}"
    if isinstance(expr, ast.Compare):
        word = _COMPARE_WORDS.get(expr.op, expr.op)
        return f"{_text(expr.left, level + 1)} {word} {_text(expr.right, level + 1)}"
    if isinstance(expr, ast.Chain):
        low, middle, high = (_text(x, level + 1) for x in (expr.low, expr.middle, expr.high))
        if expr.between:
            return f"{middle} between {low} and {high}"
        first, second = (_COMPARE_WORDS.get(op, op) for op in expr.ops)
        return f"{low} {first} {middle} {second} {high}"
    if isinstance(expr, ast.InSet):
        values = [name_text(v.name) for v in expr.values]
        subject = _text(expr.operand, level + 1)
        if expr.negated:
            if len(values) == 1:
                return f"{subject} is not {values[0]}"
            return f"{subject} is neither {' nor '.join(values)}"
        return f"{subject} is {' or '.join(values)}"
    if isinstance(expr, ast.IsKnown):
        return f"{_text(expr.operand, level + 1)} is {'unknown' if expr.negated else 'known'}"
    if isinstance(expr, ast.Not):
        return "not " + _text(expr.operand, level)
    if isinstance(expr, ast.And):
        return " and ".join(_text(e, level + 1) for e in expr.operands)
    if isinstance(expr, ast.Or):
        return " or ".join(_text(e, level + 1) for e in expr.operands)
    if isinstance(expr, ast.CountOf):
        return "count of (" + ", ".join(_text(e, 0) for e in expr.operands) + ")"
    if isinstance(expr, ast.PointsOf):
        parts = [f"{w.points_text} if {_text(w.condition, 0)}" for w in expr.weights]
        return "points of (" + ", ".join(parts) + ")"
    raise TypeError(f"cannot print {type(expr).__name__}")


# A number and its unit stay on one line ("3 months", never "3" / "months"), and an
# ellipsis stays with the word before it.
_QUANTITY_SPACE = re.compile(r"(?<=\d) (?=[^\W\d])| (?=…)")
_GLUE = "\u00a0"


def wrap(text: str, width: int = WRAP_WIDTH, indent: str = "") -> list[str]:
    """Lines of at most ``width`` characters (longer words stay whole, quantities stay
    together); newlines kept; continuation lines start with ``indent``."""
    lines: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        glued = _QUANTITY_SPACE.sub(_GLUE, paragraph.replace(_GLUE, " "))
        wrapped = textwrap.wrap(
            glued,
            width,
            break_long_words=False,
            break_on_hyphens=False,
            subsequent_indent=indent,
        )
        lines.extend(line.replace(_GLUE, " ") for line in wrapped or [""])
    return lines


ITEM_CHARS = 64
CONDITION_CHARS = 48


def shorten(text: str, width: int) -> str:
    """At most ``width`` characters, cut at a word with an ellipsis: flowchart boxes show
    the gist, the tooltip and the page the full text."""
    return textwrap.shorten(text, width, placeholder=" …") if len(text) > width else text


def item_text(kind: str, text: str, condition: str | None) -> str:
    """A recommendation as a flowchart shows it: ``✓ Acetaminophen … (if age ≥ 65)``."""
    line = f"{ITEM_MARKS.get(kind, '•')} {shorten(text, ITEM_CHARS)}"
    if condition is not None:
        line += f" (if {shorten(condition, CONDITION_CHARS)})"
    return line


def group_heading(policy: str, label: str) -> str:
    """A recommendation group's heading: ``Exactly one of: First-line or alternative``.

    >>> group_heading("at least one", "Analgesia")
    'At least one of: Analgesia'
    >>> group_heading("any", "Options")
    'Any of: Options'
    """
    return f"{policy[:1].upper()}{policy[1:]} of: {label}"


def html_text(text: str) -> str:
    """Text for a Graphviz HTML-like label (XML character data): every markup
    character becomes an entity, so no label can inject markup."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def dot_string(text: str) -> str:
    """Text for a quoted DOT attribute that Graphviz reads as an escString (tooltips):
    a backslash is literal, a newline a line break. The graphviz package adds the quotes
    and escapes ``"``."""
    return text.replace("\\", "\\\\").replace("\r", "").replace("\n", "\\n")

"""What hovering over a name shows: its declaration, in the author's own words.

>>> from carepath.lsp.symbols import index
>>> text = 'pathway p "P"\\ninput age: integer years 0..120 "Age at the visit"\\n'
>>> text += 'define old = age >= 65 years\\nstart e\\nend e "Done"\\n'
>>> print(hover_text(index(text, "p"), index(text, "p").at(3, 14)))
**input** `age`: a whole number in years, from 0 years to 120 years
<BLANKLINE>
```carepath
input age: integer years 0..120 "Age at the visit"
```
<BLANKLINE>
Age at the visit
"""

from __future__ import annotations

from carepath.dsl import ast
from carepath.dsl.spans import Span

from .symbols import Declared, Index, Kind, Occurrence


def hover_text(found: Index, occurrence: Occurrence) -> str | None:
    """Markdown for the name at ``occurrence``; None when it names nothing declared."""
    declared = found.declaration(occurrence.kind, occurrence.name, occurrence.owner)
    if declared is None:
        return None
    if declared.node is None:
        return f"**{declared.kind.value}** `{declared.name}` (its block has a syntax error)"
    source = _source(found.text, declared.node)
    node = declared.node
    if isinstance(node, ast.Input) and declared.kind is Kind.VALUE:
        values = ", ".join(node.type.values) if isinstance(node.type, ast.EnumSpec) else ""
        return f"**value** `{declared.name}` of input `{node.id}` (one of {values})"
    if isinstance(node, ast.Input) and node.setting:
        default = f"; default {node.default.text}" if node.default is not None else "; no default"
        title = f"**setting** `{node.id}` of the place of care: {_type_words(node)}{default}"
        return _join(title, source, node.description)
    if isinstance(node, ast.Input):
        return _join(f"**input** `{node.id}`: {_type_words(node)}", source, node.description)
    if isinstance(node, ast.Define):
        return _join(f"**derived value** `{node.id}`", source, node.description)
    if isinstance(node, ast.Reference):
        return _reference(node)
    if isinstance(node, ast.Node):
        return _node(node, source)
    return None


def _join(title: str, source: str, description: str | None) -> str:
    parts = [title, f"```carepath\n{source}\n```"]
    if description:
        parts.append(description)
    return "\n\n".join(parts)


def _type_words(decl: ast.Input) -> str:
    t = decl.type
    if isinstance(t, ast.BooleanSpec):
        words = "yes or no (true / false)"
    elif isinstance(t, ast.EnumSpec):
        words = "one of " + ", ".join(t.values)
    elif isinstance(t, ast.DurationSpec):
        words = "a duration (a number with a time unit)"
    elif isinstance(t, ast.NumberSpec):
        words = "a whole number" if t.integer else "a decimal number"
        if t.unit:
            words += f" in {t.unit}"
    else:
        words = "a value"
    if decl.range is not None:
        r = decl.range
        unit = t.unit if isinstance(t, ast.NumberSpec) and t.unit else None
        low = r.low_text if r.low_unit or not unit else f"{r.low_text} {unit}"
        high = r.high_text if r.high_unit or not unit else f"{r.high_text} {unit}"
        words += f", from {low} to {high}"
    return words


def _reference(ref: ast.Reference) -> str:
    title = f"**reference** `{ref.id}`: {ref.title}"
    facts = [
        f"{label}: {value}"
        for label, value in (
            ("year", ref.year),
            ("publisher", ref.publisher),
            ("grade", ref.grade),
            ("url", ref.url),
        )
        if value is not None
    ]
    return "\n\n".join([title, *(["\n".join(f"- {fact}" for fact in facts)] if facts else [])])


def _node(node: ast.Node, source: str) -> str:
    kind = type(node).__name__.lower()
    if isinstance(node, ast.Decision):
        kind = f"decision ({node.policy}: {_POLICY[node.policy]})"
    title = f"**{kind}** `{node.id}`: {node.label}" if node.label else f"**{kind}** `{node.id}`"
    parts = [title]
    if isinstance(node, ast.Action | ast.End) and node.items:
        parts.append("\n".join(f"- {item.kind} {item.text}" for item in node.items))
    parts.extend(node.notes)
    return "\n\n".join(parts)


_POLICY = {
    "unique": "exactly one branch holds for any patient",
    "first": "the first branch that holds is taken",
}


def _source(text: str, node: object) -> str:
    """The declaration as written: its first line (a define: up to its end)."""
    span: Span = node.span  # type: ignore[attr-defined]
    lines = text.split("\n")
    last = span.end_line if isinstance(node, ast.Define) else span.line
    return "\n".join(line.rstrip() for line in lines[span.line - 1 : last])


def declared_at(found: Index, line: int, column: int) -> Declared | None:
    occurrence = found.at(line, column)
    if occurrence is None:
        return None
    return found.declaration(occurrence.kind, occurrence.name, occurrence.owner)

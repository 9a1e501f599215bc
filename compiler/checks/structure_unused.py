"""CP207, CP208, CP209: every input, derived value and reference is used.

An input or ``define`` is used when a branch or a recommendation's ``when``
reads it, directly or through derived values that are themselves used; a
reference is used when a node or a recommendation cites it. A ``given`` in a
test case is not a use: the pathway never looks at the value.

>>> from carepath.compiler.pathway import load_text
>>> text = 'pathway p "P"\\ninput a: boolean\\nstart x\\nend x "X"\\n'
>>> [(d.code, d.message) for d in check_unused(load_text(text).pathway)]
[('CP207', 'input `a` is never used')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from carepath.dsl.diagnostics import Diagnostic, make

from .. import ir
from ..pathway import Pathway, node_conditions
from .structure_common import name_span, quoted


def _names(expr: ir.Expr) -> Iterator[ir.Ref]:
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, ir.Ref):
            yield e
        else:
            stack.extend(ir.children(e))


def _used(pathway: Pathway) -> tuple[set[str], set[str]]:
    inputs: set[str] = set()
    defines: set[str] = set()
    stack = list(node_conditions(pathway))
    while stack:
        for ref in _names(stack.pop()):
            if ref.is_input:
                inputs.add(ref.name)
            elif ref.name not in defines and ref.name in pathway.defines:
                defines.add(ref.name)
                stack.append(pathway.defines[ref.name].expr)
    return inputs, defines


def _readers(pathway: Pathway, name: str) -> list[str]:
    """The derived values whose expression names ``name`` directly."""
    return sorted(
        d.name for d in pathway.defines.values() if any(r.name == name for r in _names(d.expr))
    )


def _only_through(readers: list[str]) -> tuple[str, ...]:
    if not readers:
        return ()
    nothing = f"nothing uses `{readers[0]}`" if len(readers) == 1 else "nothing uses them"
    return (f"only {quoted(readers)} read{'s' if len(readers) == 1 else ''} it, and {nothing}",)


def _cited(pathway: Pathway) -> set[str]:
    cited: set[str] = set()
    for _node, data in pathway.graph.nodes(data=True):
        cited.update(data["citations"])
        items: Iterable[ir.ItemIR] = data.get("items", ())
        for item in items:
            cited.update(item.citations)
    return cited


def check_unused(pathway: Pathway) -> Iterator[Diagnostic]:
    used_inputs, used_defines = _used(pathway)
    for name, decl in pathway.inputs.items():
        if name not in used_inputs:
            yield make(
                "CP207",
                f"{'setting' if decl.setting else 'input'} `{name}` is never used",
                name_span(pathway, decl.span, name),
                notes=_only_through(_readers(pathway, name))
                or ("no branch and no recommendation reads it",),
            )
    for name, define in pathway.defines.items():
        if name not in used_defines:
            yield make(
                "CP208",
                f"derived value `{name}` is never used",
                name_span(pathway, define.span, name),
                notes=_only_through(_readers(pathway, name))
                or ("no branch and no recommendation reads it",),
            )
    cited = _cited(pathway)
    for ref_id, reference in pathway.references.items():
        if ref_id not in cited:
            yield make(
                "CP209",
                f"reference `{ref_id}` is never cited",
                name_span(pathway, reference.span, ref_id),
                notes=("cite it where the pathway relies on it, or remove it",),
            )

"""The pathway for the JavaScript evaluator: its graph as data, and a Node/browser module.

The walk-through on the HTML page and the differential tests run
``static/evaluator.js`` (the same semantics as
:mod:`carepath.compiler.evaluate`) on the data made here. Every number is an
exact fraction in SI base units, written as a pair of decimal integer strings
(JavaScript turns them into BigInt rationals): no float ever appears. Each guard
carries the inputs it reads (through derived values, in declaration order), so
"which inputs are still needed" is computed exactly as Python computes it.

>>> from carepath.compiler.pathway import load_text
>>> p = load_text('pathway p "P"\\ninput t: duration\\nstart d\\n'
...               'decision d "D?"\\n  when t < 6 weeks -> a\\n  otherwise -> b\\n'
...               'end a\\nend b\\n').pathway
>>> pathway_data(p)["nodes"]["d"]["branches"][0]["guard"]
['cmp', '<', ['in', 't'], ['num', '3628800', '1']]
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway
from carepath.dsl.spans import Span

from .dot import _written_guards
from .labels import condition_text

STATIC = Path(__file__).with_name("static")

Json = Any


def expr_data(expr: ir.Expr) -> Json:
    """A typed expression as nested arrays (see the header of ``static/evaluator.js``)."""
    if isinstance(expr, ir.Const):
        value = expr.value
        if isinstance(value, bool):
            return ["bool", value]
        if isinstance(value, str):
            return ["enum", value]
        return ["num", *_fraction(value)]
    if isinstance(expr, ir.Ref):
        return ["in" if expr.is_input else "def", expr.name]
    if isinstance(expr, ir.Compare):
        return ["cmp", expr.op, expr_data(expr.left), expr_data(expr.right)]
    if isinstance(expr, ir.InSet):
        return ["inset", expr_data(expr.operand), sorted(expr.values)]
    if isinstance(expr, ir.IsKnown):
        return ["known", expr_data(expr.operand)]
    if isinstance(expr, ir.Not):
        return ["not", expr_data(expr.operand)]
    if isinstance(expr, ir.And):
        return ["and", [expr_data(e) for e in expr.operands]]
    if isinstance(expr, ir.Or):
        return ["or", [expr_data(e) for e in expr.operands]]
    if isinstance(expr, ir.Arith):
        return ["arith", expr.op, expr_data(expr.left), expr_data(expr.right)]
    if isinstance(expr, ir.Negate):
        return ["neg", expr_data(expr.operand)]
    if isinstance(expr, ir.Count):
        return ["count", [expr_data(e) for e in expr.operands]]
    if isinstance(expr, ir.Points):
        return ["points", [[*_fraction(p), expr_data(e)] for p, e in expr.weights]]
    raise TypeError(f"cannot generate {type(expr).__name__}")


def _fraction(value: Fraction | int) -> list[str]:
    value = Fraction(value)
    return [str(value.numerator), str(value.denominator)]


def _reads(pathway: Pathway, expr: ir.Expr) -> list[str]:
    wanted = ir.inputs_of(expr, pathway.defines)
    return [name for name in pathway.inputs if name in wanted]


def input_data(decl: ir.InputDecl) -> Json:
    t = decl.type
    data: dict[str, Json] = {"description": decl.description}
    if decl.setting:
        # A fact about the place of care: asked once, at its default, never unknown.
        data.update(setting=True, default=decl.default_text)
    if isinstance(t, ir.BooleanType):
        data["kind"] = "boolean"
    elif isinstance(t, ir.EnumType):
        data.update(kind="enum", values=list(t.values))
    else:
        data.update(
            kind="number",
            integer=t.integer,
            duration=t.duration,
            unit=None
            if t.unit is None
            else {"text": t.unit.text, "factor": _fraction(t.unit.factor)},
            low=None if decl.low is None else _fraction(decl.low),
            high=None if decl.high is None else _fraction(decl.high),
        )
    return data


def pathway_data(pathway: Pathway) -> Json:
    """Everything the JavaScript evaluator needs, as JSON-ready data (deterministic).
    ``shown`` is each condition as a clinician reads it, for the walk-through."""
    written = _written_guards(pathway.syntax)

    def shown(span: Span, text: str | None) -> str | None:
        expr = written.get(span)
        return condition_text(expr) if expr is not None else text

    nodes: dict[str, Json] = {}
    for node, data in pathway.graph.nodes(data=True):
        entry: dict[str, Json] = {"kind": data["kind"], "label": data["label"]}
        if data["kind"] == "decision":
            entry["policy"] = data["policy"]
            entry["branches"] = [
                {
                    "index": b.index,
                    "target": b.target,
                    "guard": None if b.guard is None else expr_data(b.guard),
                    "reads": [] if b.guard is None else _reads(pathway, b.guard),
                    "text": b.guard_text,
                    "shown": "otherwise" if b.guard is None else shown(b.span, b.guard_text),
                }
                for b in data["branches"]
            ]
        else:
            entry["items"] = [
                {
                    "kind": item.kind,
                    "text": item.text,
                    "strength": item.strength,
                    "citations": list(item.citations),
                    "guard": None if item.guard is None else expr_data(item.guard),
                    "reads": [] if item.guard is None else _reads(pathway, item.guard),
                    "when": item.guard_text,
                    "shown": None if item.guard is None else shown(item.span, item.guard_text),
                }
                for item in data["items"]
            ]
        if data["kind"] == "action":
            entry["next"] = data["next"]
        nodes[node] = entry
    return {
        "id": pathway.id,
        "title": pathway.title,
        "start": pathway.start,
        "inputOrder": list(pathway.inputs),
        "inputs": {name: input_data(decl) for name, decl in pathway.inputs.items()},
        "defines": {name: expr_data(d.expr) for name, d in pathway.defines.items()},
        # For showing the derived values a path read: in declaration order, each with
        # its formula as written and how its value reads (unit, duration).
        "defineOrder": list(pathway.defines),
        "defineInfo": {name: _define_info(pathway, name) for name in pathway.defines},
        "nodes": nodes,
    }


def _define_info(pathway: Pathway, name: str) -> Json:
    from carepath.compiler.derived import formula

    t = pathway.defines[name].type
    unit = t.unit if isinstance(t, ir.NumberType) else None
    return {
        "formula": formula(pathway, name),
        "duration": isinstance(t, ir.NumberType) and t.duration,
        "unit": None if unit is None else {"text": unit.text, "factor": _fraction(unit.factor)},
    }


def runtime_js() -> str:
    """The evaluator itself (a pure function of pathway data and patient)."""
    return (STATIC / "evaluator.js").read_text(encoding="utf-8")


def data_json(pathway: Pathway) -> str:
    """The pathway data as JSON text that is also safe inside an HTML ``<script>``:
    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so no label can close the tag."""
    text = json.dumps(pathway_data(pathway), ensure_ascii=False, sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def node_module(pathway: Pathway) -> str:
    """A CommonJS module for Node: ``require(m).evaluate(patient)`` runs this pathway."""
    return (
        runtime_js()
        + "\nconst PATHWAY = "
        + data_json(pathway)
        + ";\nmodule.exports.PATHWAY = PATHWAY;\n"
        + "module.exports.run = (patient) => module.exports.evaluate(PATHWAY, patient);\n"
    )


def patient_data(patient: dict[str, ir.Value]) -> dict[str, Json]:
    """A patient (Python values) as the JavaScript evaluator reads it."""
    out: dict[str, Json] = {}
    for name, value in patient.items():
        if isinstance(value, bool | str):
            out[name] = value
        else:
            fraction = Fraction(value)
            out[name] = f"{fraction.numerator}/{fraction.denominator}"
    return out

"""Self-contained HTML pages: an index of pathways and one page per pathway.

Each page holds the pathway's metadata, its flowchart as inline SVG (nodes link
to their sections), one section per node with its recommendations and
citations, the reference list, the inputs as a data dictionary, the checker's
report, the test cases, and an interactive walk-through that runs the
JavaScript evaluator (:mod:`carepath.render.codegen_js`). CSS and JavaScript
are inlined: a page makes no network request and works from ``file://``.

Templates are files in ``templates/`` rendered by Jinja2 with autoescaping on;
the only markup passed in unescaped is Graphviz's SVG (whose labels are
entity-escaped by :mod:`carepath.render.dot`) and the pathway data JSON, which
:func:`~carepath.render.codegen_js.data_json` makes safe inside ``<script>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from carepath.compiler import ir
from carepath.compiler.check import check_file
from carepath.compiler.derived import formula
from carepath.compiler.evaluate import format_value
from carepath.compiler.pathway import Loaded, Pathway
from carepath.compiler.testing import run_cases
from carepath.compiler.units import format_number, parse_unit
from carepath.dsl import ast
from carepath.dsl.diagnostics import Diagnostic, Severity
from carepath.dsl.spans import Span, source_line
from carepath.render.highlight import css as highlight_css
from carepath.render.highlight import highlight_html

from . import codes as _codes  # noqa: F401 - registers CP5xx
from .codegen_js import data_json, runtime_js
from .dot import _written_guards, section_id, svg_for_page
from .labels import ITEM_MARKS, condition_text, group_heading, name_text

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

# Units the walk-through offers for durations, smallest first.
DURATION_UNITS = ("hours", "days", "weeks", "months", "years")

KIND_WORDS = {"recommend": "Recommend", "consider": "Consider", "avoid": "Avoid"}


@dataclass(frozen=True)
class Page:
    """One pathway file's entry in the site."""

    file: str
    slug: str  # page file name without .html
    loaded: Loaded

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.loaded.diagnostics

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)


@dataclass
class Site:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> HTML
    pages: list[Page] = field(default_factory=list)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        css=Markup(_static("style.css") + highlight_css()),
        ITEM_MARKS=ITEM_MARKS,
        KIND_WORDS=KIND_WORDS,
        name_text=name_text,
        section_id=section_id,
    )
    return env


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _script(text: str) -> Markup:
    """JavaScript for an inline ``<script>``: a ``</script`` inside it would end the tag."""
    return Markup(re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE))


def _slug(loaded: Loaded, used: set[str]) -> str:
    base = loaded.pathway.id if loaded.pathway is not None else Path(loaded.file).stem
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "pathway"
    if base == "index":
        base = "index-pathway"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


def build_site(
    files: Sequence[str],
    *,
    svg: Callable[[Pathway, Sequence[Diagnostic]], str] = svg_for_page,
) -> Site:
    """Check every file and render the index and the pages (nothing is written here)."""
    env = environment()
    site = Site()
    used: set[str] = set()
    for file in files:
        loaded = check_file(file)
        page = Page(file, _slug(loaded, used), loaded)
        site.pages.append(page)
        if loaded.pathway is not None:
            site.files[f"{page.slug}.html"] = render_page(env, page, svg)
    site.files["index.html"] = env.get_template("index.html").render(
        pages=[_index_row(p) for p in site.pages]
    )
    return site


def _index_row(page: Page) -> dict[str, Any]:
    pathway = page.loaded.pathway
    meta = pathway.metadata if pathway is not None else None
    return {
        "href": f"{page.slug}.html" if pathway is not None else None,
        "title": pathway.title if pathway is not None else Path(page.file).name,
        "file": page.file,
        "version": (meta.version if meta else None) or "—",
        "status": (meta.status if meta else None) or "—",
        "reviewed": (meta.reviewed if meta else None) or "not recorded",
        "errors": page.count(Severity.ERROR),
        "warnings": page.count(Severity.WARNING),
        "infos": page.count(Severity.INFO),
    }


def render_page(
    env: jinja2.Environment,
    page: Page,
    svg: Callable[[Pathway, Sequence[Diagnostic]], str] = svg_for_page,
) -> str:
    pathway = page.loaded.pathway
    assert pathway is not None
    errors = page.count(Severity.ERROR)
    references = list(pathway.references.values())
    guards = _written_guards(pathway.syntax)
    numbers = {ref.id: i + 1 for i, ref in enumerate(references)}
    context = {
        "pathway": pathway,
        "meta": pathway.metadata,
        "file": page.file,
        "errors": errors,
        "warnings": page.count(Severity.WARNING),
        "svg": Markup(svg(pathway, page.diagnostics)),
        "sections": [
            _section(pathway, node, data, numbers, guards) for node, data in _ordered(pathway)
        ],
        "references": [_reference(ref, numbers[ref.id]) for ref in references],
        "inputs": [_input(decl) for decl in pathway.inputs.values() if not decl.setting],
        "settings": [_input(decl) for decl in pathway.inputs.values() if decl.setting],
        "defines": [
            {
                "name": d.name,
                "type": str(d.type),
                "formula": formula(pathway, d.name),
                "description": d.description or "",
            }
            for d in pathway.defines.values()
        ],
        "diagnostics": [_diagnostic(d, page.loaded.source) for d in page.diagnostics],
        "cases": _cases(pathway),
        "source_html": Markup(highlight_html(page.loaded.source)),
        "walkthrough": errors == 0 and pathway.start is not None,
        "data_json": Markup(data_json(pathway)) if errors == 0 else Markup("{}"),
        "duration_units": [
            {"name": name, "factor": _pair(parse_unit(name).factor)} for name in DURATION_UNITS
        ],
        "evaluator_js": _script(runtime_js()),
        "walkthrough_js": _script(_static("walkthrough.js")),
    }
    return env.get_template("pathway.html").render(**context)


def _pair(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _ordered(pathway: Pathway) -> list[tuple[str, dict[str, Any]]]:
    """Nodes in reading order: breadth-first from the start, then any left over."""
    graph = pathway.graph
    order: list[str] = []
    queue = [pathway.start] if pathway.start in graph else []
    while queue:
        node = queue.pop(0)
        if node is None or node in order:
            continue
        order.append(node)
        queue.extend(graph.successors(node))
    order.extend(n for n in graph.nodes if n not in order)
    return [(n, graph.nodes[n]) for n in order]


def _section(
    pathway: Pathway,
    node: str,
    data: dict[str, Any],
    numbers: dict[str, int],
    guards: dict[Span, ast.Expr],
) -> dict[str, Any]:
    graph = pathway.graph

    def cites(ids: Sequence[str]) -> list[dict[str, Any]]:
        return [{"id": c, "number": numbers.get(c)} for c in ids]

    def target(node_id: str) -> dict[str, str]:
        label = graph.nodes[node_id]["label"] if node_id in graph else node_id
        return {"id": node_id, "href": f"#{section_id(node_id)}", "label": label or node_id}

    section: dict[str, Any] = {
        "id": node,
        "anchor": section_id(node),
        "kind": data["kind"],
        "label": data["label"] or name_text(node),
        "notes": list(data["notes"]),
        "citations": cites(data["citations"]),
        "recs": [],
        "branches": [],
        "next": None,
        "is_start": node == pathway.start,
    }
    if data["kind"] == "decision":
        section["policy"] = data["policy"]
        for branch in data["branches"]:
            written = guards.get(branch.span)
            text = (
                "otherwise"
                if branch.is_otherwise
                else (condition_text(written) if written is not None else branch.guard_text)
            )
            section["branches"].append(
                {"condition": text, "written": branch.guard_text, "target": target(branch.target)}
            )
    else:
        group: ir.GroupIR | None = None
        for item in data["items"]:
            heading = None
            if item.group is not None and item.group != group:
                heading = group_heading(item.group.policy, item.group.label)
            group = item.group
            written = guards.get(item.span)
            when = None
            if item.guard is not None:
                when = condition_text(written) if written is not None else item.guard_text
            section["recs"].append(
                {
                    "kind": item.kind,
                    "text": item.text,
                    "strength": item.strength,
                    "when": when,
                    "citations": cites(item.citations),
                    "group": heading,
                    "in_group": group is not None,
                }
            )
        if data["kind"] == "action" and data["next"]:
            section["next"] = target(data["next"])
    return section


def _reference(ref: ir.ReferenceDecl, number: int) -> dict[str, Any]:
    url = ref.url if ref.url and re.match(r"https?://", ref.url) else None
    return {
        "id": ref.id,
        "number": number,
        "title": ref.title,
        "year": ref.year,
        "publisher": ref.publisher,
        "grade": ref.grade,
        "url": url,
        "raw_url": ref.url if url is None else None,
    }


def _input(decl: ir.InputDecl) -> dict[str, Any]:
    t = decl.type
    unit = ""
    kind = str(t)
    if isinstance(t, ir.NumberType):
        kind = "duration" if t.duration else ("integer" if t.integer else "decimal")
        unit = t.unit.text if t.unit else ("any time unit" if t.duration else "")
    elif isinstance(t, ir.EnumType):
        kind = "one of: " + ", ".join(t.values)
    value_range = ""
    if decl.low is not None and decl.high is not None:
        if isinstance(t, ir.NumberType) and t.unit is not None:
            low, high = decl.low / t.unit.factor, decl.high / t.unit.factor
            value_range = f"{format_number(low)} to {format_number(high)} {t.unit.text}"
        else:
            value_range = f"{format_value(decl, decl.low)} to {format_value(decl, decl.high)}"
    return {
        "name": decl.name,
        "type": kind,
        "unit": unit,
        "range": value_range,
        "description": decl.description or "",
        "default": decl.default_text or "",
    }


def _diagnostic(d: Diagnostic, source: str) -> dict[str, Any]:
    line = (source_line(source, d.span.line) or "").strip()
    return {
        "severity": str(d.severity),
        "code": d.code,
        "title": d.title,
        "where": f"line {d.span.line}, column {d.span.column}",
        "line": d.span.line,
        "message": d.message,
        "source": line,
        "notes": list(d.notes),
        "witness": [f"{k} = {v}" for k, v in d.witness.patient] if d.witness else [],
        "derived": [f"{k} = {v}" for k, v in d.witness.derived] if d.witness else [],
    }


def _cases(pathway: Pathway) -> dict[str, Any]:
    """The test cases, run by :func:`carepath.compiler.testing.run_cases`, with coverage."""
    report = run_cases(pathway)
    rows = [
        {
            "name": case.name,
            "line": case.span.line,
            "given": [f"{k} = {v}" for k, v in case.written.items()],
            "expect": [f"{e.kind} {', '.join(e.values)}" for e in case.expectations],
            "passed": result.passed,
            "problems": [
                f"line {m.line}: expected {m.kind} {m.expected}, got {m.actual}"
                for m in result.mismatches
            ],
        }
        for case, result in zip(pathway.cases, report.cases, strict=True)
    ]
    coverage = report.coverage
    return {
        "rows": rows,
        "passed": sum(1 for r in rows if r["passed"]),
        "nodes": f"{coverage.nodes_hit}/{len(coverage.nodes)} ({coverage.node_percent:g}%)",
        "branches": (
            f"{coverage.branches_hit}/{len(coverage.branches)} ({coverage.branch_percent:g}%)"
        ),
        "missing": [f"line {t.line}: {t.description}" for t in coverage.missing],
    }

"""Diagnostics as a SARIF 2.1.0 log, the format code-scanning services read.

One run; ``tool.driver.rules`` holds every code that appears, documented with
its explanation and its bad and fixed examples; each result points at its rule
by id and index. Files are addressed relative to a root directory (the current
one by default) through the ``%SRCROOT%`` base id, so the log does not depend
on where the checkout lies; a file outside the root gets an absolute
``file:`` URI instead. Columns count Unicode code points, as carepath's spans do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from carepath.dsl.diagnostics import Code, Diagnostic, Severity, lookup
from carepath.dsl.spans import Span

from .report_json import witness_record

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _project_url(*labels: str) -> str | None:
    """The first of the package metadata's project URLs with one of ``labels``, if it
    declares one: the log must not point at an address nobody publishes."""
    from importlib import metadata

    try:
        urls = metadata.metadata("carepath").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in labels:
            return str(url).strip()
    return None


def rule_name(title: str) -> str:
    """``"unreachable node"`` -> ``"UnreachableNode"``: SARIF's rule names are identifiers."""
    return "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", title))


def _rule(code: Code, docs_url: str | None = None) -> dict[str, Any]:
    markdown = (
        f"{code.explanation}\n\n**Bad**\n\n```\n{code.bad}\n```\n\n"
        f"**Fixed**\n\n```\n{code.fixed}\n```\n"
    )
    text = f"{code.explanation}\n\nBad:\n{code.bad}\n\nFixed:\n{code.fixed}\n"
    rule: dict[str, Any] = {
        "id": code.code,
        "name": rule_name(code.title),
        "shortDescription": {"text": code.title},
        "fullDescription": {"text": code.explanation},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[code.severity]},
        "properties": {"tags": [code.category]},
    }
    if docs_url:
        # docs/diagnostics.md has one section per code, anchored by its lower-case id.
        rule["helpUri"] = f"{docs_url.split('#', 1)[0]}#{code.code.lower()}"
    return rule


def _registered(code: str) -> Code:
    try:
        return lookup(code)
    except KeyError:
        # Every code is registered; this keeps one stray code from losing the whole log.
        return Code(code, Severity.ERROR, code, "", "", "", "unregistered")


def artifact_location(file: str, root: Path) -> dict[str, str]:
    """``{"uri": "pathways/p.cpath", "uriBaseId": "%SRCROOT%"}`` for a file under
    ``root``; an absolute ``file:`` URI for a file outside it."""
    path = Path(os.path.abspath(file))
    try:
        relative = path.relative_to(os.path.abspath(root))
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _physical(span: Span, root: Path) -> dict[str, Any]:
    return {
        "artifactLocation": artifact_location(span.file, root),
        "region": {
            "startLine": max(1, span.line),
            "startColumn": max(1, span.column),
            "endLine": max(1, span.end_line, span.line),
            "endColumn": max(1, span.end_column),
        },
    }


def message_text(d: Diagnostic) -> str:
    """The message with its notes and witness, for readers that show only the text."""
    lines = [d.message, *(f"note: {note}" for note in d.notes)]
    if d.witness is not None:
        patient = ", ".join(f"{k} = {v}" for k, v in d.witness.patient) or "(any patient)"
        lines.append(f"witness: {patient}")
        if d.witness.path:
            lines.append(f"path: {' -> '.join(d.witness.path)}")
        if d.witness.derived:
            lines.append("derived: " + ", ".join(f"{k} = {v}" for k, v in d.witness.derived))
        if d.witness.description:
            lines.append(d.witness.description)
    return "\n".join(lines)


def fingerprints(found: list[Diagnostic], root: Path) -> list[str]:
    """Per result, a hash of what it says and in which file (not the line, so that a
    finding keeps its identity when lines move), numbered when the same text repeats;
    code-scanning services match findings from run to run with it."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for d in found:
        text = "\0".join((d.code, artifact_location(d.span.file, root)["uri"], d.message))
        seen[text] = seen.get(text, 0) + 1
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        out.append(f"{digest}:{seen[text]}")
    return out


def _result(
    d: Diagnostic, rule_index: int, root: Path, fingerprint: str, suppressed: bool = False
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVELS[d.severity],
        "message": {"text": message_text(d)},
        "locations": [{"physicalLocation": _physical(d.span, root)}],
        "partialFingerprints": {"carepath/v1": fingerprint},
    }
    if suppressed:
        # Silenced by a `# carepath: ignore[...]` comment: kept, so that a reviewer
        # (and code scanning) sees what was silenced, and marked so.
        result["suppressions"] = [
            {"kind": "inSource", "justification": "a `# carepath: ignore` comment"}
        ]
    if d.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(span, root), "message": {"text": text}}
            for i, (span, text) in enumerate(d.related)
        ]
    properties: dict[str, Any] = {"title": _registered(d.code).title}
    if d.notes:
        properties["notes"] = list(d.notes)
    if d.witness is not None:
        properties["witness"] = witness_record(d.witness)
    result["properties"] = properties
    return result


def sarif_log(
    diagnostics: Iterable[Diagnostic],
    *,
    root: str | os.PathLike[str] | None = None,
    suppressed: Iterable[Diagnostic] = (),
    docs_url: str | None = None,
) -> dict[str, Any]:
    """The log of ``diagnostics``, and of ``suppressed`` findings marked as such.
    ``docs_url``: where docs/diagnostics.md is published, for each rule's helpUri
    (default: the package's Documentation URL, when it declares one)."""
    from carepath import __version__

    base = Path(root if root is not None else os.getcwd())
    active = list(diagnostics)
    found = active + list(suppressed)
    codes = sorted({d.code for d in found})
    index = {code: i for i, code in enumerate(codes)}
    driver: dict[str, Any] = {"name": "carepath", "version": __version__}
    uri = _project_url("homepage", "documentation", "repository", "source")
    if uri is not None:
        driver["informationUri"] = uri
    docs = docs_url or _project_url("diagnostics")
    driver["rules"] = [_rule(_registered(code), docs) for code in codes]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {
                    SRCROOT: {"uri": Path(os.path.abspath(base)).as_uri().rstrip("/") + "/"}
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    _result(d, index[d.code], base, fingerprint, suppressed=n >= len(active))
                    for n, (d, fingerprint) in enumerate(
                        zip(found, fingerprints(found, base), strict=True)
                    )
                ],
            }
        ],
    }


def format_sarif(
    diagnostics: Iterable[Diagnostic],
    *,
    root: str | os.PathLike[str] | None = None,
    suppressed: Iterable[Diagnostic] = (),
    docs_url: str | None = None,
) -> str:
    log = sarif_log(diagnostics, root=root, suppressed=suppressed, docs_url=docs_url)
    return json.dumps(log, indent=2, ensure_ascii=False)

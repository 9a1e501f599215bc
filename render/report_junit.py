"""Diagnostics as JUnit XML, the test report format CI services show as a table.

One ``testsuite`` per checked file. A clean file is one passing ``testcase``
named ``check``; otherwise every finding is a ``testcase`` of its own: a
``failure`` when it is at or above ``--fail-on`` (it fails the build), an
``error`` when the file could not be read, and a passing case with the finding
in ``system-out`` when it is below ``--fail-on`` (shown, not failing). The text
of each finding is the one ``--format text`` prints, with the source line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import PurePath

from carepath.dsl.diagnostics import Diagnostic, Severity

from .report_text import format_diagnostic

# Codes that mean "could not check this file" rather than "found a problem in it".
IO_CODES = frozenset({"CP006", "CP007", "CP008"})
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def classname(file: str) -> str:
    """``pathways/vcf.cpath`` -> ``pathways.vcf``, which CI tools show as package and class."""
    parts = [p for p in PurePath(file).with_suffix("").parts if p not in ("/", ".", "..")]
    return ".".join(parts) or file


def _testcase(suite: ET.Element, name: str, file: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", name=_clean(name), classname=_clean(classname(file)), file=_clean(file)
    )


def junit_tree(
    diagnostics: Iterable[Diagnostic],
    files: Iterable[str],
    sources: dict[str, str],
    fail_on: Severity = Severity.ERROR,
) -> ET.Element:
    by_file: dict[str, list[Diagnostic]] = {file: [] for file in files}
    for d in diagnostics:
        by_file.setdefault(d.span.file, []).append(d)
    root = ET.Element("testsuites", name="carepath check")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, found in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(file))
        counts = {"tests": max(1, len(found)), "failures": 0, "errors": 0}
        if not found:
            _testcase(suite, "check", file)
        named: dict[str, int] = {}
        for d in found:
            name = f"{d.code} {d.title} ({d.span.line}:{d.span.column})"
            # Several findings at one place (every gap region of a decision): numbered,
            # so that CI reports keep them apart.
            named[name] = named.get(name, 0) + 1
            if named[name] > 1:
                name = f"{name} #{named[name]}"
            case = _testcase(suite, name, file)
            text = _clean(format_diagnostic(d, sources.get(file)))
            message = _clean(f"{d.severity}[{d.code}]: {d.message}")
            if d.code in IO_CODES:
                kind = "error"
            elif d.severity >= fail_on:
                kind = "failure"
            else:
                ET.SubElement(case, "system-out").text = text
                continue
            counts[f"{kind}s"] += 1
            element = ET.SubElement(case, kind, message=message, type=d.code)
            element.text = text
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def format_junit(
    diagnostics: Iterable[Diagnostic],
    files: Iterable[str],
    sources: dict[str, str],
    fail_on: Severity = Severity.ERROR,
) -> str:
    root = junit_tree(diagnostics, files, sources, fail_on)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")

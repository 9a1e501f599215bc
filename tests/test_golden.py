"""Golden pathway files: the expected diagnostics are written inline.

Every ``tests/golden/**/*.cpath`` is one test. A comment ``# expect: CP101`` (or
``# expect: CP301 CP302``) on a line says which codes ``check_text`` must report
on that line; ``# expect: CP302 witness: pain = severe, age = 70 years`` also pins
the witness patient (its pairs rendered ``name = value``, joined by ``, ``) of
every code named before ``witness:``. When one line holds several findings of one
code (every gap region of a decision is its own CP304 at the decision),
``# expect: CP304 witness: age = 17 years | age = 65 years`` lists their witnesses,
one per finding: the findings there must have exactly these, in any order.
A file without ``# expect:`` must be clean.
The set of (line, code) must match exactly: a missing and an unexpected
diagnostic both fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from carepath.compiler.check import check_text
from carepath.dsl import codes as _dsl_codes  # noqa: F401 - registers CP0xx
from carepath.dsl.diagnostics import Diagnostic, Severity, Witness, make
from carepath.dsl.spans import Span

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(GOLDEN.rglob("*.cpath"))

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>(?:CP\d{3}\s*)+)(?:witness:\s*(?P<witness>.*))?$")


@dataclass(frozen=True)
class Expected:
    line: int
    code: str
    witness: str | None


def expectations(text: str) -> list[Expected]:
    found: list[Expected] = []
    for number, line in enumerate(text.split("\n"), start=1):
        start = line.find("# expect:")
        if start < 0:
            continue
        match = _EXPECT.search(line[start:].rstrip())
        if match is None:
            raise ValueError(f"line {number}: malformed expectation {line[start:]!r}")
        witness = match.group("witness")
        for code in match.group("codes").split():
            found.append(Expected(number, code, witness.strip() if witness else None))
    return found


def witness_text(diagnostic: Diagnostic) -> str | None:
    if diagnostic.witness is None:
        return None
    return ", ".join(f"{name} = {value}" for name, value in diagnostic.witness.patient)


def describe(diagnostic: Diagnostic) -> str:
    text = f"  line {diagnostic.span.line}: {diagnostic.code} {diagnostic.message}"
    witness = witness_text(diagnostic)
    return text + (f"  [witness: {witness}]" if witness is not None else "")


def test_golden_files_exist() -> None:
    assert len(FILES) >= 20, f"expected golden files under {GOLDEN}"


def test_expectation_parser() -> None:
    text = "a\nb  # expect: CP101 CP102\nc # expect: CP302 witness: pain = severe, age = 70 years\n"
    assert expectations(text) == [
        Expected(2, "CP101", None),
        Expected(2, "CP102", None),
        Expected(3, "CP302", "pain = severe, age = 70 years"),
    ]
    with pytest.raises(ValueError, match="malformed"):
        expectations("x # expect: oops\n")


def mismatches(text: str, diagnostics: Sequence[Diagnostic]) -> list[str]:
    """Every way ``diagnostics`` differ from the file's ``# expect:`` comments."""
    expected = expectations(text)
    want = {(e.line, e.code) for e in expected}
    got = {(d.span.line, d.code) for d in diagnostics}
    problems: list[str] = []
    missing = sorted(want - got)
    unexpected = sorted(got - want)
    if missing:
        problems.append("missing: " + ", ".join(f"line {line} {code}" for line, code in missing))
    if unexpected:
        problems.append("unexpected:")
        problems.extend(describe(d) for d in diagnostics if (d.span.line, d.code) in unexpected)
    for e in expected:
        if e.witness is None:
            continue
        shown = [witness_text(d) for d in diagnostics if (d.span.line, d.code) == (e.line, e.code)]
        alternatives = [w.strip() for w in e.witness.split(" | ")]
        if len(alternatives) > 1:
            if shown and sorted(map(str, shown)) != sorted(alternatives):
                problems.append(
                    f"line {e.line} {e.code}: expected witnesses {sorted(alternatives)!r}, got "
                    + repr(sorted(map(str, shown)))
                )
            continue
        if shown and any(w != e.witness for w in shown):
            problems.append(
                f"line {e.line} {e.code}: expected witness {e.witness!r}, got "
                + " / ".join(repr(w) for w in shown)
            )
    lines = text.count("\n") + 1
    for d in diagnostics:
        # Every diagnostic must point into the file, with a message a reader can use.
        if not (1 <= d.span.line <= lines and d.span.column >= 1 and d.message.strip()):
            problems.append(f"bad position or empty message: {describe(d)} at {d.span}")
    return problems


def test_mismatches_are_reported() -> None:
    text = "a  # expect: CP101\nb\nc  # expect: CP302 witness: pain = severe\n"
    wrong = [
        make("CP102", "unknown name `x`", Span.point("f", 2)),
        Diagnostic(
            "CP302",
            Severity.ERROR,
            "overlap",
            Span.point("f", 3),
            witness=Witness((("pain", "mild"),)),
        ),
    ]
    problems = "\n".join(mismatches(text, wrong))
    assert "missing: line 1 CP101" in problems
    assert "line 2: CP102 unknown name `x`" in problems
    assert "expected witness 'pain = severe', got 'pain = mild'" in problems
    right = [
        make("CP101", "unknown node `x`", Span.point("f", 1)),
        Diagnostic(
            "CP302",
            Severity.ERROR,
            "overlap",
            Span.point("f", 3),
            witness=Witness((("pain", "severe"),)),
        ),
    ]
    assert mismatches(text, right) == []


def test_several_witnesses_on_one_line() -> None:
    text = "d  # expect: CP304 witness: age = 17 years | age = 65 years\n"

    def gap(age: str) -> Diagnostic:
        return Diagnostic(
            "CP304", Severity.ERROR, "gap", Span.point("f", 1), witness=Witness((("age", age),))
        )

    assert mismatches(text, [gap("65 years"), gap("17 years")]) == []
    assert "expected witnesses" in "\n".join(mismatches(text, [gap("17 years")]))
    assert "expected witnesses" in "\n".join(
        mismatches(text, [gap("17 years"), gap("65 years"), gap("90 years")])
    )


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(GOLDEN)) for p in FILES])
def test_golden(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    name = str(path.relative_to(GOLDEN))
    loaded = check_text(text, name)
    problems = mismatches(text, loaded.diagnostics)
    if problems:
        problems.append("all diagnostics:")
        problems.extend(describe(d) for d in loaded.diagnostics)
        pytest.fail(f"{name}:\n" + "\n".join(problems), pytrace=False)

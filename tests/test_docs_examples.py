"""Every example in docs/language.md is valid.

- A fenced block marked ```cpath that starts with ``pathway`` is a complete file:
  it must load and pass every check without an error or warning, and each of
  its ``case`` blocks must hold under the reference interpreter.
- A block marked ```cpath error=CPxxx shows a mistake: loading it must report
  that code.
- The ```json patient example must be a valid patient record for the seed
  pathway, read by the real patient reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from carepath.compiler.check import check_text
from carepath.compiler.evaluate import COMPLETE, INCOMPLETE, evaluate
from carepath.compiler.pathway import load
from carepath.compiler.patient import parse_patient
from carepath.dsl.diagnostics import Severity

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"

_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    info: str
    body: str
    line: int  # line of the opening fence in docs/language.md

    @property
    def id(self) -> str:
        first = self.body.split("\n", 1)[0]
        return f"line{self.line}:{first[:40]}"


def blocks(language: str) -> list[Block]:
    text = DOC.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        info = match.group("info").strip()
        if info.split(" ", 1)[0] == language:
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(info, match.group("body"), line))
    return found


COMPLETE_EXAMPLES = [
    b for b in blocks("cpath") if b.info == "cpath" and b.body.lstrip().startswith("pathway")
]
ERROR_EXAMPLES = [b for b in blocks("cpath") if b.info.startswith("cpath error=")]


def test_the_doc_has_examples() -> None:
    assert len(COMPLETE_EXAMPLES) >= 10
    assert ERROR_EXAMPLES


@pytest.mark.parametrize("block", COMPLETE_EXAMPLES, ids=lambda b: b.id)
def test_complete_example_is_clean(block: Block) -> None:
    loaded = check_text(block.body, f"docs/language.md:{block.line}")
    problems = [d for d in loaded.diagnostics if d.severity >= Severity.WARNING]
    shown = "\n".join(f"line {d.span.line}: {d.code} {d.message}" for d in problems)
    assert not problems, shown
    assert loaded.pathway is not None


@pytest.mark.parametrize("block", COMPLETE_EXAMPLES, ids=lambda b: b.id)
def test_example_cases_hold(block: Block) -> None:
    loaded = check_text(block.body)
    pathway = loaded.pathway
    assert pathway is not None
    for case in pathway.cases:
        result = evaluate(pathway, case.patient, case.written)
        given = {r.text for r in result.recommendations}
        needs: set[str] = set()
        for expectation in case.expectations:
            values = expectation.values
            if expectation.kind == "end":
                assert (result.status, result.outcome) == (COMPLETE, values[0]), case.name
            elif expectation.kind == "recommends":
                assert values[0] in given, case.name
            elif expectation.kind == "needs":
                assert result.status == INCOMPLETE, case.name
                needs |= set(values)
            elif expectation.kind == "path":
                assert result.path == values, case.name
        if needs:
            assert needs == set(result.needs), case.name


@pytest.mark.parametrize("block", ERROR_EXAMPLES, ids=lambda b: b.id)
def test_error_example_reports_its_code(block: Block) -> None:
    code = block.info.split("error=", 1)[1].strip()
    loaded = check_text(block.body)
    assert code in {d.code for d in loaded.diagnostics}


def test_json_patient_example_is_a_valid_seed_patient() -> None:
    (example,) = blocks("json")
    loaded = load(SEED)
    assert loaded.pathway is not None
    record, problems = parse_patient(example.body, "language.md.json", loaded.pathway)
    assert not problems, [f"{d.code} {d.message}" for d in problems]
    assert record is not None
    assert record.values["pain"] == "severe"
    assert "spinal_instability" not in record.values  # null is unknown

"""The README's example pathway is valid and clean, and its quick start is the real one."""

from __future__ import annotations

import re
from pathlib import Path

from carepath.compiler.check import check_text
from carepath.compiler.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_pathway_is_clean_and_its_case_holds() -> None:
    block = re.search(r"```cpath\n(.*?)```", README, re.S)
    assert block is not None
    loaded = check_text(block.group(1), "README.md")
    assert loaded.diagnostics == ()
    assert loaded.pathway is not None
    for case in loaded.pathway.cases:
        result = evaluate(loaded.pathway, case.patient)
        for expectation in case.expectations:
            if expectation.kind == "end":
                assert result.outcome == expectation.values[0]


def test_quick_start_commands_exist_in_makefile_and_ci() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in README and "make test" in README
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

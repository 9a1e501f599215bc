"""docs/ci.md's recipes work as written: every `carepath` command in them runs on a
copy of this repository's pathways, and the reports they write are valid."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_reports import validate_sarif

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "docs" / "ci.md"
_FENCE = re.compile(r"^```yaml (?P<name>[\w-]+)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _recipe(name: str) -> Any:
    for match in _FENCE.finditer(RECIPES.read_text(encoding="utf-8")):
        if match.group("name") == name:
            return yaml.safe_load(match.group("body"))
    raise AssertionError(f"no ```yaml {name} block in docs/ci.md")


def _run(line: str, folder: Path) -> int:
    """One shell line of a recipe (a `carepath …` command, maybe redirected)."""
    command, _, target = line.partition(" > ")
    argv = shlex.split(command)
    assert argv[0] == "carepath", line
    done = subprocess.run(
        [sys.executable, "-m", "carepath", *argv[1:]],
        cwd=folder,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if target:
        (folder / target.strip()).write_text(done.stdout, encoding="utf-8")
    return done.returncode


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "pathways", tmp_path / "pathways")
    return tmp_path


def _carepath_lines(lines: list[str]) -> list[str]:
    # Only the install line is left out: nothing is published to install from.
    return [line for line in lines if not line.startswith("pip install")]


def test_github_actions_recipe(checkout: Path) -> None:
    steps = _recipe("github")["jobs"]["carepath"]["steps"]
    runs = _carepath_lines([step["run"] for step in steps if "run" in step])
    assert len(runs) == 4
    for line in runs:
        assert _run(line, checkout) == 0, line
    validate_sarif(json.loads((checkout / "carepath.sarif").read_text(encoding="utf-8")))
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action"))
    assert (checkout / upload["with"]["sarif_file"]).is_file()


def test_gitlab_recipe(checkout: Path) -> None:
    job = _recipe("gitlab")["carepath"]
    for line in _carepath_lines(job["script"]):
        assert _run(line, checkout) == 0, line
    reports = job["artifacts"]["reports"]
    quality = json.loads((checkout / reports["codequality"]).read_text(encoding="utf-8"))
    assert isinstance(quality, list)  # Code Quality: a list of issues (none here)
    suite = ET.parse(checkout / reports["junit"]).getroot()
    assert suite.tag in ("testsuites", "testsuite") and int(suite.get("failures", "0")) == 0


def test_the_recipes_fail_the_build_on_an_error(checkout: Path) -> None:
    (checkout / "pathways" / "broken.cpath").write_text(
        'pathway b "B"\nstart nowhere\nend a "A"\n', encoding="utf-8"
    )
    runs = _carepath_lines(_recipe("gitlab")["carepath"]["script"])
    assert _run(runs[0], checkout) == 0  # the report step: --exit-zero, the report is written
    assert json.loads((checkout / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert _run(runs[1], checkout) == 1  # the plain check fails the job


def test_pre_commit_recipe_names_real_hooks() -> None:
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (repo,) = _recipe("pre-commit")["repos"]
    assert {h["id"] for h in repo["hooks"]} <= hooks

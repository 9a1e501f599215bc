"""docs/audit.md's worked example runs: its files, written out, give exactly the
output the page shows (and the query it describes is what `compile` writes)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "audit.md"
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def test_worked_example_runs_as_shown(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    consoles: list[str] = []
    for match in _FENCE.finditer(text):
        info, body = match.group("info").strip(), match.group("body")
        file = re.search(r"file=(\S+)", info)
        if file:
            (tmp_path / file.group(1)).write_text(body, encoding="utf-8")
        elif info == "console":
            consoles.append(body)
    assert {p.name for p in tmp_path.iterdir()} == {"fracture.cpath", "patients.csv"}
    assert len(consoles) == 1
    command, _, shown = consoles[0].partition("\n")
    args = shlex.split(command.removeprefix("$ "))
    assert args[0] == "carepath"
    check = subprocess.run(
        [sys.executable, "-m", "carepath", "check", "fracture.cpath"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run(
        [sys.executable, "-m", "carepath", *args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # the page says so: two rows to look at
    assert run.stdout == shown

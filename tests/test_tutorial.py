"""docs/tutorial.md runs as written: its files are written in a fresh folder, in
order (```cpath file=NAME writes, append=NAME appends), and each `$ carepath …`
line in a ```console block is run there; its output (standard output and error,
as a terminal shows them) must be exactly the lines shown under it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _steps() -> list[tuple[str, str]]:
    return [
        (m.group("info").strip(), m.group("body"))
        for m in _FENCE.finditer(TUTORIAL.read_text(encoding="utf-8"))
    ]


def _commands(body: str) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            out[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in out]


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "CAREPATH_CACHE_DIR": str(tmp_path / ".cache")}
    env.pop("FORCE_COLOR", None)
    ran = 0
    for info, body in _steps():
        words = dict(word.split("=", 1) for word in info.split()[1:] if "=" in word)
        if "file" in words:
            (tmp_path / words["file"]).write_text(body, encoding="utf-8")
        elif "append" in words:
            with (tmp_path / words["append"]).open("a", encoding="utf-8") as handle:
                handle.write(body)
        elif info == "console":
            for command, expected in _commands(body):
                argv = shlex.split(command)
                assert argv[0] == "carepath", command
                done = subprocess.run(
                    [sys.executable, "-m", "carepath", *argv[1:]],
                    cwd=tmp_path,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert done.returncode != 2, (command, done.stdout)
                assert done.stdout.rstrip("\n") == expected, command
                ran += 1
    assert ran >= 8
    assert (tmp_path / "back_pain.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (tmp_path / "site" / "acute_back_pain.html").is_file()

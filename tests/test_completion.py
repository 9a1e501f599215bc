"""Shell completion: the scripts for bash, zsh and fish, and completions answered by
carepath itself through argcomplete's protocol (what the shell runs on TAB)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CAREPATH = [sys.executable, "-m", "carepath"]


def _complete(line: str, tmp_path: Path) -> list[str]:
    """What a shell would offer with the cursor at the end of ``line``."""
    out = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
    }
    subprocess.run(CAREPATH, env=env, cwd=tmp_path, timeout=60, check=True, capture_output=True)
    found = out.read_text(encoding="utf-8").split("\n") if out.exists() else []
    return sorted(word.strip() for word in found)  # a space follows a whole word


def test_commands_options_and_choices_complete(tmp_path: Path) -> None:
    assert _complete("carepath ch", tmp_path) == ["check"]
    assert {"cases", "check", "compile", "completion"} <= set(_complete("carepath c", tmp_path))
    assert "--format" in _complete("carepath check --fo", tmp_path)
    assert _complete("carepath check --format sa", tmp_path) == ["sarif"]
    assert _complete("carepath completion f", tmp_path) == ["fish"]
    (tmp_path / "back_pain.cpath").write_text("", encoding="utf-8")
    assert _complete("carepath check back", tmp_path) == ["back_pain.cpath"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_that_runs_carepath(shell: str) -> None:
    done = subprocess.run(
        [*CAREPATH, "completion", shell], capture_output=True, text=True, timeout=60, check=True
    )
    assert "carepath" in done.stdout and "_ARGCOMPLETE" in done.stdout


def test_bash_loads_the_script() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    script = subprocess.run(
        [*CAREPATH, "completion", "bash"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    done = subprocess.run(
        [bash, "--norc", "-c", f"{script}\ncomplete -p carepath"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "carepath" in done.stdout

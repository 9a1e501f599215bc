"""Folder arguments: every *.cpath under the folder except what .gitignore ignores
(checked against git itself) and what --exclude / --extend-exclude name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from carepath.cli import main
from carepath.discovery import Discovery

GOOD = 'pathway p "P"\nstart a\nend a "A"\n'
BAD = 'pathway p "P"\nstart nowhere\nend a "A"\n'

FILES = [
    "care/back_pain.cpath",
    "care/drafts/new.cpath",
    "care/drafts/keep.cpath",
    "care/old_version.cpath",
    "care/nested/deep/a.cpath",
    "care/nested/scratch.cpath",
    "build/generated.cpath",
    ".venv/lib/site.cpath",
    "node_modules/x/y.cpath",
    "top.cpath",
    "notes.txt",
]
GITIGNORE = {
    ".gitignore": "care/drafts/*\n!care/drafts/keep.cpath\n*_version.cpath\n",
    "care/nested/.gitignore": "scratch.cpath\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in FILES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GOOD, encoding="utf-8")
    for name, text in GITIGNORE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def _found(folder: Path, discovery: Discovery) -> list[str]:
    return [Path(f).relative_to(folder).as_posix() for f in discovery.files(folder)]


def test_gitignore_is_honoured_as_git_reads_it(repo: Path) -> None:
    git = shutil.which("git")
    assert git is not None
    listed = subprocess.run(
        [git, "-C", str(repo), "ls-files", "--others", "--cached", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    by_git = sorted(
        name
        for name in listed
        if name.endswith(".cpath") and not name.startswith(("build/", ".venv/", "node_modules/"))
    )
    ours = _found(repo, Discovery())
    assert ours == by_git
    assert ours == [
        "care/back_pain.cpath",
        "care/drafts/keep.cpath",
        "care/nested/deep/a.cpath",
        "top.cpath",
    ]


def test_a_subfolder_argument_still_reads_the_gitignore_above_it(repo: Path) -> None:
    ours = _found(repo / "care", Discovery())
    assert ours == ["back_pain.cpath", "drafts/keep.cpath", "nested/deep/a.cpath"]


def test_outside_a_repository_gitignore_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "new.cpath").write_text(GOOD, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("drafts/\n", encoding="utf-8")
    assert _found(tmp_path, Discovery()) == ["drafts/new.cpath"]


def test_exclude_replaces_and_extend_exclude_adds(repo: Path) -> None:
    everything = _found(repo, Discovery(exclude=(), respect_gitignore=False))
    assert "build/generated.cpath" in everything and ".venv/lib/site.cpath" in everything
    assert len(everything) == 10
    extended = _found(repo, Discovery(extend_exclude=("nested/", "top.cpath")))
    assert extended == ["care/back_pain.cpath", "care/drafts/keep.cpath"]
    replaced = _found(repo, Discovery(exclude=("care",), respect_gitignore=False))
    assert "build/generated.cpath" in replaced and not any(f.startswith("care/") for f in replaced)


def test_the_command_line_options(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "care" / "drafts" / "new.cpath").write_text(BAD, encoding="utf-8")
    assert main(["check", "--no-cache", str(repo)]) == 0  # the bad draft is ignored
    assert main(["check", "--no-cache", "--no-respect-gitignore", str(repo)]) == 1
    assert "new.cpath" in capsys.readouterr().out
    (repo / "care" / "back_pain.cpath").write_text(BAD, encoding="utf-8")
    assert main(["check", "--no-cache", "--extend-exclude", "back_pain.cpath", str(repo)]) == 0
    # A file named directly is always checked, ignored or not.
    assert main(["check", "--no-cache", str(repo / "care" / "drafts" / "new.cpath")]) == 1
    for command in (["fmt", "--check"], ["test"], ["html", "-o", str(repo / "site")]):
        assert main([*command, "--exclude", "care", "--exclude", "build", str(repo)]) in (0, 1)
    capsys.readouterr()

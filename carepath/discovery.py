"""Which pathway files a folder argument names, as ruff finds Python files: every
``*.cpath`` under it except what ``.gitignore`` ignores (inside a git repository)
and what an exclude pattern names. A file named directly is always taken.

Patterns are gitignore patterns (pathspec's reading of them): ``drafts/``,
``*_old.cpath``, ``/archive``; a pattern without a slash matches a name at any
depth. The default excludes are the folders no pathway lives in (version control,
virtual environments, caches, build output).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".carepath_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
)
SUFFIX = ".cpath"


@dataclass(frozen=True)
class Discovery:
    """How to search folders: the exclude patterns in force, and whether to honour
    ``.gitignore`` files."""

    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    _spec: GitIgnoreSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = [*self.exclude, *self.extend_exclude]
        object.__setattr__(self, "_spec", GitIgnoreSpec.from_lines(patterns))

    def excluded(self, relative: str) -> bool:
        return self._spec.match_file(relative)

    def files(self, folder: Path) -> list[str]:
        """Every pathway file under ``folder`` that is neither excluded nor ignored,
        sorted."""
        root = _git_root(folder) if self.respect_gitignore else None
        ignores = _Ignores(root) if root is not None else None
        if ignores is not None:
            for parent in reversed([folder, *folder.parents]):
                if parent == root or root in parent.parents:
                    ignores.read(parent)
        found: list[str] = []
        for here, dirs, names in os.walk(folder):
            base = Path(here)
            if ignores is not None and base != folder:
                ignores.read(base)
            kept = []
            for name in sorted(dirs):
                path = base / name
                if self.excluded(_relative(path, folder) + "/"):
                    continue
                if ignores is not None and ignores.ignored(path, directory=True):
                    continue
                kept.append(name)
            dirs[:] = kept
            for name in sorted(names):
                path = base / name
                if not name.endswith(SUFFIX) or self.excluded(_relative(path, folder)):
                    continue
                if ignores is not None and ignores.ignored(path, directory=False):
                    continue
                found.append(str(path))
        return sorted(found)


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _git_root(folder: Path) -> Path | None:
    """The repository ``folder`` is in (a folder holding ``.git``), if any: as git and
    ruff do, ``.gitignore`` counts only inside one."""
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


class _Ignores:
    """The ``.gitignore`` files read so far, each with the folder it applies to, and
    the repository's ``.git/info/exclude``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: list[tuple[Path, GitIgnoreSpec]] = []
        self.seen: set[Path] = set()
        exclude = root / ".git" / "info" / "exclude"
        if exclude.is_file():
            self.specs.append((root, _spec(exclude)))

    def read(self, folder: Path) -> None:
        folder = folder.resolve()
        if folder in self.seen:
            return
        self.seen.add(folder)
        file = folder / ".gitignore"
        if file.is_file():
            self.specs.append((folder, _spec(file)))
            # Shallower files first, so that in `ignored` a deeper one has the last word.
            self.specs.sort(key=lambda entry: len(entry[0].parts))

    def ignored(self, path: Path, *, directory: bool) -> bool:
        """Whether git would ignore ``path``: the last pattern that matches decides,
        deeper ``.gitignore`` files after shallower ones."""
        resolved = path.resolve()
        verdict = False
        for base, spec in self.specs:
            if base != resolved.parent and base not in resolved.parents:
                continue
            relative = resolved.relative_to(base).as_posix() + ("/" if directory else "")
            result = spec.check_file(relative)
            if result.include is not None:
                verdict = result.include
        return verdict


def _spec(file: Path) -> GitIgnoreSpec:
    lines: Sequence[str] = file.read_text(encoding="utf-8", errors="replace").splitlines()
    return GitIgnoreSpec.from_lines(lines)

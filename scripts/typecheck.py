"""mypy --strict over the carepath package as it is installed.

    python scripts/typecheck.py [MYPY ARGS ...]

dsl/, compiler/ and render/ sit at the top of the repository and install as
carepath.dsl, carepath.compiler and carepath.render (``[tool.setuptools.package-dir]``
in pyproject.toml). mypy cannot read that mapping, so this lays the package out
as a wheel would (copies under build/typecheck/, kept in step with the sources so
mypy's cache stays warm), checks it, and prints every message with the path of
the file you edit.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck"


def package_folders() -> dict[str, Path]:
    """Top-level import package -> source folder, from pyproject.toml."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = settings["tool"]["setuptools"].get("package-dir", {})
    folders = {name: ROOT / folder for name, folder in mapping.items()}
    folders.setdefault("carepath", ROOT / "carepath")
    return folders


def mirror(folders: dict[str, Path]) -> dict[Path, Path]:
    """Copy the sources into TREE; returns mirror folder -> source folder."""
    wanted: set[Path] = set()
    places: dict[Path, Path] = {}
    for package, source in folders.items():
        target = TREE.joinpath(*package.split("."))
        places[target] = source
        for path in source.rglob("*"):
            if path.suffix not in (".py", ".pyi", ".typed") or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(source)
            # A package folder nested in another's source belongs to that other entry.
            if any(
                other != source and other.is_relative_to(source) and path.is_relative_to(other)
                for other in folders.values()
            ):
                continue
            copy = target / relative
            wanted.add(copy)
            if not copy.exists() or copy.read_bytes() != path.read_bytes():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
    for stale in TREE.rglob("*"):
        if stale.is_file() and stale not in wanted:
            stale.unlink()
    return places


def main(argv: list[str]) -> int:
    from mypy import api

    places = mirror(package_folders())
    out, err, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), *argv, str(TREE / "carepath")]
    )
    # The longest mirror folder first, so carepath/dsl wins over carepath.
    order = sorted(places, key=lambda p: len(p.parts), reverse=True)
    for line in out.splitlines():
        for target in order:
            for prefix in (f"{target.relative_to(ROOT)}/", f"{target}/"):
                if line.startswith(prefix):
                    line = f"{places[target].relative_to(ROOT)}/{line[len(prefix) :]}"
                    break
            else:
                continue
            break
        print(line)
    sys.stderr.write(err)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

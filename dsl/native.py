"""Modules compiled to C by ``make native``, used only when built from the current source.

``make native`` (scripts/build_native.py) compiles, with mypyc:

- the fast reader, dsl/fastparse.py, into ``carepath.dsl._fastparse_native`` (a
  twin under another name, so the tests can hold the two to the same answer),
  stamped with the digest of dsl/'s modules (the reader and what it imports);
- the IR, name resolution, the graph, the box algebra and the logic passes
  (``COMPILER_MODULES``) as one group, so the passes read the IR's fields
  directly, under their own names into ``compiler/_compiled/`` and
  ``compiler/checks/_compiled/``, each with a ``SOURCE_DIGEST`` file: the
  digest of every module in dsl/ and compiler/. Each package puts its folder
  first on its path only while both folders hold all their modules and that
  digest (half a group cannot run: its compiled modules take only the group's
  own compiled IR classes).

A build from any other version of the sources is never used: the Python modules
then run, with the same results, only more slowly. ``CAREPATH_PURE_PYTHON=1``
turns every compiled module off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
from collections.abc import Callable, Iterable
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

from . import ast

COMPILED = "carepath.dsl._fastparse_native"
COMPILED_DIRECTORY = "_compiled"  # inside a package directory
STAMP = "SOURCE_DIGEST"

Reader = Callable[[str, str], "ast.PathwayFile | None"]

# carepath.compiler's modules compiled by ``make native``, by package.
COMPILER_MODULES: dict[str, tuple[str, ...]] = {
    "carepath.compiler": ("graph", "ir", "resolve"),
    "carepath.compiler.checks": (
        "boxes",
        "logic_analysis",
        "logic_decisions",
        "logic_redundant",
        "robustness",
        "thresholds",
    ),
}
COMPILER_GROUP = "carepath.compiler._compiled_group"  # the shared library's module
_CAREPATH = Path(__file__).parent.parent


def pure_python() -> bool:
    return os.environ.get("CAREPATH_PURE_PYTHON", "") not in ("", "0")


def digest(sources: Iterable[Path]) -> str | None:
    """The SHA-256 of the sources' names, lengths and texts, in the order given; None
    when one is not installed."""
    sha = hashlib.sha256()
    try:
        for source in sources:
            text = source.read_bytes()
            sha.update(f"{source.name}\0{len(text)}\0".encode())
            sha.update(text)
    except OSError:
        return None
    return sha.hexdigest()


def _python_files(*folders: Path) -> list[Path]:
    """The modules under ``folders``, in a fixed order. A compiled module also depends
    on the modules it imports: mypyc fixes their classes' layouts and their
    functions' types when it compiles, so an edit to any of them makes a build stale.
    (The compiled modules import only from dsl/ and compiler/.)"""
    return sorted(
        (path for folder in folders for path in folder.rglob("*.py")),
        key=lambda path: path.relative_to(_CAREPATH).parts,
    )


def reader_sources() -> list[Path]:
    dsl = package_directory("carepath.dsl")
    return [p for p in _python_files(dsl) if not p.stem.startswith("_fastparse")]


def source_digest() -> str | None:
    """The digest of dsl/'s modules (the fast reader and all it may import), or None
    when a source is not installed."""
    return digest(reader_sources())


def built_digest() -> str | None:
    """The digest stamped into the compiled fast reader, or None when there is none."""
    try:
        module = importlib.import_module(COMPILED)
    except ImportError:  # not built, or built for another Python
        return None
    stamp = getattr(module, "SOURCE_DIGEST", None)
    return stamp if isinstance(stamp, str) else None


@functools.cache
def compiled() -> ModuleType | None:
    """The compiled fast reader when it is current, else None."""
    if pure_python():
        return None
    built = built_digest()
    if built is None or built != source_digest():
        return None
    return importlib.import_module(COMPILED)


def reader() -> Reader:
    """``parse_fast``: compiled when it is current, else the Python one."""
    module = compiled()
    if module is not None:
        parse_fast: Reader = module.parse_fast
        return parse_fast
    from .fastparse import parse_fast as python_parse_fast

    return python_parse_fast


def package_directory(package: str) -> Path:
    """The folder of one of carepath's packages, e.g. ``carepath.compiler.checks``."""
    return _CAREPATH.joinpath(*package.split(".")[1:])


def compiler_sources() -> list[Path]:
    """``COMPILER_MODULES``' sources, and every module they may import."""
    return _python_files(package_directory("carepath.dsl"), package_directory("carepath.compiler"))


def compiler_build_files() -> dict[Path, list[str]]:
    """The module names each ``_compiled`` folder must hold an extension module of:
    ``COMPILER_MODULES``, and the group's shared library beside the first package's."""
    group_package, _, group_module = COMPILER_GROUP.rpartition(".")
    expected = {
        package_directory(package) / COMPILED_DIRECTORY: list(names)
        for package, names in COMPILER_MODULES.items()
    }
    expected[package_directory(group_package) / COMPILED_DIRECTORY].append(group_module + "__mypyc")
    return expected


def _has_extension(folder: Path, name: str) -> bool:
    return any((folder / f"{name}{suffix}").is_file() for suffix in EXTENSION_SUFFIXES)


@functools.cache
def compiler_build_current() -> bool:
    """Whether every package's ``_compiled`` folder holds all its modules, built from
    the current sources: half a build never runs (its compiled modules take only the
    group's own compiled IR classes)."""
    if pure_python():
        return False
    expected = compiler_build_files()
    try:
        stamps = {(folder / STAMP).read_text("ascii").strip() for folder in expected}
    except OSError:
        return False
    complete = all(_has_extension(f, name) for f, names in expected.items() for name in names)
    return complete and stamps == {digest(compiler_sources())}


def compiler_module_files() -> list[str]:
    """Where each of ``COMPILER_MODULES`` was imported from (``….py`` when not compiled)."""
    return [
        importlib.import_module(f"{package}.{name}").__file__ or ""
        for package, names in COMPILER_MODULES.items()
        for name in names
    ]


def compiled_path(package: str) -> list[str]:
    """``[<package folder>/_compiled]`` when the compiler build is current, else
    ``[]``: what to put first on the package's ``__path__``."""
    if not compiler_build_current():
        return []
    return [str(package_directory(package) / COMPILED_DIRECTORY)]

"""Modules compiled to C by ``make native``, used only when built from the current source.

``make native`` (scripts/build_native.py) compiles, with mypyc:

- the fast reader, dsl/fastparse.py, into ``carepath.dsl._fastparse_native`` (a
  twin under another name, so the tests can hold the two to the same answer),
  stamped with the SHA-256 of the source it was compiled from;
- the IR, name resolution, the graph, the box algebra and the logic passes
  (``COMPILER_MODULES``) as one group, so the passes read the IR's fields
  directly, under their own names into ``compiler/_compiled/`` and
  ``compiler/checks/_compiled/``, each with a ``SOURCE_DIGEST`` file; each
  package puts its directory first on its path only while both digests are the
  one of the group's current sources (half a group cannot run: its compiled
  checks take only its own compiled IR classes).

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
from pathlib import Path
from types import ModuleType

from . import ast

SOURCE = Path(__file__).with_name("fastparse.py")
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
    """The SHA-256 of the sources, in the order given; None when one is not installed."""
    sha = hashlib.sha256()
    try:
        for source in sources:
            sha.update(source.read_bytes())
    except OSError:
        return None
    return sha.hexdigest()


def source_digest() -> str | None:
    """The SHA-256 of dsl/fastparse.py, or None when the source is not installed."""
    return digest([SOURCE])


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
    return [
        package_directory(package) / f"{name}.py"
        for package, modules in COMPILER_MODULES.items()
        for name in modules
    ]


@functools.cache
def compiler_build_current() -> bool:
    """Whether every package's ``_compiled`` folder holds a build of the current
    sources of ``COMPILER_MODULES``."""
    if pure_python():
        return False
    try:
        stamps = {
            (package_directory(p) / COMPILED_DIRECTORY / STAMP).read_text("ascii").strip()
            for p in COMPILER_MODULES
        }
    except OSError:
        return False
    return stamps == {digest(compiler_sources())}


def compiled_path(package: str) -> list[str]:
    """``[<package folder>/_compiled]`` when the compiler build is current, else
    ``[]``: what to put first on the package's ``__path__``."""
    if not compiler_build_current():
        return []
    return [str(package_directory(package) / COMPILED_DIRECTORY)]

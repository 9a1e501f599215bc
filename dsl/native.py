"""Modules compiled to C by ``make native``, used only when built from the current source.

``make native`` (scripts/build_native.py) compiles, with mypyc:

- the fast reader, dsl/fastparse.py, into ``carepath.dsl._fastparse_native`` (a
  twin under another name, so the tests can hold the two to the same answer),
  stamped with the SHA-256 of the source it was compiled from;
- the box algebra and the logic passes (``carepath.compiler.checks.COMPILED``)
  under their own names into ``compiler/checks/_compiled/``, with a
  ``SOURCE_DIGEST`` file; the checks package puts that directory first on its
  path only while the digest is the one of its current sources.

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


def package_sources(package: str | Path, modules: Iterable[str]) -> list[Path]:
    return [Path(package) / f"{name}.py" for name in modules]


def compiled_path(package: str | Path, modules: Iterable[str]) -> list[str]:
    """``[package/_compiled]`` when that holds a build of ``modules`` from their
    current sources, else ``[]``: what to put first on the package's ``__path__``."""
    if pure_python():
        return []
    directory = Path(package) / COMPILED_DIRECTORY
    try:
        stamp = (directory / STAMP).read_text(encoding="ascii").strip()
    except OSError:
        return []
    if stamp != digest(package_sources(package, modules)):
        return []
    return [str(directory)]

"""The fast reader compiled to C, used only when it was built from the current source.

``make native`` (scripts/build_native.py) compiles dsl/fastparse.py with mypyc
into ``carepath.dsl._fastparse_native``, which reads a pathway in three quarters
of the time, and stamps it with the SHA-256 of the source it was compiled from.
A build from any other version of that source is never used: carepath then
reads with the Python module, which builds the very same AST (tests/test_fastparse.py
holds both to that), only more slowly.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from . import ast

SOURCE = Path(__file__).with_name("fastparse.py")
COMPILED = "carepath.dsl._fastparse_native"

Reader = Callable[[str, str], "ast.PathwayFile | None"]


def source_digest() -> str | None:
    """The SHA-256 of dsl/fastparse.py, or None when the source is not installed."""
    try:
        return hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    except OSError:
        return None


def built_digest() -> str | None:
    """The digest stamped into the compiled module, or None when there is none."""
    try:
        module = importlib.import_module(COMPILED)
    except ImportError:  # not built, or built for another Python
        return None
    digest = getattr(module, "SOURCE_DIGEST", None)
    return digest if isinstance(digest, str) else None


@functools.cache
def compiled() -> ModuleType | None:
    """The compiled fast reader when it is current, else None."""
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

"""The compiled fast reader (dsl/native.py): used exactly when it is current."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from carepath.dsl import fastparse, native
from carepath.dsl.parser import parse

DSL = Path(native.__file__).resolve().parent
TEXT = 'pathway p "P"\nstart a\nend a "Done"\n'


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A stand-in for the compiled module, so the choice is tested without a C compiler."""
    module = types.ModuleType(native.COMPILED)
    module.parse_fast = lambda text, file: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, native.COMPILED, module)
    native.compiled.cache_clear()
    yield module
    native.compiled.cache_clear()


def test_a_build_from_this_source_is_used(fake_build: types.ModuleType) -> None:
    fake_build.SOURCE_DIGEST = native.source_digest()  # type: ignore[attr-defined]
    assert native.compiled() is fake_build
    assert native.reader() is fake_build.parse_fast  # type: ignore[attr-defined]


def test_a_build_from_another_source_is_not(fake_build: types.ModuleType) -> None:
    fake_build.SOURCE_DIGEST = "0" * 64  # type: ignore[attr-defined]
    assert native.compiled() is None
    assert native.reader() is fastparse.parse_fast
    # and the file is still read, by the Python reader
    assert parse(TEXT, "p.cpath").pathway is not None


def test_a_build_without_a_stamp_is_not(fake_build: types.ModuleType) -> None:
    assert native.compiled() is None


def test_the_build_make_leaves_is_current_and_used() -> None:
    # `make test` sets CAREPATH_REQUIRE_NATIVE after `make native`: the speed of the
    # compiled reader must not be lost silently (a stale build, a failed compile).
    built = sorted(p.name for p in DSL.glob("_fastparse_native*"))
    if built or os.environ.get("CAREPATH_REQUIRE_NATIVE"):
        assert native.compiled() is not None, f"stale or broken {built}: run `make native`"
        assert native.reader() is not fastparse.parse_fast
        assert parse(TEXT, "p.cpath").pathway == fastparse.parse_fast(TEXT, "p.cpath")
    else:
        assert native.compiled() is None
        assert native.reader() is fastparse.parse_fast

"""Compiled modules (dsl/native.py): used exactly when current, and equal in effect."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import pathway_sources

from carepath.dsl import fastparse, native
from carepath.dsl.parser import parse

DSL = Path(native.__file__).resolve().parent
ROOT = Path(__file__).resolve().parent.parent
TEXT = 'pathway p "P"\nstart a\nend a "Done"\n'


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A stand-in for the compiled module, so the choice is tested without a C compiler."""
    module = types.ModuleType(native.COMPILED)
    module.parse_fast = lambda text, file: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, native.COMPILED, module)
    monkeypatch.delenv("CAREPATH_PURE_PYTHON", raising=False)
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


@pytest.fixture
def fake_compiler_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A stand-in carepath folder holding the compiler group's sources and a stamped
    ``_compiled`` folder in each of its packages (empty of modules: only the choice
    is tested)."""
    for package, names in native.COMPILER_MODULES.items():
        folder = tmp_path.joinpath(*package.split(".")[1:])
        (folder / native.COMPILED_DIRECTORY).mkdir(parents=True)
        for name in names:
            (folder / f"{name}.py").write_text(f"# {name}\n", encoding="utf-8")
    (tmp_path / "compiler" / "pathway.py").write_text("# imported by them\n", encoding="utf-8")
    (tmp_path / "dsl").mkdir()
    (tmp_path / "dsl" / "ast.py").write_text("# imported by them\n", encoding="utf-8")
    monkeypatch.setattr(native, "_CAREPATH", tmp_path)
    monkeypatch.delenv("CAREPATH_PURE_PYTHON", raising=False)
    stamp = native.digest(native.compiler_sources())
    suffix = EXTENSION_SUFFIXES[0]
    for folder, names in native.compiler_build_files().items():
        for name in names:
            (folder / f"{name}{suffix}").write_bytes(b"")
        (folder / native.STAMP).write_text(f"{stamp}\n", encoding="ascii")
    native.compiler_build_current.cache_clear()
    yield tmp_path
    native.compiler_build_current.cache_clear()


def test_a_current_compiler_build_goes_first_on_both_paths(fake_compiler_build: Path) -> None:
    for package in native.COMPILER_MODULES:
        folder = native.package_directory(package) / native.COMPILED_DIRECTORY
        assert native.compiled_path(package) == [str(folder)]


def test_an_edited_source_turns_the_whole_compiler_build_off(fake_compiler_build: Path) -> None:
    (fake_compiler_build / "compiler" / "ir.py").write_text("# edited\n", encoding="utf-8")
    assert all(native.compiled_path(p) == [] for p in native.COMPILER_MODULES)


@pytest.mark.parametrize("module", ["compiler/pathway.py", "dsl/ast.py"])
def test_an_edit_to_a_module_they_import_turns_it_off(
    fake_compiler_build: Path, module: str
) -> None:
    # mypyc fixed the layouts and types of what the compiled modules import: a
    # compiled check given a changed class failed with a TypeError (found in review).
    (fake_compiler_build / module).write_text("# edited\n", encoding="utf-8")
    assert all(native.compiled_path(p) == [] for p in native.COMPILER_MODULES)


def test_a_build_missing_a_module_is_not_used(fake_compiler_build: Path) -> None:
    # With compiled ir missing, the compiled resolve made IR objects the Python
    # modules did not recognise: wrong output, no error (found in review).
    folder = fake_compiler_build / "compiler" / native.COMPILED_DIRECTORY
    next(folder.glob("ir.*")).unlink()
    assert all(native.compiled_path(p) == [] for p in native.COMPILER_MODULES)


def test_half_a_compiler_build_is_not_used(fake_compiler_build: Path) -> None:
    # The compiled checks take only the group's own compiled IR classes.
    stamp = fake_compiler_build / "compiler" / native.COMPILED_DIRECTORY / native.STAMP
    stamp.unlink()
    assert all(native.compiled_path(p) == [] for p in native.COMPILER_MODULES)


def test_pure_python_turns_a_current_compiler_build_off(
    fake_compiler_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREPATH_PURE_PYTHON", "1")
    assert all(native.compiled_path(p) == [] for p in native.COMPILER_MODULES)


def test_the_build_make_leaves_is_current_and_used() -> None:
    # `make test` sets CAREPATH_REQUIRE_NATIVE after `make native`: the speed of the
    # compiled modules must not be lost silently (a stale build, a failed compile).
    built = [
        *DSL.glob("_fastparse_native*"),
        *(ROOT / "compiler").glob(f"**/{native.COMPILED_DIRECTORY}/*"),
    ]
    files = native.compiler_module_files()
    if (built or os.environ.get("CAREPATH_REQUIRE_NATIVE")) and not native.pure_python():
        hint = "stale or broken build: run `make native`"
        assert native.compiled() is not None, hint
        assert native.reader() is not fastparse.parse_fast
        assert parse(TEXT, "p.cpath").pathway == fastparse.parse_fast(TEXT, "p.cpath")
        assert not [f for f in files if f.endswith(".py")], hint
    else:
        assert native.compiled() is None
        assert native.reader() is fastparse.parse_fast
        assert all(f.endswith(".py") for f in files)


def _check_json(paths: list[str], pure: bool) -> str:
    # Each side with its own string hash seed: the output must not depend on it
    # either (set order once changed which witness was shown).
    env = {
        **os.environ,
        "CAREPATH_PURE_PYTHON": "1" if pure else "0",
        "PYTHONHASHSEED": "2" if pure else "1",
    }
    command = ["check", "--format", "json", "--max-per-code", "0", *paths]
    done = subprocess.run(
        [sys.executable, "-m", "carepath", *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_compiled_and_python_modules_find_the_same() -> None:
    # Every golden file (each defect class and its near miss), the seed and the
    # examples: the same findings, witnesses and paths, in the same order.
    paths = sorted(
        str(p.relative_to(ROOT))
        for pattern in ("tests/golden/**/*.cpath", "pathways/**/*.cpath", "tests/data/*.cpath")
        for p in ROOT.glob(pattern)
    )
    assert len(paths) > 80
    compiled, python = _check_json(paths, pure=False), _check_json(paths, pure=True)
    assert '"code": "CP3' in python  # the logic checks did report something
    assert compiled == python


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources=st.lists(pathway_sources(allow_cycles=True), min_size=1, max_size=12))
def test_compiled_and_python_modules_find_the_same_on_random_pathways(
    sources: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Random pathways overlap, leave gaps, loop and mask branches far more than
    # the golden files do: every finding, witness and path must still be equal.
    # (This found witnesses that changed with the hash seed: a component's members
    # and a widened box's inputs were taken in a set's order.)
    folder = tmp_path_factory.mktemp("random")
    paths = []
    for number, source in enumerate(sources):
        path = folder / f"p{number}.cpath"
        path.write_text(source, encoding="utf-8")
        paths.append(str(path))
    compiled, python = _check_json(paths, pure=False), _check_json(paths, pure=True)
    assert compiled == python


def test_pure_python_turns_every_compiled_module_off() -> None:
    probe = (
        "from carepath.dsl import native; "
        "print(native.compiled(), [f[-3:] for f in native.compiler_module_files()])"
    )
    env = {**os.environ, "CAREPATH_PURE_PYTHON": "1"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    count = sum(len(names) for names in native.COMPILER_MODULES.values())
    assert done.stdout.strip() == "None " + str([".py"] * count), done.stderr

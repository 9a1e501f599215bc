"""Compile carepath's hot modules to C with mypyc: ``make native``.

    python scripts/build_native.py [--force]

Two builds (see carepath/dsl/native.py for how they are chosen at run time):

- the fast reader: dsl/fastparse.py is copied to dsl/_fastparse_native.py with
  the SHA-256 of the original appended as ``SOURCE_DIGEST``, compiled in place,
  and the copy removed, so only the extension modules stay;
- the checks: the modules in ``carepath.compiler.checks.COMPILED`` are compiled
  under their own names into compiler/checks/_compiled/, next to a
  ``SOURCE_DIGEST`` file holding the SHA-256 of their sources.

Both are ignored by git. After an edit the Python modules run until this is run
again; nothing is done when both builds are current. Needs a C compiler and the
Python headers (``make system-deps`` installs them). Exit status 0 when both
builds are current afterwards, 1 when not.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "carepath"  # dsl/, compiler/ are reached through it, as installed
DSL = ROOT / "dsl"
CHECKS = ROOT / "compiler" / "checks"
COPY = DSL / "_fastparse_native.py"
BUILD = ROOT / "build" / "native"

# Asked of a fresh interpreter: this one may have imported an older build.
_CURRENT = """
import importlib
import carepath.compiler.checks as checks
from carepath.dsl import native
files = [importlib.import_module(f"{checks.__name__}.{m}").__file__ for m in checks.COMPILED]
print(native.compiled() is not None, all(not f.endswith(".py") for f in files))
"""

# setuptools with mypyc's extensions, building in place under the working directory.
_SETUP = """
import sys
from mypyc.build import mypycify
from setuptools import setup
group, paths = sys.argv[1], sys.argv[2:]
sys.argv = [sys.argv[0], "build_ext", "--inplace"]
setup(name="carepath-native", ext_modules=mypycify(paths, group_name=group, opt_level="3"))
"""


def current() -> tuple[bool, bool]:
    """Whether the compiled fast reader, and the compiled checks, are in use."""
    done = subprocess.run(
        [sys.executable, "-c", _CURRENT], cwd=ROOT, check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr[-4000:], file=sys.stderr)
        return False, False
    reader, checks = done.stdout.split()
    return reader == "True", checks == "True"


def _compile(group: str, sources: list[Path], workdir: Path, package: Path) -> list[Path]:
    """Compile ``sources`` (paths inside carepath/) as one mypyc group; the extension
    modules built, or [] after printing why not."""
    shutil.rmtree(workdir, ignore_errors=True)
    built = workdir / package.relative_to(ROOT)
    built.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", _SETUP, group, *map(str, sources)],
        cwd=workdir,
        check=False,
        capture_output=True,
        text=True,
    )
    modules = sorted(built.glob("*.so"))
    if done.returncode != 0 or not modules:
        print(done.stdout[-4000:] + done.stderr[-4000:], file=sys.stderr)
        return []
    return modules


def build_reader() -> bool:
    from carepath.dsl.native import source_digest

    stamp = source_digest()
    if stamp is None:
        print("build_native: dsl/fastparse.py is missing", file=sys.stderr)
        return False
    for old in DSL.glob("_fastparse_native*"):
        old.unlink()
    source = (DSL / "fastparse.py").read_text(encoding="utf-8")
    COPY.write_text(source + f'\nSOURCE_DIGEST = "{stamp}"\n', encoding="utf-8")
    try:
        modules = _compile(
            "carepath.dsl._fastparse_native",
            [PACKAGE / "dsl" / COPY.name],
            BUILD / "reader",
            PACKAGE / "dsl",
        )
    finally:
        COPY.unlink()
    for module in modules:
        module.replace(DSL / module.name)
    return bool(modules)


def build_checks() -> bool:
    from carepath.compiler.checks import COMPILED
    from carepath.dsl.native import COMPILED_DIRECTORY, STAMP, digest, package_sources

    stamp = digest(package_sources(CHECKS, COMPILED))
    target = CHECKS / COMPILED_DIRECTORY
    shutil.rmtree(target, ignore_errors=True)
    if stamp is None:
        return False
    modules = _compile(
        "carepath.compiler.checks._compiled_checks",
        package_sources(PACKAGE / "compiler" / "checks", COMPILED),
        BUILD / "checks",
        PACKAGE / "compiler" / "checks",
    )
    if not modules:
        return False
    target.mkdir()
    for module in modules:
        module.replace(target / module.name)
    (target / STAMP).write_text(stamp + "\n", encoding="ascii")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile carepath's hot modules with mypyc.")
    parser.add_argument("--force", action="store_true", help="build even when current")
    args = parser.parse_args(argv)
    reader, checks = (False, False) if args.force else current()
    start = time.perf_counter()
    builds = ((reader, "fast reader", build_reader), (checks, "checks", build_checks))
    for done, what, build in builds:
        if done:
            print(f"build_native: compiled {what}: current")
        elif build():
            print(f"build_native: compiled {what}: built ({time.perf_counter() - start:.0f} s)")
    if current() != (True, True):
        print("build_native: FAILED; carepath runs the Python modules", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

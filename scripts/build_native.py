"""Compile carepath's hot modules to C with mypyc: ``make native``.

    python scripts/build_native.py [--force]

Two builds (see carepath/dsl/native.py for how they are chosen at run time):

- the fast reader: dsl/fastparse.py is copied to dsl/_fastparse_native.py with
  the digest of dsl/'s modules appended as ``SOURCE_DIGEST``, compiled in place,
  and the copy removed, so only the extension modules stay;
- the compiler: the modules in ``carepath.dsl.native.COMPILER_MODULES`` (the IR,
  resolution, the graph and the logic checks) are compiled as one group, under
  their own names, into compiler/_compiled/ and compiler/checks/_compiled/, each
  stamped last with a ``SOURCE_DIGEST`` file holding the digest of every module
  in dsl/ and compiler/ (what the group imports counts too).

Both are ignored by git. After an edit the Python modules run until this is run
again; nothing is done when both builds are current. Needs a C compiler and the
Python headers (``make system-deps`` installs them). Exit status 0 when both
builds are current afterwards, 1 when not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "carepath"  # dsl/, compiler/ are reached through it, as installed
DSL = ROOT / "dsl"
COPY = DSL / "_fastparse_native.py"
BUILD = ROOT / "build" / "native"

# Asked of a fresh interpreter: this one may have imported an older build.
_CURRENT = """
from carepath.dsl import native
files = native.compiler_module_files()
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
    """Whether the compiled fast reader, and the compiled compiler modules, are in use."""
    env = {k: v for k, v in os.environ.items() if k != "CAREPATH_PURE_PYTHON"}
    done = subprocess.run(
        [sys.executable, "-c", _CURRENT],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        print(done.stderr[-4000:], file=sys.stderr)
        return False, False
    reader, compiler = done.stdout.split()
    return reader == "True", compiler == "True"


def _compile(group: str, sources: list[Path], workdir: Path) -> list[Path]:
    """Compile ``sources`` (paths inside carepath/) as one mypyc group; the extension
    modules built, each at its source's place under ``workdir``, or [] after
    printing why not."""
    shutil.rmtree(workdir, ignore_errors=True)
    for source in sources:
        (workdir / source.parent.relative_to(ROOT)).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _SETUP, group, *map(str, sources)],
        cwd=workdir,
        check=False,
        capture_output=True,
        text=True,
    )
    modules = sorted((workdir / PACKAGE.relative_to(ROOT)).rglob("*.so"))
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
            "carepath.dsl._fastparse_native", [PACKAGE / "dsl" / COPY.name], BUILD / "reader"
        )
    finally:
        COPY.unlink()
    for module in modules:
        module.replace(DSL / module.name)
    return bool(modules)


def build_compiler() -> bool:
    from carepath.dsl.native import (
        COMPILED_DIRECTORY,
        COMPILER_GROUP,
        COMPILER_MODULES,
        STAMP,
        compiler_build_files,
        compiler_sources,
        digest,
        package_directory,
    )

    stamp = digest(compiler_sources())
    targets = list(compiler_build_files())
    for target in targets:
        shutil.rmtree(target, ignore_errors=True)
    if stamp is None:
        return False
    workdir = BUILD / "compiler"
    sources = [
        package_directory(package) / f"{name}.py"
        for package, names in COMPILER_MODULES.items()
        for name in names
    ]
    modules = _compile(COMPILER_GROUP, sources, workdir)
    if not modules:
        return False
    for target in targets:
        target.mkdir()
    for module in modules:
        # carepath/compiler/x.so -> compiler/_compiled/x.so, and so on for checks/.
        package = module.parent.relative_to(workdir / PACKAGE.relative_to(ROOT))
        module.replace(PACKAGE / package / COMPILED_DIRECTORY / module.name)
    # Stamped last: a folder without its stamp is never used (dsl/native.py).
    for target in targets:
        (target / STAMP).write_text(stamp + "\n", encoding="ascii")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile carepath's hot modules with mypyc.")
    parser.add_argument("--force", action="store_true", help="build even when current")
    args = parser.parse_args(argv)
    reader, compiler = (False, False) if args.force else current()
    start = time.perf_counter()
    builds = ((reader, "fast reader", build_reader), (compiler, "compiler", build_compiler))
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

"""Compile the fast reader (dsl/fastparse.py) to C with mypyc: ``make native``.

    python scripts/build_native.py [--force]

The source is copied to dsl/_fastparse_native.py with the SHA-256 of the original
appended as ``SOURCE_DIGEST``, compiled in place, and the copy removed again, so
only the extension modules stay (ignored by git). ``carepath.dsl.native`` uses
them only while that digest matches dsl/fastparse.py; after an edit the Python
module reads until this is run again. Nothing is done when the build is current.

Needs a C compiler and the Python headers (``make system-deps`` installs them).
Exit status 0 when the compiled reader is current afterwards, 1 when not.
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
DSL = ROOT / "dsl"
COPY = DSL / "_fastparse_native.py"
BUILD = ROOT / "build" / "native"

# Run in a fresh interpreter: this one may have imported an older build.
_CURRENT = (
    "import sys; from carepath.dsl import native; "
    "sys.exit(0 if native.compiled() is not None else 1)"
)


def is_current() -> bool:
    return subprocess.run([sys.executable, "-c", _CURRENT], cwd=ROOT, check=False).returncode == 0


def remove_builds() -> None:
    for old in DSL.glob("_fastparse_native*"):
        old.unlink()


def build() -> bool:
    from carepath.dsl.native import source_digest

    digest = source_digest()
    if digest is None:
        print("build_native: dsl/fastparse.py is missing", file=sys.stderr)
        return False
    remove_builds()
    source = (DSL / "fastparse.py").read_text(encoding="utf-8")
    COPY.write_text(source + f'\nSOURCE_DIGEST = "{digest}"\n', encoding="utf-8")
    shutil.rmtree(BUILD, ignore_errors=True)
    # mypyc builds in place, relative to its working directory: here, then moved.
    built = BUILD / "carepath" / "dsl"
    built.mkdir(parents=True)
    mypyc = Path(sys.executable).with_name("mypyc")
    try:
        # Through the carepath/dsl symlink, so that mypyc names the module
        # carepath.dsl._fastparse_native; the build directory is mypyc's working one.
        done = subprocess.run(
            [str(mypyc), str(ROOT / "carepath" / "dsl" / COPY.name)],
            cwd=BUILD,
            check=False,
            capture_output=True,
            text=True,
        )
    finally:
        COPY.unlink()
    modules = sorted(built.glob("_fastparse_native*"))
    if done.returncode != 0 or not modules:
        print(done.stdout[-4000:] + done.stderr[-4000:], file=sys.stderr)
        return False
    for module in modules:
        module.replace(DSL / module.name)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile dsl/fastparse.py with mypyc.")
    parser.add_argument("--force", action="store_true", help="build even when current")
    args = parser.parse_args(argv)
    if not args.force and is_current():
        print("build_native: the compiled fast reader is current")
        return 0
    start = time.perf_counter()
    if not build() or not is_current():
        print("build_native: FAILED; carepath reads with the Python module", file=sys.stderr)
        return 1
    print(f"build_native: compiled dsl/fastparse.py in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

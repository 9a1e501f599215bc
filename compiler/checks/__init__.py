"""Soundness checks over the pathway graph: an ordered table of small passes (passes.py).

The box algebra and the logic passes (``carepath.dsl.native.COMPILER_MODULES``)
are compiled to C by ``make native`` when a compiler is at hand; the build sits
in ``_compiled/`` and is put first on this package's path only while it was
built from the current sources. Otherwise, or with ``CAREPATH_PURE_PYTHON=1``,
the Python modules run, with the same results.
"""

from __future__ import annotations

from carepath.dsl.native import compiled_path

__path__ = [*compiled_path(__name__), *__path__]

# After the path is set: passes imports the compiled modules.
from .passes import CHECKS, Check, run_checks

__all__ = ["CHECKS", "Check", "run_checks"]

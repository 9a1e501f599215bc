"""Soundness checks over the pathway graph: an ordered table of small passes (passes.py).

The box algebra and the logic passes below are compiled to C by ``make native``
when a compiler is at hand; the build sits in ``_compiled/`` and is put first on
this package's path only while it was built from the current sources
(``carepath.dsl.native``). Otherwise, or with ``CAREPATH_PURE_PYTHON=1``, the
Python modules run, with the same results.
"""

from __future__ import annotations

from carepath.dsl.native import compiled_path

COMPILED = (
    "boxes",
    "logic_analysis",
    "logic_decisions",
    "logic_redundant",
    "robustness",
    "thresholds",
)
__path__ = [*compiled_path(__path__[0], COMPILED), *__path__]

from .passes import CHECKS, Check, run_checks  # noqa: E402 - after the path is set

__all__ = ["CHECKS", "COMPILED", "Check", "run_checks"]

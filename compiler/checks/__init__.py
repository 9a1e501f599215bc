"""Soundness checks over the pathway graph: an ordered table of small passes (passes.py).

The table is imported on first use, so that the code registries in this package
(``codes_structure``, ``codes_logic``) can be read without loading every pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .passes import CHECKS, DEFAULT_SETTINGS, Check, Settings, run_checks

__all__ = ["CHECKS", "DEFAULT_SETTINGS", "Check", "Settings", "run_checks"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import passes

        return getattr(passes, name)
    raise AttributeError(name)

"""Soundness checks over the pathway graph: an ordered table of small passes (passes.py)."""

from __future__ import annotations

from .passes import CHECKS, DEFAULT_SETTINGS, Check, Settings, run_checks

__all__ = ["CHECKS", "DEFAULT_SETTINGS", "Check", "Settings", "run_checks"]

"""Soundness checks over the pathway graph: an ordered table of small passes (passes.py)."""

from __future__ import annotations

from .passes import CHECKS, Check, run_checks

__all__ = ["CHECKS", "Check", "run_checks"]

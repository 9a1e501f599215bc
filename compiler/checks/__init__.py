"""Soundness checks over the pathway graph: an ordered table of small passes.

Each pass is a function ``(Pathway) -> Iterable[Diagnostic]`` in its own module.
``run_checks`` runs them in order; passes never mutate the pathway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from carepath.dsl.diagnostics import Diagnostic

from ..pathway import Pathway

Check = Callable[[Pathway], Iterable[Diagnostic]]

# (name, pass) in the order they run. Filled in by the soundness-checks work.
CHECKS: tuple[tuple[str, Check], ...] = ()


def run_checks(pathway: Pathway) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for _name, check in CHECKS:
        found.extend(check(pathway))
    return found

"""The ordered table of check passes, and ``run_checks``.

Each pass is a function ``(Pathway) -> Iterable[Diagnostic]`` in its own module.
``run_checks`` runs them in order; passes never mutate the pathway. A pass that
takes a setting (``Settings``) names it in ``OPTIONS`` and gets it as a keyword.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

from carepath.dsl.diagnostics import Diagnostic
from carepath.dsl.spans import Span

from ..pathway import Pathway
from .cycles import check_cycles
from .logic_bands import check_band_holes
from .logic_decisions import MAX_REGIONS, check_decisions, check_items, check_unreached_nodes
from .logic_groups import check_groups
from .logic_redundant import check_redundant
from .robustness import check_robustness
from .structure_content import check_content
from .structure_dead_ends import check_dead_ends
from .structure_endings import check_endings
from .structure_reachability import check_reachability
from .structure_start import check_start
from .structure_unused import check_unused
from .thresholds import check_thresholds

Check = Callable[..., Iterable[Diagnostic]]


@dataclass(frozen=True)
class Settings:
    """What the user may tune about the checks (``carepath check`` options)."""

    max_regions: int = MAX_REGIONS  # gap regions / overlapping pairs per decision; 0: all


DEFAULT_SETTINGS = Settings()

# pass name -> the Settings fields it takes as keyword arguments
OPTIONS: dict[str, tuple[str, ...]] = {"logic_decisions": ("max_regions",)}

# (name, pass) in the order they run: graph structure (CP2xx) first, then logic.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("start", check_start),
    ("reachability", check_reachability),
    ("dead_ends", check_dead_ends),
    ("endings", check_endings),
    ("content", check_content),
    ("unused", check_unused),
    ("logic_decisions", check_decisions),
    ("logic_unreached_nodes", check_unreached_nodes),
    ("logic_items", check_items),
    ("logic_groups", check_groups),
    ("logic_bands", check_band_holes),
    ("logic_redundant", check_redundant),
    ("logic_thresholds", check_thresholds),
    ("logic_robustness", check_robustness),
    ("logic_cycles", check_cycles),
)


def run_checks(pathway: Pathway, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    """Every pass's findings, in pass order, each fact once.

    A node the graph cannot reach (CP203) is also reached by no patient, so a later
    (logic) finding at the very same place would repeat it: it is dropped, as is
    any exact repeat of an earlier finding.
    """
    found: list[Diagnostic] = []
    seen: set[tuple[str, Span, str]] = set()
    unreachable: set[Span] = set()
    names = {f.name for f in fields(Settings)}
    for name, check in CHECKS:
        options = {k: getattr(settings, k) for k in OPTIONS.get(name, ()) if k in names}
        for diagnostic in check(pathway, **options):
            key = (diagnostic.code, diagnostic.span, diagnostic.message)
            if key in seen or (
                diagnostic.span in unreachable and not diagnostic.code.startswith("CP2")
            ):
                continue
            seen.add(key)
            found.append(diagnostic)
            if diagnostic.code == "CP203":
                unreachable.add(diagnostic.span)
    return found

"""Pausing the cyclic garbage collector while a pathway is built, without leaking.

Reading, resolving and checking a pathway build hundreds of thousands of small
objects, almost none in a cycle; the collector would walk them again and again
for nothing (a third of the time on a 10,000-node pathway, bench/bench_parse.py).
So they are built with the collector off (``gc_paused``), and at the end of the
outermost pause they are handed to the oldest generation unwalked.

CPython starts a full collection when a quarter more objects have reached the
oldest generation than lived there after the last one, but it counts only the
objects its own collections move there, not these. Left alone, a process that
loads and drops pathways (a server, a test run) would then keep every dropped one
that holds a reference cycle (a networkx graph does, through its cached views):
400 MB after a hundred loads of a 1,000-node pathway. So the objects handed over
are counted here, and when as many have been handed over as lived after the last
full collection, the next pause starts with one. (Not at a quarter, as CPython
does: it counts objects that survived two collections, a pause counts all it
made, and much of that is soon freed by reference counting.) What dropped
pathways can hold is then bounded by about the live heap again.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any


class _Ledger:
    """Objects handed to the oldest generation since the last full collection, and
    how many tracked objects were alive after it (-1: not counted yet)."""

    handed_over = 0
    alive_after_full = -1
    # Someone else froze objects (a server about to fork, say): nothing is handed
    # over from then on, and get_freeze_count(), which walks them all, is not asked.
    others_froze = False


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    # Any full collection, ours or not; the survivors are counted when next needed.
    if phase == "stop" and info["generation"] == 2:
        _Ledger.handed_over = 0
        _Ledger.alive_after_full = -1


gc.callbacks.append(_after_collection)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a pathway is read. Nesting is fine:
    only the outermost pause does anything."""
    enabled = gc.isenabled()
    if enabled:
        _collect_if_due()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _hand_over_young_objects()
            gc.enable()


def _collect_if_due() -> None:
    if _Ledger.alive_after_full < 0:
        _Ledger.alive_after_full = len(gc.get_objects())
    if _Ledger.handed_over > _Ledger.alive_after_full:
        gc.collect()
        _Ledger.handed_over = 0
        _Ledger.alive_after_full = len(gc.get_objects())


def _hand_over_young_objects() -> None:
    """Move everything made during a pause to the oldest generation, unwalked.

    It is all still in the youngest generation, so the collector's first pass after
    the pause would walk all of it (0.17 s after reading a 10,000-node pathway), and
    walk it again on promoting it. ``freeze()`` moves every generation's list to the
    permanent one and ``unfreeze()`` moves that list to the oldest generation, each
    in one step. Not done when anything else is frozen: ``unfreeze()`` would release
    it too."""
    if _Ledger.others_froze or gc.get_freeze_count() != 0:
        _Ledger.others_froze = True
        return
    _Ledger.handed_over += gc.get_count()[0]  # the young objects, net of those freed
    gc.freeze()
    gc.unfreeze()

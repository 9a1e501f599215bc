"""``gc_paused``: the collector is off while a pathway is read, and what was made
meanwhile is handed to the oldest generation unwalked, never lost to it."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from carepath.dsl import gc_pause
from carepath.dsl.gc_pause import gc_paused

ROOT = Path(__file__).resolve().parent.parent


class _Marker:
    """A weak-referenceable object to find in the collector's generations."""

    def __init__(self) -> None:
        self.partner: object = None


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc_pause._Ledger.others_froze = False  # once set, it stays for the process
        (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_inside_and_on_after_even_when_nested() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause must not end the outer one
    assert gc.isenabled()


def test_a_pause_inside_a_disabled_collector_leaves_it_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_what_a_pause_made_is_in_the_oldest_generation_afterwards() -> None:
    # Left young, the first collection after the pause would walk all of a loaded
    # pathway (0.17 s at 10,000 nodes, bench/bench_parse.py).
    with gc_paused():
        made = [_Marker() for _ in range(100)]
        assert _in_generation(made[0], 0)
    assert not _in_generation(made[0], 0)
    assert _in_generation(made[0], 2)
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_made_in_a_pause_is_still_collected() -> None:
    with gc_paused():
        first, second = _Marker(), _Marker()
        first.partner, second.partner = second, first
        watch = weakref.ref(first)
        del first, second
    assert watch() is not None  # a cycle: reference counting cannot free it
    gc.collect()
    assert watch() is None


def test_objects_frozen_by_someone_else_stay_frozen() -> None:
    frozen_before = _Marker()
    gc.freeze()
    count = gc.get_freeze_count()
    with gc_paused():
        made = _Marker()
    assert gc.get_freeze_count() >= count
    assert not _in_generation(frozen_before, 2)  # still permanent, not released
    assert _in_generation(made, 0)  # and nothing of ours was promoted through it


def test_a_full_collection_is_due_once_as_much_was_handed_over_as_lived() -> None:
    gc.collect()
    with gc_paused():
        pass
    alive = gc_pause._Ledger.alive_after_full
    assert alive > 0
    with gc_paused():
        made = [[] for _ in range(alive + 1000)]
    assert gc_pause._Ledger.handed_over > alive
    del made
    with gc_paused():
        # Started with a full collection, without relying on the gc callback.
        assert gc_pause._Ledger.handed_over == 0


_LOAD_AND_DROP = """
import sys, weakref
sys.path.insert(0, "bench")
from generate import generate
from carepath.compiler.pathway import load_text

text = generate(1000)
graphs = []
for _ in range(40):
    loaded = load_text(text, "p.cpath")
    graphs.append(weakref.ref(loaded.pathway.graph))
    del loaded
print(sum(graph() is not None for graph in graphs))
"""


def test_pathways_loaded_and_dropped_do_not_pile_up() -> None:
    # A networkx graph holds a reference cycle (its cached edge view), so a dropped
    # pathway waits for a full collection. CPython's own rule for starting one does
    # not count what the pauses hand over: without the ledger all 40 stayed alive
    # (4 MB each), the collector never walking them.
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_DROP], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) <= 10


_CHECK_MANY = """
import sys, weakref
sys.path.insert(0, "bench")
from generate import generate
import carepath.compiler.check as check
from carepath import cli

folder = sys.argv[1]
for number in range(30):
    with open(f"{folder}/p{number}.cpath", "w", encoding="utf-8") as out:
        out.write(generate(1000))
graphs = []
check_file = check.check_file

def recording(path):
    loaded = check_file(path)
    graphs.append(weakref.ref(loaded.pathway.graph))
    return loaded

check.check_file = recording
cli.main(["check", folder])
print(len(graphs), sum(graph() is not None for graph in graphs))
"""


def test_check_does_not_keep_every_file_it_read(tmp_path: Path) -> None:
    # One pause over the whole run kept each file's graph (a cycle) until the end.
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_MANY, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    checked, alive = map(int, done.stdout.split())
    assert checked == 30
    assert alive <= 10

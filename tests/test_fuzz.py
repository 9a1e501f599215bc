"""Mutation fuzz over every pathway in the repository, bounded to stay quick: bytes
flipped, inserted or deleted, tokens deleted, duplicated or swapped, the file cut
short; check, fmt, DOT, Mermaid and the HTML page must each survive every mutant
(a diagnostic, never an exception). bench/bench_fuzz.py runs the same far longer."""

from __future__ import annotations

import random

from fuzz import CORPUS, KINDS, mutate, survive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_the_corpus_is_the_repository() -> None:
    assert len(CORPUS) > 100


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(CORPUS),
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3),
    st.integers(0, 2**32 - 1),
)
def test_every_mutant_of_a_repository_pathway_survives(
    path: object, kinds: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    data = path.read_bytes()  # type: ignore[attr-defined]
    for kind in kinds:
        data = mutate(data, kind, rng)
    survive(data)


def test_each_kind_of_mutation_changes_the_file() -> None:
    data = CORPUS[0].read_bytes()
    rng = random.Random(1)
    for kind in KINDS:
        assert any(mutate(data, kind, rng) != data for _ in range(5)), kind

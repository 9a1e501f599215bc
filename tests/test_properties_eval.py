"""Differential: the interpreter and the compiled module agree on generated patients."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.compiler.codegen_python import load_module, to_result
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load, load_text
from tests.strategies import pathway_sources, patients

SEED = Path(__file__).resolve().parent.parent / "pathways" / "chronic_osteoporotic_vcf.cpath"


@lru_cache(maxsize=1)
def _seed() -> tuple[Pathway, ModuleType]:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway, load_module(loaded.pathway)


@settings(max_examples=1500, deadline=None)
@given(data=st.data())
def test_seed_interpreter_and_compiled_agree(data: st.DataObject) -> None:
    pathway, module = _seed()
    patient = data.draw(patients(pathway, missing=0.3))
    explain = data.draw(st.booleans())
    compiled = to_result(module.evaluate(patient, None, explain))
    assert compiled == evaluate(pathway, patient, explain=explain)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=pathway_sources(allow_cycles=True), data=st.data())
def test_random_pathways_agree(source: str, data: st.DataObject) -> None:
    loaded = load_text(source, "random.cpath")
    assert loaded.pathway is not None
    pathway = loaded.pathway
    module = load_module(pathway)
    for _ in range(20):
        patient = data.draw(patients(pathway, missing=0.3))
        assert to_result(module.evaluate(patient)) == evaluate(pathway, patient)

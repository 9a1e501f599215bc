"""The pathway as SQL, run on a real embedded DuckDB, agrees with the interpreter
row for row: status, outcome, path, recommendations, undetermined items, needs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import duckdb
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.compiler.pathway import Pathway, load, load_text
from carepath.compiler.sql.query import CannotCompile, build_query
from tests.sql_support import create_duckdb_table, exact_units, expected, random_patients, rows_of
from tests.strategies import pathway_sources, patients

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
CORPUS = sorted((ROOT / "tests" / "data").glob("*.cpath"))


def _pathway(path: Path) -> Pathway:
    loaded = load(path)
    assert loaded.pathway is not None
    return loaded.pathway


def _agree(pathway: Pathway, people: list[dict[str, object]], exact: bool = True) -> int:
    """``exact``: time columns in seconds (see ``exact_units``); else the defaults."""
    units = exact_units(pathway) if exact else None
    con = duckdb.connect()
    create_duckdb_table(con, pathway, people, units)  # type: ignore[arg-type]
    query = build_query(pathway, id_column="rid", units=units)
    got = rows_of(con.execute(query.sql("duckdb")).fetchall())
    assert len(got) == len(people)
    for rid, patient in enumerate(people):
        assert got[rid] == expected(pathway, patient), patient  # type: ignore[arg-type]
    return len(got)


def test_seed_ten_thousand_patients_agree() -> None:
    pathway = _pathway(SEED)
    people = random_patients(pathway, 10_000, seed=15)
    assert _agree(pathway, people, exact=False) == 10_000  # type: ignore[arg-type]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_pathways_agree(path: Path) -> None:
    pathway = _pathway(path)
    if pathway.start is not None and not nx.is_directed_acyclic_graph(
        pathway.graph.subgraph({pathway.start} | nx.descendants(pathway.graph, pathway.start))
    ):
        with pytest.raises(CannotCompile, match="cycle"):
            build_query(pathway)
        return
    _agree(pathway, random_patients(pathway, 2_000, seed=7))  # type: ignore[arg-type]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=pathway_sources(), data=st.data())
def test_random_pathways_agree(source: str, data: st.DataObject) -> None:
    loaded = load_text(source, "random.cpath")
    assert loaded.pathway is not None
    pathway = loaded.pathway
    if pathway.start is None:
        return
    people = [data.draw(patients(pathway, missing=0.3)) for _ in range(25)]
    _agree(pathway, people)  # type: ignore[arg-type]


SCORES = """\
pathway scores "Scores"
input a: boolean
input b: boolean
input c: boolean
input weight: decimal kg 1..300
input height: decimal m 0.3..2.5
input dose: decimal mg
define score = points of (2 if a, 1.5 if b, -1 if c)
define bmi = weight / (height * height)
define per_kg = dose / weight
start s
decision s "Score?" first
  when score >= 2.5 -> high
  when score / 2 > 0.25 and bmi >= 30 kg/m2 -> mid
  when per_kg * 3 > 10 mg/kg or score - 1 < 0 -> low
  otherwise -> other
end high
  recommend "x" when bmi > 25 kg/m2
end mid
end low
end other
"""


def test_scores_ranges_and_exact_division_agree() -> None:
    """Scores with unknown criteria are ranges; BMI divides by a product; both exact."""
    loaded = load_text(SCORES)
    assert loaded.pathway is not None, loaded.diagnostics
    pathway = loaded.pathway
    people = random_patients(pathway, 3_000, seed=3)
    # Boundaries a float would get wrong: BMI exactly 30 (the condition holds).
    people.append({"a": True, "weight": Fraction(30), "height": Fraction(1), "b": False})
    _agree(pathway, people)  # type: ignore[arg-type]


def test_cycles_are_refused() -> None:
    source = (
        'pathway p "P"\ninput a: boolean\nstart d\n'
        'decision d "D?"\n  when a -> again\n  otherwise -> done\n'
        'action again "Again"\n  next d\nend done\n'
    )
    loaded = load_text(source)
    assert loaded.pathway is not None
    with pytest.raises(CannotCompile, match=r"cycle \(d -> again -> d\)"):
        build_query(loaded.pathway)

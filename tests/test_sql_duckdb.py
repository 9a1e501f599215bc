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
from carepath.compiler.sql.columns import columns
from carepath.compiler.sql.errors import CannotCompile
from carepath.compiler.sql.query import build_query
from tests.sql_support import (
    create_duckdb_table,
    exact_units,
    expected,
    random_patients,
    rows_of,
    sql_type,
)
from tests.strategies import pathway_sources, patients

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
CORPUS = sorted((ROOT / "tests" / "data").glob("*.cpath"))


def _pathway(path: Path) -> Pathway:
    loaded = load(path)
    assert loaded.pathway is not None
    return loaded.pathway


def _agree(
    pathway: Pathway, people: list[dict[str, object]], exact: bool = True, typed: bool = False
) -> int:
    """``exact``: time columns in seconds (see ``exact_units``); else the defaults.
    ``typed``: the query knows the table's column types, as an audit does."""
    units = exact_units(pathway) if exact else None
    con = duckdb.connect()
    create_duckdb_table(con, pathway, people, units)  # type: ignore[arg-type]
    types = {c.name: sql_type(c) for c in columns(pathway, units)} if typed else None
    query = build_query(pathway, id_column="rid", units=units, types=types)
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


LARGE = """\
pathway large "Large numbers"
input fever: boolean
input fracture_age: duration
input n: integer
define index = (fracture_age + fracture_age) / 2
define cube = n * n * n
start s
decision s "Which?" first
  when not fever and index / 2 < 80 years and index < 14 years -> a
  when cube * 1000000 > 100000000000000000000000000000000 -> b
  otherwise -> c
end a
end b
end c
"""


def test_numbers_past_64_bits_agree() -> None:
    """Durations in seconds with nine decimal places reach 1e18 after one product,
    and a cube of a nine-digit integer passes 64 bits: exact on DuckDB's 38 digits, no
    overflow (a regression: 80 years in seconds times 4 overflowed a 64-bit product).
    The cube needs the column's type (BIGINT): read as a nine-place decimal, its
    cube has 27 places and does not fit 38 digits, and the query is refused."""
    loaded = load_text(LARGE)
    assert loaded.pathway is not None, loaded.diagnostics
    pathway = loaded.pathway
    year = Fraction(31_557_600)
    durations: list[dict[str, object]] = [
        {"fever": False, "fracture_age": 13 * year},
        {"fever": False, "fracture_age": 14 * year},
        {"fever": False, "fracture_age": Fraction(0)},
        {"fever": True},
    ]
    untyped = load_text(LARGE.replace("cube * 1000000 > 1" + "0" * 32, "cube > 1000"))
    assert untyped.pathway is not None, untyped.diagnostics
    _agree(untyped.pathway, durations)
    cubes: list[dict[str, object]] = [
        {"fever": True, "n": Fraction(464_158_883)},  # cube x 1e6 just under 1e32
        {"fever": True, "n": Fraction(464_158_884)},
        {"fever": True, "n": Fraction(-464_158_884)},
    ]
    _agree(pathway, durations + cubes, typed=True)
    people = random_patients(pathway, 500, seed=11)
    _agree(pathway, people, typed=True)  # type: ignore[arg-type]
    with pytest.raises(CannotCompile, match="more than the 38 digits a SQL decimal holds"):
        _agree(pathway, cubes)

"""Property tests: the box engine agrees with z3, and every reported witness is real.

1. On random conjunctions, disjunctions and negations over a few inputs, the box
   engine's verdicts (empty? overlap? gap? covers?) equal z3's, and every point
   the engine picks evaluates as the engine says.
2. On random pathways (tests/strategies.py), every CP3xx finding with a witness
   shows the problem when the witness, as written, is run through the evaluator.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carepath.compiler import ir
from carepath.compiler.check import check_text
from carepath.compiler.checks.boxes import Boxes, OutOfFragment, TooComplex, Translator
from carepath.compiler.checks.logic_analysis import analysis, domain_of
from carepath.compiler.checks.smt import SAT, UNSAT, Smt
from carepath.compiler.evaluate import Evaluator
from carepath.compiler.pathway import Pathway, load_text
from tests.strategies import pathway_sources
from tests.test_logic_checks import assert_witness_shows

OPS = ("<", "<=", ">", ">=", "==", "!=")
PAINS = ("none", "mild", "severe")


@st.composite
def atoms(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(("a", "x", "p", "b", "known")))
    op = draw(st.sampled_from(OPS))
    if kind == "a":
        k = draw(st.integers(-1, 21))
        half = draw(st.booleans())
        return f"a {op} {k}.5" if half else f"a {op} {k}"
    if kind == "x":
        v = draw(st.sampled_from(("0", "2.5", "3", "5", "7.5", "10", "11")))
        return f"{v} {op} x" if draw(st.booleans()) else f"x {op} {v}"
    if kind == "p":
        values = draw(st.lists(st.sampled_from(PAINS), min_size=1, max_size=3, unique=True))
        form = draw(st.sampled_from(("==", "!=", "in", "not in")))
        if form in ("==", "!="):
            return f"p {form} {values[0]}"
        return f"p {form} {{{', '.join(values)}}}"
    if kind == "b":
        return draw(st.sampled_from(("b", "not b", "b == true", "b != false")))
    name = draw(st.sampled_from(("a", "x", "p", "b")))
    return f"{name} is {draw(st.sampled_from(('known', 'unknown')))}"


def guards(depth: int = 3) -> st.SearchStrategy[str]:
    return st.recursive(
        atoms(),
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} or {t[1]})"),
            inner.map(lambda g: f"not ({g})"),
        ),
        max_leaves=depth * 2,
    )


TEMPLATE = """pathway p "P"

input a: integer 0..20 "A"
input x: decimal 0..10 "X"
input p: one of none, mild, severe "P"
input b: boolean "B"

start d

decision d "D?"
  when {g1} -> e1
  when {g2} -> e2
  otherwise -> e1

end e1 "E1"
end e2 "E2"
"""


def load_guards(g1: str, g2: str) -> tuple[Pathway, ir.Expr, ir.Expr]:
    loaded = load_text(TEMPLATE.replace("{g1}", g1).replace("{g2}", g2))
    assert loaded.pathway is not None, loaded.diagnostics
    branches = loaded.pathway.graph.nodes["d"]["branches"]
    assert branches[0].guard is not None and branches[1].guard is not None
    return loaded.pathway, branches[0].guard, branches[1].guard


def z3_empty(smt: Smt, *formulas: Any) -> bool:
    answer = smt.check(*formulas)
    assert answer.status in (SAT, UNSAT)
    return answer.status == UNSAT


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(guards(), guards())
def test_box_verdicts_agree_with_z3(g1: str, g2: str) -> None:
    pathway, e1, e2 = load_guards(g1, g2)
    domain = domain_of(pathway)
    tr = Translator(domain, pathway.defines)
    try:
        t1, f1 = tr.tf(e1)
        t2, f2 = tr.tf(e2)
    except (OutOfFragment, TooComplex):
        assume(False)
        return
    smt = Smt(domain, pathway.defines)
    z3 = smt.z3
    zt1, zf1 = smt.tf(e1)
    zt2, zf2 = smt.tf(e2)
    complete: Boxes = [domain.complete()]
    all_known = z3.And([smt.boxes([{n: domain.known(n)}]) for n in domain.vars])
    # emptiness, of holds and of fails
    assert (not t1) == z3_empty(smt, zt1)
    assert (not f1) == z3_empty(smt, zf1)
    # overlap
    assert (not domain.inter(t1, t2)) == z3_empty(smt, zt1, zt2)
    # gap among complete patients
    assert (not domain.inter_all([complete, f1, f2])) == z3_empty(smt, all_known, zf1, zf2)
    # covers: every patient for whom g2 holds also has g1
    assert (not domain.minus(t2, t1)) == z3_empty(smt, zt2, z3.Not(zt1))
    # Kleene: true and false never meet; together with unknown they cover everyone
    assert not domain.inter(t1, f1)
    # the engine's own points evaluate as it says
    names = list(pathway.inputs)
    for guard, region, expected in (
        (e1, t1, True),
        (e1, f1, False),
        (e2, t2, True),
        (e2, f2, False),
    ):
        for box in region[:4]:
            for unknown in ((), names):
                point = domain.pick(box, names, prefer_unknown=unknown)
                assert Evaluator(pathway, point).holds(guard) is expected


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pathway_sources(allow_cycles=True, comments=False, messy=False))
def test_every_reported_witness_shows_the_problem(text: str) -> None:
    loaded = check_text(text)
    assert loaded.pathway is not None
    for d in loaded.diagnostics:
        if d.code.startswith("CP3") and d.witness is not None:
            assert_witness_shows(loaded.pathway, d)
    a = analysis(loaded.pathway)
    if a._smt is None and all(a.exact.values()):
        # Boxes alone are exact and never time out: a patient they find must be confirmed.
        assert not [d for d in loaded.diagnostics if d.code == "CP313"]

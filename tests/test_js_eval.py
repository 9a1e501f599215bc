"""The JavaScript evaluator (render/static/evaluator.js, run by Node) agrees with the
Python reference interpreter, patient by patient, on the seed pathway and on
generated pathways. Patients are batched: one Node process per pathway."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.compiler import ir
from carepath.compiler.evaluate import Result, evaluate
from carepath.compiler.pathway import Pathway, load, load_text
from carepath.render.codegen_js import node_module, pathway_data, patient_data
from tests.strategies import pathway_sources, patients

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
NODE = shutil.which("node") or "node"

_RUNNER = """
const m = require(process.argv[1]);
const patients = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(patients.map(m.run)));
"""


def run_js(pathway: Pathway, batch: list[dict[str, ir.Value]], tmp: Path) -> list[dict[str, Any]]:
    module = tmp / f"{pathway.id}.js"
    module.write_text(node_module(pathway), encoding="utf-8")
    done = subprocess.run(
        [NODE, "-e", _RUNNER, str(module)],
        input=json.dumps([patient_data(p) for p in batch]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def comparable(result: Result) -> dict[str, Any]:
    """A Python result in the shape the JavaScript evaluator returns (without texts)."""
    return {
        "status": result.status,
        "path": list(result.path),
        "steps": [[s.node, s.kind, s.branch] for s in result.steps],
        "recommendations": [
            [r.node, r.kind, r.text, r.strength, list(r.citations)] for r in result.recommendations
        ],
        "outcome": result.outcome,
        "needs": list(result.needs),
        "undetermined": [[u.node, u.text, list(u.needs)] for u in result.undetermined],
    }


def js_comparable(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": result["status"],
        "path": result["path"],
        "steps": [[s["node"], s["kind"], s["branch"]] for s in result["steps"]],
        "recommendations": [
            [r["node"], r["kind"], r["text"], r["strength"], r["citations"]]
            for r in result["recommendations"]
        ],
        "outcome": result["outcome"],
        "needs": result["needs"],
        "undetermined": [[u["node"], u["text"], u["needs"]] for u in result["undetermined"]],
    }


def assert_agree(pathway: Pathway, batch: list[dict[str, ir.Value]], tmp: Path) -> None:
    js = run_js(pathway, batch, tmp)
    assert len(js) == len(batch)
    for patient, got in zip(batch, js, strict=True):
        expected = comparable(evaluate(pathway, patient))
        assert js_comparable(got) == expected, f"patient {patient}"


@pytest.fixture(scope="module")
def seed() -> Pathway:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway


def test_seed_cases_agree(seed: Pathway, tmp_path: Path) -> None:
    batch = [dict(c.patient) for c in seed.cases] + [{}]
    assert_agree(seed, batch, tmp_path)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data())
def test_seed_random_patients_agree(seed: Pathway, tmp_path: Path, data: st.DataObject) -> None:
    batch = data.draw(st.lists(patients(seed), min_size=100, max_size=100))
    assert_agree(seed, batch, tmp_path)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.too_slow,
    ],
)
@given(data=st.data(), allow_cycles=st.booleans())
def test_generated_pathways_agree(tmp_path: Path, data: st.DataObject, allow_cycles: bool) -> None:
    text = data.draw(pathway_sources(allow_cycles=allow_cycles))
    loaded = load_text(text, "generated.cpath")
    assert loaded.pathway is not None
    batch = data.draw(st.lists(patients(loaded.pathway), min_size=12, max_size=12))
    assert_agree(loaded.pathway, batch, tmp_path)


_EXACT = """\
pathway exact "Exact thresholds"
input t: duration
input dose: decimal mg 0..5000
define third = dose / 3
start d
decision d "D?" first
  when t >= 3 months -> long
  when t > 13 weeks -> odd
  when third == 0.5 mg -> third_mg
  otherwise -> short
end long "L"
end odd "O"
end third_mg "T"
end short "S"
"""


def test_exact_rationals_at_thresholds(tmp_path: Path) -> None:
    loaded = load_text(_EXACT)
    pathway = loaded.pathway
    assert pathway is not None and not loaded.diagnostics, loaded.diagnostics
    month = Fraction(31557600, 12)
    week = Fraction(604800)
    batch: list[dict[str, ir.Value]] = [
        {"t": 3 * month},  # exactly 3 months: long
        {"t": 3 * month - Fraction(1, 10**9)},  # a nanosecond less: not long, but > 13 weeks
        {"t": 13 * week},  # 13 weeks is less than 3 months and not > 13 weeks
        {"t": 13 * week, "dose": Fraction(15, 10) / 10**6},  # 1.5 mg (in kg) / 3 == 0.5 mg
        {"t": 13 * week, "dose": Fraction(1500000001, 10**15)},  # a hair over 1.5 mg
    ]
    expected = ["long", "odd", None, "third_mg", "short"]
    assert [evaluate(pathway, p).outcome for p in batch] == expected
    assert [r["outcome"] for r in run_js(pathway, batch, tmp_path)] == expected
    assert_agree(pathway, batch, tmp_path)


def test_data_holds_no_floats(seed: Pathway) -> None:
    def walk(value: Any) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(pathway_data(seed))


def test_parse_rat_is_exact() -> None:
    script = (
        "const E = require(process.argv[1]);"
        "const out = ['2.5', '-0.125', '0.1', '007', '1/3', '6/4', '', 'x', '1e3', '.5', '5.']"
        ".map((s) => { const r = E.parseRat(s); return r === null ? null : r.toString(); });"
        "process.stdout.write(JSON.stringify(out));"
    )
    module = ROOT / "render" / "static" / "evaluator.js"
    done = subprocess.run(
        [NODE, "-e", script, str(module)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        "5/2", "-1/8", "1/10", "7", "1/3", "3/2", None, None, None, "1/2", "5",
    ]  # fmt: skip

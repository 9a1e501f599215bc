"""Patients per second on the seed pathway: interpreter, compiled module and a
hand-written function (the baseline), measured in the same run.

    .venv/bin/python bench/bench_eval.py [--patients N] [--repeat R] [--quick]

Goals: compiled <= 1.5x the hand-written time per patient; interpreter <= 10x.
Every patient is first checked: the three implementations must agree.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import handwritten_seed  # noqa: E402

from carepath.compiler import ir  # noqa: E402
from carepath.compiler.codegen_python import load_module, to_result  # noqa: E402
from carepath.compiler.evaluate import evaluate  # noqa: E402
from carepath.compiler.pathway import Pathway, load  # noqa: E402

SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
WEEK = Fraction(604800)


def make_patients(pathway: Pathway, count: int, missing: float, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    patients = []
    for _ in range(count):
        patient: dict[str, ir.Value] = {}
        for name, decl in pathway.inputs.items():
            if rng.random() < missing:
                continue
            t = decl.type
            if isinstance(t, ir.BooleanType):
                patient[name] = rng.random() < 0.3
            elif isinstance(t, ir.EnumType):
                patient[name] = rng.choice(t.values)
            elif isinstance(t, ir.NumberType) and t.duration:
                patient[name] = WEEK * rng.randint(1, 60)
            else:
                assert isinstance(t, ir.NumberType) and decl.low is not None
                step = t.unit.factor if t.unit else Fraction(1)
                low, high = int(decl.low / step), int((decl.high or decl.low) / step)
                patient[name] = step * rng.randint(low, high)
        patients.append(patient)
    return patients


def agree(pathway: Pathway, module: object, patients: list[dict]) -> None:
    for patient in patients:
        expected = evaluate(pathway, patient)
        compiled = to_result(module.evaluate(patient))  # type: ignore[attr-defined]
        assert compiled == expected, patient
        hand = handwritten_seed.evaluate(patient)
        mine = (
            expected.status,
            expected.path,
            expected.outcome,
            tuple(
                (r.node, r.kind, r.text, r.strength, r.citations) for r in expected.recommendations
            ),
            expected.needs,
            tuple((u.node, u.text, u.needs) for u in expected.undetermined),
        )
        assert hand == mine, (patient, hand, mine)


def per_patient(
    runs: dict[str, Callable[[dict], object]], patients: list[dict], repeat: int
) -> dict[str, float]:
    """Best time per patient of each implementation. The implementations take turns
    within every repeat, so a burst of load on a shared machine hits all of them."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, function in runs.items():
            start = time.perf_counter()
            for patient in patients:
                function(patient)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: seconds / len(patients) for name, seconds in best.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--missing", type=float, default=0.1, help="share of absent inputs")
    parser.add_argument("--quick", action="store_true", help="1,000 patients, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.patients, args.repeat = 1000, 1
    loaded = load(SEED)
    assert loaded.pathway is not None
    pathway = loaded.pathway
    module = load_module(pathway)
    patients = make_patients(pathway, args.patients, args.missing)
    agree(pathway, module, patients)
    statuses: dict[str, int] = {}
    for p in patients:
        status = evaluate(pathway, p).status
        statuses[status] = statuses.get(status, 0) + 1
    print(f"seed pathway, {len(patients)} patients (all three agree on each): {statuses}")

    runs = {
        "hand-written": lambda p: handwritten_seed.evaluate(p),
        "compiled (no explanations)": lambda p: module.evaluate(p, None, False),
        "compiled (explanations)": lambda p: module.evaluate(p),
        "interpreter (no explanations)": lambda p: evaluate(pathway, p, explain=False),
        "interpreter (explanations)": lambda p: evaluate(pathway, p),
    }
    times = per_patient(runs, patients, args.repeat)
    base = times["hand-written"]
    print(f"{'implementation':<32}{'us/patient':>12}{'patients/s':>14}{'x hand':>9}")
    for name, seconds in times.items():
        print(f"{name:<32}{seconds * 1e6:>12.2f}{1 / seconds:>14,.0f}{seconds / base:>9.2f}")
    compiled_ratio = times["compiled (no explanations)"] / base
    interp_ratio = times["interpreter (no explanations)"] / base
    print(
        f"goal compiled <= 1.5x hand-written: {compiled_ratio:.2f}x "
        f"{'met' if compiled_ratio <= 1.5 else 'NOT met'}; "
        f"interpreter <= 10x: {interp_ratio:.2f}x {'met' if interp_ratio <= 10 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

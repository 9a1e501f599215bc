"""The structural checks (CP2xx) against an independent reading of random graphs,
plus what the golden files cannot show: every code documented and exercised,
each finding reported once."""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import carepath.compiler.checks as checks
from carepath.compiler.check import check_text
from carepath.compiler.checks import (
    codes_structure,
    structure_common,
    structure_content,
    structure_dead_ends,
    structure_endings,
    structure_reachability,
    structure_start,
    structure_unused,
)
from carepath.compiler.pathway import load_text
from carepath.dsl.diagnostics import Diagnostic, make, registered_codes

PASSES = (
    structure_start,
    structure_reachability,
    structure_dead_ends,
    structure_endings,
    structure_content,
    structure_unused,
)
GOLDEN = Path(__file__).parent / "golden" / "structure"
STRUCTURE_CODES = sorted(c for c in registered_codes() if c.startswith("CP2"))


@pytest.mark.parametrize("module", [*PASSES, structure_common], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_structural_passes_run_first_in_order() -> None:
    names = [name for name, _ in checks.CHECKS]
    ours = ["start", "reachability", "dead_ends", "endings", "content", "unused"]
    assert names[: len(ours)] == ours


def test_every_code_documented_and_in_golden_files() -> None:
    assert codes_structure.__name__  # registered on import
    assert [f"CP2{n:02d}" for n in range(1, 12)] == STRUCTURE_CODES
    expected = "\n".join(p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.cpath"))
    for code in STRUCTURE_CODES:
        entry = registered_codes()[code]
        assert entry.title and entry.explanation and entry.bad and entry.fixed, code
        assert entry.bad != entry.fixed, code
        assert re.search(rf"# expect:[A-Z0-9 ]*\b{code}\b", expected), f"no golden file for {code}"
        prefix = code.lower()
        oks = [p for p in GOLDEN.glob("*_ok.cpath") if prefix in p.name]
        assert oks, f"no near-miss clean golden file for {code}"


def test_run_checks_reports_each_fact_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'pathway p "P"\n\nstart a\n\nend a "A"\nend b "B"\n'
    pathway = load_text(text).pathway
    assert pathway is not None
    (unreachable,) = [d for d in checks.run_checks(pathway) if d.code == "CP203"]

    def repeating_pass(_pathway: object) -> Iterable[Diagnostic]:
        # A later (logic) pass that meets the same node: the same finding again, and
        # another code at the same place; plus a finding elsewhere that must stay.
        yield unreachable
        yield make("CP101", "no patient reaches `b`", unreachable.span)
        yield make(
            "CP101",
            "something else",
            structure_common.name_span(pathway, pathway.graph.nodes["a"]["span"], "a"),
        )

    monkeypatch.setattr(checks.passes, "CHECKS", (*checks.CHECKS, ("repeat", repeating_pass)))
    found = checks.run_checks(pathway)
    assert [(d.code, d.span.line) for d in found] == [("CP203", 6), ("CP101", 5)]


def test_each_unreachable_node_reported_once_with_what_leads_there() -> None:
    text = (
        'pathway p "P"\n\ninput x: boolean\n\nstart a\n\nend a "A"\n'
        'decision b "B?"\n  when x -> c\n  otherwise -> c\n'
        'action c "C"\n  next b\n'
    )
    found = [d for d in check_text(text).diagnostics if d.code == "CP203"]
    assert [(d.span.line, d.message) for d in found] == [
        (8, "no path from `start` reaches decision `b`"),
        (11, "no path from `start` reaches action `c`"),
    ]
    assert found[0].notes == ("only `c` leads here, and it is unreachable too",)
    assert [line for line in (s.line for s, _ in found[1].related)] == [9]
    # `x` is read by an unreachable decision: used, so not reported.
    assert "CP207" not in {d.code for d in check_text(text).diagnostics}


def test_findings_stop_at_errors_and_respect_suppression() -> None:
    # An unknown target is a CP101 error: structural findings would be noise.
    broken = 'pathway p "P"\n\nstart a\n\naction a "A"\n  next nowhere\nend b "B"\n'
    assert {d.code for d in check_text(broken).diagnostics} == {"CP101"}
    silenced = 'pathway p "P"\n\nstart a\n\nend a "A"\nend b "B"  # carepath: ignore[CP203]\n'
    assert check_text(silenced).diagnostics == ()


def test_name_span_points_at_the_name_not_the_keyword() -> None:
    text = 'pathway end "P"\n\nstart end\n\nend end\n'
    loaded = check_text(text)
    (d,) = loaded.diagnostics
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("CP205", 5, 5, 8)


# ---------------------------------------------------------------- random graphs


@dataclass(frozen=True)
class Spec:
    """A random pathway shape: per node its kind and where it leads."""

    kinds: tuple[str, ...]  # "decision", "action", "end"
    whens: tuple[tuple[int, ...], ...]  # decision: targets of `when` branches
    otherwise: tuple[int | None, ...]  # decision: target of `otherwise`
    nexts: tuple[int | None, ...]  # action: target of `next`
    labelled: tuple[bool, ...]  # end: has an outcome
    starts: tuple[int, ...]

    def edges(self, i: int) -> list[int]:
        if self.kinds[i] == "decision":
            targets = [*self.whens[i], self.otherwise[i]]
        elif self.kinds[i] == "action":
            targets = [self.nexts[i]]
        else:
            targets = []
        return [t for t in targets if t is not None]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(1, 7))
    target = st.integers(0, n - 1)
    kinds = tuple(draw(st.sampled_from(["decision", "action", "end"])) for _ in range(n))
    return Spec(
        kinds,
        tuple(tuple(draw(st.lists(target, max_size=3))) for _ in range(n)),
        tuple(draw(st.none() | target) for _ in range(n)),
        tuple(draw(st.none() | target) for _ in range(n)),
        tuple(draw(st.booleans()) for _ in range(n)),
        tuple(draw(st.lists(target, max_size=3))),
    )


def render(spec: Spec) -> tuple[str, dict[str, int]]:
    """The pathway text, and the line each node is declared on."""
    lines = ['pathway p "Random"', ""]
    conditions = sum(len(w) for w in spec.whens)
    lines += [f"input x{i}: boolean" for i in range(conditions)]
    lines += [f"start n{s}" for s in spec.starts]
    where: dict[str, int] = {}
    used = 0
    for i, kind in enumerate(spec.kinds):
        where[f"n{i}"] = len(lines) + 1
        if kind == "decision":
            lines.append(f'decision n{i} "Q{i}?" first')
            lines.append('  note "n"')
            for t in spec.whens[i]:
                lines.append(f"  when x{used} -> n{t}")
                used += 1
            if spec.otherwise[i] is not None:
                lines.append(f"  otherwise -> n{spec.otherwise[i]}")
        elif kind == "action":
            lines.append(f'action n{i} "Step {i}"')
            lines.append(f'  recommend "R{i}"')
            if spec.nexts[i] is not None:
                lines.append(f"  next n{spec.nexts[i]}")
        else:
            lines.append(f'end n{i} "Outcome {i}"' if spec.labelled[i] else f"end n{i}")
    return "\n".join(lines) + "\n", where


def expected(spec: Spec, where: dict[str, int]) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    n = len(spec.kinds)
    if not spec.starts:
        out.add(("CP201", 1))
    start_lines = [
        i for i, line in enumerate(render(spec)[0].split("\n"), 1) if line.startswith("start ")
    ]
    out |= {("CP202", line) for line in start_lines[1:]}
    seen: set[int] = set()
    todo = list(spec.starts)
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(spec.edges(i))
    incoming = {t for i in range(n) for t in spec.edges(i)}
    for i, kind in enumerate(spec.kinds):
        line = where[f"n{i}"]
        if spec.starts and i not in seen:
            out.add(("CP203", line))
        if kind == "action" and spec.nexts[i] is None:
            out.add(("CP204", line))
        if kind == "action" and spec.nexts[i] == i:
            out.add(("CP206", line + 2))
        if kind == "decision" and not spec.edges(i):
            out.add(("CP204", line))
        if kind == "decision" and not spec.whens[i] and spec.otherwise[i] is not None:
            out.add(("CP210", line))
        if kind == "end" and not spec.labelled[i] and (i in incoming or i in spec.starts):
            out.add(("CP205", line))
    return out


@settings(max_examples=150, deadline=None)
@given(specs())
def test_structure_matches_an_independent_reading(spec: Spec) -> None:
    text, where = render(spec)
    loaded = load_text(text)
    assert loaded.pathway is not None and loaded.ok, loaded.diagnostics
    found: list[Diagnostic] = []
    for module in PASSES:
        check = getattr(module, next(n for n in dir(module) if n.startswith("check_")))
        found.extend(check(loaded.pathway))
    got = [(d.code, d.span.line) for d in found if d.code != "CP207"]
    assert len(got) == len(set(got)), "a finding reported twice"
    assert set(got) == expected(spec, where), text
    for d in found:
        assert d.message.strip() and d.span.line >= 1 and d.span.column >= 1

"""Generate large, valid pathways for benchmarks.

    python bench/generate.py --nodes 10000 [--seed 0] [-o big.cpath]

The pathway is a DAG in which every node is reachable from ``start``: each new
node fills an open branch or ``next`` of an earlier node, and a few edges go to
an existing later node (so nodes are shared, as in real pathways). It mixes
boolean, enumeration, integer (with units and ranges), decimal and duration
inputs; decisions with 2–6 branches (``unique`` with disjoint conditions, some
``first``), a few with 50+ branches over one number (disjoint intervals, so the
checks stay clean); long chains of actions; actions with cited, graded and
guarded items; and ends with outcomes. Each decision reads its own inputs, so
no path makes a later branch impossible. The output depends only on
``--nodes`` and ``--seed``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REFERENCES = 40
SHARED_INPUTS = 24
WORDS = (
    "analgesia",
    "bracing",
    "physiotherapy",
    "imaging",
    "review",
    "referral",
    "calcium",
    "vitamin",
    "bisphosphonate",
    "denosumab",
    "teriparatide",
    "augmentation",
    "education",
    "exercise",
    "follow-up",
    "density",
    "fracture",
    "pain",
    "mobility",
    "falls",
    "assessment",
    "nutrition",
    "sleep",
    "mood",
)


@dataclass
class Node:
    index: int
    kind: str  # decision, action, end
    label: str
    policy: str = "unique"
    # (condition or None for otherwise, target index or -1 while open)
    branches: list[tuple[str | None, int]] = field(default_factory=list)
    next: int = -1
    items: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.kind[0]}{self.index}"


class Generator:
    def __init__(self, nodes: int, seed: int) -> None:
        if nodes < 10:
            raise ValueError("at least 10 nodes")
        self.budget = nodes
        self.rng = random.Random(seed)
        self.nodes: list[Node] = []
        self.inputs: list[str] = []
        # (node index, branch index or -1 for `next`)
        self.open: list[tuple[int, int]] = []
        self.shared = self._shared_inputs()
        self.shared_used = 0
        self.refs_used = 0

    # ------------------------------------------------------------ inputs
    def _shared_inputs(self) -> list[tuple[str, str]]:
        """Inputs read by item guards: (name, a condition on it)."""
        out: list[tuple[str, str]] = []
        for k in range(SHARED_INPUTS):
            kind = k % 4
            if kind == 0:
                self.inputs.append(f'input age_{k}: integer years 0..120 "Age, measure {k}"')
                out.append((f"age_{k}", f"age_{k} >= {60 + k % 20}"))
            elif kind == 1:
                self.inputs.append(f'input egfr_{k}: decimal mL/min 0..200 "eGFR {k}"')
                out.append((f"egfr_{k}", f"egfr_{k} < {30 + k} mL/min"))
            elif kind == 2:
                self.inputs.append(f'input frail_{k}: boolean "Frailty {k}"')
                out.append((f"frail_{k}", f"not frail_{k}"))
            else:
                self.inputs.append(
                    f'input pain_{k}: one of none, mild, moderate, severe "Pain {k}"'
                )
                out.append((f"pain_{k}", f"pain_{k} in {{moderate, severe}}"))
        return out

    def _guard(self) -> str:
        _name, condition = self.shared[self.shared_used % len(self.shared)]
        self.shared_used += 1
        return condition

    def _cite(self) -> str:
        ref = f"ref{self.refs_used % REFERENCES}"
        self.refs_used += 1
        return ref

    # ------------------------------------------------------------ decisions
    def _decision_branches(self, i: int) -> tuple[str, list[str | None]]:
        """A policy and the conditions of a new decision (None = otherwise)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            # Many branches over one number: disjoint half-open intervals.
            count = rng.randint(50, 60)
            step = rng.choice((1, 2, 5))
            self.inputs.append(f'input level_{i}: decimal mmol/L 0..{count * step * 2} "Level {i}"')
            conditions: list[str | None] = [f"level_{i} < {step}"]
            conditions += [
                f"level_{i} >= {k * step} and level_{i} < {(k + 1) * step}" for k in range(1, count)
            ]
            return "unique", [*conditions, None]
        if roll < 0.25:
            self.inputs.append(f'input flag_{i}: boolean "Finding {i}"')
            return "unique", [f"flag_{i}", None]
        if roll < 0.45:
            values = [f"v{k}" for k in range(rng.randint(3, 6))]
            self.inputs.append(f'input kind_{i}: one of {", ".join(values)} "Category {i}"')
            # Cover all but the last value, one or two values per branch.
            conditions = []
            rest = values[:-1]
            while rest:
                take = rest[: rng.randint(1, 2)]
                rest = rest[len(take) :]
                conditions.append(
                    f"kind_{i} == {take[0]}"
                    if len(take) == 1
                    else f"kind_{i} in {{{', '.join(take)}}}"
                )
            return "unique", [*conditions, None]
        if roll < 0.65:
            self.inputs.append(f'input age_d{i}: integer years 0..120 "Age at step {i}"')
            cuts = sorted(rng.sample(range(5, 115), rng.randint(1, 4)))
            conditions = [f"age_d{i} < {cuts[0]}"]
            conditions += [
                f"age_d{i} >= {a} and age_d{i} < {b}" for a, b in itertools.pairwise(cuts)
            ]
            return "unique", [*conditions, None]
        if roll < 0.82:
            self.inputs.append(f'input since_{i}: duration "Time since event {i}"')
            cuts = sorted(rng.sample(range(1, 104), rng.randint(1, 3)))
            conditions = [f"since_{i} < {cuts[0]} weeks"]
            conditions += [
                f"since_{i} >= {a} weeks and since_{i} < {b} weeks"
                for a, b in itertools.pairwise(cuts)
            ]
            return "unique", [*conditions, None]
        # First-match: independent conditions on this decision's own inputs.
        self.inputs.append(f'input sign_{i}: boolean "Sign {i}"')
        self.inputs.append(f'input dose_{i}: decimal mg/d 0..5000 "Dose {i}"')
        conditions = [f"sign_{i}", f"dose_{i} >= {rng.randint(100, 2000)} mg/d"]
        if rng.random() < 0.5:
            self.inputs.append(f'input stage_{i}: one of early, late "Stage {i}"')
            conditions.append(f"stage_{i} == late and not sign_{i}")
        return "first", [*conditions, None]

    # ------------------------------------------------------------ nodes
    def _new(self, kind: str) -> Node:
        i = len(self.nodes)
        words = " ".join(self.rng.sample(WORDS, 3))
        if kind == "decision":
            node = Node(i, kind, f"Which way for {words}?")
            node.policy, conditions = self._decision_branches(i)
            node.branches = [(c, -1) for c in conditions]
            self.open.extend((i, b) for b in range(len(conditions)))
        elif kind == "action":
            node = Node(i, kind, f"Step {i}: {words}")
            for k in range(self.rng.randint(1, 3)):
                verb = ("recommend", "consider", "avoid")[(i + k) % 3]
                item = f'{verb} "{words.capitalize()} ({i}.{k})" cite {self._cite()}'
                if k == 0:
                    item += " strength " + ("strong", "moderate", "weak", "conditional")[i % 4]
                if k == 1 or verb == "consider":
                    item += f" when {self._guard()}"
                node.items.append(item)
            if i % 7 == 0:
                node.notes.append(f"Discuss {words} with the patient")
            self.open.append((i, -1))
        else:
            node = Node(i, kind, f"Outcome {i}: {words}")
            if i % 3 == 0:
                node.items.append(f'recommend "Follow up on {words} ({i})" cite {self._cite()}')
        self.nodes.append(node)
        return node

    def _fill(self, slot: tuple[int, int], target: int) -> None:
        owner, branch = slot
        node = self.nodes[owner]
        if branch < 0:
            node.next = target
        else:
            node.branches[branch] = (node.branches[branch][0], target)

    def build(self) -> list[Node]:
        rng = self.rng
        finals = max(3, self.budget // 200)
        self._new("decision")
        while self.open and len(self.nodes) < self.budget - finals:
            # Depth first most of the time (deep paths), sometimes breadth first.
            slot = self.open.pop() if rng.random() < 0.8 else self.open.pop(0)
            owner = slot[0]
            later = len(self.nodes) - owner - 1
            if later > 0 and rng.random() < 0.08:
                # Share an existing node created after the owner: stays acyclic.
                self._fill(slot, owner + 1 + rng.randrange(later))
                continue
            left = self.budget - finals - len(self.nodes)
            roll = rng.random()
            if roll < 0.06 and left > 60:
                # A long chain of actions.
                length = rng.randint(10, 50)
                first = self._new("action")
                self._fill(slot, first.index)
                previous = first
                for _ in range(length - 1):
                    self.open.pop()  # previous action's `next`, filled right here
                    node = self._new("action")
                    previous.next = node.index
                    previous = node
                continue
            if len(self.open) < 4 or roll < 0.40:
                kind = "decision"
            elif roll < 0.78:
                kind = "action"
            else:
                kind = "end"
            node = self._new(kind)
            self._fill(slot, node.index)
        ends = [self._new("end") for _ in range(self.budget - len(self.nodes))]
        for k, slot in enumerate(self.open):
            self._fill(slot, ends[k % len(ends)].index)
        self.open.clear()
        return self.nodes

    # ------------------------------------------------------------ text
    def text(self) -> str:
        nodes = self.build()
        lines = [
            f'pathway generated_{self.budget} "Generated benchmark pathway ({self.budget} nodes)"',
            '  version "1.0.0"',
            "  status draft",
            '  population "Synthetic patients"',
            "",
        ]
        for k in range(REFERENCES):
            lines.append(f'reference ref{k} "Synthetic guideline {k}" year {2000 + k % 25}')
        lines.append("")
        lines += self.inputs
        lines += ["", f"start {nodes[0].id}", ""]
        for node in nodes:
            if node.kind == "decision":
                policy = " first" if node.policy == "first" else ""
                lines.append(f'decision {node.id} "{node.label}"{policy}')
                for condition, target in node.branches:
                    arrow = f"otherwise -> {nodes[target].id}"
                    lines.append(
                        f"  when {condition} -> {nodes[target].id}" if condition else "  " + arrow
                    )
            elif node.kind == "action":
                lines.append(f'action {node.id} "{node.label}"')
                lines += [f"  {item}" for item in node.items]
                lines += [f'  note "{note}"' for note in node.notes]
                lines.append(f"  next {nodes[node.next].id}")
            else:
                lines.append(f'end {node.id} "{node.label}"')
                lines += [f"  {item}" for item in node.items]
            lines.append("")
        return "\n".join(lines)


def generate(nodes: int, seed: int = 0) -> str:
    """The text of a valid pathway with exactly ``nodes`` nodes."""
    return Generator(nodes, seed).text()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    text = generate(args.nodes, args.seed)
    if args.output is None:
        sys.stdout.write(text)
    else:
        from carepath.dsl.files import write_atomic

        write_atomic(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

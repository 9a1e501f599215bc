"""CP312: a loop that some patient with fixed data goes round forever.

Cycles ("reassess in 4 weeks" back to an earlier step) are fine when every
patient leaves them: with fixed data the branches a patient takes never
change, so a patient goes round forever exactly when they reach the cycle and
every branch along it holds for them. We look for such a patient on each
simple cycle (a bounded number per strongly connected component).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import networkx as nx

from carepath.compiler.evaluate import LOOP, Result
from carepath.compiler.pathway import Pathway
from carepath.dsl.diagnostics import Diagnostic, make

from .logic_analysis import SAT, UNKNOWN, Analysis, Region, analysis

MAX_CYCLES = 200


def _edge(a: Analysis, source: str, target: str) -> Region:
    """Patients at ``source`` who move on to ``target``."""
    data = a.graph.nodes[source]
    if data["kind"] != "decision":
        return [{}]
    info = a.decisions[source]
    regions = [info.choose[b.index] for b in info.branches if b.target == target]
    return a.union(*regions) if regions else []


def _loops(result: Result) -> bool:
    return result.status == LOOP


def check_cycles(pathway: Pathway) -> Iterator[Diagnostic]:
    a = analysis(pathway)
    graph = a.graph
    order = {node: i for i, node in enumerate(graph)}
    for component in a.components:
        members = sorted(component, key=order.__getitem__)
        if len(members) == 1 and (
            not graph.has_edge(members[0], members[0])
            or graph.nodes[members[0]]["kind"] == "action"  # CP206, a structural finding
        ):
            continue
        sub = graph.subgraph(members)
        cycles = [list(c) for c in islice(nx.simple_cycles(sub), MAX_CYCLES + 1)]
        undecided = len(cycles) > MAX_CYCLES
        cycles = cycles[:MAX_CYCLES]
        for cycle in cycles:
            first = min(range(len(cycle)), key=lambda k: order[cycle[k]])
            cycle[:] = cycle[first:] + cycle[:first]
        cycles.sort(key=lambda c: (len(c), [order[n] for n in c]))
        reported = False
        for cycle in cycles:
            steps = [_edge(a, s, t) for s, t in zip(cycle, [*cycle[1:], cycle[0]], strict=True)]
            region = a.inter(a.reach[cycle[0]], *steps)
            status, witness = a.witness(region, _loops)
            if status == SAT:
                shown = " -> ".join([*cycle, cycle[0]])
                yield make(
                    "CP312",
                    f"a patient can go round `{shown}` forever: with fixed data every "
                    "branch on the loop keeps holding",
                    graph.nodes[cycle[0]]["span"],
                    notes=["give the loop an exit that depends on something that changes"],
                    witness=witness,
                    related=[(graph.nodes[n]["span"], f"`{n}` is on the loop") for n in cycle[1:]],
                )
                reported = True
                break
            if status == UNKNOWN:
                undecided = True
        if undecided and not reported:
            yield a.could_not_decide(
                "whether every patient leaves this loop", graph.nodes[members[0]]["span"]
            )

"""The numbers each input is compared with, in every guard of a pathway: where the box
engine cuts each input's range, and what CP310 compares."""

from __future__ import annotations

from fractions import Fraction

from carepath.compiler import ir
from carepath.compiler.pathway import Pathway

from .boxes import fold
from .witness import guards


def thresholds(pathway: Pathway) -> dict[str, dict[Fraction, ir.Const]]:
    """Per input, each threshold value with the first constant (in source order) that sets it."""
    found: dict[str, dict[Fraction, ir.Const]] = {}

    def visit(e: ir.Expr) -> None:
        kind = type(e)
        if kind is ir.Compare:
            assert isinstance(e, ir.Compare)
            left, right = fold(e.left), fold(e.right)
            for ref, const in ((left, right), (right, left)):
                if (
                    isinstance(ref, ir.Ref)
                    and ref.is_input
                    and isinstance(const, ir.Const)
                    and isinstance(const.value, Fraction)
                ):
                    seen = found.setdefault(ref.name, {})
                    if const.value not in seen or const.span < seen[const.value].span:
                        seen[const.value] = const
            for side in (e.left, e.right):
                if type(side) is not ir.Ref and type(side) is not ir.Const:
                    visit(side)  # counts and points hold conditions of their own
            return
        if kind is ir.And or kind is ir.Or:
            for child in e.operands:  # type: ignore[attr-defined]
                visit(child)
            return
        for child in ir.children(e):
            visit(child)

    for guard in guards(pathway):
        try:
            visit(guard)
        except Exception:
            continue
    return found

"""Gap and overlap regions in words: boxes split, merged and described as a clinician reads them.

A region is one box of the box engine: per input an interval (or a set of values).
:func:`regions` turns a union of boxes into as few boxes as can be proven equal to
it (pieces of one input that are not contiguous stay apart, so each disjoint gap
gets its own witness); :func:`describe` says one in the author's units:

>>> merge_intervals([(0, True, 5, False), (5, True, 9, True)])
(0, True, 9, True)
"""

from __future__ import annotations

from collections.abc import Mapping

from carepath.compiler import ir
from carepath.compiler.units import Unit

from .boxes import Box, Boxes, Dim, Domain, EnumVar, Interval, NumVar
from .witness import show_value

MAX_SPLIT = 2000  # boxes: beyond that a region is reported as the engine holds it
MAX_MERGE = 400  # boxes: pairwise merging is quadratic


def merge_intervals(ivs: list[Interval]) -> Interval | None:
    """The one interval two touching or overlapping intervals make, else None."""
    (a, b) = sorted(ivs, key=lambda iv: (iv[0] is not None, iv[0] or 0, not iv[1]))
    alo, alc, ahi, ahc = a
    blo, blc, bhi, bhc = b
    if ahi is not None and blo is not None and (blo > ahi or (blo == ahi and not (ahc or blc))):
        return None
    if ahi is None or (bhi is not None and (bhi < ahi or (bhi == ahi and ahc))):
        return (alo, alc, ahi, ahc)
    return (alo, alc, bhi, bhc)


def _split(domain: Domain, box: dict[str, Dim]) -> Boxes:
    """One box per interval of each numeric input (the product of the pieces)."""
    out: Boxes = [dict(box)]
    for name, dim in box.items():
        if isinstance(dim, frozenset) or len(dim[0]) < 2:
            continue
        ivs, unknown = dim
        pieces: list[Dim] = [((iv,), False) for iv in ivs]
        if unknown:
            pieces.append(((), True))
        out = [{**b, name: piece} for b in out for piece in pieces]
    return out


def _merged(domain: Domain, a: Box, b: Box) -> dict[str, Dim] | None:
    """``a`` and ``b`` as one box when they differ in one input and the union is one piece."""
    names = set(a) | set(b)
    differ = [n for n in names if a.get(n, domain.full(n)) != b.get(n, domain.full(n))]
    if not differ:
        return dict(a)
    if len(differ) > 1:
        return None
    (name,) = differ
    da, db = a.get(name, domain.full(name)), b.get(name, domain.full(name))
    if isinstance(da, frozenset):
        assert isinstance(db, frozenset)
        union: Dim = da | db
    else:
        assert not isinstance(db, frozenset)
        (ia, ua), (ib, ub) = da, db
        if ua != ub or len(ia) != 1 or len(ib) != 1:
            return None
        joined = merge_intervals([ia[0], ib[0]])
        if joined is None:
            return None
        union = ((joined,), ua)
    merged = {**a, name: union}
    if domain.dim_full(name, union):
        del merged[name]
    return merged


def regions(domain: Domain, boxes: Boxes) -> Boxes:
    """The union ``boxes`` as few boxes, each one contiguous piece per number input."""
    pieces: Boxes = []
    for box in boxes:
        pieces.extend(_split(domain, box))
        if len(pieces) > MAX_SPLIT:
            return list(boxes)
    if len(pieces) > MAX_MERGE:
        return pieces
    changed = True
    while changed:
        changed = False
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces)):
                m = _merged(domain, pieces[i], pieces[j])
                if m is None and domain.contains(pieces[i], pieces[j]):
                    m = pieces[i]
                if m is None and domain.contains(pieces[j], pieces[i]):
                    m = pieces[j]
                if m is not None:
                    pieces[i] = m
                    del pieces[j]
                    changed = True
                    break
            if changed:
                break
    # A box inside the union of the others is no region of its own.
    i = 0
    while i < len(pieces) and len(pieces) > 1:
        others = pieces[:i] + pieces[i + 1 :]
        if domain.subset([pieces[i]], others):
            del pieces[i]
        else:
            i += 1
    return pieces


def describe(
    domain: Domain,
    box: Box,
    inputs: Mapping[str, ir.InputDecl],
    units: Mapping[str, list[Unit]],
    *,
    syntax: bool = False,
) -> str:
    """``pain is severe and 12 weeks <= fracture_age < 13 weeks``: what sets ``box`` apart
    (an input left at its whole plausible range, known, is not mentioned). With
    ``syntax``, written as a condition in the pathway language instead
    (``pain == severe and …``), for a branch that covers the box."""
    parts: list[str] = []
    equals = "==" if syntax else "="
    for name, decl in inputs.items():
        if name not in box:
            continue
        dim = box[name]
        var = domain.vars[name]
        shown_units = units.get(name, [])
        if isinstance(dim, frozenset):
            assert isinstance(var, EnumVar)
            values = [v for v in var.values if v in dim]
            if len(values) == len(var.values) or not values:
                continue
            shown = [show_value(decl, v, shown_units) for v in values]
            if syntax:
                parts.append(_enum_condition(name, decl, shown))
                continue
            listed = ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]
            parts.append(f"{name} is {listed}")
            continue
        assert isinstance(var, NumVar)
        pieces: list[str] = []
        for lo, lc, hi, hc in dim[0]:
            low = None if lo is None or (lc and var.down(lo) == var.low) else var.down(lo)
            high = None if hi is None or (hc and var.down(hi) == var.high) else var.down(hi)
            if low is not None and high is not None and low == high:
                pieces.append(f"{name} {equals} {show_value(decl, low, shown_units)}")
                continue
            if low is not None and high is None:
                pieces.append(f"{name} {'>=' if lc else '>'} {show_value(decl, low, shown_units)}")
                continue
            text = name
            if low is not None:
                text = f"{show_value(decl, low, shown_units)} {'<=' if lc else '<'} {text}"
            if high is not None:
                text = f"{text} {'<=' if hc else '<'} {show_value(decl, high, shown_units)}"
                pieces.append(text)
        if len(pieces) == 1:
            parts.append(pieces[0])
        elif pieces:
            parts.append("(" + " or ".join(pieces) + ")")
    return " and ".join(parts)


def _enum_condition(name: str, decl: ir.InputDecl, shown: list[str]) -> str:
    if isinstance(decl.type, ir.BooleanType):
        return name if shown == ["true"] else f"not {name}"
    if len(shown) == 1:
        return f"{name} == {shown[0]}"
    return f"{name} in {{{', '.join(shown)}}}"

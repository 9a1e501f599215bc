"""Guards as unions of boxes: the exact, fast half of the decision-logic checker.

A *box* constrains each input independently: a number to a union of exact
intervals (integer inputs to closed intervals on their grid), an enumeration
or boolean to a set of values. Every dimension may also allow *unknown*
(``None``), so boxes describe partial patient records too, which is what
three-valued (Kleene) logic needs: a guard has a set of patients for whom it is
*true* and a set for whom it is *false*; for everyone else it is unknown.

>>> from fractions import Fraction as F
>>> d = Domain({"age": NumVar("age", step=F(1), low=F(0), high=F(120))})
>>> d.interval_text("age", d.num("age", ">", F(64)))
'[65, 120]'

Guards outside the fragment (arithmetic between inputs, counts, points,
comparisons of two inputs) raise :class:`OutOfFragment`; unions that grow past
``limit`` boxes raise :class:`TooComplex`. Callers fall back to z3 for both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from carepath.compiler import ir

# An interval: (low, low closed, high, high closed); None is an infinite end. Bounds are
# integers: the value times the input's ``scale`` (comparing Python ints is many times
# faster than comparing Fractions, and every threshold is a multiple of 1/scale).
Interval = tuple[int | None, bool, int | None, bool]
RealInterval = tuple[Fraction | None, bool, Fraction | None, bool]
# A numeric dimension: disjoint sorted intervals of known values, and whether unknown is allowed.
NumDim = tuple[tuple[Interval, ...], bool]
# An enumeration or boolean dimension: the allowed values; None stands for unknown.
EnumDim = frozenset[str | bool | None]
Dim = NumDim | EnumDim
Box = Mapping[str, Dim]  # inputs left out are unconstrained (any value, or unknown)
Boxes = list[dict[str, Dim]]

DEFAULT_LIMIT = 512


class OutOfFragment(Exception):
    """The guard is not a Boolean combination of input-versus-constant tests."""


class TooComplex(Exception):
    """A union of boxes would grow beyond the limit."""


@dataclass(frozen=True)
class NumVar:
    name: str
    step: Fraction | None = None  # integer inputs: the grid step in SI units
    low: Fraction | None = None
    high: Fraction | None = None
    scale: int = 1  # every bound times ``scale`` is a whole number

    def up(self, value: Fraction) -> int:
        """A value in SI units as a scaled integer bound; OutOfFragment if it is not one."""
        times, rest = divmod(self.scale, value.denominator)
        if rest:
            raise OutOfFragment
        return value.numerator * times

    def down(self, bound: int) -> Fraction:
        return Fraction(bound, self.scale)


@dataclass(frozen=True)
class EnumVar:
    name: str
    values: tuple[str | bool, ...]


Var = NumVar | EnumVar


def _ceil(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


def _floor(x: Fraction) -> int:
    return x.numerator // x.denominator


def _lcm_denominators(values: Iterable[Fraction | None]) -> int:
    scale = 1
    for v in values:
        if v is not None:
            scale = math.lcm(scale, v.denominator)
    return scale


@dataclass
class Domain:
    """The inputs of one pathway and the box algebra over them."""

    vars: dict[str, Var]
    limit: int = DEFAULT_LIMIT
    # Settings: the same for every patient and never unknown.
    always_known: frozenset[str] = frozenset()
    _full: dict[str, Dim] = field(default_factory=dict)
    # Scaled plausible range and grid step of each number input.
    _low: dict[str, int | None] = field(default_factory=dict)
    _high: dict[str, int | None] = field(default_factory=dict)
    _step: dict[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, var in self.vars.items():
            if isinstance(var, NumVar):
                self._low[name] = None if var.low is None else var.up(var.low)
                self._high[name] = None if var.high is None else var.up(var.high)
                self._step[name] = None if var.step is None else var.up(var.step)
                full = [(self._low[name], True, self._high[name], True)]
                self._full[name] = (self._norm(var, full), name not in self.always_known)
            elif name in self.always_known:
                self._full[name] = frozenset(var.values)
            else:
                self._full[name] = frozenset((*var.values, None))

    @staticmethod
    def of(
        inputs: Mapping[str, ir.InputDecl],
        constants: Mapping[str, Iterable[Fraction]] | None = None,
    ) -> Domain:
        """The domain of a pathway's inputs; ``constants`` are the thresholds each number
        is compared with (they fix the integer scale of its bounds)."""
        found: dict[str, Var] = {}
        for name, decl in inputs.items():
            t = decl.type
            if isinstance(t, ir.BooleanType):
                found[name] = EnumVar(name, (True, False))
            elif isinstance(t, ir.EnumType):
                found[name] = EnumVar(name, t.values)
            else:
                step = (t.unit.factor if t.unit else Fraction(1)) if t.integer else None
                values = [decl.lowest, decl.high, step, *(constants or {}).get(name, ())]
                scale = _lcm_denominators(values)
                found[name] = NumVar(name, step, decl.lowest, decl.high, scale)
        settings = frozenset(name for name, decl in inputs.items() if decl.setting)
        return Domain(found, always_known=settings)

    # ------------------------------------------------------------ intervals

    def _norm(self, var: NumVar, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
        """Clip to the plausible range, snap integers to the grid, drop empties, merge."""
        if not isinstance(intervals, list | tuple):
            intervals = list(intervals)
        out: list[Interval] = []
        low, high, s = self._low[var.name], self._high[var.name], self._step[var.name]
        for lo, lc, hi, hc in intervals:
            if low is not None and (lo is None or lo < low or (lo == low and lc)):
                lo, lc = low, True
            if high is not None and (hi is None or hi > high or (hi == high and hc)):
                hi, hc = high, True
            if s is not None:
                if lo is not None:
                    k = -((-lo) // s)
                    if not lc and k * s == lo:
                        k += 1
                    lo, lc = k * s, True
                if hi is not None:
                    k = hi // s
                    if not hc and k * s == hi:
                        k -= 1
                    hi, hc = k * s, True
            if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lc and hc))):
                continue
            out.append((lo, lc and lo is not None, hi, hc and hi is not None))
        if len(out) < 2:
            return tuple(out)
        out.sort(key=lambda iv: (iv[0] is not None, iv[0] or 0, not iv[1]))
        merged: list[Interval] = []
        for iv in out:
            if merged and self._touches(merged[-1], iv, s):
                plo, plc, phi, phc = merged[-1]
                lo, lc, hi, hc = iv
                if phi is None or (hi is not None and (hi < phi or (hi == phi and phc))):
                    hi, hc = phi, phc
                merged[-1] = (plo, plc, hi, hc)
            else:
                merged.append(iv)
        return tuple(merged)

    def normalised(self, name: str, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
        """``intervals`` of number input ``name`` clipped, snapped, sorted and merged."""
        var = self.vars[name]
        assert isinstance(var, NumVar)
        return self._norm(var, intervals)

    @staticmethod
    def _touches(a: Interval, b: Interval, step: int | None) -> bool:
        """Whether ``b`` (starting no earlier than ``a``) overlaps or abuts ``a``."""
        ahi, ahc = a[2], a[3]
        blo, blc = b[0], b[1]
        if ahi is None or blo is None:
            return True
        if step is not None:
            return blo <= ahi + step
        return blo < ahi or (blo == ahi and (ahc or blc))

    def _iv_inter(
        self, var: NumVar, a: tuple[Interval, ...], b: tuple[Interval, ...]
    ) -> tuple[Interval, ...]:
        # Both lists are sorted and disjoint: a two-pointer merge, linear in their sizes.
        out: list[Interval] = []
        i = j = 0
        while i < len(a) and j < len(b):
            alo, alc, ahi, ahc = a[i]
            blo, blc, bhi, bhc = b[j]
            if alo is None or (blo is not None and (blo > alo or (blo == alo and not blc))):
                lo, lc = blo, blc
            else:
                lo, lc = alo, alc
            a_ends_first = ahi is not None and (
                bhi is None or ahi < bhi or (ahi == bhi and not ahc)
            )
            hi, hc = (ahi, ahc) if a_ends_first else (bhi, bhc)
            if lo is None or hi is None or lo < hi or (lo == hi and lc and hc):
                out.append((lo, lc, hi, hc))
            if a_ends_first:
                i += 1
            else:
                j += 1
        # Pieces of sorted, disjoint, clipped, on-grid lists are all of that already.
        return tuple(out)

    def _iv_compl(self, var: NumVar, a: tuple[Interval, ...]) -> tuple[Interval, ...]:
        out: list[Interval] = []
        lo: int | None = None
        lc = False
        for alo, alc, ahi, ahc in a:
            if alo is not None:
                out.append((lo, lc, alo, not alc))
            if ahi is None:
                return self._norm(var, out)
            lo, lc = ahi, not ahc
        out.append((lo, lc, None, False))
        return self._norm(var, out)

    # ------------------------------------------------------------ dimensions

    def full(self, name: str) -> Dim:
        return self._full[name]

    def known(self, name: str) -> Dim:
        dim = self._full[name]
        if isinstance(dim, frozenset):
            return dim - {None}
        return (dim[0], False)

    def unknown(self, name: str) -> Dim:
        never = name in self.always_known
        if isinstance(self.vars[name], EnumVar):
            return frozenset() if never else frozenset({None})
        return ((), not never)

    def num(self, name: str, op: str, value: Fraction) -> NumDim:
        """Known values of a number that satisfy ``x op c``."""
        var = self.vars[name]
        assert isinstance(var, NumVar)
        c = var.up(value)
        table: dict[str, list[Interval]] = {
            "<": [(None, False, c, False)],
            "<=": [(None, False, c, True)],
            ">": [(c, False, None, False)],
            ">=": [(c, True, None, False)],
            "==": [(c, True, c, True)],
            "!=": [(None, False, c, False), (c, False, None, False)],
        }
        return (self._norm(var, table[op]), False)

    def dim_inter(self, name: str, a: Dim, b: Dim) -> Dim:
        if isinstance(a, frozenset):
            assert isinstance(b, frozenset)
            return a & b
        assert not isinstance(b, frozenset)
        var = self.vars[name]
        assert isinstance(var, NumVar)
        return (self._iv_inter(var, a[0], b[0]), a[1] and b[1])

    def dim_compl(self, name: str, a: Dim) -> Dim:
        full = self._full[name]
        if isinstance(a, frozenset):
            assert isinstance(full, frozenset)
            return full - a
        var = self.vars[name]
        assert isinstance(var, NumVar) and not isinstance(full, frozenset)
        return (self._iv_compl(var, a[0]), full[1] and not a[1])

    @staticmethod
    def dim_empty(a: Dim) -> bool:
        if isinstance(a, frozenset):
            return not a
        return not a[0] and not a[1]

    def dim_full(self, name: str, a: Dim) -> bool:
        return a == self._full[name]

    # ------------------------------------------------------------ boxes

    def box(self, constraints: Mapping[str, Dim]) -> dict[str, Dim] | None:
        """A normalised box, or None when it is empty."""
        out: dict[str, Dim] = {}
        for name, dim in constraints.items():
            if self.dim_empty(dim):
                return None
            if not self.dim_full(name, dim):
                out[name] = dim
        return out

    def inter_box(self, a: Box, b: Box) -> dict[str, Dim] | None:
        if len(a) < len(b):
            a, b = b, a
        out = dict(a)
        for name, dim in b.items():
            if name in out:
                dim = self.dim_inter(name, out[name], dim)
                if self.dim_empty(dim):
                    return None
            out[name] = dim
        return out

    def inter(self, a: Boxes, b: Boxes) -> Boxes:
        out: Boxes = []
        for x in a:
            for y in b:
                z = self.inter_box(x, y)
                if z is not None:
                    out.append(z)
                    if len(out) > self.limit:
                        raise TooComplex
        return out

    def inter_all(self, unions: Iterable[Boxes]) -> Boxes:
        unions = list(unions)
        names = {name for u in unions if len(u) == 1 for name in u[0]}
        if (
            len(unions) > 8
            and len(names) == 1
            and all(len(u) == 1 and len(u[0]) == 1 for u in unions)
        ):
            # Many constraints on one input: De Morgan turns the chain of intersections
            # into one sorted union (linear-logarithmic instead of quadratic).
            (name,) = names
            parts = [{name: self.dim_compl(name, u[0][name])} for u in unions]
            return self.compl(self.union([p for p in parts if not self.dim_empty(p[name])]))
        result: Boxes = [{}]
        for u in unions:
            result = self.inter(result, u)
            if not result:
                break
        return result

    def union(self, *unions: Boxes) -> Boxes:
        out: Boxes = []
        for u in unions:
            out.extend(u)
        out = self._absorb(self._merge_single(out))
        if len(out) > self.limit:
            raise TooComplex
        return out

    def _merge_single(self, boxes: Boxes) -> Boxes:
        """Boxes that constrain one and the same input merge into one box (sort and sweep),
        so a ladder of thresholds on one input stays one box."""
        if len(boxes) < 2:
            return boxes
        single: dict[str, list[Dim]] = {}
        rest: Boxes = []
        for b in boxes:
            if len(b) == 1:
                ((key, only),) = b.items()
                single.setdefault(key, []).append(only)
            else:
                rest.append(b)
        merged: Boxes = []
        for name, dims in single.items():
            if len(dims) == 1:
                merged.append({name: dims[0]})
                continue
            var = self.vars[name]
            dim: Dim
            if isinstance(var, EnumVar):
                values: set[str | bool | None] = set()
                for d in dims:
                    assert isinstance(d, frozenset)
                    values |= d
                dim = frozenset(values)
            else:
                numeric = [d for d in dims if not isinstance(d, frozenset)]
                intervals = [iv for d in numeric for iv in d[0]]
                dim = (self._norm(var, intervals), any(d[1] for d in numeric))
            box = self.box({name: dim})
            if box is not None:
                merged.append(box)
        return merged + rest

    def _absorb(self, boxes: Boxes) -> Boxes:
        """Drop boxes contained in another one (cheap, keeps unions small)."""
        if len(boxes) < 2:
            return boxes
        if any(not b for b in boxes):
            return [{}]
        if len(boxes) > 16:
            return boxes
        kept: Boxes = []
        for i, b in enumerate(boxes):
            if any(
                j != i and self.contains(c, b) and (c != b or j < i) for j, c in enumerate(boxes)
            ):
                continue
            kept.append(b)
        return kept

    def contains(self, outer: Box, inner: Box) -> bool:
        """Whether box ``outer`` contains box ``inner``."""
        for name, dim in outer.items():
            if name not in inner or not self.dim_subset(inner[name], dim):
                return False
        return True

    @staticmethod
    def dim_subset(a: Dim, b: Dim) -> bool:
        if isinstance(a, frozenset):
            return a <= b  # type: ignore[operator]
        assert not isinstance(b, frozenset)
        if a[1] and not b[1]:
            return False
        j = 0
        outer = b[0]
        for lo, lc, hi, hc in a[0]:
            while (
                j < len(outer)
                and not _covers(outer[j], lo, lc, hi, hc)
                and _before(outer[j], lo, lc)
            ):
                j += 1
            if j == len(outer) or not _covers(outer[j], lo, lc, hi, hc):
                return False
        return True

    def compl_box(self, b: Box) -> Boxes:
        """The complement of one box, as disjoint boxes."""
        out: Boxes = []
        prefix: dict[str, Dim] = {}
        for name, dim in b.items():
            c = self.dim_compl(name, dim)
            if not self.dim_empty(c):
                out.append({**prefix, name: c})
            prefix[name] = dim
        return out

    def minus(self, a: Boxes, b: Boxes) -> Boxes:
        """``a`` without ``b``."""
        result = a
        for y in b:
            if not result:
                break
            relevant = [x for x in result if self.inter_box(x, y) is not None]
            if not relevant:
                continue
            rest = [x for x in result if self.inter_box(x, y) is None]
            result = rest + self.inter(relevant, self.compl_box(y))
            if len(result) > self.limit:
                raise TooComplex
        return result

    def compl(self, a: Boxes) -> Boxes:
        return self.minus([{}], a)

    def complete(self) -> dict[str, Dim]:
        """Every input known."""
        return {name: self.known(name) for name in self.vars}

    def subset(self, a: Boxes, b: Boxes) -> bool:
        return not self.minus(a, b)

    # ------------------------------------------------------------ points

    def interval_text(self, name: str, dim: Dim) -> str:
        assert not isinstance(dim, frozenset)
        var = self.vars[name]
        assert isinstance(var, NumVar)
        parts = []
        for lo, lc, hi, hc in dim[0]:
            left = ("[" if lc else "(") + ("-inf" if lo is None else str(var.down(lo)))
            right = ("inf" if hi is None else str(var.down(hi))) + ("]" if hc else ")")
            parts.append(f"{left}, {right}")
        return " ∪ ".join(parts) + (" or unknown" if dim[1] else "")

    def pick(
        self,
        box: Box,
        relevant: Iterable[str],
        units: Mapping[str, Sequence[Fraction]] | None = None,
        prefer_unknown: Iterable[str] = (),
    ) -> dict[str, ir.Value]:
        """A concrete patient in ``box``: every relevant input known when allowed, with
        numbers on (or one small step inside) the bound a guard set. ``units`` lists, per
        input, the unit factors the author writes it in (preferred for round values)."""
        point: dict[str, ir.Value] = {}
        unknown_first = set(prefer_unknown)
        for name in dict.fromkeys([*relevant, *box]):
            dim = box.get(name, self._full[name])
            var = self.vars[name]
            if isinstance(dim, frozenset):
                assert isinstance(var, EnumVar)
                if None in dim and (name in unknown_first or dim == {None}):
                    continue
                point[name] = next(v for v in var.values if v in dim)
            else:
                assert isinstance(var, NumVar)
                if dim[1] and (name in unknown_first or not dim[0]):
                    continue
                real = tuple(
                    (
                        None if lo is None else var.down(lo),
                        lc,
                        None if hi is None else var.down(hi),
                        hc,
                    )
                    for lo, lc, hi, hc in dim[0]
                )
                point[name] = self._pick_number(var, real, (units or {}).get(name, ()))
        return point

    def _pick_number(
        self, var: NumVar, ivs: tuple[RealInterval, ...], units: Sequence[Fraction]
    ) -> Fraction:
        # Prefer a bound a guard set (not the plausible range) and stay next to it.
        lo: Fraction | None  # declared: mypyc infers None from the first loop otherwise
        hi: Fraction | None
        for lo, lc, hi, hc in ivs:
            if lo is not None and lo != var.low:
                return lo if lc else self._inside(var, lo, hi, hc, units, +1)
        for lo, lc, hi, hc in reversed(ivs):
            if hi is not None and hi != var.high:
                return hi if hc else self._inside(var, hi, lo, lc, units, -1)
        lo, lc, hi, hc = ivs[0]
        if lo is not None:
            return lo if lc else self._inside(var, lo, hi, hc, units, +1)
        if hi is not None:
            return hi if hc else self._inside(var, hi, lo, lc, units, -1)
        return Fraction(0)

    @staticmethod
    def _inside(
        var: NumVar,
        edge: Fraction,
        other: Fraction | None,
        other_closed: bool,
        units: Sequence[Fraction],
        sign: int,
    ) -> Fraction:
        """A value just inside an open ``edge``: the next round value in a unit the author
        uses, else a tenth, a hundredth, ... of a unit past the edge, else halfway."""
        if var.step is not None:
            return edge + sign * var.step

        def inside(x: Fraction) -> bool:
            return other is None or sign * (other - x) > 0 or (other == x and other_closed)

        candidates = []
        for u in units or (Fraction(1),):
            k = _floor(edge / u) + 1 if sign > 0 else _ceil(edge / u) - 1
            if inside(k * u):
                candidates.append(k * u)
        if candidates:
            return min(candidates, key=lambda x: abs(x - edge))
        s = units[0] if units else Fraction(1)
        for _ in range(12):
            s /= 10
            if inside(edge + sign * s):
                return edge + sign * s
        assert other is not None
        return (edge + other) / 2

    def contains_point(self, box: Box, point: Mapping[str, ir.Value]) -> bool:
        for name, dim in box.items():
            value = point.get(name)
            if isinstance(dim, frozenset):
                if value not in dim:
                    return False
            elif value is None:
                if not dim[1]:
                    return False
            else:
                assert isinstance(value, Fraction)
                var = self.vars[name]
                assert isinstance(var, NumVar)
                if not any(_in(iv, value * var.scale) for iv in dim[0]):
                    return False
        return True


def _covers(iv: Interval, lo: int | None, lc: bool, hi: int | None, hc: bool) -> bool:
    """Whether interval ``iv`` contains the interval (lo, hi) with those closed ends."""
    olo, olc, ohi, ohc = iv
    if olo is not None and (lo is None or lo < olo or (lo == olo and lc and not olc)):
        return False
    return not (ohi is not None and (hi is None or hi > ohi or (hi == ohi and hc and not ohc)))


def _before(iv: Interval, lo: int | None, lc: bool) -> bool:
    """Whether ``iv`` ends before a point ``lo`` (so a later interval must cover it)."""
    ohi = iv[2]
    return ohi is not None and lo is not None and ohi <= lo


def _in(iv: Interval, x: Fraction) -> bool:
    lo, lc, hi, hc = iv
    if lo is not None and (x < lo or (x == lo and not lc)):
        return False
    return not (hi is not None and (x > hi or (x == hi and not hc)))


# ---------------------------------------------------------------- guards -> boxes


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


class Translator:
    """Turns guards into (true set, false set) pairs of box unions, memoised by identity."""

    def __init__(self, domain: Domain, defines: Mapping[str, ir.DefineDecl]) -> None:
        self.domain = domain
        self.defines = defines
        self._memo: dict[int, tuple[Boxes, Boxes] | Exception] = {}
        self._keep: list[ir.Expr] = []

    def tf(self, expr: ir.Expr) -> tuple[Boxes, Boxes]:
        key = id(expr)
        found = self._memo.get(key)
        if found is None:
            try:
                found = self._tf(expr)
            except (OutOfFragment, TooComplex) as error:
                found = error
            self._memo[key] = found
            self._keep.append(expr)  # ids stay valid while memoised
        if isinstance(found, Exception):
            raise found
        return found

    def true(self, expr: ir.Expr) -> Boxes:
        return self.tf(expr)[0]

    def false(self, expr: ir.Expr) -> Boxes:
        return self.tf(expr)[1]

    def _tf(self, e: ir.Expr) -> tuple[Boxes, Boxes]:
        d = self.domain
        kind = type(e)
        if kind is ir.Compare:
            return self._compare(e)  # type: ignore[arg-type]
        if kind is ir.And:
            parts = [self.tf(o) for o in e.operands]  # type: ignore[attr-defined]
            return d.inter_all(p[0] for p in parts), d.union(*(p[1] for p in parts))
        if isinstance(e, ir.Const):
            if isinstance(e.value, bool):
                return ([{}], []) if e.value else ([], [{}])
            raise OutOfFragment
        if isinstance(e, ir.Ref):
            if not isinstance(e.type, ir.BooleanType):
                raise OutOfFragment
            if e.is_input:
                return [{e.name: frozenset({True})}], [{e.name: frozenset({False})}]
            return self.tf(self.defines[e.name].expr)
        if isinstance(e, ir.Not):
            t, f = self.tf(e.operand)
            return f, t
        if isinstance(e, ir.And):
            parts = [self.tf(o) for o in e.operands]
            return d.inter_all(p[0] for p in parts), d.union(*(p[1] for p in parts))
        if isinstance(e, ir.Or):
            parts = [self.tf(o) for o in e.operands]
            return d.union(*(p[0] for p in parts)), d.inter_all(p[1] for p in parts)
        if isinstance(e, ir.IsKnown):
            op = e.operand
            if isinstance(op, ir.Ref) and op.is_input:
                unknown = d.unknown(op.name)  # nobody, for a setting
                return [{op.name: d.known(op.name)}], (
                    [] if d.dim_empty(unknown) else [{op.name: unknown}]
                )
            if isinstance(ir.type_of(op), ir.BooleanType):
                t, f = self.tf(op)
                known = d.union(t, f)
                return known, d.compl(known)
            raise OutOfFragment
        if isinstance(e, ir.InSet):
            op = e.operand
            if isinstance(op, ir.Ref) and op.is_input:
                var = d.vars[op.name]
                assert isinstance(var, EnumVar)
                inside = frozenset(v for v in var.values if v in e.values)
                outside = frozenset(v for v in var.values if v not in e.values)
                return self._atom(op.name, inside, outside)
            raise OutOfFragment
        if isinstance(e, ir.Compare):
            return self._compare(e)
        raise OutOfFragment

    def _atom(self, name: str, t: Dim, f: Dim) -> tuple[Boxes, Boxes]:
        d = self.domain
        tb, fb = d.box({name: t}), d.box({name: f})
        return ([tb] if tb is not None else []), ([fb] if fb is not None else [])

    def _compare(self, e: ir.Compare) -> tuple[Boxes, Boxes]:
        left, right, op = fold(e.left), fold(e.right), e.op
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            from carepath.compiler.evaluate import compare

            return ([{}], []) if compare(op, left.value, right.value) else ([], [{}])
        if isinstance(left, ir.Const):
            left, right, op = right, left, _FLIP[op]
        if not (isinstance(left, ir.Ref) and isinstance(right, ir.Const)):
            raise OutOfFragment
        if isinstance(left.type, ir.BooleanType):
            assert isinstance(right.value, bool) and op in ("==", "!=")
            t, f = self.tf(left)
            return (t, f) if (op == "==") == right.value else (f, t)
        if not left.is_input:
            raise OutOfFragment
        if isinstance(left.type, ir.EnumType):
            assert op in ("==", "!=")
            var = self.domain.vars[left.name]
            assert isinstance(var, EnumVar)
            eq = frozenset(v for v in var.values if v == right.value)
            ne = frozenset(v for v in var.values if v != right.value)
            return self._atom(left.name, eq, ne) if op == "==" else self._atom(left.name, ne, eq)
        assert isinstance(right.value, Fraction)
        d = self.domain
        return self._atom(
            left.name, d.num(left.name, op, right.value), d.num(left.name, _NEGATE[op], right.value)
        )


def fold(e: ir.Expr) -> ir.Expr:
    """Constant arithmetic folded to one constant (``-1 * 2``); anything else unchanged."""
    if isinstance(e, ir.Negate):
        inner = fold(e.operand)
        if isinstance(inner, ir.Const) and isinstance(inner.value, Fraction):
            return ir.Const(e.span, -inner.value, e.type, f"-{inner.text}", inner.unit)
        return e
    if isinstance(e, ir.Arith):
        a, b = fold(e.left), fold(e.right)
        if (
            isinstance(a, ir.Const)
            and isinstance(b, ir.Const)
            and isinstance(a.value, Fraction)
            and isinstance(b.value, Fraction)
        ):
            from carepath.compiler.evaluate import arithmetic

            value = arithmetic(e.op, a.value, b.value)
            if not isinstance(value, Fraction):
                raise OutOfFragment  # division by zero: unknown, leave it to z3
            return ir.Const(e.span, value, e.type, f"{a.text} {e.op} {b.text}", a.unit or b.unit)
        return e
    return e

"""The z3 fallback: guards the boxes cannot express, decided exactly with a time limit.

Each input ``x`` becomes a Boolean ``known!x`` and a value (Bool for booleans,
an Int code for enumerations, ``Int * step`` for integer numbers, Real
otherwise), all numbers exact rationals in SI base units. A guard becomes the
pair (true, false) of formulas under Kleene's three-valued logic, exactly as
the evaluator reads it. One solver, push/pop per query, a time limit per
query; the answer is ``sat`` (with a patient), ``unsat`` or ``unknown``, and
"unknown" is reported as such, never as a proof.

``z3`` is imported only when a guard needs it, so ``carepath check`` on
pathways inside the box fragment never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from carepath.compiler import ir

from .boxes import Box, Domain, EnumVar, NumVar

SAT = "sat"
UNSAT = "unsat"
UNKNOWN = "unknown"

DEFAULT_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class Answer:
    status: str  # sat, unsat, unknown
    patient: dict[str, ir.Value] | None = None
    reason: str = ""


class Smt:
    """Translates guards and box unions into z3 and answers satisfiability queries."""

    def __init__(
        self,
        domain: Domain,
        defines: Mapping[str, ir.DefineDecl],
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
    ) -> None:
        import z3

        self.z3: Any = z3
        # A context of its own: z3's shared global context keeps state between
        # queries of unrelated pathways, which made witnesses depend on what ran before.
        self.ctx: Any = z3.Context()
        self.domain = domain
        self.defines = defines
        self.solver = z3.Solver(ctx=self.ctx)
        self.solver.set("timeout", timeout_ms)
        self._known: dict[str, Any] = {}
        self._value: dict[str, Any] = {}
        self._raw: dict[str, Any] = {}
        self._memo: dict[int, tuple[Any, Any]] = {}
        self._num_memo: dict[int, tuple[Any, Any]] = {}
        self._range_memo: dict[int, tuple[Any, Any, Any]] = {}
        self._scored_memo: dict[int, bool] = {}
        self._scored_defines = ir.scored_defines(defines)
        self._keep: list[ir.Expr] = []
        for name, var in domain.vars.items():
            self._declare(name, var)

    def _declare(self, name: str, var: NumVar | EnumVar) -> None:
        z3 = self.z3
        self._known[name] = z3.Bool(f"known!{name}", self.ctx)
        if name in self.domain.always_known:
            self.solver.add(self._known[name])
        if isinstance(var, EnumVar):
            if var.values == (True, False):
                self._raw[name] = self._value[name] = z3.Bool(name, self.ctx)
                return
            code = z3.Int(name, self.ctx)
            self._raw[name] = code
            self._value[name] = code
            self.solver.add(code >= 0, code < len(var.values))
            return
        if var.step is not None:
            n = z3.Int(name, self.ctx)
            self._raw[name] = n
            self._value[name] = z3.ToReal(n) * _real(z3, self.ctx, var.step)
        else:
            r = z3.Real(name, self.ctx)
            self._raw[name] = r
            self._value[name] = r
        v = self._value[name]
        if var.low is not None:
            self.solver.add(v >= _real(z3, self.ctx, var.low))
        if var.high is not None:
            self.solver.add(v <= _real(z3, self.ctx, var.high))

    # ------------------------------------------------------------ translation

    def tf(self, e: ir.Expr) -> tuple[Any, Any]:
        """(holds, fails) of a condition, as z3 formulas."""
        key = id(e)
        if key not in self._memo:
            self._memo[key] = self._tf(e)
            self._keep.append(e)
        return self._memo[key]

    def _tf(self, e: ir.Expr) -> tuple[Any, Any]:
        z3 = self.z3
        if isinstance(e, ir.Const):
            assert isinstance(e.value, bool)
            return z3.BoolVal(e.value, self.ctx), z3.BoolVal(not e.value, self.ctx)
        if isinstance(e, ir.Ref):
            if not e.is_input:
                return self.tf(self.defines[e.name].expr)
            k, v = self._known[e.name], self._value[e.name]
            return z3.And(k, v), z3.And(k, z3.Not(v))
        if isinstance(e, ir.Not):
            t, f = self.tf(e.operand)
            return f, t
        if isinstance(e, ir.And):
            parts = [self.tf(o) for o in e.operands]
            return z3.And([p[0] for p in parts]), z3.Or([p[1] for p in parts])
        if isinstance(e, ir.Or):
            parts = [self.tf(o) for o in e.operands]
            return z3.Or([p[0] for p in parts]), z3.And([p[1] for p in parts])
        if isinstance(e, ir.IsKnown):
            known = self.known_of(e.operand)
            return known, z3.Not(known)
        if isinstance(e, ir.InSet):
            k, code = self._enum(e.operand)
            var = self._enum_var(e.operand)
            inside = z3.Or([code == i for i, v in enumerate(var.values) if v in e.values])
            return z3.And(k, inside), z3.And(k, z3.Not(inside))
        if isinstance(e, ir.Compare):
            return self._compare(e)
        raise TypeError(f"not a condition: {type(e).__name__}")

    def known_of(self, e: ir.Expr) -> Any:
        if isinstance(ir.type_of(e), ir.BooleanType):
            t, f = self.tf(e)
            return self.z3.Or(t, f)
        if isinstance(ir.type_of(e), ir.EnumType):
            return self._enum(e)[0]
        return self.num(e)[0]

    def _enum_var(self, e: ir.Expr) -> EnumVar:
        if isinstance(e, ir.Ref) and e.is_input:
            var = self.domain.vars[e.name]
            assert isinstance(var, EnumVar)
            return var
        if isinstance(e, ir.Ref):
            return self._enum_var(self.defines[e.name].expr)
        raise TypeError("enumeration expected")

    def _enum(self, e: ir.Expr) -> tuple[Any, Any]:
        if isinstance(e, ir.Ref) and e.is_input:
            return self._known[e.name], self._value[e.name]
        if isinstance(e, ir.Ref):
            return self._enum(self.defines[e.name].expr)
        raise TypeError("enumeration expected")

    def _compare(self, e: ir.Compare) -> tuple[Any, Any]:
        z3 = self.z3
        lt = ir.type_of(e.left)
        if isinstance(lt, ir.BooleanType):
            lt_, lf = self.tf(e.left)
            rt, rf = self.tf(e.right)
            eq_t = z3.Or(z3.And(lt_, rt), z3.And(lf, rf))
            eq_f = z3.Or(z3.And(lt_, rf), z3.And(lf, rt))
            return (eq_t, eq_f) if e.op == "==" else (eq_f, eq_t)
        if isinstance(lt, ir.EnumType) or isinstance(ir.type_of(e.right), ir.EnumType):
            (kl, vl), (kr, vr) = self._enum_or_const(e.left, e.right)
            both = z3.And(kl, kr)
            eq = vl == vr
            t, f = z3.And(both, eq), z3.And(both, z3.Not(eq))
            return (t, f) if e.op == "==" else (f, t)
        if self.scored(e.left) or self.scored(e.right):
            return self._compare_ranges(e)
        kl, vl = self.num(e.left)
        kr, vr = self.num(e.right)
        rel = {
            "<": vl < vr,
            "<=": vl <= vr,
            ">": vl > vr,
            ">=": vl >= vr,
            "==": vl == vr,
            "!=": vl != vr,
        }[e.op]
        both = z3.And(kl, kr)
        return z3.And(both, rel), z3.And(both, z3.Not(rel))

    def _compare_ranges(self, e: ir.Compare) -> tuple[Any, Any]:
        kl, a, b = self.range(e.left)
        kr, c, d = self.range(e.right)
        t, f = range_truth(self.z3, e.op, (a, b), (c, d))
        both = self.z3.And(kl, kr)
        return self.z3.And(both, t), self.z3.And(both, f)

    def _enum_or_const(self, a: ir.Expr, b: ir.Expr) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        z3 = self.z3
        ref = a if not isinstance(a, ir.Const) else b
        var = self._enum_var(ref)

        def side(x: ir.Expr) -> tuple[Any, Any]:
            if isinstance(x, ir.Const):
                index = var.values.index(x.value) if x.value in var.values else -1
                return z3.BoolVal(True, self.ctx), z3.IntVal(index, self.ctx)
            return self._enum(x)

        return side(a), side(b)

    def num(self, e: ir.Expr) -> tuple[Any, Any]:
        """(known, value) of a number, value a z3 Real."""
        key = id(e)
        if key not in self._num_memo:
            self._num_memo[key] = self._num(e)
            self._keep.append(e)
        return self._num_memo[key]

    def scored(self, e: ir.Expr) -> bool:
        """Whether a number may be a range (ir.is_scored), asked once per expression."""
        key = id(e)
        found = self._scored_memo.get(key)
        if found is None:
            found = self._scored_memo[key] = ir.is_scored(e, self._scored_defines)
            self._keep.append(e)
        return found

    def range(self, e: ir.Expr) -> tuple[Any, Any, Any]:
        """(defined, low, high) of a number: a score with unknown criteria spans the
        values it could still take (evaluate._score); any other number is one value."""
        key = id(e)
        if key not in self._range_memo:
            self._range_memo[key] = self._range(e)
            self._keep.append(e)
        return self._range_memo[key]

    def _range(self, e: ir.Expr) -> tuple[Any, Any, Any]:
        z3 = self.z3
        true = z3.BoolVal(True, self.ctx)
        if not self.scored(e):
            k, v = self.num(e)
            return k, v, v
        if isinstance(e, ir.Ref):
            return self.range(self.defines[e.name].expr)
        if isinstance(e, ir.Negate):
            k, lo, hi = self.range(e.operand)
            return k, -hi, -lo
        if isinstance(e, ir.Count | ir.Points):
            low, high = score_range(
                z3, [(w, self.tf(c)) for w, c in ir.criteria(e)], lambda q: _real(z3, self.ctx, q)
            )
            return true, low, high
        assert isinstance(e, ir.Arith), type(e).__name__
        kl, a, b = self.range(e.left)
        kr, c, d = self.range(e.right)
        low, high, defined = range_arithmetic(z3, e.op, (a, b), (c, d))
        return z3.And(kl, kr, defined), low, high

    def _num(self, e: ir.Expr) -> tuple[Any, Any]:
        z3 = self.z3
        true = z3.BoolVal(True, self.ctx)
        if self.scored(e):
            # A score's value is known once its range has closed to one number.
            k, lo, hi = self.range(e)
            return z3.And(k, lo == hi), lo
        if isinstance(e, ir.Const):
            assert isinstance(e.value, Fraction)
            return true, _real(z3, self.ctx, e.value)
        if isinstance(e, ir.Ref):
            if e.is_input:
                return self._known[e.name], self._value[e.name]
            return self.num(self.defines[e.name].expr)
        if isinstance(e, ir.Negate):
            k, v = self.num(e.operand)
            return k, -v
        if isinstance(e, ir.Arith):
            kl, vl = self.num(e.left)
            kr, vr = self.num(e.right)
            if e.op == "+":
                return z3.And(kl, kr), vl + vr
            if e.op == "-":
                return z3.And(kl, kr), vl - vr
            if e.op == "*":
                return z3.And(kl, kr), vl * vr
            return z3.And(kl, kr, vr != 0), vl / vr
        raise TypeError(f"not a number: {type(e).__name__}")

    def boxes(self, boxes: Sequence[Box]) -> Any:
        """A union of boxes as a formula."""
        z3 = self.z3
        return z3.Or([self._box(b) for b in boxes]) if boxes else z3.BoolVal(False, self.ctx)

    def _box(self, box: Box) -> Any:
        z3 = self.z3
        parts = []
        for name, dim in box.items():
            k, v = self._known[name], self._value[name]
            options = []
            if isinstance(dim, frozenset):
                var = self.domain.vars[name]
                assert isinstance(var, EnumVar)
                if None in dim:
                    options.append(z3.Not(k))
                for i, value in enumerate(var.values):
                    if value in dim:
                        if var.values == (True, False):
                            options.append(z3.And(k, v if value else z3.Not(v)))
                        else:
                            options.append(z3.And(k, v == i))
            else:
                var = self.domain.vars[name]
                assert isinstance(var, NumVar)
                if dim[1]:
                    options.append(z3.Not(k))
                for lo, lc, hi, hc in dim[0]:
                    c = [k]
                    if lo is not None:
                        low = _real(z3, self.ctx, var.down(lo))
                        c.append(v >= low if lc else v > low)
                    if hi is not None:
                        high = _real(z3, self.ctx, var.down(hi))
                        c.append(v <= high if hc else v < high)
                    options.append(z3.And(c))
            parts.append(z3.Or(options) if options else z3.BoolVal(False, self.ctx))
        return z3.And(parts) if parts else z3.BoolVal(True, self.ctx)

    def patient(self, patient: Mapping[str, ir.Value]) -> Any:
        """The formula that holds for this patient alone: the inputs they have known, at
        their values, and every other input unknown (the inverse of a model's patient)."""
        z3 = self.z3
        parts = []
        for name, var in self.domain.vars.items():
            value = patient.get(name)
            if value is None:
                parts.append(z3.Not(self._known[name]))
                continue
            parts.append(self._known[name])
            if isinstance(var, EnumVar):
                if var.values == (True, False):
                    parts.append(self._value[name] == z3.BoolVal(bool(value), self.ctx))
                else:
                    parts.append(self._value[name] == var.values.index(value))
            else:
                assert isinstance(value, Fraction), (name, value)
                parts.append(self._value[name] == _real(z3, self.ctx, value))
        return z3.And(parts)

    # ------------------------------------------------------------ queries

    def check(self, *formulas: Any) -> Answer:
        z3 = self.z3
        self.solver.push()
        try:
            self.solver.add(*formulas)
            result = self.solver.check()
            if result == z3.unsat:
                return Answer(UNSAT)
            if result == z3.sat:
                return Answer(SAT, self._patient(self.solver.model()))
            return Answer(UNKNOWN, reason=str(self.solver.reason_unknown()))
        finally:
            self.solver.pop()

    def _patient(self, model: Any) -> dict[str, ir.Value]:
        z3 = self.z3
        patient: dict[str, ir.Value] = {}
        for name, var in self.domain.vars.items():
            if not z3.is_true(model.eval(self._known[name], model_completion=True)):
                continue
            raw = model.eval(self._raw[name], model_completion=True)
            if isinstance(var, EnumVar):
                if var.values == (True, False):
                    patient[name] = z3.is_true(raw)
                else:
                    patient[name] = str(var.values[raw.as_long()])
            else:
                if var.step is not None:
                    patient[name] = Fraction(raw.as_long()) * var.step
                else:
                    value = model.eval(self._value[name], model_completion=True)
                    if not z3.is_rational_value(value):
                        # An irrational model (nonlinear guards): a nearby rational stands in;
                        # the evaluator then decides whether it still shows the problem.
                        value = value.approx(12)
                    patient[name] = Fraction(value.numerator_as_long(), value.denominator_as_long())
        return patient


def score_range(
    z3: Any, criteria: Sequence[tuple[Fraction, tuple[Any, Any]]], real: Callable[[Fraction], Any]
) -> tuple[Any, Any]:
    """(low, high) of a score from its criteria's (points, (holds, fails)): an
    unknown criterion adds its points to one end only (evaluate._score)."""
    zero = real(Fraction(0))
    if not criteria:
        return zero, zero
    lows, highs = [], []
    for w, (t, f) in criteria:
        points = real(w)
        lows.append(z3.If(t, points, z3.If(f, zero, real(min(w, Fraction(0))))))
        highs.append(z3.If(t, points, z3.If(f, zero, real(max(w, Fraction(0))))))
    return z3.Sum(lows), z3.Sum(highs)


def range_truth(z3: Any, op: str, left: tuple[Any, Any], right: tuple[Any, Any]) -> tuple[Any, Any]:
    """(holds, fails) of a comparison of two ranges, as evaluate._compare_ranges
    decides it: holds (fails) when it does for every pair of values in them."""
    (a, b), (c, d) = left, right
    if op in (">", ">="):
        (a, b), (c, d), op = (c, d), (a, b), "<" if op == ">" else "<="
    if op == "<":
        return b < c, a >= d
    if op == "<=":
        return b <= c, a > d
    one = z3.And(a == b, b == c, c == d)
    apart = z3.Or(b < c, d < a)
    return (one, apart) if op == "==" else (apart, one)


def range_arithmetic(
    z3: Any, op: str, left: tuple[Any, Any], right: tuple[Any, Any]
) -> tuple[Any, Any, Any]:
    """(low, high, defined) of interval arithmetic, as evaluate._arithmetic_ranges:
    a divisor whose range holds zero leaves the result undefined."""
    (a, b), (c, d) = left, right
    if op == "+":
        return a + c, b + d, z3.BoolVal(True, a.ctx)
    if op == "-":
        return a - d, b - c, z3.BoolVal(True, a.ctx)
    defined = z3.BoolVal(True, a.ctx)
    if op == "/":
        defined = z3.Or(c > 0, d < 0)
        c, d = 1 / d, 1 / c
    corners = [a * c, a * d, b * c, b * d]
    low = high = corners[0]
    for x in corners[1:]:
        low, high = z3.If(x < low, x, low), z3.If(x > high, x, high)
    return low, high, defined


def _real(z3: Any, ctx: Any, value: Fraction) -> Any:
    return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)

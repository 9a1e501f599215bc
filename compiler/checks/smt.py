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

from collections.abc import Mapping, Sequence
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
        self._keep: list[ir.Expr] = []
        for name, var in domain.vars.items():
            self._declare(name, var)

    def _declare(self, name: str, var: NumVar | EnumVar) -> None:
        z3 = self.z3
        self._known[name] = z3.Bool(f"known!{name}", self.ctx)
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

    def _num(self, e: ir.Expr) -> tuple[Any, Any]:
        z3 = self.z3
        true = z3.BoolVal(True, self.ctx)
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
        if isinstance(e, ir.Count):
            parts = [self.tf(o) for o in e.operands]
            known = z3.And([z3.Or(t, f) for t, f in parts]) if parts else true
            one, zero = _real(z3, self.ctx, Fraction(1)), _real(z3, self.ctx, Fraction(0))
            total = z3.Sum([z3.If(t, one, zero) for t, _ in parts]) if parts else zero
            return known, total
        if isinstance(e, ir.Points):
            parts = [(w, self.tf(c)) for w, c in e.weights]
            known = z3.And([z3.Or(t, f) for _, (t, f) in parts]) if parts else true
            if not parts:
                return known, _real(z3, self.ctx, Fraction(0))
            zero = _real(z3, self.ctx, Fraction(0))
            total = z3.Sum([z3.If(t, _real(z3, self.ctx, w), zero) for w, (t, _) in parts])
            return known, total
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


def _real(z3: Any, ctx: Any, value: Fraction) -> Any:
    return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)

"""Typed pathway expressions -> SQL expressions with the interpreter's meaning.

Unknown is NULL. SQL's AND, OR and NOT are Kleene's three-valued logic, the same
as the interpreter's; a comparison or ``in`` on NULL is NULL; ``is known`` is
never NULL. Numbers are :class:`~.numbers.Num` (exact, see numbers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp

from carepath.compiler import ir

from . import numbers
from .numbers import Num

# A translated expression: a yes/no or an enumeration value as SQL, or a number.
SqlValue = exp.Expr | Num


def column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


class Translator:
    """Translates expressions; ``refs`` gives the SQL of each input and derived value."""

    def __init__(self, refs: Callable[[ir.Ref], SqlValue]) -> None:
        self.refs = refs

    def value(self, expr: ir.Expr) -> SqlValue:
        if isinstance(expr, ir.Ref):
            return self.refs(expr)
        if isinstance(expr, ir.Const):
            v = expr.value
            if isinstance(v, bool):
                return exp.true() if v else exp.false()
            if isinstance(v, str):
                return exp.Literal.string(v)
            return Num.constant(v)
        if isinstance(expr, ir.Arith):
            return numbers.arithmetic(expr.op, self.number(expr.left), self.number(expr.right))
        if isinstance(expr, ir.Negate):
            return numbers.negate(self.number(expr.operand))
        if isinstance(expr, ir.Count | ir.Points):
            return numbers.score([(p, self.holds(c)) for p, c in ir.criteria(expr)])
        return self.holds(expr)

    def number(self, expr: ir.Expr) -> Num:
        found = self.value(expr)
        assert isinstance(found, Num), f"expected a number: {expr}"
        return found

    def sql(self, expr: ir.Expr) -> exp.Expr:
        found = self.value(expr)
        assert not isinstance(found, Num), f"expected a value, not a number: {expr}"
        return found

    def holds(self, expr: ir.Expr) -> exp.Expr:
        """A yes/no expression as three-valued SQL."""
        if isinstance(expr, ir.Ref | ir.Const):
            return self.sql(expr)
        if isinstance(expr, ir.Not):
            return numbers.not_(self.holds(expr.operand))
        if isinstance(expr, ir.And | ir.Or):
            parts = [numbers.paren(self.holds(o)) for o in expr.operands]
            return exp.and_(*parts) if isinstance(expr, ir.And) else exp.or_(*parts)
        if isinstance(expr, ir.IsKnown):
            inner = self.value(expr.operand)
            if isinstance(inner, Num):
                return numbers.is_known(inner)
            return numbers.not_null(inner)
        if isinstance(expr, ir.InSet):
            operand = self.sql(expr.operand)
            return exp.In(
                this=numbers.paren(operand),
                expressions=[exp.Literal.string(v) for v in sorted(expr.values)],
            )
        if isinstance(expr, ir.Compare):
            left, right = self.value(expr.left), self.value(expr.right)
            if isinstance(left, Num) and isinstance(right, Num):
                return numbers.compare(expr.op, left, right)
            assert not isinstance(left, Num) and not isinstance(right, Num)
            cls = exp.EQ if expr.op == "==" else exp.NEQ
            return cls(this=numbers.paren(left), expression=numbers.paren(right))
        raise TypeError(f"not a yes/no expression: {type(expr).__name__}")


def define_order(defines: Mapping[str, ir.DefineDecl]) -> list[list[str]]:
    """The derived values in levels: each reads only inputs and earlier levels."""
    level: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in level:
            level[name] = 0  # a cycle is CP111, an error a compiled pathway never has
            reads = [
                e.name
                for e in ir.walk(defines[name].expr)
                if isinstance(e, ir.Ref) and not e.is_input and e.name in defines
            ]
            level[name] = 1 + max((depth(r) for r in reads), default=-1)
        return level[name]

    for name in defines:
        depth(name)
    levels: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for name in defines:
        levels[level[name]].append(name)
    return levels

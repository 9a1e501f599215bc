"""Exact arithmetic in SQL: a pathway's numbers as SQL expressions that never round.

The interpreter computes with exact fractions in SI base units. SQL engines have
exact decimals (DECIMAL(38, s): sums, differences and products are exact, an
overflow is an error) but no exact division, and their decimal scale grows with
every product. So a number here is a :class:`Num`:

    value = scale * [low, high] / den

``scale`` is an exact ``Fraction`` known when the query is built (a column in
days has scale 86400: its values are days, the pathway's are seconds), ``low``
and ``high`` are SQL expressions (the same one when the number is exact; apart
for a score with unknown criteria, the interpreter's ``Between``), and ``den``
is a positive SQL expression, or ``None`` for 1, that appears only after a
division. Comparisons cross-multiply by the denominators, so no step divides,
and a constant is brought into the other side's scale when the query is built:
``fracture_age > 6 weeks`` on a column in days is ``fracture_age > 42``.

Unknown is SQL NULL throughout. ``low`` and ``high`` are NULL together (both are
built from the same columns), which the range operations rely on: LEAST and
GREATEST skip NULLs, so they are guarded by their first corner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from sqlglot import exp

from .errors import CannotCompile

# Decimal digits after the point in a number column (see columns.py). Products add
# their operands' digits; past this many a factor is first made a whole number.
MAX_DIGITS = 9
WHOLE = exp.DataType.build("DECIMAL(38, 0)")


@dataclass(frozen=True)
class Num:
    """A number as SQL: ``scale * [low, high] / den`` (see the module's docstring).

    ``digits`` is how many decimal places ``low`` and ``high`` may have."""

    low: exp.Expr
    high: exp.Expr
    scale: Fraction
    den: exp.Expr | None = None
    digits: int = 0

    @property
    def exact(self) -> bool:
        return self.low is self.high

    @staticmethod
    def column(sql: exp.Expr, scale: Fraction, digits: int) -> Num:
        return Num(sql, sql, scale, None, digits)

    @staticmethod
    def constant(value: Fraction) -> Num:
        """A constant: its numerator over scale 1/denominator (exact, no SQL division)."""
        literal = number(value.numerator)
        return Num(literal, literal, Fraction(1, value.denominator))


def number(value: int | Fraction) -> exp.Expr:
    """A numeric literal; a fraction only when it has a finite decimal expansion."""
    value = Fraction(value)
    text = str(value.numerator) if value.denominator == 1 else _decimal_text(value)
    if text.startswith("-"):
        return exp.Paren(this=exp.Neg(this=exp.Literal.number(text[1:])))
    return exp.Literal.number(text)


def _places(value: Fraction) -> int:
    """The decimal places of a fraction with a finite decimal expansion."""
    twos = fives = 0
    d = value.denominator
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    return max(twos, fives)


def _decimal_text(value: Fraction) -> str:
    places = _places(value)
    scaled = value * 10**places
    assert scaled.denominator == 1
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def finite_decimal(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


# ---------------------------------------------------------------- SQL helpers


def paren(e: exp.Expr) -> exp.Expr:
    """``e`` wrapped when an operator around it would bind wrongly (sqlglot writes
    the tree as given, without parentheses of its own)."""
    if isinstance(e, exp.Binary | exp.Unary | exp.Predicate):
        return exp.Paren(this=e)  # (AND and OR are Binary, though sqlglot also calls them Func)
    if isinstance(e, exp.Literal) and e.this.startswith("-"):
        return exp.Paren(this=e)
    return e


def mul(a: exp.Expr, b: exp.Expr | int) -> exp.Expr:
    if isinstance(b, int):
        if b == 1:
            return a
        b = number(b)
    return exp.Mul(this=paren(_wide(a)), expression=paren(_wide(b)))


# An integer literal past 32 bits is 64-bit integer SQL, and a product of it with
# another integer overflows at 9.2e18 where a DECIMAL(38, 0) holds 38 digits.
_WIDE_FROM = 2**31


def _wide(e: exp.Expr) -> exp.Expr:
    value = _literal_value(e) if isinstance(e, exp.Literal | exp.Paren) else None
    if value is not None and value.denominator == 1 and abs(value) >= _WIDE_FROM:
        return exp.Cast(this=e, to=WHOLE)
    return e


def add(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.Add(this=paren(a), expression=paren(b))


def sub(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.Sub(this=paren(a), expression=paren(b))


def neg(a: exp.Expr) -> exp.Expr:
    return exp.Paren(this=exp.Neg(this=paren(a)))


def case(*whens: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Case:
    c = exp.Case()
    for condition, then in whens:
        c = c.when(condition, then)
    if default is not None:
        c = c.else_(default)
    return c


def not_(e: exp.Expr) -> exp.Expr:
    """NOT, which binds tighter than AND and OR: its operand is wrapped when needed."""
    return exp.Not(this=paren(e))


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=paren(e), expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return not_(is_null(e))


def _cmp(op: str, a: exp.Expr, b: exp.Expr) -> exp.Expr:
    cls = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "==": exp.EQ, "!=": exp.NEQ}[op]
    return cls(this=paren(a), expression=paren(b))


# ---------------------------------------------------------------- scales


def _rational_gcd(a: Fraction, b: Fraction) -> Fraction:
    """The greatest fraction that divides both ``a`` and ``b`` a whole number of times."""
    return Fraction(
        math.gcd(a.numerator * b.denominator, b.numerator * a.denominator),
        a.denominator * b.denominator,
    )


def _rescaled(n: Num, factor: Fraction) -> Num:
    """``n`` with its ends multiplied by ``factor`` (a whole number here) and its scale
    divided by it: the same value."""
    assert factor.denominator == 1
    k = factor.numerator
    if k == 1:
        return n
    low = mul(n.low, k)
    high = low if n.exact else mul(n.high, k)
    return Num(low, high, n.scale / factor, n.den, n.digits)


def _common(a: Num, b: Num) -> tuple[Num, Num]:
    """``a`` and ``b`` over one scale, multiplying ends by whole numbers only."""
    if a.scale == b.scale:
        return a, b
    g = _rational_gcd(a.scale, b.scale)
    return _rescaled(a, a.scale / g), _rescaled(b, b.scale / g)


def _over(n: Num, den: exp.Expr | None) -> tuple[exp.Expr, exp.Expr]:
    """``n``'s ends multiplied by another number's denominator (cross-multiplying)."""
    if den is None:
        return n.low, n.high
    low = mul(n.low, den)
    return low, low if n.exact else mul(n.high, den)


def _times(a: exp.Expr | None, b: exp.Expr | None) -> exp.Expr | None:
    if a is None:
        return b
    if b is None:
        return a
    return mul(a, b)


def whole(n: Num) -> Num:
    """``n`` with whole-number ends (decimal places moved into the scale), so that a
    product of several never needs more than DECIMAL(38, 0)."""
    if n.digits == 0:
        return n
    k = 10**n.digits
    low: exp.Expr = exp.Cast(this=mul(n.low, k), to=WHOLE)
    high = low if n.exact else exp.Cast(this=mul(n.high, k), to=WHOLE)
    return Num(low, high, n.scale / k, n.den, 0)


# ---------------------------------------------------------------- comparisons


def compare(op: str, left: Num, right: Num) -> exp.Expr:
    """``left op right`` as three-valued SQL: the interpreter's ``compare``, ranges
    decided only when every value in them gives the same answer."""
    right_value = constant_value(right)
    if right_value is not None:
        return _compare_constant(op, left, right_value)
    left_value = constant_value(left)
    if left_value is not None:
        return _compare_constant(_FLIPPED[op], right, left_value)
    a, b = _common(left, right)
    a_low, a_high = _over(a, b.den)
    b_low, b_high = _over(b, a.den)
    exact = a.exact and b.exact
    return _ranges(op, a_low, a_high, b_low, b_high, exact)


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _literal_value(e: exp.Expr) -> Fraction | None:
    if isinstance(e, exp.Paren) and isinstance(e.this, exp.Neg):
        inner = e.this.this
        return -Fraction(inner.this) if isinstance(inner, exp.Literal) else None
    if isinstance(e, exp.Literal) and not e.is_string:
        return Fraction(e.this)
    return None


def _compare_constant(op: str, n: Num, value: Fraction) -> exp.Expr:
    """``n op value`` with the constant brought into ``n``'s scale when the query is
    built: a literal when it has a finite decimal expansion, else both sides
    multiplied by its denominator."""
    target = value / n.scale
    if finite_decimal(target) and n.den is None:
        _held(target * 10 ** _places(target))
        literal = number(target)
        return _ranges(op, n.low, n.high, literal, literal, n.exact)
    low, high = n.low, n.high
    q = target.denominator if not finite_decimal(target) else 1
    rhs: exp.Expr = number(_held(target * q))
    if q != 1:
        low = mul(low, q)
        high = low if n.exact else mul(high, q)
    if n.den is not None:
        rhs = mul(rhs, n.den)
    return _ranges(op, low, high, rhs, rhs, n.exact)


def _held(value: Fraction) -> Fraction:
    """``value`` when a SQL decimal can hold it as the query writes it, else the
    reason: the value in the scale of a product of decimals can pass 38 digits
    (a column of unknown type is read with nine decimal places)."""
    if abs(value.numerator) >= _DIGITS_HELD:
        raise CannotCompile(
            f"a comparison needs the constant {value.numerator} in the scale of its"
            " other side, more than the 38 digits a SQL decimal holds; give the"
            " columns' types (compile --type NAME=TYPE; an audit reads them from the"
            " data) or compare fewer"
            " products of decimal columns"
        )
    return value


# DECIMAL(38, s) holds no more than 38 digits, and DuckDB reads a longer literal
# as a type it will not compare with a decimal.
_DIGITS_HELD = 10**38


def _ranges(
    op: str,
    a: exp.Expr,
    b: exp.Expr,
    c: exp.Expr,
    d: exp.Expr,
    exact: bool,
) -> exp.Expr:
    """[a, b] op [c, d]: true or false when it holds for every pair of values or for
    none, else NULL (``evaluate._compare_ranges``); plain SQL when both are exact."""
    if exact:
        return _cmp(op, a, c)
    if op in (">", ">="):
        a, b, c, d, op = c, d, a, b, "<" if op == ">" else "<="
    t, f = exp.true(), exp.false()
    if op == "<":
        return case((_cmp("<", b, c), t), (_cmp(">=", a, d), f))
    if op == "<=":
        return case((_cmp("<=", b, c), t), (_cmp(">", a, d), f))
    apart = exp.or_(_cmp("<", b, c), _cmp("<", d, a))
    same = exp.and_(_cmp("==", a, b), _cmp("==", b, c), _cmp("==", c, d))
    if op == "==":
        return case((apart, f), (same, t))
    return case((apart, t), (same, f))


def is_known(n: Num) -> exp.Expr:
    """Known: not NULL and one value (a score whose unknown criteria could still
    change it is not known)."""
    checks: list[exp.Expr] = [not_null(n.low)]
    if n.den is not None:
        checks.append(not_null(n.den))
    if not n.exact:
        checks = [exp.Coalesce(this=_cmp("==", n.low, n.high), expressions=[exp.false()])]
        if n.den is not None:
            checks.append(not_null(n.den))
    return exp.and_(*checks) if len(checks) > 1 else checks[0]


# ---------------------------------------------------------------- arithmetic


def negate(n: Num) -> Num:
    if n.exact:
        low = neg(n.low)
        return Num(low, low, n.scale, n.den, n.digits)
    return Num(neg(n.high), neg(n.low), n.scale, n.den, n.digits)


def arithmetic(op: str, left: Num, right: Num) -> Num:
    """``left op right`` (``evaluate.arithmetic``): interval arithmetic on ranges, a
    division by zero (or by a range that holds zero) unknown."""
    if op in ("*", "/"):
        k = constant_value(right)
        if k is not None and k != 0:
            return _scaled(left, k if op == "*" else 1 / k)
        k = constant_value(left) if op == "*" else None
        if k is not None and k != 0:
            return _scaled(right, k)
    if op in ("+", "-"):
        x, y = constant_value(left), constant_value(right)
        if x is not None and y is not None:
            # Known when the query is built (settings, literals): no SQL, and no
            # sum of two 32-bit literals for the engine to overflow.
            return Num.constant(x + y if op == "+" else x - y)
        a, b = _common(left, right)
        a_low, a_high = _over(a, b.den)
        b_low, b_high = _over(b, a.den)
        den = _times(a.den, b.den)
        digits = max(a.digits, b.digits)
        if op == "+":
            low = add(a_low, b_low)
            high = low if a.exact and b.exact else add(a_high, b_high)
        else:
            low = sub(a_low, b_high)
            high = low if a.exact and b.exact else sub(a_high, b_low)
        return Num(low, high, a.scale, den, digits)
    if left.digits + right.digits > MAX_DIGITS:
        left, right = whole(left), whole(right)
    if op == "*":
        return _product(left, right)
    return _quotient(whole(left), whole(right))


def constant_value(n: Num) -> Fraction | None:
    """The value of a number known when the query is built, else None."""
    if not n.exact or n.den is not None or not isinstance(n.low, exp.Literal | exp.Paren):
        return None
    value = _literal_value(n.low)
    return None if value is None else value * n.scale


def _scaled(n: Num, k: Fraction) -> Num:
    """``n * k`` for a constant ``k`` other than zero: no SQL at all, the factor goes
    into the scale (which stays positive: a negative factor negates the ends)."""
    found = negate(n) if k < 0 else n
    return Num(found.low, found.high, found.scale * abs(k), found.den, found.digits)


def _product(a: Num, b: Num) -> Num:
    scale = a.scale * b.scale
    den = _times(a.den, b.den)
    digits = a.digits + b.digits
    if a.exact and b.exact:
        low = mul(a.low, b.low)
        return Num(low, low, scale, den, digits)
    corners = [mul(x, y) for x in _ends(a) for y in _ends(b)]
    return Num(_least(corners), _greatest(corners), scale, den, digits)


def _quotient(a: Num, b: Num) -> Num:
    """a / b with whole-number ends: the divisor's ends move into the denominator
    (with their sign), so the quotient is exact; zero in the divisor is NULL."""
    scale = a.scale / b.scale
    a_low, a_high = _over(a, b.den)
    if b.exact:
        sign = exp.Sign(this=b.low)
        den = _times(a.den, exp.Nullif(this=exp.Abs(this=b.low), expression=number(0)))
        if a.exact:
            low = mul(a_low, sign)
            return Num(low, low, scale, den)
        corners = [mul(a_low, sign), mul(a_high, sign)]
        return Num(_least(corners), _greatest(corners), scale, den)
    c, d = b.low, b.high
    corners = [mul(x, y) for x in _distinct(a_low, a_high) for y in (c, d)]
    holds_zero = exp.and_(_cmp("<=", c, number(0)), _cmp(">=", d, number(0)))
    den_value = _times(a.den, mul(c, d))
    assert den_value is not None
    den = case((holds_zero, exp.Null()), default=den_value)
    return Num(_least(corners), _greatest(corners), scale, den)


def _ends(n: Num) -> tuple[exp.Expr, ...]:
    return (n.low,) if n.exact else (n.low, n.high)


def _distinct(low: exp.Expr, high: exp.Expr) -> tuple[exp.Expr, ...]:
    return (low,) if low is high else (low, high)


def _least(corners: list[exp.Expr]) -> exp.Expr:
    if len(corners) == 1:
        return corners[0]
    # LEAST skips NULLs; the corners are NULL together, so the first one decides.
    return case(
        (is_null(corners[0]), exp.Null()),
        default=exp.Least(this=corners[0], expressions=corners[1:]),
    )


def _greatest(corners: list[exp.Expr]) -> exp.Expr:
    if len(corners) == 1:
        return corners[0]
    return case(
        (is_null(corners[0]), exp.Null()),
        default=exp.Greatest(this=corners[0], expressions=corners[1:]),
    )


def score(criteria: list[tuple[Fraction, exp.Expr]]) -> Num:
    """A ``count of`` / ``points of``: the points of the criteria that hold; an
    unknown criterion adds its points to one end of the range only. Points are
    whole numbers over the least common denominator, so the sums are exact."""
    lcd = math.lcm(*(p.denominator for p, _ in criteria)) if criteria else 1
    lows: list[exp.Expr] = []
    highs: list[exp.Expr] = []
    for points, holds in criteria:
        k = int(points * lcd)
        lows.append(
            case(
                (holds, number(k)),
                (not_(holds), number(0)),
                default=number(min(k, 0)),
            )
        )
        highs.append(
            case(
                (holds, number(k)),
                (not_(holds), number(0)),
                default=number(max(k, 0)),
            )
        )
    low = total(lows)
    high = total(highs)
    return Num(low, high, Fraction(1, lcd))


def total(terms: list[exp.Expr]) -> exp.Expr:
    if not terms:
        return number(0)
    found = terms[0]
    for term in terms[1:]:
        found = add(found, term)
    return found

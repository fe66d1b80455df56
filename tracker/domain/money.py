"""Exact money and rates: Decimal (or Fraction while computing), never float; rounded once, half up."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from math import floor

CENT = Decimal("0.01")
RATE = Decimal("0.0001")


def _round_half_up(x: Decimal | Fraction | int, step: Decimal) -> Decimal:
    """Round an exact number half up (away from zero) to the given step."""
    if isinstance(x, Fraction):
        places = -step.as_tuple().exponent
        units = floor(abs(x) * 10**places + Fraction(1, 2))
        return (Decimal(units if x >= 0 else -units).scaleb(-places)).quantize(step)
    return Decimal(x).quantize(step, rounding=ROUND_HALF_UP)


def round_money(x: Decimal | Fraction | int) -> Decimal:
    """Round an amount half up to 0.01."""
    return _round_half_up(x, CENT)


def round_rate(x: Decimal | Fraction | int) -> Decimal:
    """Round a rate half up to 4 places (0.0001 = 0.01 %)."""
    return _round_half_up(x, RATE)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Convert a str, int or Decimal to a finite Decimal; floats, NaN and Infinity raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f"{value!r} is not an exact number: give a string, an integer or a Decimal")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result

"""Exact money: Decimal, rounded once, half up."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tracker.domain.money import CENT, RATE, round_money, round_rate, to_decimal


def test_constants():
    assert CENT == Decimal("0.01") and RATE == Decimal("0.0001")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.005", "2.01"), ("2.004", "2.00"), ("-2.005", "-2.01"), ("7", "7.00"), (Fraction(1, 3), "0.33"),
     (Fraction(1, 200), "0.01"), (Fraction(-1, 200), "-0.01"), (Fraction(2005, 1000), "2.01")],
)
def test_round_money_half_up(value, expected):
    result = round_money(Decimal(value) if isinstance(value, str) else value)
    assert result == Decimal(expected) and str(result) == expected


def test_round_rate():
    assert round_rate(Decimal("1.91665")) == Decimal("1.9167")
    assert round_rate(Fraction(23, 12)) == Decimal("1.9167")
    assert str(round_rate(Decimal("0.2"))) == "0.2000"


@pytest.mark.parametrize(("value", "expected"), [("12.50", "12.50"), (" 3 ", "3"), (5, "5"), (Decimal("1.1"), "1.1")])
def test_to_decimal(value, expected):
    assert to_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", [1.5, "NaN", "Infinity", "-inf", Decimal("NaN"), "abc", "", None, True])
def test_to_decimal_rejects(value):
    with pytest.raises(ValueError):
        to_decimal(value)

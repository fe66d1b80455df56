"""The dashboard's pure computations: periods, medians, the due-soon date, chart bars. No app, no database."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tracker.domain.deadlines import DeadlineStatus, deadline_status
from tracker.domain.figures import (
    Period,
    PeriodError,
    default_period,
    due_soon_from,
    median_days,
    parse_period,
    scale_bars,
)

TODAY = date(2020, 12, 31)


# ------------------------------------------------------------------------------------------ periods


def test_no_dates_means_the_year_to_date():
    assert parse_period(None, "", TODAY) == Period(date(2020, 1, 1), TODAY)
    assert default_period(date(2021, 3, 5)) == Period(date(2021, 1, 1), date(2021, 3, 5))


def test_one_date_fills_the_other():
    assert parse_period("2020-02-01", None, TODAY) == Period(date(2020, 2, 1), TODAY)
    assert parse_period(None, "2020-02-29", TODAY) == Period(date(2020, 1, 1), date(2020, 2, 29))
    # A start after today: the period is that one day, not an error.
    assert parse_period("2021-02-01", None, TODAY) == Period(date(2021, 2, 1), date(2021, 2, 1))


def test_a_full_period_is_inclusive_and_gives_list_arguments():
    period = parse_period("2020-02-01", date(2020, 2, 29), TODAY)
    assert period.days == 29
    assert period.as_args() == {"date_from": "2020-02-01", "date_to": "2020-02-29"}


@pytest.mark.parametrize(
    "start, end, field, reason",
    [
        ("2020-3-1", None, "date_from", "format"),
        ("yesterday", None, "date_from", "format"),
        (None, "2020-02-30", "date_to", "format"),
        ("2020-02-01T00:00", None, "date_from", "format"),
        ("0001-01-01", None, "date_from", "year"),
        (None, "9999-12-31", "date_to", "year"),
        (date(1900, 1, 1), None, "date_from", "year"),
        ("2020-03-01", "2020-02-01", "date_to", "order"),
    ],
)
def test_bad_periods_name_the_field_and_the_reason(start, end, field, reason):
    with pytest.raises(PeriodError) as caught:
        parse_period(start, end, TODAY)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert caught.value.message


# ------------------------------------------------------------------------------------------ median


def test_median_of_an_odd_count_is_the_middle_span():
    spans = [(date(2020, 1, 1), date(2020, 1, 31)), (date(2020, 2, 1), date(2020, 2, 3)),
             (date(2020, 3, 1), date(2020, 3, 11))]
    assert median_days(spans) == Decimal(10)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    spans = [(date(2020, 1, 1), date(2020, 1, 1) + timedelta(days=n)) for n in (40, 3, 10, 11)]
    assert median_days(spans) == Decimal("10.5")


def test_median_of_nothing_is_none():
    assert median_days([]) is None
    assert median_days(iter(())) is None


# ------------------------------------------------------------------------------------------ due soon


@pytest.mark.parametrize("span", [0, 1, 2, 3, 4, 5, 9, 10, 14, 15, 29, 30, 60, 90, 183])
def test_due_soon_from_is_the_first_day_deadline_status_says_due_soon(span):
    start = date(2020, 2, 10)
    due = start + timedelta(days=span)
    first = due_soon_from(start, due)
    assert start <= first <= due
    assert deadline_status(start, due, first) is DeadlineStatus.DUE_SOON
    if first > start:
        assert deadline_status(start, due, first - timedelta(days=1)) is DeadlineStatus.OPEN


def test_due_soon_from_a_ten_day_span_is_day_nine():
    # 80 % of 10 days is 8: the ninth day after the start is the first beyond it.
    assert due_soon_from(date(2020, 3, 1), date(2020, 3, 11)) == date(2020, 3, 10)


# ------------------------------------------------------------------------------------------ bars


def test_bars_are_proportional_to_the_largest_value():
    bars = scale_bars([("a", 10), ("b", 5), ("c", 0), ("d", 1)], full=300, row_height=20)
    assert [b.length for b in bars] == [300, 150, 0, 30]
    assert [b.y for b in bars] == [0, 20, 40, 60]
    assert [b.label for b in bars] == ["a", "b", "c", "d"]


def test_tiny_values_stay_visible_and_money_scales_exactly():
    bars = scale_bars([("fine", Decimal("100000.00")), ("paid", Decimal("0.01")), ("half", Decimal("50000.00"))])
    assert [b.length for b in bars] == [300, 1, 150]
    assert bars[0].value == Decimal("100000.00")


def test_rounding_is_half_up():
    assert [b.length for b in scale_bars([("a", 8), ("b", 3)], full=100)] == [100, 38]  # 37.5 -> 38


def test_all_zero_or_no_rows():
    assert [b.length for b in scale_bars([("a", 0), ("b", 0)])] == [0, 0]
    assert scale_bars([]) == []


def test_negative_values_and_empty_charts_are_refused():
    with pytest.raises(ValueError):
        scale_bars([("a", -1)])
    with pytest.raises(ValueError):
        scale_bars([("a", 1)], full=0)

"""The dashboard's pure computations: periods, medians, the due-soon date, chart bars. No app, no database."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.deadlines import DeadlineStatus, deadline_status
from tracker.domain.figures import (
    FAR_DAY,
    FIRST_IN_MONTH,
    FIRST_IN_YEAR,
    Period,
    PeriodError,
    PeriodParts,
    account_settles,
    default_period,
    due_soon_from,
    first_inspected_figure,
    median_days,
    median_of_counts,
    month_start,
    next_month,
    parse_period,
    scale_bars,
    split_period,
    unpaid_surcharge_cents,
)
from tracker.domain.penalties import PaymentIn, account

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


@given(st.lists(st.integers(0, 400), max_size=40))
def test_the_median_of_a_histogram_is_the_median_of_its_spans(spans):
    counts: dict[int, int] = {}
    for days in spans:
        counts[days] = counts.get(days, 0) + 1
    start = date(2020, 1, 1)
    assert median_of_counts(counts.items()) == median_days((start, start + timedelta(days=n)) for n in spans)
    assert median_of_counts([(5, 0)]) is None


# ------------------------------------------------------------------------------------------ summary tables

days_2019_2021 = st.integers(0, 3 * 366).map(lambda n: date(2019, 1, 1) + timedelta(days=n))


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@given(days_2019_2021, days_2019_2021)
def test_a_period_is_its_whole_months_plus_or_minus_a_few_days(one, other):
    """Summing per-day figures over the parts counts each day of the period once and every other day never."""
    period = Period(min(one, other), max(one, other))
    parts = split_period(period)
    times: dict[date, int] = {}

    def count(first: date, last: date, sign: int) -> None:
        day = first
        while day <= last:
            times[day] = times.get(day, 0) + sign
            day += timedelta(days=1)

    if parts.months is not None:
        assert parts.months[0].day == parts.months[1].day == 1
        for month in months_between(*parts.months):
            count(month, next_month(month) - timedelta(days=1), 1)
    for first, last in parts.added:
        count(first, last, 1)
    for first, last in parts.subtracted:
        count(first, last, -1)
    counted = {day for day, n in times.items() if n}
    assert all(n in (0, 1) for n in times.values())
    assert counted == {period.date_from + timedelta(days=n) for n in range(period.days)}
    # At most about half a month of single days at either end.
    assert sum((last - first).days + 1 for first, last in (*parts.added, *parts.subtracted)) <= 2 * 16


def test_the_year_to_date_is_its_months_less_the_days_after_today():
    parts = split_period(Period(date(2026, 1, 1), date(2026, 11, 29)))
    assert parts.months == (date(2026, 1, 1), date(2026, 11, 1))
    assert (parts.added, parts.subtracted) == ((), ((date(2026, 11, 30), date(2026, 11, 30)),))
    assert split_period(Period(date(2020, 3, 10), date(2020, 3, 12))) == PeriodParts(
        None, ((date(2020, 3, 10), date(2020, 3, 12)),), ())
    assert split_period(Period(date(2020, 2, 1), date(2020, 2, 29))).months == (date(2020, 2, 1), date(2020, 2, 1))
    assert month_start(date(2020, 2, 29)) == date(2020, 2, 1) and next_month(date(2020, 12, 5)) == date(2021, 1, 1)


@pytest.mark.parametrize("start, end, figure", [
    ("2020-01-01", "2020-12-31", FIRST_IN_YEAR),
    ("2020-01-01", "2020-01-09", FIRST_IN_YEAR),
    ("2020-03-01", "2020-03-31", FIRST_IN_MONTH),
    ("2020-03-01", "2020-03-01", FIRST_IN_MONTH),
    ("2020-03-01", "2020-04-30", None),  # two months from 1 March: premises of March seen again in April
    ("2020-01-02", "2020-01-31", None),
    ("2020-01-01", "2021-01-31", None),  # over a new year
    ("2019-12-01", "2020-01-31", None),
])
def test_which_daily_figure_counts_the_distinct_premises_of_a_period(start, end, figure):
    assert first_inspected_figure(Period(date.fromisoformat(start), date.fromisoformat(end))) == figure


# ------------------------------------------------------------------------------------------ settled accounts

RATE = Decimal("0.03")
DUE = date(2020, 3, 1)
amounts = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c) / 100)
offsets = st.integers(min_value=-30, max_value=90)
payment_lists = st.lists(
    st.builds(lambda o, c: PaymentIn(DUE + timedelta(days=o), Decimal(c) / 100), offsets, st.integers(1, 5_000_000)),
    max_size=4,
)
appeal_lists = st.lists(
    st.tuples(st.integers(-10, 80), st.none() | st.integers(0, 60)).map(
        lambda p: (DUE + timedelta(days=p[0]), None if p[1] is None else DUE + timedelta(days=p[0] + p[1]))),
    max_size=2,
)


def money(acc):
    return (acc.fine, acc.confiscation, acc.surcharge, acc.paid_fine, acc.paid_surcharge, acc.paid_confiscation,
            acc.overpaid, acc.due)


@given(amounts, amounts, st.none() | st.just(DUE), payment_lists, appeal_lists, st.sampled_from([RATE, Decimal("0"), Decimal("0.0005")]))
def test_an_account_no_longer_changes_from_its_settling_day(fine, confiscation, due_on, paid, frozen, rate):
    decided_on = DUE - timedelta(days=20)
    settles_on, final = account_settles(fine, confiscation, due_on, paid, rate, frozen, decided_on)
    assert settles_on >= max([decided_on, *(p.on for p in paid)])
    for later in (0, 1, 2, 17, 35, 400, 5000):
        day = min(FAR_DAY, settles_on + timedelta(days=later))
        assert money(account(fine, confiscation, due_on, paid, rate, day, frozen)) == money(final)
    # ... and it is the first such day (after the decision and the last payment).
    if settles_on > max([decided_on, *(p.on for p in paid)]):
        before = account(fine, confiscation, due_on, paid, rate, settles_on - timedelta(days=1), frozen)
        assert money(before) != money(final)


def test_an_unpaid_fine_settles_when_its_surcharge_reaches_the_fine():
    # 3 % a day: 34 days after the due date the surcharge is capped at the fine (33 days make 99 %).
    settles_on, final = account_settles(Decimal("1000.00"), Decimal("0"), DUE, [], RATE, [], DUE - timedelta(days=20))
    assert settles_on == DUE + timedelta(days=34) and final.surcharge == Decimal("1000.00")
    # Paid in full before the due date: settled on the day it was paid.
    paid = [PaymentIn(DUE - timedelta(days=3), Decimal("1000.00"))]
    assert account_settles(Decimal("1000.00"), Decimal("0"), DUE, paid, RATE, [], DUE - timedelta(days=20))[0] == DUE - timedelta(days=3)
    # An appeal pending since the day after the due date freezes the surcharge at one day's worth.
    pending = [(DUE + timedelta(days=2), None)]
    settles_on, final = account_settles(Decimal("1000.00"), Decimal("0"), DUE, [], RATE, pending, DUE - timedelta(days=20))
    assert (settles_on, final.surcharge) == (DUE + timedelta(days=1), Decimal("30.00"))


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


@given(amounts, amounts, st.none() | st.just(DUE), offsets,
       st.sampled_from([RATE, Decimal("0"), Decimal("0.0005"), Decimal("0.0125"), Decimal("0.5")]))
def test_the_surcharge_of_an_unpaid_decision_worked_out_directly_is_the_domains(fine, confiscation, due_on, offset, rate):
    today = DUE + timedelta(days=offset * 3)
    acc = account(fine, confiscation, due_on, [], rate, today, [])
    surcharge = unpaid_surcharge_cents(int(fine * 100), due_on, rate, today)
    assert Decimal(surcharge) / 100 == acc.surcharge
    assert Decimal(int(fine * 100) + surcharge + int(confiscation * 100)) / 100 == acc.due
    assert acc.paid == acc.overpaid == 0

"""Pure computations behind the oversight dashboard and the work queues.

Standard library and the domain only: the reporting period and its validation, how a period splits into
whole months and single days (for the summary tables), which "premises first inspected" figure answers a
period, the median of day spans, the day a decision's account stops changing, the first day a deadline
counts as due soon, and the scaling of figures to the bars of a chart. ``today`` is always a parameter.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tracker.domain.deadlines import DUE_SOON_FRACTION
from tracker.domain.penalties import Account, PaymentIn, account

# Periods outside these years are refused: they are typing mistakes, and the far ends of the calendar
# cannot be converted between time zones.
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100


class PeriodError(ValueError):
    """A reporting period that cannot be used: ``field`` names the offending input, ``reason`` says why
    (``format``: not YYYY-MM-DD, ``year``: outside EARLIEST_YEAR..LATEST_YEAR, ``order``: ends before it starts)."""

    def __init__(self, field: str, reason: str, message: str):
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Period:
    """An inclusive span of calendar days."""

    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def as_args(self) -> dict[str, str]:
        """The period as the list pages' query parameters (shared list-filter contract)."""
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}


def _parse_day(value: str | date | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise PeriodError(field, "format", "Give the date as YYYY-MM-DD.") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise PeriodError(field, "year", f"Choose a date from {EARLIEST_YEAR} to {LATEST_YEAR}.")
    return day


def default_period(today: date) -> Period:
    """The year to date: 1 January of today's year up to today."""
    return Period(date(today.year, 1, 1), today)


def parse_period(date_from: str | date | None, date_to: str | date | None, today: date) -> Period:
    """The period asked for, defaults filled in: no start means 1 January of the end's year; no end
    means today (or the start, when the start lies after today). Raises PeriodError naming the field."""
    start = _parse_day(date_from, "date_from")
    end = _parse_day(date_to, "date_to")
    if start is None and end is None:
        return default_period(today)
    if end is None:
        end = max(today, start)
    if start is None:
        start = date(end.year, 1, 1)
    if start > end:
        raise PeriodError("date_to", "order", "The end of the period comes before its start.")
    return Period(start, end)


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return next_month(day) - timedelta(days=1)


DaySpan = tuple[date, date]  # an inclusive (first day, last day)


@dataclass(frozen=True)
class PeriodParts:
    """A period as the sum of whole calendar months (``months``: first and last, as first days of months, or
    None) and day spans (``added``), less day spans (``subtracted``): each day of the period counts once,
    every other day zero times."""

    months: tuple[date, date] | None
    added: tuple[DaySpan, ...]
    subtracted: tuple[DaySpan, ...]


def _span_days(spans: Sequence[DaySpan]) -> int:
    return sum((last - first).days + 1 for first, last in spans)


def split_period(period: Period) -> PeriodParts:
    """The period as whole months plus or minus a few days, for summary tables kept per day and per month.

    The months in between count whole. A month the period covers only in part counts either by its days in the
    period, or as the whole month less its days outside the period, whichever means fewer days: the year to
    date is its months, the current one included, less the days after today (which hold nothing yet)."""
    start, end = period.date_from, period.date_to
    first, last = month_start(start), month_start(end)
    if first == last:
        outside = [span for span in ((first, start - timedelta(days=1)), (end + timedelta(days=1), month_end(end)))
                   if span[0] <= span[1]]
        ends = [(first, [(start, end)], outside)]
    else:
        ends = [
            (first, [(start, month_end(start))], [(first, start - timedelta(days=1))] if start != first else []),
            (last, [(last, end)], [(end + timedelta(days=1), month_end(end))] if end != month_end(end) else []),
        ]
    low, high = next_month(first), last - timedelta(days=1)  # the months strictly inside (low > high: none)
    added: list[DaySpan] = []
    subtracted: list[DaySpan] = []
    for month, inside, outside in ends:
        if _span_days(outside) < _span_days(inside):
            low, high = min(low, month), max(high, month)
            subtracted.extend(outside)
        else:
            added.extend(inside)
    months = (low, month_start(high)) if low <= high else None
    return PeriodParts(months, tuple(added), tuple(subtracted))


# Which daily "premises first inspected" figure counts a period's distinct premises (see first_inspected_figure).
FIRST_IN_YEAR = "year"
FIRST_IN_MONTH = "month"


def first_inspected_figure(period: Period) -> str | None:
    """The daily figure whose sum over ``period`` is the number of distinct premises inspected in it, or None.

    A premises inspected in a period counts once, on its first day in the period: the day whose previous
    inspection falls before the period. Each day keeps how many of its premises were not inspected earlier in
    the same calendar year (FIRST_IN_YEAR) and in the same month (FIRST_IN_MONTH), so a period that starts on
    1 January and ends in that year is the sum of the year figure, one that starts on the 1st of a month and
    ends in that month the sum of the month figure. Other periods have no such figure (None)."""
    start, end = period.date_from, period.date_to
    if start.day != 1 or start.year != end.year:
        return None
    if start.month == 1:
        return FIRST_IN_YEAR
    return FIRST_IN_MONTH if start.month == end.month else None


def median_days(spans: Iterable[tuple[date, date]]) -> Decimal | None:
    """The median number of calendar days from the first to the second date of each pair (None for none).

    With an even count the median is the mean of the two middle spans (it may end in .5).
    """
    days = sorted((end - start).days for start, end in spans)
    if not days:
        return None
    middle = len(days) // 2
    if len(days) % 2:
        return Decimal(days[middle])
    return (Decimal(days[middle - 1]) + Decimal(days[middle])) / 2


def median_of_counts(counts: Iterable[tuple[int, int]]) -> Decimal | None:
    """``median_days`` from a histogram: (days, how many spans of that many days) pairs, in any order."""
    ordered = sorted((days, count) for days, count in counts if count > 0)
    total = sum(count for _days, count in ordered)
    if not total:
        return None
    wanted = (total - 1) // 2, total // 2  # the middle positions (equal for an odd count)
    values = []
    seen = 0
    for days, count in ordered:
        for position in wanted:
            if seen <= position < seen + count:
                values.append(days)
        seen += count
        if len(values) == 2:
            break
    if total % 2:
        return Decimal(values[0])
    return (Decimal(values[0]) + Decimal(values[1])) / 2


# The account as of this day is the account for good (every payment made, the surcharge run out).
FAR_DAY = date(9999, 12, 30)


def _settled_fields(acc: Account) -> tuple:
    # Everything the account reports except days_late (which counts calendar days to today, and no figure uses).
    return (acc.fine, acc.confiscation, acc.surcharge, acc.paid_fine, acc.paid_surcharge, acc.paid_confiscation,
            acc.overpaid, acc.due)


def account_settles(
    fine: Decimal,
    confiscation: Decimal,
    due_on: date | None,
    payments: Sequence[PaymentIn],
    daily_rate: Decimal,
    appeal_periods: Sequence[tuple[date, date | None]],
    not_before: date,
) -> tuple[date, Account]:
    """The first day (not before ``not_before``) from which a decision's account (``penalties.account``) no
    longer changes with ``today``, and that account.

    Before its last payment the account lacks that payment; after it only the late-payment surcharge can
    change, and it only grows (it accrues day by day on the unpaid fine, stops during appeals, is capped at
    the fine). So the account as of a day d equals the account for good exactly when d is on or after the
    settling day: the day is found by trying days further and further apart from the last payment (or the
    due date), then halving the gap. The surcharge of an unpaid fine reaches its cap after 1 / rate accruing
    days (34 at 3 %), so for most decisions the account settles weeks after the due date."""

    def as_of(day: date) -> Account:
        return account(fine, confiscation, due_on, payments, daily_rate, day, appeal_periods)

    final = as_of(FAR_DAY)
    settled = _settled_fields(final)
    low = max([not_before, *(payment.on for payment in payments)])
    if _settled_fields(as_of(low)) == settled:
        return low, final
    # Still changing after the last payment: only the surcharge grows, and only after the due date.
    if due_on is not None and due_on > low:
        low = due_on  # the account on the due date is the account on ``low``: not yet settled either
    step = 1
    while True:
        high = min(FAR_DAY, low + timedelta(days=step))
        if high == FAR_DAY or _settled_fields(as_of(high)) == settled:
            break
        low, step = high, step * 2
    # Not settled on ``low``, settled on ``high``: halve the gap.
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if _settled_fields(as_of(middle)) == settled:
            high = middle
        else:
            low = middle
    return high, final


def unpaid_surcharge_cents(fine_cents: int, due_on: date | None, daily_rate: Decimal, today: date) -> int:
    """The surcharge ``penalties.account`` reports, in cents, for a decision with no payment and no appeal: the
    daily rate times the fine for each day after the due date, capped at the fine, rounded half up to the cent.

    Most decisions whose account still changes with today are such (not yet due, or unpaid and not yet capped);
    with nothing paid, what is still due is the fine, this surcharge and the confiscation. The dashboard works
    them out this way instead of walking through payments and appeals; tests/domain/test_figures.py checks it
    against ``account`` for any input."""
    late = (today - due_on).days if due_on is not None else 0
    if late <= 0 or fine_cents <= 0:
        return 0
    accrued = (daily_rate * fine_cents * late).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(fine_cents, int(accrued))


def due_soon_from(starts_on: date, due_on: date) -> date:
    """The first day a deadline from starts_on to due_on counts as due soon (domain.deadlines.deadline_status):
    the first day on which more than 80 % of the calendar-day span has elapsed; the start itself for an empty span."""
    span = (due_on - starts_on).days
    if span <= 0:
        return starts_on
    elapsed = math.floor(DUE_SOON_FRACTION * span) + 1  # the least whole number of days above 80 % of the span
    return starts_on + timedelta(days=elapsed)


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart, in the chart's own units."""

    label: str
    value: Decimal | int
    length: int  # 0..full
    y: int  # top of the bar's row


def scale_bars(rows: Sequence[tuple[str, Decimal | int]], full: int = 300, row_height: int = 24) -> list[Bar]:
    """Bars proportional to the largest value (which gets ``full``), rounded half up; any value above zero
    gets at least 1 so that it stays visible. Negative values are refused."""
    if full <= 0 or row_height <= 0:
        raise ValueError("a chart needs a positive size")
    largest = max((Decimal(value) for _, value in rows), default=Decimal(0))
    bars = []
    for index, (label, value) in enumerate(rows):
        amount = Decimal(value)
        if amount < 0:
            raise ValueError(f"a bar cannot be negative: {label} = {value}")
        length = 0
        if amount > 0:
            length = int((amount * full / largest).to_integral_value(rounding=ROUND_HALF_UP))
            length = max(1, length)
        bars.append(Bar(label=label, value=value, length=length, y=index * row_height))
    return bars

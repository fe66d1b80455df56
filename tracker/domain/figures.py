"""Pure computations behind the oversight dashboard and the work queues.

Standard library only: the reporting period and its validation, the median of day spans, the first
day a deadline counts as due soon, and the scaling of figures to the bars of a chart. ``today`` is
always a parameter.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tracker.domain.deadlines import DUE_SOON_FRACTION

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

"""Working-day calendar: weekends, public holidays and make-up working days, loaded per year (DOMAIN.md §4)."""
from __future__ import annotations

import calendar as _gregorian
import tomllib
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

ONE_DAY = timedelta(days=1)


class RulebookError(ValueError):
    """Rulebook or calendar data is invalid; the message names the file and the bad entry."""


class WorkingCalendar:
    """Which days are working days: weekdays, less listed holidays, plus listed make-up working days."""

    def __init__(
        self,
        holidays: Iterable[date],
        workdays: Iterable[date],
        years: Iterable[int],
        weekend: Iterable[int] = (5, 6),
    ):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.years = frozenset(years)
        self.weekend = frozenset(weekend)
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is listed both as a holiday and as a working day")

    def __repr__(self) -> str:
        return f"<WorkingCalendar years={sorted(self.years)}>"

    def is_provisional(self, year: int) -> bool:
        """True when no official notice is loaded for the year, so only weekends are counted."""
        return year not in self.years

    def is_working_day(self, d: date) -> bool:
        """True on a working day: listed make-up days override weekends, listed holidays override weekdays."""
        if d in self.workdays:
            return True
        return d not in self.holidays and d.weekday() not in self.weekend

    def next_working_day(self, d: date) -> date:
        """The day itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after start (start not counted); n == 0 gives start or the next working day."""
        if n < 0:
            raise ValueError("the number of working days must not be negative")
        if n == 0:
            return self.next_working_day(start)
        d = start
        while n:
            d += ONE_DAY
            n -= self.is_working_day(d)
        return d

    def add_calendar_days(self, start: date, n: int) -> date:
        """start + n days, moved to the next working day if it falls on a day off."""
        return self.next_working_day(start + timedelta(days=n))

    def add_months(self, start: date, n: int) -> date:
        """The same day n months later (clamped to the month's end), moved to the next working day."""
        month_index = start.year * 12 + start.month - 1 + n
        year, month = divmod(month_index, 12)
        last_day = _gregorian.monthrange(year, month + 1)[1]
        return self.next_working_day(date(year, month + 1, min(start.day, last_day)))

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; 0 when end is not after start."""
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def provisional_years_in(self, start: date, end: date) -> list[int]:
        """The years touched by [start, end] (either order) whose calendar is provisional."""
        first, last = sorted((start.year, end.year))
        return [year for year in range(first, last + 1) if self.is_provisional(year)]


def _dates(file: str, where: str, value: object) -> list[date]:
    """A TOML array of dates, or RulebookError naming the entry."""
    if not isinstance(value, list):
        raise RulebookError(f"{file}: {where}: expected a list of dates")
    for item in value:
        if type(item) is not date:
            raise RulebookError(f"{file}: {where}: {item!r} is not a date (write it as YYYY-MM-DD, unquoted)")
    return value


def load_calendar(path: str | Path, weekend: Iterable[int] = (5, 6)) -> WorkingCalendar:
    """Read a calendar TOML file ([years.YYYY] with holidays and workdays) into a WorkingCalendar."""
    path = Path(path)
    file = path.name
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulebookError(f"{file}: calendar file not found at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{file}: not valid TOML: {exc}") from None
    years_table = data.get("years")
    if not isinstance(years_table, dict):
        raise RulebookError(f"{file}: missing [years.YYYY] tables")
    weekend = frozenset(weekend)
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years = []
    for key, table in years_table.items():
        where = f"years.{key}"
        if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
            raise RulebookError(f"{file}: {where}: expected a table named after a four-digit year")
        unknown = set(table) - {"source", "holidays", "workdays", "note"}
        if unknown:
            raise RulebookError(f"{file}: {where}: unknown key {sorted(unknown)[0]!r}")
        if not isinstance(table.get("source"), str) or not table["source"].strip():
            raise RulebookError(f"{file}: {where}: missing 'source' (the official notice the year comes from)")
        years.append(int(key))
        for d in _dates(file, f"{where}.holidays", table.get("holidays", [])):
            holidays[d] = where
        for d in _dates(file, f"{where}.workdays", table.get("workdays", [])):
            if d.weekday() not in weekend:
                raise RulebookError(
                    f"{file}: {where}.workdays: {d.isoformat()} is a {d:%A}, not a weekend day, "
                    "so it cannot be a make-up working day"
                )
            workdays[d] = where
    both = sorted(holidays.keys() & workdays.keys())
    if both:
        d = both[0]
        raise RulebookError(
            f"{file}: {d.isoformat()} is listed both as a holiday ({holidays[d]}) and as a working day ({workdays[d]})"
        )
    return WorkingCalendar(holidays, workdays, years, weekend)

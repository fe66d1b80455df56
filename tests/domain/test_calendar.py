"""The working-day calendar: weekends, holidays, make-up working days, provisional years, bad data."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.calendar import RulebookError, WorkingCalendar, load_calendar
from tracker.domain.rulebook import BUNDLED_DIR


def test_loaded_years_are_the_table_keys(cal):
    assert cal.years == frozenset(range(2020, 2027))


def test_plain_weekends_and_weekdays(cal):
    assert cal.is_working_day(date(2021, 3, 10))  # Wednesday
    assert not cal.is_working_day(date(2021, 3, 13))  # Saturday
    assert not cal.is_working_day(date(2021, 3, 14))  # Sunday


def test_spring_festival_2020_extension(cal):
    off = [date(2020, 1, 24) + timedelta(days=i) for i in range(10)]  # 01-24 .. 02-02
    assert off[-1] == date(2020, 2, 2)
    assert not any(cal.is_working_day(d) for d in off)
    assert cal.is_working_day(date(2020, 1, 19))  # Sunday, make-up working day
    assert not cal.is_working_day(date(2020, 2, 1))  # Saturday: the make-up day lapsed with the extension
    assert cal.is_working_day(date(2020, 2, 3))


def test_national_day_2020(cal):
    assert not any(cal.is_working_day(date(2020, 10, day)) for day in range(1, 9))
    assert cal.is_working_day(date(2020, 9, 27))  # Sunday
    assert cal.is_working_day(date(2020, 10, 10))  # Saturday
    assert cal.is_working_day(date(2020, 10, 9))


def test_holiday_listed_under_the_neighbouring_year(cal):
    assert not cal.is_working_day(date(2022, 12, 31))  # in the 2023 table
    assert cal.is_working_day(date(2026, 1, 4))  # Sunday make-up day


def test_fifteen_working_days_across_the_spring_festival(cal):
    # From Monday 2020-01-20 (not counted): 01-21, 01-22, 01-23 are WD 1-3; 01-24..02-02 are off (02-01 too);
    # 02-03..02-07 are WD 4-8; 02-10..02-14 are WD 9-13; 02-17 is WD 14 and Tuesday 02-18 is WD 15.
    assert cal.add_working_days(date(2020, 1, 20), 15) == date(2020, 2, 18)
    assert cal.working_days_between(date(2020, 1, 20), date(2020, 2, 18)) == 15
    # Thursday 2020-01-23 + 1 WD skips the whole holiday, including Saturday 02-01.
    assert cal.add_working_days(date(2020, 1, 23), 1) == date(2020, 2, 3)


def test_working_days_across_national_day(cal):
    # Friday 09-25: Sunday 09-27 is WD 1, 09-28 WD 2, 09-29 WD 3.
    assert cal.add_working_days(date(2020, 9, 25), 3) == date(2020, 9, 29)
    # Wednesday 09-30: 10-01..10-08 off, Friday 10-09 is WD 1, Saturday 10-10 WD 2, Monday 10-12 WD 3.
    assert cal.add_working_days(date(2020, 9, 30), 1) == date(2020, 10, 9)
    assert cal.add_working_days(date(2020, 9, 30), 2) == date(2020, 10, 10)
    assert cal.add_working_days(date(2020, 9, 30), 3) == date(2020, 10, 12)


def test_zero_working_days(cal):
    assert cal.add_working_days(date(2020, 1, 22), 0) == date(2020, 1, 22)
    assert cal.add_working_days(date(2020, 1, 25), 0) == date(2020, 2, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2020, 1, 22), -1)


def test_calendar_period_ending_on_a_holiday_moves_to_the_next_working_day(cal):
    assert cal.add_calendar_days(date(2020, 1, 9), 15) == date(2020, 2, 3)  # 01-24 is a holiday
    assert cal.add_calendar_days(date(2020, 9, 16), 15) == date(2020, 10, 9)  # 10-01 is a holiday
    assert cal.add_calendar_days(date(2020, 3, 2), 15) == date(2020, 3, 17)  # a plain Tuesday


def test_months(cal):
    assert cal.add_months(date(2020, 4, 1), 6) == date(2020, 10, 9)  # 10-01 is National Day
    assert cal.add_months(date(2021, 1, 31), 1) == date(2021, 3, 1)  # clamped to Sunday 02-28, then Monday
    assert cal.add_months(date(2020, 8, 31), 6) == date(2021, 3, 1)  # 2021-02-28 Sunday again
    assert cal.add_months(date(2020, 11, 30), 2) == date(2021, 2, 1)  # Saturday 2021-01-30, then Monday
    assert cal.add_months(date(2020, 12, 1), 1) == date(2021, 1, 4)  # New Year 01-01..01-03 off
    assert cal.add_months(date(2020, 3, 10), 12) == date(2021, 3, 10)


def test_next_working_day(cal):
    assert cal.next_working_day(date(2020, 1, 19)) == date(2020, 1, 19)
    assert cal.next_working_day(date(2020, 10, 3)) == date(2020, 10, 9)


def test_working_days_between_is_zero_for_an_empty_span(cal):
    assert cal.working_days_between(date(2020, 3, 3), date(2020, 3, 3)) == 0
    assert cal.working_days_between(date(2020, 3, 3), date(2020, 3, 1)) == 0


def test_2027_is_provisional_and_counts_weekends_only(cal):
    assert cal.is_provisional(2027)
    assert not cal.is_provisional(2026)
    assert cal.is_working_day(date(2027, 1, 1))  # a Friday: New Year not known yet
    assert not cal.is_working_day(date(2027, 1, 2))
    assert cal.add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 8)
    assert cal.provisional_years_in(date(2026, 12, 1), date(2027, 1, 31)) == [2027]
    assert cal.provisional_years_in(date(2027, 1, 31), date(2026, 12, 1)) == [2027]
    assert cal.provisional_years_in(date(2020, 1, 1), date(2026, 12, 31)) == []


def test_us_ca_calendar():
    us_cal = load_calendar(BUNDLED_DIR / "calendars" / "us-ca.toml")
    assert us_cal.years == frozenset(range(2020, 2027))
    assert not us_cal.workdays
    assert not us_cal.is_working_day(date(2024, 4, 1))  # Cesar Chavez Day, Sunday 03-31 observed Monday
    assert not us_cal.is_working_day(date(2020, 11, 27))  # day after Thanksgiving
    assert us_cal.is_working_day(date(2020, 10, 1))


def test_constructor_rejects_a_day_both_off_and_working():
    with pytest.raises(ValueError, match="2020-02-01"):
        WorkingCalendar([date(2020, 2, 1)], [date(2020, 2, 1)], [2020])


GOOD_YEAR = 'source = "notice"\nholidays = [2030-01-01]\nworkdays = [2030-01-05]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"[years.2030]\n{GOOD_YEAR}[years.2031]\nsource = \"n\"\nholidays = [2030-01-05]\n",
         "2030-01-05 is listed both as a holiday (years.2031) and as a working day (years.2030)"),
        ('[years.2030]\nsource = "n"\nworkdays = [2030-01-07]\n', "years.2030.workdays: 2030-01-07 is a Monday"),
        ('[years.2030]\nsource = "n"\nholidays = ["2030-01-07"]\n', "years.2030.holidays: '2030-01-07' is not a date"),
        ('[years.2030]\nholidays = [2030-01-07]\n', "years.2030: missing 'source'"),
        ('[years.2030]\nsource = "n"\nholiday = [2030-01-07]\n', "years.2030: unknown key 'holiday'"),
        ('[years.30]\nsource = "n"\n', "years.30: expected a table named after a four-digit year"),
        ('[notice]\nsource = "n"\n', "missing [years.YYYY] tables"),
        ('[years.2030\n', "not valid TOML"),
    ],
)
def test_bad_calendar_data(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError) as error:
        load_calendar(path)
    assert str(error.value).startswith("bad.toml: ")
    assert message in str(error.value)


def test_good_minimal_calendar(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(f"[years.2030]\n{GOOD_YEAR}", encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.is_working_day(date(2030, 1, 5)) and not calendar.is_working_day(date(2030, 1, 1))


def test_missing_calendar_file(tmp_path):
    with pytest.raises(RulebookError, match="nope.toml: calendar file not found"):
        load_calendar(tmp_path / "nope.toml")


@given(start=st.dates(date(2019, 6, 1), date(2027, 6, 1)), n=st.integers(0, 60))
def test_working_days_round_trip(cal, start, n):
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n or (n == 0 and end >= start)

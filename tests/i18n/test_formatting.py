"""Dates, times, numbers and money by locale: ISO dates in English, 2020年3月9日 in Chinese, ¥200,000.00 in
both, in the unit's time zone; the template filters apply them per request."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask_login import login_user

from tests.conftest import login
from tests.factories import unit, user
from tests.i18n.helpers import request_in
from tracker.domain import localformat
from tracker.extensions import db
from tracker.services.tokens import issue_token
from tracker.web import labels

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH_9_1030 = datetime(2020, 3, 9, 2, 30, tzinfo=timezone.utc)  # 10:30 in Shanghai


@pytest.mark.parametrize("locale, day, moment", [
    ("en", "2020-03-09", "2020-03-09 10:30"),
    ("zh_CN", "2020年3月9日", "2020年3月9日 10:30"),
])
def test_dates_and_times(locale, day, moment):
    assert localformat.day(date(2020, 3, 9), locale) == day
    assert localformat.moment(MARCH_9_1030, locale, SHANGHAI) == moment
    # A naive datetime is UTC (as the database stores it); its day is the day in the unit's zone.
    assert localformat.moment(MARCH_9_1030.replace(tzinfo=None), locale, SHANGHAI) == moment
    assert localformat.day(datetime(2020, 3, 8, 17, 0, tzinfo=timezone.utc), locale, SHANGHAI) == day
    assert localformat.day(None, locale) == "" and localformat.moment(None, locale) == ""


def test_other_time_zones_and_a_single_digit_month():
    assert localformat.moment(MARCH_9_1030, "en", ZoneInfo("America/Los_Angeles")) == "2020-03-08 19:30"
    assert localformat.moment(MARCH_9_1030, "zh_CN", ZoneInfo("Asia/Urumqi")) == "2020年3月9日 08:30"
    assert localformat.day(date(2020, 11, 30), "zh_CN") == "2020年11月30日"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_money_numbers_and_percentages(locale):
    assert localformat.money(Decimal("200000"), "CNY", locale) == "¥200,000.00"
    assert localformat.money(Decimal("0.5"), "CNY", locale) == "¥0.50"
    assert localformat.money(Decimal("1234.5"), "USD", locale) == "$1,234.50"
    assert localformat.amount(Decimal("2060"), locale) == "2,060.00"
    assert localformat.number(10000, locale) == "10,000"
    assert localformat.number(Decimal("2.5"), locale, places=2) == "2.50"
    assert localformat.percent(Decimal("1.9167"), locale) == "191.67%"
    assert localformat.percent(Decimal("0.2"), locale) == "20%"
    for formatter in (localformat.amount, localformat.percent, localformat.number):
        assert formatter(None, locale) == "—"


def test_the_narrow_symbol_drops_only_the_disambiguating_letters():
    assert localformat.narrow_symbol("CNY", "en") == "¥"  # CLDR English writes CN¥
    assert localformat.narrow_symbol("USD", "zh_CN") == "$"  # CLDR Chinese writes US$
    assert localformat.narrow_symbol("EUR", "zh_CN") == "€"
    assert localformat.narrow_symbol("CHF", "en") == "CHF"  # no symbol: the code stays


@pytest.mark.parametrize("header, expected", [
    ("en", ("2020-03-09", "2020-03-09 10:30", "¥200,000.00", "200,000.00", "191.67%", "10,000")),
    ("zh-CN", ("2020年3月9日", "2020年3月9日 10:30", "¥200,000.00", "200,000.00", "191.67%", "10,000")),
])
def test_the_filters_follow_the_request(app, header, expected):
    with request_in(app, header):
        shown = (labels.local_date(date(2020, 3, 9)), labels.local_datetime(MARCH_9_1030),
                 labels.currency(Decimal("200000")), labels.money(Decimal("200000")),
                 labels.percent(Decimal("1.9167")), labels.number(10000))
    assert shown == expected


def test_the_currency_comes_from_the_rulebook(app):
    app.extensions["tracker.rulebook"] = type("Rulebook", (), {"currency": "USD"})()
    with request_in(app, "zh-CN"):
        assert labels.currency(Decimal("1200")) == "$1,200.00"


def test_times_are_shown_in_the_signed_in_users_unit_time_zone(app):
    station = unit("KS", "Kashgar station")
    station.timezone = "Asia/Urumqi"
    officer = user("officer", station, "aili.ken")
    db.session.commit()
    with request_in(app, "en"):
        assert labels.local_datetime(MARCH_9_1030) == "2020-03-09 10:30"  # nobody signed in: the agency's zone
    with request_in(app, "zh-CN"):
        login_user(officer)
        assert labels.local_datetime(MARCH_9_1030) == "2020年3月9日 08:30"


def test_a_page_shows_times_in_the_readers_language(app, client):
    officer = user("officer", unit("CG"), "zhang.wei")
    issue_token(officer, "field device")
    assert login(client, officer.username).status_code == 302
    zh = client.get("/auth/tokens", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    en = client.get("/auth/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"<td>\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}</td>", zh)
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>", en)


def test_dates_kept_as_text_by_the_history_chain_are_formatted_too():
    from datetime import timezone as tz

    from tracker.domain import localformat

    assert localformat.day("2020-03-09", "zh_CN") == "2020年3月9日"
    assert localformat.day("2020-03-09", "en") == "2020-03-09"
    shanghai = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    assert localformat.moment("2020-03-09T02:30:00+00:00", "zh_CN", shanghai) == "2020年3月9日 10:30"
    assert localformat.moment("2020-03-09T02:30:00+00:00", "en", tz.utc) == "2020-03-09 02:30"
    assert localformat.day("not a date", "zh_CN") == "not a date"

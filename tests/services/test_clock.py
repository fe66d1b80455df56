"""The business clock: real by default, fixed to TRACKER_TODAY on demo and training sites."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tracker.config import business_date
from tracker.services import clock


def test_real_clock_without_a_fixed_date(app):
    app.config["TRACKER_TODAY"] = None
    with app.app_context():
        assert abs((clock.now() - datetime.now(timezone.utc)).total_seconds()) < 5
        assert clock.today("UTC") == datetime.now(timezone.utc).date()


def test_fixed_business_date_keeps_the_time_of_day(app):
    app.config["TRACKER_TODAY"] = date(2020, 12, 31)
    try:
        with app.app_context():
            assert clock.today("Asia/Shanghai") == date(2020, 12, 31)
            now = clock.now("Asia/Shanghai")
            assert now.date() == date(2020, 12, 31) and now.tzinfo is not None
            real = datetime.now(timezone.utc)
            assert abs(clock.now().hour - real.hour) in (0, 1, 23)  # the real time of day, minutes apart at most
    finally:
        app.config["TRACKER_TODAY"] = None


def test_malformed_business_date_stops_start_up():
    assert business_date(None) is None and business_date("") is None
    assert business_date("2020-12-31") == date(2020, 12, 31)
    with pytest.raises(RuntimeError, match="YYYY-MM-DD"):
        business_date("31/12/2020")

"""The business clock: what 'today' and 'now' are for deadlines, publication and dated entries.

A demo or training site may run as of a fixed date (``TRACKER_TODAY``, ISO date) so that a story set in
2020 reads as it did then: deadlines, overdue badges and the public register's publication periods all
count from that date, and new entries are dated on it (at the real time of day). Record timestamps
(when something was typed in) always stay real. Production leaves ``TRACKER_TODAY`` unset."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def fixed_today() -> date | None:
    """The configured business date, or None for the real calendar."""
    if not has_app_context():
        return None
    return current_app.config.get("TRACKER_TODAY")


def now(tz: str | None = None) -> datetime:
    """Now, aware, in ``tz`` (UTC by default): the real time of day on the business date."""
    zone = ZoneInfo(tz) if tz else timezone.utc
    real = datetime.now(zone)
    fixed = fixed_today()
    if fixed is None:
        return real
    return real.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def today(tz: str) -> date:
    """Today's business date in the time zone ``tz``."""
    return now(tz).date()

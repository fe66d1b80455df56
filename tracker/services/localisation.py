"""Locale and time-zone selection for Flask-Babel."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

SUPPORTED_LOCALES = ("en",)
DEFAULT_TIMEZONE = "Asia/Shanghai"


def select_locale() -> str:
    """The best supported match for the browser's languages."""
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or SUPPORTED_LOCALES[0]


def select_timezone() -> str:
    """Times are shown in the signed-in user's unit time zone, else the agency default."""
    unit = getattr(current_user, "unit", None) if current_user else None
    if unit is not None:
        return unit.timezone
    return current_app.config.get("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)

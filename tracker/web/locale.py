"""Which language and time zone a request gets, for Flask-Babel (installed by ``create_app``), and the switcher's
data for every template. This is the part of localisation that reads the request; the catalogs, the supported
languages and the matching of Accept-Language are request-free helpers in tracker.services.localisation.

The language of a page: the signed-in user's profile setting, else the switcher's cookie, else the
browser's Accept-Language, else English. The JSON API follows Accept-Language alone (a program sends
no cookie and has no profile page).
"""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

from tracker.services.localisation import (
    DEFAULT_TIMEZONE,
    LANGUAGE_NAMES,
    SUPPORTED_LOCALES,
    best_accepted,
    current_locale_name,
    default_locale,
    html_lang,
    supported,
)

LOCALE_COOKIE = "tracker_locale"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600  # a year: a language preference outlives a session


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def select_locale() -> str:
    """Profile setting > switcher cookie > Accept-Language > English (the API: Accept-Language only).
    Outside a request (the command line) the default."""
    if not has_request_context():
        return default_locale()
    if not is_api_request():
        if current_user and current_user.is_authenticated:
            chosen = supported(getattr(current_user, "locale", None))
            if chosen:
                return chosen
        chosen = supported(request.cookies.get(LOCALE_COOKIE))
        if chosen:
            return chosen
    return best_accepted(request.accept_languages) or default_locale()


def select_timezone() -> str:
    """Times are shown in the signed-in user's unit time zone, else the agency default."""
    unit = getattr(current_user, "unit", None) if current_user else None
    if unit is not None:
        return unit.timezone
    return current_app.config.get("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)


def template_context() -> dict:
    """The switcher's data and the page's language for every template."""
    return {
        "html_lang": html_lang,
        "current_locale_name": current_locale_name,
        "language_names": LANGUAGE_NAMES,
        "supported_locales": SUPPORTED_LOCALES,
    }

"""The API's share of the hardening (docs/SECURITY.md): an address that keeps sending unknown bearer tokens is
refused for a while. The headers every response carries and the sign-in's hard end are tracker.web.security."""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_babel import gettext as _
from limits import parse as parse_limit

from tracker.api.core import problem
from tracker.api.errors import API_PREFIX
from tracker.extensions import limiter

log = logging.getLogger(__name__)

BEARER_SCOPE = "api-bearer-failures"


def register(app: Flask) -> None:
    """Install the hooks on ``app``."""
    app.before_request(refuse_throttled_bearer)
    app.after_request(count_bearer_failure)


def _bearer_limit():
    return parse_limit(current_app.config["API_AUTH_FAILURE_LIMIT"])


def _guessing_token() -> bool:
    return (
        current_app.config.get("RATELIMIT_ENABLED", True)
        and request.path.startswith(API_PREFIX)
        and bool(request.headers.get("Authorization"))
    )


def refuse_throttled_bearer():
    """An address that sent API_AUTH_FAILURE_LIMIT unknown tokens is refused (429) until the window passes."""
    if not _guessing_token():
        return None
    item = _bearer_limit()
    try:
        allowed = limiter.limiter.test(item, BEARER_SCOPE, request.remote_addr or "")
    except Exception:  # the counter store is down: fail open, the token check still applies
        log.exception("rate-limit storage unavailable")
        return None
    if allowed:
        return None
    response = problem(429, _("Too many rejected tokens from your address. Try again in %(s)s seconds.",
                              s=item.get_expiry()))
    response.headers["Retry-After"] = str(item.get_expiry())
    return response


def count_bearer_failure(response):
    """Count each API answer 401 to a request that did send a token: a guess."""
    if response.status_code == 401 and _guessing_token():
        try:
            limiter.limiter.hit(_bearer_limit(), BEARER_SCOPE, request.remote_addr or "")
        except Exception:
            log.exception("rate-limit storage unavailable")
    return response

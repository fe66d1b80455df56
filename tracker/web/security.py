"""Hardening shared by every response: security headers, the pages' 429 answer and the hard end of a sign-in.
Registered from ``create_app``; docs/SECURITY.md explains each measure. The API's share (its 429 answer, throttled
token guesses) is tracker.api.errors and tracker.api.security."""
from __future__ import annotations

import hashlib
import time

from flask import Flask, current_app, render_template, request, session
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from tracker.domain.adminlog import ActionSource
from tracker.extensions import error_answers
from tracker.services import adminlog, failures

# No inline script or style anywhere (a test parses every template); SVG charts use CSS classes.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
SIGNED_IN_AT = "signed_in_at"


def register(app: Flask) -> None:
    """Install the hooks and the pages' 429 answer on ``app``."""
    app.after_request(add_security_headers)
    app.before_request(end_expired_sign_in)
    error_answers.register(app, "", RateLimitExceeded, too_many_requests)
    app.extensions[adminlog.ORIGIN_OF_REQUEST] = origin_of_request


STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def add_security_headers(response):
    """Every response carries the headers; one that set its own (evidence files: a sandbox CSP) keeps it.

    What a signed-in user or a token holder is answered (records, evidence, a new API token shown once) is never
    stored by the browser or a proxy (``no-store``), so it cannot be read back from a shared computer's cache
    or its Back button. Static files stay cacheable."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in STATIC_ENDPOINTS and (SIGNED_IN_AT in session or "Authorization" in request.headers):
        response.headers["Cache-Control"] = "no-store"
    return response


def session_identifier() -> str:
    """What Flask-Login's strong session protection binds a sign-in to: the client address and the browser.

    Flask-Login's own identifier takes the address from X-Forwarded-For whenever a client sends one, so a thief
    replaying a stolen cookie could claim the victim's address. ``request.remote_addr`` is the connection's
    address, or the forwarded one only behind PROXY_FIX_X_FOR trusted proxies (ProxyFix sets it)."""
    base = f"{request.remote_addr or ''}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha512(base.encode("utf-8", errors="replace")).hexdigest()


def origin_of_request() -> tuple[ActionSource, str, str]:
    """Where a change made in this request comes from, for the administrators' log (tracker.services.adminlog):
    the JSON API under /api/, else the web; the client address (as for ``session_identifier``) and the browser."""
    source = ActionSource.API if request.path.startswith("/api/") else ActionSource.WEB
    return source, request.remote_addr or "", request.user_agent.string


def mark_signed_in() -> None:
    """Note when this session signed in, for the hard end of PERMANENT_SESSION_LIFETIME."""
    session[SIGNED_IN_AT] = int(time.time())


def end_expired_sign_in() -> None:
    """A sign-in ends PERMANENT_SESSION_LIFETIME after it began, however busy the session was since.

    Flask also refuses a cookie signed longer ago than that, but every change to the session (a flash
    message) signs it anew; this check does not slide. No query is run.
    """
    started = session.get(SIGNED_IN_AT)
    if started is None:
        return
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(started, int) or time.time() - started > lifetime:
        session.clear()


# ------------------------------------------------------------------------------ throttling


def too_many_requests(error: RateLimitExceeded):
    """429: a page saying when to try again."""
    retry_after = failures.retry_after(error)
    body = render_template(
        "errors/error.html",
        status=429,
        title=_("Too many attempts"),
        message=_("Too many sign-in attempts came from your address. Wait %(s)s seconds, then try again.",
                  s=retry_after),
    )
    response = current_app.make_response((body, 429))
    response.headers["Retry-After"] = str(retry_after)
    return response

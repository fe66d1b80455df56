"""What both faces say when a request fails outside a service's rules: a record changed meanwhile, the database
cannot be reached, an HTTP error's own words, a rate limit's wait. The pages (tracker.web.errors) and the API
(tracker.api.errors) each render these their own way: an HTML page, a problem document."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

from tracker.extensions import db


def stale_message() -> str:
    return _("Someone else changed this record meanwhile. Reload and try again.")


def unavailable_message() -> str:
    return _(
        "The tracker cannot reach its database just now. Try again in a minute; if you were saving "
        "something, reload the page first to see whether it was saved."
    )


# The database is down, unreachable, restarting or overloaded: connection refused or dropped (psycopg
# and SQLite raise OperationalError or InterfaceError), no pooled connection free in time (TimeoutError),
# a connection found dead (DisconnectionError). The request may be retried; it is not a bug (503, not 500).
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)
# Every kind of error a face checks with ``database_unavailable`` (any other DBAPIError is a bug: 500).
DATABASE_ERRORS = (sa_exc.DBAPIError, sa_exc.TimeoutError, sa_exc.DisconnectionError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: Exception) -> bool:
    """Whether a database error means the database cannot be reached now (503), not a bug (500)."""
    return not isinstance(error, sa_exc.DBAPIError) or isinstance(error, DATABASE_UNAVAILABLE) or bool(
        error.connection_invalidated
    )


def give_up_connection(error: Exception, method: str, path: str) -> None:
    """Log the outage (one line, no query text beyond its first line) and give the failed connection back: roll
    back (which invalidates a dead connection), then drop the session, so the next request checks out a fresh
    connection (SQLAlchemy renews the pool after a disconnect)."""
    current_app.logger.error("Database unavailable on %s %s: %s", method, path,
                             str(error).splitlines()[0][:300], exc_info=error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone; removing the session is what matters
        current_app.logger.debug("rollback after a database failure failed too", exc_info=True)
    finally:
        db.session.remove()


def unavailable_headers() -> dict[str, str]:
    """When to retry, and never to keep the answer."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def retry_after(error) -> int:
    """Seconds until a rate limit (Flask-Limiter's RateLimitExceeded) lets the address try again."""
    try:
        return int(error.limit.limit.get_expiry())
    except AttributeError:
        return 60


# Werkzeug's own descriptions, given when an error is raised without one (an unknown URL, a wrong
# method): the English text is werkzeug's, word for word, so English answers do not change.
HTTP_DESCRIPTIONS = {
    400: lambda: _("The browser (or proxy) sent a request that this server could not understand."),
    401: lambda: _(
        "The server could not verify that you are authorized to access the URL requested. You either supplied "
        "the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the "
        "credentials required."
    ),
    403: lambda: _(
        "You don't have the permission to access the requested resource. It is either read-protected or not "
        "readable by the server."
    ),
    404: lambda: _(
        "The requested URL was not found on the server. If you entered the URL manually please check your "
        "spelling and try again."
    ),
    405: lambda: _("The method is not allowed for the requested URL."),
    406: lambda: _(
        "The resource identified by the request is only capable of generating response entities which have "
        "content characteristics not acceptable according to the accept headers sent in the request."
    ),
    409: lambda: _(
        "A conflict happened while processing the request. The resource might have been modified while the "
        "request was being processed."
    ),
    413: lambda: _("The data value transmitted exceeds the capacity limit."),
    415: lambda: _("The server does not support the media type transmitted in the request."),
    422: lambda: _("The request was well-formed but was unable to be followed due to semantic errors."),
}


def http_description(error) -> str:
    """An HTTP error's description, translated when it is werkzeug's default for its class."""
    description = error.description or ""
    if description == type(error).description and error.code in HTTP_DESCRIPTIONS:
        return HTTP_DESCRIPTIONS[error.code]()
    return description

"""Error answers: friendly pages in the UI, problem+json under /api/; never a traceback or a secret."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict as HTTPConflict, HTTPException, InternalServerError

from tracker.extensions import db
from tracker.services.errors import ServiceError

TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("This record changed"),
    413: lambda: _("Upload too large"),
    422: lambda: _("Not accepted"),
    500: lambda: _("Something went wrong"),
    503: lambda: _("Briefly unavailable"),
}
STALE = lambda: _("Someone else changed this record meanwhile. Reload and try again.")  # noqa: E731
UNAVAILABLE = lambda: _(  # noqa: E731
    "The tracker cannot reach its database just now. Try again in a minute; if you were saving "
    "something, reload the page first to see whether it was saved."
)
# The database is down, unreachable, restarting or overloaded: connection refused or dropped (psycopg
# and SQLite raise OperationalError or InterfaceError), no pooled connection free in time (TimeoutError),
# a connection found dead (DisconnectionError). The request may be retried; it is not a bug (503, not 500).
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)
RETRY_AFTER_SECONDS = 30


def _is_api() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, message: str | None = None):
    """Render the shared error page for ``status``."""
    title = TITLES.get(status, TITLES[400])()
    return render_template("errors/error.html", status=status, title=title, message=message), status


def refuse_nul_characters():
    """No database stores a NUL character: a query or form value holding one is a bad request (400)."""
    for values in (request.args, request.form):
        for value in (item for _key, items in values.lists() for item in items):  # every value, not the first
            if "\x00" in value:
                abort(400, _("The request contains a NUL character."))
    if any("\x00" in (upload.filename or "") for _key, upload in request.files.items(multi=True)):
        abort(400, _("The request contains a NUL character."))


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    from tracker.api.core import http_problem, service_problem
    from tracker.api.messages import http_description

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _is_api():
            return http_problem(error)
        message = http_description(error) if error.code in (400, 403, 409, 413, 422) else None
        return render_error(error.code or 500, message)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        db.session.rollback()
        if _is_api():
            return service_problem(error)
        return render_error(error.status, str(error))

    @app.errorhandler(StaleDataError)
    def stale(_error):
        db.session.rollback()
        if _is_api():
            return http_problem(HTTPConflict(STALE()))
        return render_error(409, STALE())

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def database_unavailable(error):
        if isinstance(error, sa_exc.DBAPIError) and not (
            isinstance(error, DATABASE_UNAVAILABLE) or error.connection_invalidated
        ):
            raise error  # any other database error is a bug: the 500 handler answers it
        current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path,
                                 str(error).splitlines()[0][:300], exc_info=error)
        _discard_session()
        if _is_api():
            from tracker.api.core import problem

            response = problem(503, UNAVAILABLE())
        else:
            # A page of its own that needs no database; the user (whom Flask-Login would load for every
            # template) is taken as anonymous, as the account cannot be read now.
            g._login_user = current_app.login_manager.anonymous_user()
            response = current_app.make_response(
                (render_template("errors/unavailable.html", status=503, title=TITLES[503](), message=UNAVAILABLE()), 503)
            )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        if _is_api():
            return http_problem(error)
        return render_error(500)


def _discard_session() -> None:
    """Give the failed connection back: roll back (which invalidates a dead connection), then drop the
    session, so the next request checks out a fresh connection (SQLAlchemy renews the pool after a disconnect)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone; removing the session is what matters
        current_app.logger.debug("rollback after a database failure failed too", exc_info=True)
    finally:
        db.session.remove()

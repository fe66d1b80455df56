"""Error answers: friendly pages in the UI, problem+json under /api/; never a traceback or a secret."""
from __future__ import annotations

from flask import Flask, abort, render_template, request
from flask_babel import gettext as _
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
}
STALE = lambda: _("Someone else changed this record meanwhile. Reload and try again.")  # noqa: E731


def _is_api() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, message: str | None = None):
    """Render the shared error page for ``status``."""
    title = TITLES.get(status, TITLES[400])()
    return render_template("errors/error.html", status=status, title=title, message=message), status


def refuse_nul_characters():
    """No database stores a NUL character: a query or form value holding one is a bad request (400)."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400, _("The request contains a NUL character."))


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    from tracker.api.core import http_problem, service_problem

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _is_api():
            return http_problem(error)
        message = error.description if error.code in (400, 403, 409, 413, 422) else None
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

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        if _is_api():
            return http_problem(error)
        return render_error(500)

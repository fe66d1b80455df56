"""The pages' answers to errors: a friendly page, never a traceback or a secret. The API answers its own paths
with problem documents (tracker.api.errors); ``register`` files these for every other path with the shared table
(tracker.extensions.ErrorAnswers)."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.extensions import db, error_answers
from tracker.services import failures
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
    """Answer every error on the pages."""
    answers = {
        HTTPException: http_error,
        ServiceError: service_error,
        StaleDataError: stale,
        InternalServerError: server_error,
    }
    answers.update(dict.fromkeys(failures.DATABASE_ERRORS, database_unavailable))
    for error, answer in answers.items():
        error_answers.register(app, "", error, answer)


def http_error(error: HTTPException):
    message = failures.http_description(error) if error.code in (400, 403, 409, 413, 422) else None
    return render_error(error.code or 500, message)


def service_error(error: ServiceError):
    db.session.rollback()
    return render_error(error.status, str(error))


def stale(_error):
    db.session.rollback()
    return render_error(409, failures.stale_message())


def server_error(_error):
    db.session.rollback()
    return render_error(500)


def database_unavailable(error):
    if not failures.database_unavailable(error):
        raise error  # any other database error is a bug: the 500 handler answers it
    failures.give_up_connection(error, request.method, request.path)
    # A page of its own that needs no database; the user (whom Flask-Login would load for every
    # template) is taken as anonymous, as the account cannot be read now.
    g._login_user = current_app.login_manager.anonymous_user()
    message = failures.unavailable_message()
    response = current_app.make_response(
        (render_template("errors/unavailable.html", status=503, title=TITLES[503](), message=message), 503)
    )
    response.headers.update(failures.unavailable_headers())
    return response

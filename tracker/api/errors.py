"""The API's answers to errors under /api/: a problem document (application/problem+json) for every error, in the
request's language, never a traceback or a secret. The pages answer the same errors elsewhere (tracker.web.errors);
``register`` files these with the shared table (tracker.extensions.ErrorAnswers), which picks by path."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict as HTTPConflict, HTTPException, InternalServerError

from tracker.api.core import http_problem, problem, service_problem
from tracker.extensions import db, error_answers
from tracker.services import failures
from tracker.services.errors import ServiceError

API_PREFIX = "/api/"


def register(app: Flask) -> None:
    """Answer every error under /api/ with a problem document."""
    answers = {
        HTTPException: http_problem,
        ServiceError: service_error,
        StaleDataError: stale,
        InternalServerError: server_error,
        RateLimitExceeded: too_many_requests,
    }
    answers.update(dict.fromkeys(failures.DATABASE_ERRORS, database_unavailable))
    for error, answer in answers.items():
        error_answers.register(app, API_PREFIX, error, answer)


def service_error(error: ServiceError):
    db.session.rollback()
    return service_problem(error)


def stale(_error):
    db.session.rollback()
    return http_problem(HTTPConflict(failures.stale_message()))


def server_error(error):
    db.session.rollback()
    return http_problem(error)


def database_unavailable(error):
    if not failures.database_unavailable(error):
        raise error  # any other database error is a bug: the 500 handler answers it
    failures.give_up_connection(error, request.method, request.path)
    response = problem(503, failures.unavailable_message())
    response.headers.update(failures.unavailable_headers())
    return response


def too_many_requests(error: RateLimitExceeded):
    """429, saying when to try again."""
    retry_after = failures.retry_after(error)
    response = problem(429, _("Too many requests from your address. Try again in %(s)s seconds.", s=retry_after))
    response.headers["Retry-After"] = str(retry_after)
    return response

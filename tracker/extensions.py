"""Flask extensions, created unbound and wired up in ``create_app``."""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import request
from flask_babel import Babel, Domain
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_smorest import Api
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property

# The same constraint names on SQLite and PostgreSQL keep migrations portable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class TrackerBabel(Babel):
    """Flask-Babel, translating through the message domain ``create_app`` names (tracker.services.localisation's
    CatalogDomain, which finds each language's catalog by its catalog name, zh_CN, not Babel's full tag zh_Hans_CN)."""

    domain_class: type[Domain] = Domain

    @cached_property
    def domain_instance(self):
        return self.domain_class(domain=self.domain)

    def init_app(self, app, *args, domain_class: type[Domain] | None = None, **kwargs):
        if domain_class is not None:
            self.domain_class = domain_class
        super().init_app(app, *args, **kwargs)
        # Templates call _() a hundred times a page: go to the one domain's translations directly rather than
        # through Flask-Babel's per-call domain lookup (the same translations, found faster).
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: self.domain_instance.get_translations().ugettext(s),
            ngettext=lambda s, p, n: self.domain_instance.get_translations().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: self.domain_instance.get_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: self.domain_instance.get_translations().unpgettext(c, s, p, n),
        )


babel = TrackerBabel()
bootstrap = Bootstrap5()
# Storage and limits come from the config (RATELIMIT_STORAGE_URI, LOGIN_RATE_LIMIT, ...): see tracker.web.security.
# The client address is request.remote_addr, set from X-Forwarded-For only behind PROXY_FIX_X_FOR trusted proxies.
limiter = Limiter(key_func=get_remote_address)


class TrackerApi(Api):
    """flask-smorest's Api without its app-wide error handlers (each face answers its own errors: ``ErrorAnswers``),
    documenting every error response with ``error_schema``, which the API package sets before ``init_app``
    (tracker.api.problem_schema: a problem document, application/problem+json)."""

    error_schema: type | None = None

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.error_schema
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document", "schema": self.error_schema}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = TrackerApi(spec_kwargs={"security": [{"bearerAuth": []}]})


class ErrorAnswers:
    """Error handlers by path: each face registers its own answer to each kind of error (the pages for every
    path, the API for /api/), and an error is answered by the face with the longest prefix of the request's path.
    Neither face imports the other; Flask holds one handler per kind of error, which asks the table here."""

    KEY = "tracker.error_answers"

    def register(self, app, prefix: str, error: type[BaseException] | int, answer) -> None:
        """Answer ``error`` raised under ``prefix`` ("" for every path) with ``answer(error)``."""
        table = app.extensions.setdefault(self.KEY, {})
        if error not in table:
            table[error] = {}
            app.register_error_handler(error, partial(self._answer, table[error]))
        table[error][prefix] = answer

    @staticmethod
    def _answer(answers: dict, error):
        path = request.path
        prefixes = [prefix for prefix in answers if path.startswith(prefix)]
        if not prefixes:  # no face answers this error on this path: as if no handler were registered
            if isinstance(error, HTTPException):
                return error
            raise error
        return answers[max(prefixes, key=len)](error)


error_answers = ErrorAnswers()

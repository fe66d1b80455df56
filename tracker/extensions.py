"""Flask extensions, created unbound and wired up in ``create_app``."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_smorest import Api
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase
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
    """Flask-Babel, finding each language's catalog by its catalog name (zh_CN), not Babel's full tag
    (zh_Hans_CN): tracker.services.localisation.CatalogDomain."""

    @cached_property
    def domain_instance(self):
        from tracker.services.localisation import CatalogDomain

        return CatalogDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
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
    """flask-smorest's Api without its app-wide error handlers: ours answer HTML pages in the UI
    and problem+json under /api/ (tracker.web.errors)."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """Document every error response as a problem document (application/problem+json)."""
        import http

        from flask_smorest.utils import prepare_response

        from tracker.api.problem_schema import ProblemSchema

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document", "schema": ProblemSchema}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = TrackerApi(spec_kwargs={"security": [{"bearerAuth": []}]})

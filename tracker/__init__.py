"""The price-gouging inspection case tracker: application factory."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from collections.abc import Mapping

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from tracker.config import BASE, PROJECT_ROOT, from_environment
from tracker.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass their own)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    app.config.update(BASE)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (or TRACKER_DEV=1 on a developer machine).")
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024)

    register_proxy(app)
    register_rulebook(app)
    register_extensions(app)
    register_keepers(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """Behind PROXY_FIX_X_FOR trusted reverse proxies, take the client address and scheme from their headers."""
    hops = app.config.get("PROXY_FIX_X_FOR", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_rulebook(app: Flask) -> None:
    """Load and validate the jurisdiction's rulebook once, failing start-up on a bad entry."""
    from tracker.domain.rulebook import load_rulebook, rulebook_path

    app.extensions["tracker.rulebook"] = load_rulebook(rulebook_path(app.config["TRACKER_RULEBOOK"]))


def register_extensions(app: Flask) -> None:
    import flask_babel
    from tracker.domain.text import install as install_domain_texts
    from tracker.services.localisation import CatalogDomain, lazy_gettext
    from tracker.web.locale import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    limiter.init_app(app)  # before CSRF, so requests refused for CSRF count against the limits too
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone, domain_class=CatalogDomain)
    install_domain_texts(flask_babel.gettext, flask_babel.get_locale)  # domain texts render in the reader's language
    bootstrap.init_app(app)

    from tracker.web.auth.routes import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    # Flask-Login's own message is English only: ours goes through the catalog, translated when flashed.
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from tracker.web.security import session_identifier

    # Bind sessions to the address the proxy settings believe, not to a client's own X-Forwarded-For.
    login_manager._session_identifier_generator = session_identifier


def register_keepers(app: Flask) -> None:
    """Keep the derived tables in step with the records: the session listeners of tracker.services.keepers,
    whose docstring says which table each keeps, on which event. Session events are global, so this
    registers each listener once per process, however many apps are built."""
    from tracker.services.keepers import register_keepers as register

    register()


def register_blueprints(app: Flask) -> None:
    from tracker.web.admin.routes import bp as admin_bp
    from tracker.web.auth.routes import bp as auth_bp
    from tracker.web.cases.routes import bp as cases_bp
    from tracker.web.complaints.routes import bp as complaints_bp
    from tracker.web.conflicts.routes import bp as conflicts_bp
    from tracker.web.exports import pack as _pack, routes as _exports  # noqa: F401  (their views attach to bp)
    from tracker.web.exports.blueprint import bp as exports_bp
    from tracker.web.field.routes import bp as field_bp
    from tracker.web.inspections.routes import bp as inspections_bp
    from tracker.web.main.routes import bp as main_bp
    from tracker.web.outcomes.routes import bp as outcomes_bp
    from tracker.web.planning.routes import bp as planning_bp
    from tracker.web.premises.routes import bp as premises_bp
    from tracker.web.reports.routes import bp as reports_bp

    blueprints = (main_bp, auth_bp, admin_bp, premises_bp, inspections_bp, cases_bp,
                  outcomes_bp, reports_bp, planning_bp, exports_bp, conflicts_bp, field_bp, complaints_bp)
    for bp in blueprints:
        app.register_blueprint(bp)
    from tracker.api import register_api

    register_api(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.domain.deadlines import overdue
    from tracker.web import labels, links, locale

    app.context_processor(labels.template_context)
    app.context_processor(locale.template_context)
    app.jinja_env.filters.update(labels.FILTERS)
    app.jinja_env.globals.update(links.TEMPLATE_GLOBALS)
    app.jinja_env.globals["overdue"] = overdue  # case tables show plain rows, which have no overdue_on()


def register_error_handlers(app: Flask) -> None:
    """Each face answers its own errors (pages everywhere, problem documents under /api/) and adds its hardening."""
    from tracker.api.errors import register as register_api_errors
    from tracker.api.security import register as register_api_security
    from tracker.web.errors import refuse_nul_characters, register
    from tracker.web.security import register as register_security

    register(app)
    app.before_request(refuse_nul_characters)
    register_security(app)
    register_api_errors(app)
    register_api_security(app)


def register_commands(app: Flask) -> None:
    from tracker.cli import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, wait for a busy writer, and let SQLAlchemy emit BEGIN itself."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite: a request that may write takes the write lock at BEGIN, so two writers queue (busy
    timeout) instead of one failing with 'database is locked' when it upgrades a stale read."""
    if connection.dialect.name == "sqlite":
        writing = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


POSTGRES_CONNECT_TIMEOUT = 5  # seconds; a DATABASE_URL with ?connect_timeout=N overrides it


@sa.event.listens_for(sa.engine.Engine, "do_connect")
def _postgres_connect_timeout(dialect, _record, _cargs, cparams) -> None:
    """PostgreSQL: give up connecting after a few seconds, so an unreachable server answers 503 instead of hanging."""
    if dialect.name == "postgresql":
        cparams.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT)


# A pooled connection that waited longer than this is pinged before use: it may have died meanwhile (a database
# restart, a proxy's idle timeout). One used a moment ago is not, which spares busy pages a round trip each; if it
# died within that moment, the request fails and SQLAlchemy renews the whole pool (HikariCP's aliveBypassWindowMs
# is the same idea).
PING_AFTER_IDLE_SECONDS = 1.0


def ping_idle_connections(engine: sa.Engine) -> None:
    """Ping ``engine``'s pooled connections that sat idle, instead of SQLAlchemy's pool_pre_ping on every
    checkout; a failed ping makes the pool replace the connection (DisconnectionError)."""
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get("tracker.checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected), or given back a moment ago
        try:
            dialect.do_ping(dbapi_connection)  # the dialect's own ping, as pool_pre_ping uses
        except Exception as error:  # noqa: BLE001 - whatever the driver raises, this connection is no use
            raise sa.exc.DisconnectionError(f"a pooled connection failed its ping: {error}") from error

    sa.event.listen(engine, "checkin", _note_checkin)
    sa.event.listen(engine, "checkout", ping_if_idle)


def _note_checkin(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["tracker.checked_in"] = time.monotonic()

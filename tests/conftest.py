"""Per-test app, client and database, on SQLite by default or on PostgreSQL when
TEST_DATABASE_URL names a server: each run migrates a database of its own and drops it after."""
from __future__ import annotations

import contextvars
import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tracker import create_app
from tracker.extensions import db
from tracker.seed.demo import DEMO_TODAY, seed_demo_county

PG_PREFIX = "postgresql"


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


class TestDatabase:
    """A database created for this test run and dropped afterwards."""

    def __init__(self, base_url: str | None, tmp_dir: Path):
        self.base_url = base_url
        self.tmp_dir = tmp_dir
        self.name = None

    def create(self) -> str:
        if not self.base_url or not self.base_url.startswith(PG_PREFIX):
            return f"sqlite:///{self.tmp_dir / f'test-{uuid.uuid4().hex[:8]}.sqlite'}"
        base = sa.make_url(self.base_url)
        name = f"tracker_test_{uuid.uuid4().hex[:12]}"
        try:
            engine = _admin_engine(base)
            with engine.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            engine.dispose()
        except sa.exc.OperationalError as error:
            # In CI an unreachable PostgreSQL is a failure, never a skip.
            pytest.exit(f"PostgreSQL at {base.render_as_string()} is unreachable: {error}", returncode=3)
        self.name = name
        return base.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            return
        engine = _admin_engine(sa.make_url(self.base_url))
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
        engine.dispose()


def make_config(database_url: str, tmp_path: Path, **extra) -> dict:
    """A fresh configuration per app: tests never share a mutable config object."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "evidence"),
        "TRACKER_RULEBOOK": "cn-samr",
        "PER_PAGE": 10,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # fast hashing in tests only
        # Throttling stays on, with limits no ordinary test reaches; tests/web/test_security.py sets low ones.
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "API_AUTH_FAILURE_LIMIT": "100000 per minute",
        "LOGIN_LOCKOUT_THRESHOLD": 1000,
        **extra,
    }


@pytest.fixture(scope="session")
def test_database(tmp_path_factory):
    """One migrated database for the session (rows are cleared after each test)."""
    helper = TestDatabase(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"))
    url = helper.create()
    app = create_app(make_config(url, tmp_path_factory.mktemp("setup")))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    yield url
    helper.drop(url)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    """Make extra empty databases (for migration tests); all are dropped at the end."""
    helper = TestDatabase(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("extra"))
    made = []

    def make() -> str:
        url = helper.create()
        made.append(url)
        return url

    yield make
    for url in made:
        helper.drop(url)


@pytest.fixture(scope="session")
def demo_app(database_factory, tmp_path_factory):
    """The demo county, seeded once per test run into a database of its own, running as of DEMO_TODAY.

    Shared by every test that asks for it, so those tests must only read the demo data (signing in,
    which stamps the account's last sign-in time, is fine); a test that changes it seeds its own county.
    """
    application = create_app(make_config(database_factory(), tmp_path_factory.mktemp("demo"),
                                         TRACKER_TODAY=DEMO_TODAY))
    with application.app_context():
        flask_migrate.upgrade()
        seed_demo_county()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


def _clear(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # TRUNCATE does not fire the append-only trigger on the history table.
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
        db.engine.dispose()


class BrowserClient(FlaskClient):
    """Each request runs in a context of its own (its own app context, ``g`` and database
    session), as in production, even though the test holds an app context for its factories."""

    def open(self, *args, **kwargs):
        # The test's own session ends its transaction around each request, so it neither holds a
        # lock the request needs nor keeps reading a snapshot older than the request's writes.
        db.session.rollback()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.rollback()


@pytest.fixture
def app(test_database, tmp_path):
    application = create_app(make_config(test_database, tmp_path))
    application.test_client_class = BrowserClient
    with application.app_context():
        yield application
        db.session.remove()
    _clear(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Read the CSRF token from a form page, as a browser would."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return next(group for group in match.groups() if group)


def login(client, username: str, password: str = "inspect-2020"):
    """Sign in through the login form, CSRF token included."""
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})


def signed_in(app, user):
    """A new test client of ``app``, signed in as ``user``."""
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


@pytest.fixture
def as_user(client):
    """Sign the test client in as a given user: ``as_user(user)``."""

    def sign_in(user):
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def post_form(client, page: str, action: str | None = None, data: dict | None = None, **kwargs):
    """Post a form as a browser does: fetch its page for the CSRF token, then submit."""
    payload = {"csrf_token": csrf_token(client, page), **(data or {})}
    return client.post(action or page, data=payload, **kwargs)


@contextmanager
def count_queries():
    """Collect the SQL statements run inside the block (SQLite's explicit BEGIN, sent by the app's engine
    listener, is not a query): ``with count_queries() as statements: ...``, then ``len(statements)``."""
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        if statement.strip().upper() != "BEGIN":
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def page_queries(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` runs (counted as by ``count_queries``); the page must answer 200."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)

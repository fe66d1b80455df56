"""Per-test app, client and database, on SQLite by default or on PostgreSQL when
TEST_DATABASE_URL names a server: each run migrates a database of its own and drops it after.

Migrating is done once per run (per pytest-xdist worker): the migrated database is the template that
every fixture needing a fresh migrated database copies (``database_factory(migrated=True)``: PostgreSQL's
CREATE DATABASE ... TEMPLATE, SQLite's backup of the file). Migration tests ask for an empty one."""
from __future__ import annotations

import contextvars
import os
import re
import sqlite3
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tracker import create_app
from tracker.extensions import db
from tracker.seed.demo import DEMO_TODAY, DemoReport, seed_demo_county

PG_PREFIX = "postgresql"


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


class TestDatabase:
    """Databases created for this test run and dropped afterwards."""

    def __init__(self, base_url: str | None, tmp_dir: Path):
        self.base_url = base_url
        self.tmp_dir = tmp_dir
        self.name = None

    @property
    def postgres(self) -> bool:
        return bool(self.base_url) and self.base_url.startswith(PG_PREFIX)

    @staticmethod
    def _name() -> str:
        # pytest-xdist runs workers side by side: each one's databases carry its id (gw0, gw1, ...) as well.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        return f"tracker_test_{worker + '_' if worker else ''}{uuid.uuid4().hex[:12]}"

    def create(self, template: str | None = None) -> str:
        """A new database: empty, or a copy of ``template`` (a database URL made by this class)."""
        name = self._name()
        if not self.postgres:
            path = self.tmp_dir / f"{name}.sqlite"
            if template:
                with closing(sqlite3.connect(template.removeprefix("sqlite:///"))) as source, \
                        closing(sqlite3.connect(path)) as copy:
                    source.backup(copy)
            return f"sqlite:///{path}"
        base = sa.make_url(self.base_url)
        statement = f'CREATE DATABASE "{name}"'
        if template:
            statement += f' TEMPLATE "{sa.make_url(template).database}"'
        try:
            engine = _admin_engine(base)
            with engine.connect() as connection:
                connection.execute(sa.text(statement))
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
        "COMPLAINT_INTAKE_LIMIT": "100000 per minute",
        "LOGIN_LOCKOUT_THRESHOLD": 1000,
        **extra,
    }


@pytest.fixture(scope="session")
def _databases(tmp_path_factory):
    """This run's databases: all are dropped at the end."""
    helper = TestDatabase(os.environ.get("TEST_DATABASE_URL"), tmp_path_factory.mktemp("db"))
    made: list[str] = []
    yield helper, made
    for url in reversed(made):  # copies first, then the template they were made from
        helper.drop(url)


@pytest.fixture(scope="session")
def migrated_template(_databases, tmp_path_factory) -> str:
    """A database migrated once for the whole run; never used directly, only copied."""
    helper, made = _databases
    url = helper.create()
    made.append(url)
    app = create_app(make_config(url, tmp_path_factory.mktemp("template")))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template without connections
    return url


@pytest.fixture(scope="session")
def database_factory(_databases, migrated_template):
    """Make extra databases: ``database_factory()`` an empty one (for migration tests),
    ``database_factory(migrated=True)`` a fresh copy of the migrated template, ``database_factory(copy_of=url)``
    a copy of another database of this run that nothing is connected to. All are dropped at the end."""
    helper, made = _databases

    def make(migrated: bool = False, copy_of: str | None = None) -> str:
        url = helper.create(template=copy_of or (migrated_template if migrated else None))
        made.append(url)
        return url

    return make


@pytest.fixture(scope="session")
def test_database(database_factory):
    """One migrated database for the session (rows are cleared after each test)."""
    return database_factory(migrated=True)


@dataclass
class DemoCounty:
    """The demo county seeded once per run into a database nothing connects to (``url``), with the seeding's
    report; ``copy()`` gives a database of one's own holding it, for a test that reads or changes it."""

    url: str
    report: DemoReport
    make: object

    def copy(self) -> str:
        return self.make(copy_of=self.url)


@pytest.fixture(scope="session")
def demo_county(database_factory, tmp_path_factory) -> DemoCounty:
    """``seed_demo_county()`` once per run, as ``flask seed-demo`` does (the data are the same whatever the business
    clock says: seeding stops at DEMO_TODAY); tests use copies, so none of them sees another's changes."""
    url = database_factory(migrated=True)
    application = create_app(make_config(url, tmp_path_factory.mktemp("demo-seed")))
    with application.app_context():
        report = seed_demo_county()
        db.session.remove()
        db.engine.dispose()  # copied as a template: nothing may stay connected
    return DemoCounty(url, report, database_factory)


@pytest.fixture(scope="session")
def demo_app(demo_county, tmp_path_factory):
    """The demo county in a database of its own for the whole run, running as of DEMO_TODAY.

    Shared by every test that asks for it, so those tests must only read the demo data (signing in,
    which stamps the account's last sign-in time, is fine); a test that changes it takes a copy of its own
    (``demo_county.copy()``).
    """
    application = create_app(make_config(demo_county.copy(), tmp_path_factory.mktemp("demo"),
                                         TRACKER_TODAY=DEMO_TODAY))
    yield application
    with application.app_context():
        db.engine.dispose()


# The sequences owned by each table's columns (serial and identity), on PostgreSQL.
_OWNED_SEQUENCES = """
SELECT t.relname, s.relname FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND t.relnamespace = current_schema()::regnamespace
"""
# Tables whose rows the database itself refuses to delete (append-only triggers): emptied with TRUNCATE.
_APPEND_ONLY = """
SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace
"""


def _clear_postgresql(connection) -> None:
    """Leave every table empty and every identity restarting at 1, as ``TRUNCATE all RESTART IDENTITY`` would,
    touching only the tables a test wrote to: TRUNCATE rewrites every table's and index's files (about half a
    second for all of them on a busy machine), DELETE of a few rows takes milliseconds."""
    names = [table.name for table in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    filled = set(connection.exec_driver_sql(probe).scalars())
    used = set(connection.exec_driver_sql(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    ).scalars())
    guarded = set(connection.exec_driver_sql(_APPEND_ONLY).scalars()) & filled
    if guarded:  # TRUNCATE does not fire the append-only triggers (CASCADE: with any table that references them)
        connection.exec_driver_sql("TRUNCATE " + ", ".join(f'"{name}"' for name in sorted(guarded)) + " CASCADE")
    for name in reversed(names):  # children before parents
        if name in filled and name not in guarded:
            connection.exec_driver_sql(f'DELETE FROM "{name}"')
    for _table, sequence in connection.exec_driver_sql(_OWNED_SEQUENCES):
        if sequence in used:
            connection.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')


def _clear(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                _clear_postgresql(connection)
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
            bodies = self.__dict__.setdefault("_bodies", [])
            while bodies:  # a multipart body over 500 KB is spooled to a file werkzeug never closes
                bodies.pop().close()

    def _request_from_builder_args(self, args, kwargs):
        request = super()._request_from_builder_args(args, kwargs)
        body = request.environ.get("wsgi.input")
        if body is not None and hasattr(body, "close"):
            self.__dict__.setdefault("_bodies", []).append(body)
        return request


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

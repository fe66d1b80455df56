"""In-process checks of the 503 answer (tracker/web/errors.py) and of the PostgreSQL connect timeout."""
from __future__ import annotations

import logging
import socket
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

import tracker
from tests.conftest import make_config
from tracker import create_app


class Boom(Exception):
    pass


def failing(error):
    def view(*_args, **_kwargs):
        raise error

    return view


UNAVAILABLE = [
    exc.OperationalError("SELECT 1", {}, Boom("server closed the connection unexpectedly")),
    exc.InterfaceError("SELECT 1", {}, Boom("connection already closed")),
    exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    exc.DBAPIError("SELECT 1", {}, Boom("gone"), connection_invalidated=True),
]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_database_failures_answer_503_page_and_problem(app, client, error, caplog):
    app.view_functions["outcomes.index"] = failing(error)
    app.view_functions["api_outcomes.list_outcomes"] = failing(error)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        page = client.get("/outcomes/")
        api = client.get("/api/v1/outcomes")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "30" and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "cannot reach its database" in text and "Try again" in text
    assert "Boom" not in text and "SELECT" not in text and "Traceback" not in text
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"] == "30"
    assert api.json["status"] == 503 and api.json["title"] == "Service unavailable"
    assert "Boom" not in api.get_data(as_text=True)
    assert [r.message for r in caplog.records if "Database unavailable" in r.message] == [
        f"Database unavailable on GET /outcomes/: {str(error).splitlines()[0]}",
        f"Database unavailable on GET /api/v1/outcomes: {str(error).splitlines()[0]}",
    ]


def test_other_database_errors_stay_server_errors(app, client):
    """An integrity error is a bug, not an outage: it is not disguised as 503 (TESTING propagates it)."""
    app.view_functions["outcomes.index"] = failing(exc.IntegrityError("INSERT", {}, Boom("duplicate key")))
    with pytest.raises(exc.IntegrityError):
        client.get("/outcomes/")


def test_unreachable_database_answers_503_without_touching_it(tmp_path):
    """A server that was never reachable (a closed port; a missing directory on SQLite): 503 at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: connections are refused
    for url in (f"postgresql+psycopg://postgres@127.0.0.1:{port}/test", f"sqlite:///{tmp_path / 'gone' / 'x.sqlite'}"):
        application = create_app(make_config(url, tmp_path))
        client = application.test_client()
        for path, kind in (("/outcomes/", "text/html"), ("/api/v1/outcomes", "application/problem+json")):
            response = client.get(path)
            assert response.status_code == 503 and response.mimetype == kind, (url, path, response.status_code)
        with application.app_context():
            tracker.extensions.db.engine.dispose()


def test_postgres_connect_gives_up_after_the_timeout(monkeypatch):
    """A server that accepts but never answers (a black hole) does not hang a request: the app's default
    connect_timeout (tracker.POSTGRES_CONNECT_TIMEOUT) ends the wait."""
    monkeypatch.setattr(tracker, "POSTGRES_CONNECT_TIMEOUT", 1)
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)  # the kernel completes the handshake; nobody ever speaks
        engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{hole.getsockname()[1]}/test",
                                  poolclass=sa.pool.NullPool)
        started = time.monotonic()
        with pytest.raises(exc.OperationalError):
            engine.connect()
        assert time.monotonic() - started < 5
        engine.dispose()

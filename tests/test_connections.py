"""Pooled connections: one that sat idle is pinged before use and replaced if it died; one used a moment ago
is not pinged (tracker.ping_idle_connections), so busy pages spare a round trip each."""
from __future__ import annotations

import sqlalchemy as sa

import tracker
from tracker.extensions import db


def count_pings(monkeypatch, engine) -> list:
    pings = []
    real = engine.dialect.do_ping

    def ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


def backend_of(connection) -> object:
    """Something that names the server-side connection: PostgreSQL's backend pid, else the DBAPI object."""
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    return id(connection.connection.dbapi_connection)


def test_a_connection_given_back_a_moment_ago_is_not_pinged(app, monkeypatch):
    engine = db.engine
    pings = count_pings(monkeypatch, engine)
    for _ in range(3):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    assert pings == []  # the first was new, the next two were in use a moment before

    monkeypatch.setattr(tracker, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection now counts as idle
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    assert len(pings) == 1


def test_a_connection_that_died_while_idle_is_replaced_without_an_error(app, monkeypatch):
    engine = db.engine
    engine.dispose()  # one pooled connection, the one killed below
    with engine.connect() as connection:
        before = backend_of(connection)
        dbapi_connection = connection.connection.dbapi_connection
    if engine.dialect.name == "postgresql":  # the server ends it, as a restart or an idle timeout would
        killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        with killer.connect() as connection:
            assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({before})").scalar()
        killer.dispose()
    else:
        dbapi_connection.close()

    monkeypatch.setattr(tracker, "PING_AFTER_IDLE_SECONDS", 0.0)
    pings = count_pings(monkeypatch, engine)
    with engine.connect() as connection:  # no error: the ping fails, the pool connects anew
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert backend_of(connection) != before
    assert len(pings) == 1

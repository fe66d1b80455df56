"""A gunicorn worker killed (SIGKILL) in the middle of requests leaves no half-written case.

* During a burst of concurrent writes, on SQLite and PostgreSQL: both workers are killed in turn; the
  master replaces them; every answered 2xx is one event, each request whose answer was lost wrote its
  one event or nothing, and every case is whole (state = last event, version = events, chains, money).
* PostgreSQL, deterministic: the test holds a lock on the history table, so a payment request stops
  inside its transaction after it has updated the case (and before its event is written); the workers
  are killed right there. The server rolls the transaction back: nothing of it remains.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.faults.client import Api, LoadReport, act, hammer
from tests.faults.conftest import is_postgres, report
from tests.faults.jobs import payment, suspend_or_resume

CLIENTS, PER_CLIENT, TIME_LIMIT = 8, 20, 10


def test_workers_killed_during_a_burst_leave_every_case_whole(seeded, serve, ledger, request):
    server = serve()
    officer = Api(server.base_url, seeded.tokens["officer"])
    supervisor = Api(server.base_url, seeded.tokens["supervisor"])
    paid, paused = seeded.cases["kill_pay"], seeded.cases["kill_pause"]
    before = ledger.book(paid + paused)
    jobs = [payment(officer, paid[0]), payment(officer, paid[1]), suspend_or_resume(supervisor, paused[0])]

    running = threading.Event()
    result: list[LoadReport] = []
    burst = threading.Thread(target=lambda: result.append(hammer(jobs, CLIENTS, PER_CLIENT, TIME_LIMIT, started=running)))
    burst.start()
    killed = []
    try:
        assert running.wait(15), "the burst never got an answer"
        for _round in range(2):  # each original worker, then one of the replacements
            time.sleep(0.3)
            victim = min(server.worker_pids())
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            server.wait_for_workers(excluding=set(killed))
    finally:
        burst.join(TIME_LIMIT + 30)
    assert result, "the burst did not finish"
    load = result[0]

    statuses = load.histogram()
    assert all(key in ("200", "409", "422") or key.startswith("transport:") for key in statuses), statuses
    lost = sum(1 for o in load.outcomes if o.status is None)
    ledger.check_after(before, load.outcomes, in_doubt=True)
    after = act(officer, paid[0], "record_payment", {"amount": "0.50", "receipt": "AFTER-KILL"})
    assert after.status == 200, after.answer.text[:300]  # the replacement workers serve
    report(request, f"{len(killed)} workers killed; {load.summary()}; {lost} answers lost in the kills")


@pytest.fixture
def pg_lock(seeded):
    """A connection of the test's own on the seeded PostgreSQL database."""
    if not is_postgres(seeded.url):
        pytest.skip("needs PostgreSQL: SQLite has no lock a test can hold inside another process's write")
    engine = sa.create_engine(seeded.url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def test_worker_killed_inside_a_transaction_writes_nothing(seeded, serve, ledger, pg_lock, request):
    server = serve(workers=1, threads=2)
    officer = Api(server.base_url, seeded.tokens["officer"])
    case_id = seeded.cases["stall_pay"][0]
    before = ledger.book([case_id])
    outcomes = []
    # pg_stat_activity is read once per transaction: the watcher autocommits to see it change.
    with pg_lock.connect() as holder, pg_lock.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        holder.execute(sa.text("LOCK TABLE case_events IN SHARE ROW EXCLUSIVE MODE"))  # writers of events wait
        request_thread = threading.Thread(target=lambda: outcomes.append(
            act(officer, case_id, "record_payment", {"amount": "5.00", "receipt": "STALLED"},
                tag="STALLED", amount=Decimal("5.00"))))
        request_thread.start()
        stalled = _wait_for_stalled_backend(watcher)
        held = {row.relation for row in watcher.execute(sa.text(
            "SELECT c.relname AS relation FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'"), {"pid": stalled})}
        assert "cases" in held, held  # the request has updated the case and waits to write its event
        victims = server.worker_pids()
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        request_thread.join(30)
        holder.rollback()  # release the lock: the orphaned transaction can only end in a rollback
        _wait_until_gone(watcher, stalled)
    server.wait_for_workers(excluding=victims)
    assert outcomes and outcomes[0].status is None  # the client lost its answer with the worker
    after = ledger.check_after(before, outcomes, in_doubt=True)
    assert after[case_id] == before[case_id], "the killed transaction left something behind"
    retry = act(officer, case_id, "record_payment", {"amount": "5.00", "receipt": "STALLED-RETRY"})
    assert retry.status == 200, retry.answer.text[:300]
    report(request, f"worker killed inside its transaction (locks held on {sorted(held)}); nothing written")


def _wait_for_stalled_backend(watcher, timeout: float = 15) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = watcher.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar()
        if pid:
            return pid
        time.sleep(0.05)
    raise AssertionError("no request stopped at the history table's lock")


def _wait_until_gone(watcher, pid: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not watcher.execute(sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar():
            return
        time.sleep(0.05)
    raise AssertionError(f"backend {pid} of the killed worker is still there")

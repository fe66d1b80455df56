"""Two people acting on the same case at once never both succeed, with real concurrent connections.

Each person is a thread with an app context of its own, so a SQLAlchemy session and a database
connection of its own, on SQLite (WAL, busy timeout) and on PostgreSQL (TEST_DATABASE_URL).

Two ways in are raced:

* ``service``: a caller outside any request (CLI, seeding, a job) that loads the case and then acts
  in the same transaction; a barrier lines the threads up so all have read the case before any writes.
* ``request``: what a web/API request does: read the case's version (a GET), then act in a POST with
  that version as ``expected_version``; the barrier lines the GETs up so every POST carries the same
  version. On SQLite a POST takes the write lock at BEGIN (BEGIN IMMEDIATE), so POSTs queue.

The loser always gets Conflict (409 "this case changed, reload"); no other error escapes (on SQLite,
no "database is locked"), the history has no duplicate or missing seq and its hash chain verifies.

The ``service`` line-up needs both transactions to hold a read at once; if SQLite service writes are
ever made to take the lock at BEGIN, the second reader waits for the first writer instead, and that
mode on SQLite must drop the barrier (the writers then queue, as requests do).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.cases_helpers import TODAY, CaseWorld
from tracker.domain.history import verify_chain
from tracker.extensions import db
from tracker.models import Case, CaseEvent, Payment, User
from tracker.services.cases import STALE, load_case, run_action
from tracker.services.errors import Conflict


BARRIER_TIMEOUT = 5  # seconds for every thread to reach the line-up
JOIN_TIMEOUT = 30  # seconds for all threads to finish (SQLite's busy timeout is 15 s)
PAYMENT_ON = "2020-04-01"  # within the payment period of CaseWorld's decision served on 2020-03-16

MODES = ["service", "request"]


@pytest.fixture
def world(app):
    return CaseWorld()


# ------------------------------------------------------------------------------------------ harness


def in_threads(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` for i in range(count), each in a thread with its own app context (so its own
    session and connection); return what each returned, or the exception it raised."""
    outcomes: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            with app.app_context():
                try:
                    outcomes[index] = work(index)
                finally:
                    db.session.remove()
        except BaseException as error:  # handed back to the test, which re-raises it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,), name=f"actor-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {JOIN_TIMEOUT}s: {stuck}"
    return outcomes


def act_once(app, mode: str, barrier: threading.Barrier | None, actor_id: int, case_id: int, action: str, body: dict):
    """One person's attempt: 'ok', or the Conflict they were answered with; anything else raises."""
    if mode == "service":
        actor = db.session.get(User, actor_id)
        case = load_case(case_id, actor)
        if barrier is not None:
            barrier.wait()  # everyone has read the case; nobody has written yet
        try:
            run_action(actor, case, action, body, today=TODAY)
        except Conflict as error:
            return error
        return "ok"
    # A request: GET the case (its version goes into the form or If-Match), then POST the action.
    with app.test_request_context(f"/cases/{case_id}", method="GET"):
        version = db.session.get(Case, case_id).version
        db.session.remove()
    if barrier is not None:
        barrier.wait()  # everyone has read the same version; nobody has posted yet
    with app.test_request_context(f"/cases/{case_id}/{action}", method="POST"):
        try:
            actor = db.session.get(User, actor_id)
            case = load_case(case_id, actor)  # as the POST route does
            run_action(actor, case, action, body, expected_version=version, today=TODAY)
        except Conflict as error:
            return error
        finally:
            db.session.remove()
        return "ok"


def raise_unexpected(outcomes: list[object]) -> None:
    """Re-raise the first error that is neither success nor Conflict (say 'database is locked')."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Conflict):
            raise outcome


def history(case_id: int) -> list[CaseEvent]:
    """The case's events as committed, read afresh by the test's own session."""
    db.session.rollback()
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


def assert_intact(events: list[CaseEvent]) -> None:
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "seqs are 1..n without gaps or repeats"
    assert verify_chain([e.as_item() for e in events]) == []


def case_at(world: CaseWorld, state: str) -> tuple[int, int]:
    """Carry a case to ``state``; its id and number of events, with the test's session idle."""
    case = world.to_state(state)
    case_id, count = case.id, len(case.events)
    assert case.state.value == state
    db.session.rollback()  # end the test's read transaction before the threads write
    return case_id, count


# ------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("mode", MODES)
def test_two_supervisors_approving_at_once_one_wins(app, world, mode):
    case_id, before = case_at(world, "penalty_proposed")
    approvers = [world.supervisor2.id, world.reviewer.id]  # neither is an officer of the case
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)

    outcomes = in_threads(
        app, 2, lambda i: act_once(app, mode, barrier, approvers[i], case_id, "approve_penalty", {"on": "2020-03-04"})
    )

    raise_unexpected(outcomes)
    assert outcomes.count("ok") == 1 and sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    loser = next(o for o in outcomes if isinstance(o, Conflict))
    assert loser.status == 409
    events = history(case_id)
    assert len(events) == before + 1
    assert [e.action for e in events].count("approve_penalty") == 1
    assert_intact(events)
    case = db.session.get(Case, case_id)
    assert case.state.value == "penalty_approved"
    winner = approvers[outcomes.index("ok")]
    assert case.approved_by_id == winner and events[-1].actor == db.session.get(User, winner).username


@pytest.mark.parametrize("mode", MODES)
def test_two_payments_at_once_on_one_version_one_wins(app, world, mode):
    case_id, before = case_at(world, "decision_served")
    officers = [world.officer.id, world.officer2.id]
    receipts = ["R-A", "R-B"]
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)

    def pay(i: int):
        body = {"on": PAYMENT_ON, "amount": "1000.00", "receipt": receipts[i]}
        return act_once(app, mode, barrier, officers[i], case_id, "record_payment", body)

    outcomes = in_threads(app, 2, pay)

    raise_unexpected(outcomes)
    assert outcomes.count("ok") == 1, outcomes
    loser = next(i for i, o in enumerate(outcomes) if isinstance(o, Conflict))
    assert str(outcomes[loser]) == STALE
    events = history(case_id)
    assert len(events) == before + 1 and events[-1].action == "record_payment"
    assert_intact(events)
    payments = list(db.session.scalars(sa.select(Payment).where(Payment.case_id == case_id)))
    assert [p.receipt for p in payments] == [receipts[1 - loser]]

    # The loser reloads and tries again: it goes through, after the winner's event.
    [again] = in_threads(
        app, 1,
        lambda _: act_once(app, mode, None, officers[loser], case_id, "record_payment",
                           {"on": PAYMENT_ON, "amount": "1000.00", "receipt": receipts[loser]}),
    )
    assert again == "ok"
    events = history(case_id)
    assert [e.action for e in events[-2:]] == ["record_payment", "record_payment"]
    assert_intact(events)
    assert db.session.scalar(sa.select(sa.func.count()).where(Payment.case_id == case_id)) == 2
    assert db.session.get(Case, case_id).state.value == "decision_served"  # 2,000 of 8,060 paid


@pytest.mark.parametrize("mode", MODES)
def test_many_writers_retrying_on_conflict_lose_nothing(app, world, mode):
    writers, attempts = 8, 20
    case_id, before = case_at(world, "decision_served")
    officers = [world.officer.id, world.officer2.id]
    barrier = threading.Barrier(writers, timeout=BARRIER_TIMEOUT)
    conflicts = [0] * writers

    def writer(i: int):
        body = {"on": PAYMENT_ON, "amount": "100.00", "receipt": f"R-{i}"}
        for attempt in range(attempts):
            # Only the first attempt is lined up; retries follow a short back-off, as a client would.
            outcome = act_once(app, mode, barrier if attempt == 0 else None, officers[i % 2], case_id,
                               "record_payment", body)
            if outcome == "ok":
                return "ok"
            conflicts[i] += 1
            time.sleep(0.005 * (1 + (i + attempt) % 4))
        return outcome

    outcomes = in_threads(app, writers, writer)

    raise_unexpected(outcomes)
    successes = outcomes.count("ok")
    assert successes == writers, outcomes  # every writer got through within its retries
    assert sum(conflicts) >= 1  # all read the same version first, so at least one was answered 409
    events = history(case_id)
    assert len(events) == before + successes
    assert_intact(events)
    payments = list(db.session.scalars(sa.select(Payment).where(Payment.case_id == case_id).order_by(Payment.id)))
    assert sorted(p.receipt for p in payments) == sorted(f"R-{i}" for i in range(writers))
    assert sum((p.amount for p in payments), Decimal("0")) == Decimal("100.00") * writers
    assert [e.data["receipt"] for e in events[before:]] == [p.receipt for p in payments]

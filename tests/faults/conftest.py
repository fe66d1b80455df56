"""Fault and load tests against the real app under gunicorn, on a migrated database of their own.

One database per test package run (SQLite, or PostgreSQL with TEST_DATABASE_URL), seeded through
the services (tests/cases_helpers.CaseWorld) before any server starts; each test acts on cases of its
own and starts its own gunicorn (``serve``), which is stopped afterwards. Invariants are checked
in-process with the app's own models (``Ledger``).
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.cases_helpers import CaseWorld
from tests.conftest import make_config
from tests.faults.server import Gunicorn
from tracker import create_app
from tracker.domain.history import verify_chain
from tracker.extensions import db
from tracker.models import Case, CaseEvent, CasePause, Payment
from tracker.services import inspections as inspection_service
from tracker.services.tokens import issue_token

from tests.factories import inspection

# The served app runs its business clock on this date: after CaseWorld's decision (served 2020-03-16)
# and inside its payment period, so small payments never meet a late surcharge.
BUSINESS_TODAY = "2020-04-01"
# Cases each test acts on: payments repeat on a served decision, suspend/resume alternate on a filed case.
LAYOUT = {
    "load_pay": ("decision_served", 2),
    "load_pause": ("investigating", 1),
    "kill_pay": ("decision_served", 2),
    "kill_pause": ("investigating", 1),
    "stall_pay": ("decision_served", 1),
    "outage": ("decision_served", 1),
}


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


class FaultWorld(CaseWorld):
    """CaseWorld able to open any number of cases, each from a referred inspection of its own."""

    def __init__(self):
        super().__init__()
        self._used = False
        self._day = 0

    def case_in(self, state: str) -> Case:
        if self._used:
            self._day += 1
            self.inspection = inspection(
                self.officer, self.officer2, self.pharmacy, self.outbreak,
                started_at=datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc) + timedelta(hours=self._day),
            )
            observation = inspection_service.record_observation(
                self.officer, self.inspection,
                inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                                   baseline_price="1.20", baseline_cost="1.00", quantity_sold="1000"),
            )
            inspection_service.record_violation(self.officer, self.inspection, "price_gouging", [observation.id])
            inspection_service.submit_inspection(self.officer, self.inspection, "referred")
        self._used = True
        return self.to_state(state)


@dataclass
class Seeded:
    """The seeded database: its URL, an in-process app on it, API tokens by role and case ids by purpose."""

    url: str
    app: object
    tokens: dict[str, str]
    cases: dict[str, list[int]]
    tmp: object

    def server_env(self, database_url: str | None = None) -> dict[str, str]:
        """The environment gunicorn's app reads its settings from (tracker/config.py from_environment)."""
        return {
            "DATABASE_URL": database_url or self.url,
            "SECRET_KEY": "faults-test-secret-key",
            "TRACKER_RULEBOOK": "cn-samr",
            "TRACKER_TODAY": BUSINESS_TODAY,
            "UPLOAD_FOLDER": str(self.tmp / "evidence"),
            "TRACKER_DEV": "0",
            "FLASK_DEBUG": "0",
        }


@pytest.fixture(scope="package")
def seeded(database_factory, tmp_path_factory) -> Seeded:
    url = database_factory(migrated=True)
    tmp = tmp_path_factory.mktemp("faults")
    app = create_app(make_config(url, tmp))
    with app.app_context():
        world = FaultWorld()
        cases = {name: [world.case_in(state).id for _ in range(count)] for name, (state, count) in LAYOUT.items()}
        tokens = {
            role: issue_token(user, f"faults {role}")[1]
            for role, user in (("officer", world.officer), ("officer2", world.officer2),
                               ("supervisor", world.supervisor), ("auditor", world.auditor))
        }
        db.session.remove()
        db.engine.dispose()
    yield Seeded(url, app, tokens, cases, tmp)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def serve(seeded, tmp_path):
    """Start gunicorn on the seeded database (or another URL, such as a proxy's); stopped after the test."""
    servers: list[Gunicorn] = []

    def start(database_url: str | None = None, workers: int = 2, threads: int = 4) -> Gunicorn:
        server = Gunicorn(seeded.server_env(database_url), tmp_path / f"gunicorn-{len(servers)}.log", workers, threads)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


# ------------------------------------------------------------------------------------------ invariants


@dataclass(frozen=True)
class CaseBook:
    """What the database holds for one case."""

    state: str
    version: int
    events: int
    payments: int
    paid: Decimal
    pauses: int
    tags: tuple[str, ...]  # each event's request tag: a payment's receipt, else its reason


class Ledger:
    """Reads the cases back through the app's models and checks they are whole."""

    def __init__(self, app):
        self.app = app

    def book(self, case_ids: list[int]) -> dict[int, CaseBook]:
        with self.app.app_context():
            try:
                return {case_id: self._book(case_id) for case_id in case_ids}
            finally:
                db.session.remove()
                db.engine.dispose()

    def _book(self, case_id: int) -> CaseBook:
        case = db.session.get(Case, case_id)
        events = list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        payments = list(db.session.scalars(sa.select(Payment).where(Payment.case_id == case_id)))
        pauses = db.session.scalar(sa.select(sa.func.count()).select_from(CasePause).where(CasePause.case_id == case_id))
        items = [event.as_item() for event in events]
        number = case.number
        # seq runs 1..n with no gap or duplicate, and every hash links to the previous event.
        assert [item["seq"] for item in items] == list(range(1, len(items) + 1)), f"{number}: seq gaps or duplicates"
        assert verify_chain(items) == [], f"{number}: broken chain"
        # The case is in the state its last event moved it to (no half-written case).
        assert case.state.value == items[-1]["to_state"], f"{number}: state {case.state} vs last event {items[-1]}"
        # Money: every payment row has exactly one payment event with the same amount, and none is missing.
        paid_events = sorted(Decimal(i["data"]["amount"]) for i in items if i["action"] == "record_payment")
        assert paid_events == sorted(p.amount for p in payments), f"{number}: payments and their events differ"
        suspensions = sum(1 for i in items if i["action"] == "suspend")
        assert pauses == suspensions, f"{number}: {pauses} pauses for {suspensions} suspensions"
        open_pauses = sum(1 for p in case.pauses if p.ends_on is None)
        assert open_pauses == (1 if case.state.value == "suspended" else 0), f"{number}: open pauses {open_pauses}"
        tags = tuple((i["data"] or {}).get("receipt") or i["reason"] or "" for i in items)
        return CaseBook(case.state.value, case.version, len(items), len(payments), sum(paid_events, Decimal("0")),
                        pauses, tags)

    def check_after(self, before: dict[int, CaseBook], outcomes, in_doubt: bool = False) -> dict[int, CaseBook]:
        """Every 2xx answer is exactly one new event (matched by the request's unique tag), no event is
        doubled, each case's version grew with its events, and 2xx payments add up. With ``in_doubt``
        (requests whose answer was lost, as when a worker is killed) each lost request may have
        written its one event, or nothing."""
        after = self.book(list(before))
        for case_id, old in before.items():
            new = after[case_id]
            mine = [o for o in outcomes if o.case_id == case_id and o.tag]
            ok = Counter(o.tag for o in mine if o.ok)
            lost = {o.tag for o in mine if o.status is None}
            added = Counter(new.tags[old.events:])
            assert new.tags[:old.events] == old.tags, f"case {case_id}: earlier events changed"
            assert new.version - old.version == new.events - old.events, (
                f"case {case_id}: version +{new.version - old.version}, events +{new.events - old.events}")
            assert max(ok.values(), default=1) == 1 and max(added.values(), default=1) == 1, f"case {case_id}: doubled"
            refused = {o.tag for o in mine if o.status is not None and not o.ok}
            assert not refused & set(added), f"case {case_id}: a refused request left an event"
            if in_doubt:
                assert set(ok) <= set(added) <= set(ok) | lost, f"case {case_id}: {len(ok)} ok, {len(lost)} lost, {added}"
            else:
                assert set(ok) == set(added), f"case {case_id}: {len(ok)} successes but {len(added)} new events"
            paid = {o.tag: o.amount for o in mine if o.action == "record_payment"}
            assert new.paid - old.paid == sum((paid[t] for t in added if t in paid), Decimal("0")), f"case {case_id}: paid"
        return after


@pytest.fixture
def ledger(seeded) -> Ledger:
    return Ledger(seeded.app)


FIGURES: list[str] = []


def report(request, text: str) -> None:
    """Keep a figure (requests sent, rate, statuses, recovery time) for the end-of-run summary."""
    database = "postgresql" if is_postgres(os.environ.get("TEST_DATABASE_URL", "")) else "sqlite"
    FIGURES.append(f"[{database}] {request.node.name}: {text}")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault and load figures")
        for line in FIGURES:
            terminalreporter.write_line(line)

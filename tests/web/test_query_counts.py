"""Every list page and the case page run the same number of SQL queries for 10 rows as for 200 (issue 7).

One builder, ``grow``, adds ``count`` of every kind of row the pages list (premises, inspections,
observations, violations, published cases with payments, case officers, accounts, sign-ins, API tokens,
administrators' actions);
the page size is raised so that all 200 rows are on the page where the page allows it (lists page at
most 200 rows). Timings are not asserted: only the count of statements, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.cases_helpers import CaseWorld
from tests.conftest import page_queries, signed_in
from tests.listings_helpers import ListWorld, bulk
from tracker.domain.adminlog import ActionSource, AdminActionKind, TargetKind
from tracker.domain.lifecycle import CaseState
from tracker.domain.signin import SignInReason
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import (
    AdminAction, ApiToken, Case, CaseEvent, CaseOfficer, Inspection, Payment, SignInAttempt, User,
)
from tracker.services.cases import append_event

TODAY = date(2020, 12, 31)
SMALL, LARGE = 10, 200
YEAR = "date_from=2019-01-01&date_to=2020-12-31"

# (who asks, page, a text each grown row puts on the page when the page shows every row, or None)
PAGES = [
    ("officer", "/premises/", "Bulk stall"),
    ("officer", "/inspections/", "Bulk stall"),
    ("officer", "/inspections/observations", "Bulk stall"),
    ("officer", "/inspections/violations", "Bulk stall"),
    ("officer", "/cases/", "CG-2019-"),
    ("auditor", "/cases/", "CG-2019-"),
    ("officer", "/cases/?q=CG-2019&code=price_gouging&officer=zhang.wei&overdue=y&deadline=payment", "CG-2019-"),
    ("officer", "/inspections/observations?test=baseline_margin&commodity=mask_n95", "Bulk stall"),
    ("officer", "/cases/penalties", "CG-2019-"),
    ("officer", "/cases/payments", "CG-2019-"),
    ("officer", "/cases/mine", "CG-2019-"),
    ("supervisor", "/cases/mine", "CG-2019-"),
    ("anonymous", "/outcomes/", "CG-2019-"),
    ("officer", "/search?q=Bulk", None),  # the overview shows a few of each kind, with "more" links
    ("officer", "/search?q=Bulk&kind=premises", "Bulk stall"),
    ("officer", "/search?q=Bulk&kind=cases", "CG-2019-"),
    ("officer", "/search?q=Bulk&kind=inspections", "Bulk stall"),
    ("auditor", "/search?q=Bulk&kind=cases", "CG-2019-"),
    ("officer", "/planning/risk", "Bulk stall"),
    ("admin", "/admin/users", "bulk.user."),
    ("admin", "/admin/sign-ins", None),  # rows name the account signing in, shared by every row
    ("auditor", "/admin/sign-ins", None),
    ("admin", "/admin/actions", "bulk.user."),
    ("auditor", "/admin/actions?source=web&action=account_created&target=bulk", "bulk.user."),
    ("officer", "/auth/tokens", "bulk-token-"),
    ("officer", "/reports/queues", None),  # counts per unit, deadline and officer: no row per case
    ("auditor", "/reports/queues", None),
    ("supervisor", f"/reports/?{YEAR}", None),  # figures, not rows
    ("auditor", f"/reports/?{YEAR}", None),
]


def grow(world: ListWorld, count: int) -> None:
    """Add ``count`` rows of every kind the list pages show, in the officer's unit.

    ``bulk`` adds premises, submitted inspections, flagged observations, violations, served cases and
    payments; here those cases are published with a fine that keeps them in the public register, fall
    overdue (queues, "my cases"), count the officer among their officers, and every fifth waits for
    approval (the supervisor's "my cases"); the inspections get searchable notes; and as many accounts,
    sign-in attempts, API tokens and administrators' actions (the accounts' creation) are added."""
    last_case = db.session.scalar(sa.select(sa.func.max(Case.id))) or 0
    last_inspection = db.session.scalar(sa.select(sa.func.max(Inspection.id))) or 0
    bulk(world, count)
    new_cases = db.session.scalars(sa.select(Case).where(Case.id > last_case).order_by(Case.id)).all()
    for i, case in enumerate(new_cases):
        case.decided_lines = [{"kind": "fine", "amount": "50000.00"}]
        case.decision_served_on = date(2019, 7, 3)
        case.published_on = date(2020, 7, 10)
        case.next_deadline, case.next_due_on, case.next_due_soon_on = "payment", date(2020, 6, 1), date(2020, 5, 20)
        if i % 5 == 0:
            case.state, case.proposed_on = CaseState.PENALTY_PROPOSED, date(2019, 6, 20)
            case.proposed_lines = case.decided_lines
        db.session.add(CaseOfficer(case_id=case.id, user_id=world.officer.id, inspected=True))
    db.session.execute(
        sa.update(Inspection).where(Inspection.id > last_inspection).values(notes="Bulk market visit")
    )
    done = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.username.like("bulk.user.%")))
    at = datetime(2020, 12, 1, tzinfo=timezone.utc)
    for i in range(done, done + count):
        db.session.add(User(username=f"bulk.user.{i:04d}", full_name=f"Bulk User {i}", password_hash="x",
                            role=Role.OFFICER, unit_id=world.unit.id))
        db.session.add(SignInAttempt(at=at + timedelta(minutes=i), username=world.officer.username,
                                     user_id=world.officer.id, success=i % 2 == 0,
                                     reason=SignInReason.OK if i % 2 == 0 else SignInReason.WRONG_PASSWORD,
                                     ip="127.0.0.1", user_agent="pytest"))
        db.session.add(ApiToken(user_id=world.officer.id, name=f"bulk-token-{i:04d}", token_hash=f"{i:064x}",
                                prefix=f"{i:08x}"))
        db.session.add(AdminAction(at=at + timedelta(minutes=i), actor_id=world.admin.id,
                                   actor_username=world.admin.username, source=ActionSource.WEB, ip="127.0.0.1",
                                   user_agent="pytest", action=AdminActionKind.ACCOUNT_CREATED,
                                   target_kind=TargetKind.ACCOUNT, target_label=f"bulk.user.{i:04d}",
                                   details={"before": {}, "after": {"username": f"bulk.user.{i:04d}",
                                                                    "role": "officer", "unit": world.unit.code}}))
    db.session.commit()


def client_for(app, world, who: str):
    return app.test_client() if who == "anonymous" else signed_in(app, getattr(world, who))


def list_world(app) -> ListWorld:
    """The list pages' world, with pages long enough for every row and the business date fixed."""
    built = ListWorld()
    app.config["PER_PAGE"] = 500  # every list caps its page at 200 rows
    app.config["TRACKER_TODAY"] = TODAY  # the grown cases stay overdue and in the public register
    return built


@pytest.fixture
def world(app):
    return list_world(app)


VIEWERS = sorted({who for who, _url, _marker in PAGES})


@pytest.mark.parametrize("who", VIEWERS)
def test_every_list_page_runs_as_many_queries_for_200_rows_as_for_10(app, world, who):
    """Each page the viewer reads, measured at 10 rows of every kind, then at 200 (one world per viewer)."""
    client = client_for(app, world, who)
    pages = [(url, marker) for viewer, url, marker in PAGES if viewer == who]
    grow(world, SMALL)
    for url, _marker in pages:
        client.get(url)  # warm: a first request may load what later requests reuse (the rulebook)
    small = {url: page_queries(client, url) for url, _marker in pages}
    grow(world, LARGE - SMALL)
    large = {url: page_queries(client, url) for url, _marker in pages}
    grown = {url: (small[url], large[url]) for url in small if small[url] != large[url]}
    assert not grown, f"{who}: queries at {SMALL} rows -> at {LARGE} rows: {grown}"
    for url, marker in pages:
        if marker is not None:  # the page does show (nearly) all 200 grown rows: a page holds at most 200
            assert client.get(url).get_data(as_text=True).count(marker) >= LARGE - 10, (who, url, marker)


def grow_case(world: CaseWorld, case: Case, count: int) -> None:
    """Add ``count`` payments and ``count`` case officers to ``case``.

    Each payment is recorded as the service records it, a row and its chained history event (so the
    auditor's page verifies an intact chain), without re-running the lifecycle rules each time."""
    for _ in range(count):
        case.payments.append(Payment(on=date(2020, 3, 31), amount=Decimal("1.00"), receipt="R",
                                     recorded_by_id=world.officer.id))
        append_event(case, world.officer, "record_payment", date(2020, 3, 31), case.state,
                     {"amount": "1.00", "receipt": "R"}, None)
    done = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.username.like("case.officer.%")))
    for i in range(done, done + count):
        person = User(username=f"case.officer.{i:04d}", password_hash="x", role=Role.OFFICER, unit_id=world.unit.id)
        db.session.add(person)
        db.session.flush()
        db.session.add(CaseOfficer(case_id=case.id, user_id=person.id))
    db.session.commit()


def long_case_world(app) -> tuple[CaseWorld, Case]:
    """A served case (7 history events) with 5 payments and 5 more officers: 12 events."""
    world = CaseWorld()
    app.config["TRACKER_TODAY"] = TODAY
    case = world.to_state("decision_served")
    grow_case(world, case, 5)
    return world, case


def test_the_case_page_runs_as_many_queries_for_a_long_case_as_for_a_short_one(app):
    """5 payments, officers and 12 history events, then 200 payments and officers and 207 events."""
    world, case = long_case_world(app)
    url = f"/cases/{case.id}"
    clients = {who: signed_in(app, getattr(world, who)) for who in ("officer", "supervisor", "auditor")}
    for client in clients.values():
        client.get(url)
    small = {who: page_queries(client, url) for who, client in clients.items()}
    grow_case(world, case, LARGE - 5)
    assert db.session.scalar(sa.select(sa.func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id)) == 207
    large = {who: page_queries(client, url) for who, client in clients.items()}
    assert large == small, f"case page, queries with 5 payments -> with {LARGE}: {small} -> {large}"
    html = clients["auditor"].get(url).get_data(as_text=True)
    assert html.count("case.officer.") >= LARGE and "History chain verified: 207 events" in html

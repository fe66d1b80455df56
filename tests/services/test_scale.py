"""The scale data set (``flask seed-scale``): counts, every case state, intact and consistent histories, valid keys
and credit codes, deadlines as the case service computes them, sequences reset, a second run refused, and the
list pages and dashboard rendering over it. Seeded once per module (300 inspections) into a database of its own."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tests.conftest import login, make_config
from tracker import create_app
from tracker.domain.credit_code import suggested_operator_type, validate_credit_code
from tracker.domain.figures import due_soon_from
from tracker.domain.lifecycle import CaseState
from tracker.extensions import db
from tracker.models import (
    Case,
    CaseEvent,
    CaseOfficer,
    Inspection,
    Payment,
    Premises,
    PremisesChange,
    PriceObservation,
    Unit,
    User,
    Violation,
    violation_observations,
)
from tracker.services.audit import verify_all
from tracker.services.cases import deadlines_of, money_account
from tracker.services.errors import Conflict, Invalid
from tracker.services.premises import PremisesData, register_premises
from tracker.seed.scale import SCALE_PASSWORD, seed_scale

N = 300
TODAY = date(2024, 6, 28)


def _seeded_app(url, tmp_path, seed=5):
    application = create_app(make_config(url, tmp_path, TRACKER_TODAY=TODAY))
    with application.app_context():
        report = seed_scale(N, seed=seed, today=TODAY)
        db.session.remove()
    application.config["SCALE_REPORT"] = report
    return application


@pytest.fixture(scope="module")
def scale_app(database_factory, tmp_path_factory):
    application = _seeded_app(database_factory(migrated=True), tmp_path_factory.mktemp("scale"))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def scaled(scale_app):
    with scale_app.app_context():
        yield scale_app
        db.session.remove()


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_counts_are_as_asked(scaled):
    report = scaled.config["SCALE_REPORT"]
    assert _count(Inspection) == N == report.rows["inspections"]
    assert _count(Unit) == 3
    assert _count(Premises) >= N // 8
    observations = _count(PriceObservation)
    assert 1.3 * N <= observations <= 2.6 * N
    flagged = db.session.scalar(sa.select(sa.func.count()).where(PriceObservation.flagged.is_(True)))
    assert 0 < flagged < observations / 3
    assert _count(Violation) >= 24 and _count(Case) >= 24
    outcomes = Counter(db.session.scalars(sa.select(Inspection.outcome)))
    assert outcomes.most_common(1)[0][0].value == "no_action"
    for unit in db.session.scalars(sa.select(Unit)):
        roles = Counter(u.role.value for u in db.session.scalars(sa.select(User).where(User.unit_id == unit.id)))
        assert roles["supervisor"] == 3 and roles["officer"] >= 6
    assert db.session.scalar(sa.select(sa.func.count()).where(User.role == "auditor")) == 3
    years = {i.started_at.year for i in db.session.scalars(sa.select(Inspection))}
    assert len(years) >= 4


def test_every_state_with_an_intact_history_ending_in_it(scaled):
    cases = db.session.scalars(sa.select(Case).options(selectinload(Case.events))).all()
    assert {c.state for c in cases} == set(CaseState)
    assert list(verify_all()) == []
    for case in cases:
        assert [e.seq for e in case.events] == list(range(1, len(case.events) + 1))
        assert case.events[0].action == "open" and case.events[0].from_state is None
        assert case.events[-1].to_state == case.state.value, case.number
        assert case.last_step_on.isoformat() == max(e.on for e in case.events)
        ons = [e.on for e in case.events]
        assert ons == sorted(ons) and ons[-1] <= TODAY.isoformat()
        assert case.version == len(case.events)


def test_dates_deadlines_and_money_as_the_case_service_keeps_them(scaled):
    cases = db.session.scalars(sa.select(Case).options(
        selectinload(Case.pauses), selectinload(Case.payments), selectinload(Case.extensions),
        selectinload(Case.appeals))).all()
    for case in cases:
        paused = any(p.ends_on is None for p in case.pauses)
        open_ones = [d for d in deadlines_of(case, TODAY)
                     if d.status.value != "met" and not d.hard and not (paused and d.name == "decision")]
        nearest = min(open_ones, key=lambda d: d.due_on, default=None)
        assert case.next_deadline == (nearest.name if nearest else None), case.number
        assert case.next_due_on == (nearest.due_on if nearest else None)
        if nearest:
            assert case.next_due_soon_on == due_soon_from(nearest.starts_on, nearest.due_on)
        state = case.state
        assert (case.filed_on is not None) == (state not in (CaseState.CLUE, CaseState.NOT_FILED)
                                               and not (state is CaseState.CLOSED and case.declined_on))
        if state in (CaseState.DECIDED, CaseState.DECISION_SERVED, CaseState.ENFORCEMENT):
            assert case.decided_on and case.decided_lines
        if state is CaseState.EXECUTED or (state is CaseState.CLOSED and case.decided_on):
            assert money_account(case, TODAY).settled
        if case.payments:
            assert state in (CaseState.DECISION_SERVED, CaseState.EXECUTED, CaseState.CLOSED)
        if state is CaseState.SUSPENDED:
            assert case.pauses and case.pauses[-1].ends_on is None
        if state is CaseState.CLOSED:
            assert case.closed_on and case.next_deadline is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) > 0


def test_foreign_keys_officers_and_credit_codes_are_valid(scaled):
    users = {u.id: u for u in db.session.scalars(sa.select(User))}
    premises = {p.id: p for p in db.session.scalars(sa.select(Premises))}
    inspections = {i.id: i for i in db.session.scalars(sa.select(Inspection))}
    for inspection in inspections.values():
        assert premises[inspection.premises_id].unit_id == inspection.unit_id
        lead, second = users[inspection.lead_officer_id], users[inspection.second_officer_id]
        assert lead.id != second.id and lead.unit_id == second.unit_id == inspection.unit_id
        assert (inspection.outcome is None) == inspection.is_draft
    for observation in db.session.scalars(sa.select(PriceObservation)):
        assert observation.inspection_id in inspections and observation.recorded_by_id in users
        assert observation.flagged == bool(observation.flags)
    cases = {c.id: c for c in db.session.scalars(sa.select(Case))}
    for violation in db.session.scalars(sa.select(Violation)):
        inspection = inspections[violation.inspection_id]
        assert inspection.outcome.value == "referred"
        if violation.case_id is not None:
            assert cases[violation.case_id].inspection_id == inspection.id
    for violation_id, observation_id in db.session.execute(sa.select(violation_observations)):
        violation = db.session.get(Violation, violation_id)
        assert db.session.get(PriceObservation, observation_id).inspection_id == violation.inspection_id
    for case in cases.values():
        assert premises[case.premises_id].unit_id == case.unit_id
        assert case.number.startswith(db.session.get(Unit, case.unit_id).code)
    for officer in db.session.scalars(sa.select(CaseOfficer)):
        assert users[officer.user_id].unit_id == cases[officer.case_id].unit_id
    actors = {u.username for u in users.values()}
    assert set(db.session.scalars(sa.select(CaseEvent.actor))) <= actors
    kinds = Counter()
    for place in premises.values():
        assert validate_credit_code(place.credit_code) == place.credit_code
        assert suggested_operator_type(place.credit_code) == place.operator_type.value
        kinds[place.operator_type.value] += 1
    assert 0.15 < kinds["individual"] / len(premises) < 0.5


def test_sequences_continue_after_the_seeded_ids(scaled):
    officer = db.session.scalar(sa.select(User).where(User.role == "officer").order_by(User.id))
    last = db.session.scalar(sa.select(sa.func.max(Premises.id)))
    saved = register_premises(officer, PremisesData(name="Fresh Test Pharmacy", kind="pharmacy",
                                                    operator_type="organisation"))
    assert saved.premises.id == last + 1
    # Leave the shared world as it was: the new premises and its first history entry (append-only: by SQL, with
    # PostgreSQL's trigger held for this one statement).
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        db.session.execute(sa.text("ALTER TABLE premises_changes DISABLE TRIGGER premises_changes_append_only"))
    db.session.execute(sa.delete(PremisesChange).where(PremisesChange.premises_id == saved.premises.id))
    if postgresql:
        db.session.execute(sa.text("ALTER TABLE premises_changes ENABLE TRIGGER premises_changes_append_only"))
    db.session.execute(sa.delete(Premises).where(Premises.id == saved.premises.id))
    db.session.commit()


def test_a_second_run_or_bad_input_is_refused(scaled):
    with pytest.raises(Conflict, match="already holds inspections"):
        seed_scale(10, today=TODAY)
    with pytest.raises(Invalid):
        seed_scale(0, today=TODAY)
    with pytest.raises(Invalid):
        seed_scale(10, units=0, today=TODAY)
    assert _count(Inspection) == N


def test_pages_render_over_the_seeded_data(scaled):
    client = scaled.test_client()
    assert login(client, "scale.auditor01", SCALE_PASSWORD).status_code == 302
    longest = db.session.scalar(
        sa.select(CaseEvent.case_id).group_by(CaseEvent.case_id).order_by(sa.func.count().desc()).limit(1))
    some_premises = db.session.scalar(sa.select(sa.func.min(Premises.id)))
    for url in ("/cases/", "/cases/?state=enforcement", "/cases/penalties", "/cases/payments", "/inspections/",
                "/inspections/observations", "/inspections/violations", "/premises/", "/premises/?repeat=1",
                f"/reports/?date_from={TODAY.year - 1}-01-01&date_to={TODAY.isoformat()}", "/reports/queues",
                f"/cases/{longest}", f"/premises/{some_premises}", "/search?q=Pharmacy", "/outcomes/"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    page = client.get(f"/cases/{longest}").get_data(as_text=True)
    assert "intact" in page.lower() or "verif" in page.lower()


def test_the_same_seed_gives_the_same_data(scaled, database_factory, tmp_path):
    other = _seeded_app(database_factory(migrated=True), tmp_path)
    expected = db.session.scalars(sa.select(CaseEvent.hash).order_by(CaseEvent.id)).all()
    with other.app_context():
        assert db.session.scalars(sa.select(CaseEvent.hash).order_by(CaseEvent.id)).all() == expected
        db.session.remove()
        db.engine.dispose()

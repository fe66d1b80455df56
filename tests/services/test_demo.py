"""The demo county loader: what it creates, that it keeps the app's rules, and that a second run changes nothing.

Seeding takes a while (every record goes through the services, one commit each), so the county is seeded
once per module into a database of its own, as of the default date (2020-12-31, as the CLI does); the tests
below only read it, except the re-run, which must change nothing anyway.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tests import factories
from tests.conftest import make_config
from tracker import create_app
from tracker.domain.credit_code import suggested_operator_type, validate_credit_code
from tracker.domain.history import verify_chain
from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import (
    InspectionOutcome,
    InspectionStatus,
    InspectionType,
    PremisesKind,
    PremisesStatus,
    Role,
)
from tracker.extensions import db
from tracker.models import Case, CaseEvent, Inspection, Premises, PriceEmergency, Unit, User, Violation
from tracker.services.cases import deadlines_of, money_account
from tracker.seed.demo import DEMO_PASSWORD, DEMO_TODAY, DemoReport, seed_demo_county
from tracker.services.errors import Conflict
from tracker.services.rulebooks import current_rulebook

STATIONS = ("CG", "BYS", "KZ", "SGZ", "XZ", "MTY")


@pytest.fixture(scope="module")
def demo_app(demo_county, tmp_path_factory):
    """An app on a database of its own for this module: a copy of the county ``seed_demo_county()`` seeded once
    for the run, as of DEMO_TODAY (tests/conftest.py ``demo_county``), with that seeding's report."""
    application = create_app(make_config(demo_county.copy(), tmp_path_factory.mktemp("demo")))
    application.config["DEMO_REPORT"] = demo_county.report
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(demo_app) -> DemoReport:
    """The first run's report, inside an app context on the seeded database."""
    with demo_app.app_context():
        yield demo_app.config["DEMO_REPORT"]
        db.session.remove()


def _count(table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(table))


def _inspections() -> list[Inspection]:
    return db.session.scalars(
        sa.select(Inspection).options(
            selectinload(Inspection.observations), selectinload(Inspection.violations),
            selectinload(Inspection.premises), selectinload(Inspection.lead_officer),
            selectinload(Inspection.second_officer),
        )
    ).all()


def _premises(name: str) -> Premises:
    return db.session.scalars(sa.select(Premises).where(Premises.name.startswith(name))).one()


def test_units_and_accounts_of_every_role(demo):
    assert demo.created
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    assert set(STATIONS) <= set(units)
    assert len(units) >= 8
    assert {unit.timezone for unit in units.values()} == {"Asia/Shanghai"}

    users = {user.username: user for user in db.session.scalars(sa.select(User))}
    assert {(u.username, u.role.value, u.unit.code if u.unit else None) for u in users.values()} == set(demo.accounts)
    assert {user.role for user in users.values()} == set(Role)
    for code in units:
        staff = [u for u in users.values() if u.unit_id == units[code].id]
        assert len([u for u in staff if u.role is Role.OFFICER]) >= 2, code
        assert [u for u in staff if u.role is Role.SUPERVISOR], code
    cg_supervisors = [u for u in users.values() if u.unit_id == units["CG"].id and u.role is Role.SUPERVISOR]
    assert len(cg_supervisors) >= 2
    assert any(u.legal_reviewer for u in cg_supervisors)
    assert all(u.full_name and u.username == u.full_name.lower().replace(" ", ".") for u in users.values())
    assert users["zhang.wei"].check_password(DEMO_PASSWORD)
    assert "units" in demo.summary and "inspections" in demo.summary
    assert f"{_count(Case)} cases" in demo.summary


def test_premises_of_every_kind_with_valid_credit_codes(demo):
    premises = db.session.scalars(sa.select(Premises)).all()
    assert len(premises) >= 150
    assert {p.kind for p in premises} == set(PremisesKind)
    assert {p.unit.code for p in premises} >= set(STATIONS)
    coded = [p for p in premises if p.credit_code]
    assert len(coded) > 0.8 * len(premises)
    for p in coded:
        assert validate_credit_code(p.credit_code) == p.credit_code
        assert suggested_operator_type(p.credit_code) == p.operator_type.value, p.name
    assert len({p.credit_code for p in coded}) == len(coded)
    stalls = [p for p in premises if p.kind in (PremisesKind.MARKET_STALL, PremisesKind.MEAT_VENDOR)]
    assert sum(p.operator_type.value == "individual" for p in stalls) > len(stalls) / 2
    venues = [p for p in premises if p.kind is PremisesKind.ENTERTAINMENT]
    assert {"Hotel", "KTV", "Internet Café", "Mahjong Parlour"} <= {p.name.split(" ", 1)[1] for p in venues}
    # Ordered closed under the closure notice; "closed" once an inspection found the order obeyed.
    assert sum(p.status in (PremisesStatus.ORDERED_CLOSED, PremisesStatus.CLOSED) for p in venues) >= 10
    assert all(p.address and p.phone and p.operator_name for p in premises)


def test_the_emergency(demo):
    emergency = db.session.scalars(sa.select(PriceEmergency)).one()
    assert emergency.starts_on == date(2020, 1, 24)
    assert emergency.baseline_date == date(2020, 1, 19)
    assert {"protective_supplies", "medicine", "meat"} <= set(emergency.categories)


def test_every_inspection_keeps_the_rules(demo):
    inspections = _inspections()
    assert len(inspections) >= 200
    checklist_codes = {item.code for item in current_rulebook().checklist}
    shanghai = ZoneInfo("Asia/Shanghai")
    for inspection in inspections:
        lead, second = inspection.lead_officer, inspection.second_officer
        assert lead.id != second.id
        assert lead.unit_id == second.unit_id == inspection.unit_id == inspection.premises.unit_id
        assert {lead.role, second.role} <= {Role.OFFICER, Role.SUPERVISOR}
        local = inspection.started_at.astimezone(shanghai)
        assert date(2020, 1, 24) <= local.date() <= date(2020, 3, 31)
        assert 8 <= local.hour < 18
        assert inspection.status is InspectionStatus.SUBMITTED
        assert inspection.emergency_id is not None
        assert inspection.checklist and set(inspection.checklist) <= checklist_codes
        assert inspection.notes
        if inspection.outcome is InspectionOutcome.NO_ACTION:
            assert not inspection.violations
            assert not any(o.flagged for o in inspection.observations)
        elif inspection.outcome is InspectionOutcome.CORRECTED:
            assert inspection.reinspect_on == local.date() + timedelta(days=7)
        else:
            assert inspection.violations
    visits = [(i.premises_id, i.started_at.astimezone(shanghai).date()) for i in inspections]
    assert len(set(visits)) == len(visits), "at most one inspection per premises and day"
    assert {i.type for i in inspections} == set(InspectionType)
    assert {i.outcome for i in inspections} == set(InspectionOutcome)
    no_action = [i for i in inspections if i.outcome is InspectionOutcome.NO_ACTION]
    assert len(no_action) > len(inspections) / 2
    assert sum(len(i.observations) for i in no_action) > len(no_action)


@pytest.mark.parametrize("name", ["Kangjian Pharmacy", "Renhe Pharmacy"])
def test_gouging_pharmacies(demo, name):
    pharmacy = _premises(name)
    assert pharmacy.unit.code == "CG" and pharmacy.kind is PremisesKind.PHARMACY
    referred = [i for i in _inspections()
                if i.premises_id == pharmacy.id and i.outcome is InspectionOutcome.REFERRED]
    assert len(referred) == 1
    inspection = referred[0]
    masks = [o for o in inspection.observations if o.commodity.startswith("mask")]
    assert len(masks) == 2
    for observation in masks:
        assert observation.flagged
        assert "baseline_margin" in {flag["test"] for flag in observation.flags}
        assert observation.baseline_price and observation.baseline_cost and observation.quantity_sold
        assert observation.margin_rate > 3 * observation.baseline_margin_rate
        assert observation.estimated_illegal_gains > Decimal(0)
    (violation,) = inspection.violations
    assert violation.code == "price_gouging"
    assert {o.id for o in violation.observations} == {o.id for o in masks}


def test_pork_vendor_ignored_the_price_intervention(demo):
    vendor = _premises("Zhao's Fresh Pork")
    assert vendor.kind is PremisesKind.MEAT_VENDOR
    visits = sorted((i for i in _inspections() if i.premises_id == vendor.id), key=lambda i: i.started_at)
    assert [i.outcome for i in visits] == [InspectionOutcome.CORRECTED, InspectionOutcome.REFERRED]
    (violation,) = visits[-1].violations
    assert violation.code == "emergency_measure_breach"
    (pork,) = violation.observations
    assert pork.commodity == "pork_fresh" and pork.flagged and pork.estimated_illegal_gains > 0


def test_closure_breaches_and_price_marking(demo):
    violations = db.session.scalars(sa.select(Violation).options(selectinload(Violation.inspection))).all()
    codes = [v.code for v in violations]
    assert codes.count("closure_notice_breach") >= 3
    assert codes.count("price_marking") >= 2
    for violation in violations:
        assert violation.legal_basis
        if violation.code == "closure_notice_breach":
            premises = violation.inspection.premises
            assert premises.kind is PremisesKind.ENTERTAINMENT
            assert premises.status is PremisesStatus.ORDERED_CLOSED
            assert violation.inspection.checklist["closure_notice_obeyed"] == "no"
        if violation.code == "price_marking":
            assert violation.observations
            assert all({"unmarked_price", "above_marked_price"} & {f["test"] for f in o.flags}
                       for o in violation.observations)


# ------------------------------------------------------------------------------------------ cases


def _cases() -> list[Case]:
    return db.session.scalars(
        sa.select(Case).order_by(Case.id).options(
            selectinload(Case.events), selectinload(Case.officers), selectinload(Case.violations),
            selectinload(Case.payments), selectinload(Case.appeals), selectinload(Case.pauses),
            selectinload(Case.extensions), selectinload(Case.premises),
        )
    ).all()


def _case_of(name: str) -> Case:
    (case,) = [c for c in _cases() if c.premises.name.startswith(name)]
    return case


def test_cases_in_every_state_with_intact_histories(demo):
    assert DEMO_TODAY == date(2020, 12, 31)
    cases = _cases()
    assert {case.state for case in cases} == set(CaseState)
    for case in cases:
        items = [event.as_item() for event in case.events]
        assert verify_chain(items) == [], case.number
        assert items[0]["action"] == "open" and items[-1]["to_state"] == case.state.value
        days = [date.fromisoformat(item["on"]) for item in items]
        assert days == sorted(days) and days[0] == case.clue_on and days[-1] <= DEMO_TODAY, case.number
        assert date(2020, 1, 24) <= case.clue_on and case.number.startswith(f"{case.unit.code}-2020-")
    assert db.session.scalar(sa.select(sa.func.count(CaseEvent.id))) == sum(len(c.events) for c in cases)
    assert all(v.case_id for v in db.session.scalars(sa.select(Violation)))  # every violation is in a case
    assert any(c.complaint and c.inspection_id is None for c in cases)


def test_several_cases_are_overdue(demo):
    overdue = {case.number: [d.name for d in deadlines_of(case, DEMO_TODAY) if d.status.value == "overdue"]
               for case in _cases()}
    overdue = {number: names for number, names in overdue.items() if names}
    assert len(overdue) >= 3
    names = {name for names in overdue.values() for name in names}
    assert {"filing", "decision_service", "decision", "payment"} <= names
    # A closed case has nothing left running late (terminated and simplified cases included).
    closed = [case for case in _cases() if case.state.value == "closed"]
    assert closed and not [
        (case.number, d.name) for case in closed for d in deadlines_of(case, DEMO_TODAY) if d.status.value == "overdue"
    ]


def test_four_eyes_and_roles_in_every_case(demo):
    users = {user.username: user for user in db.session.scalars(sa.select(User))}
    supervisor_actions = {"file", "decline", "mark_major", "suspend", "resume", "terminate", "transfer",
                          "approve_penalty", "return", "decide", "apply_enforcement", "close", "extend_deadline"}
    for case in _cases():
        officers = {officer.user.username for officer in case.officers}
        proposer = None
        for event in case.events:
            actor = users[event.actor]
            assert actor.unit_id == case.unit_id
            if event.action in supervisor_actions:
                assert actor.role is Role.SUPERVISOR, (case.number, event.action)
            if event.action == "propose_penalty":
                proposer = event.actor
                assert event.actor in officers
            if event.action in ("approve_penalty", "decide"):
                assert event.actor not in officers and event.actor != proposer, (case.number, event.action)
            if event.action == "approve_penalty" and case.major:
                assert actor.legal_reviewer
            if event.action == "decide" and case.major:
                assert len(event.data["collective_discussion"]["participants"]) >= 2
            if event.action in ("serve_notice", "serve_decision", "record_payment"):
                assert actor.role is Role.OFFICER


def test_the_gouging_pharmacies_cases(demo):
    kangjian = _case_of("Kangjian Pharmacy")
    assert kangjian.state is CaseState.CLOSED and kangjian.major
    (violation,) = kangjian.violations
    gains = sum(o.estimated_illegal_gains for o in violation.observations)
    lines = {line["kind"]: Decimal(line["amount"]) for line in kangjian.decided_lines}
    assert lines["confiscation"] == gains and 0 < lines["fine"] <= 5 * gains
    paid = money_account(kangjian, DEMO_TODAY)
    assert paid.settled and paid.surcharge == 0 and paid.paid == gains + lines["fine"]

    renhe = _case_of("Renhe Pharmacy")
    assert renhe.hearing_right and renhe.operator_type.value == "individual"
    assert ["request_hearing", "hold_hearing", "decide"] == [
        e.action for e in renhe.events if e.action in ("request_hearing", "hold_hearing", "decide")]
    decided = {line["kind"]: Decimal(line["amount"]) for line in renhe.decided_lines}
    approved = {line["kind"]: Decimal(line["amount"]) for line in renhe.approved_lines}
    assert decided["confiscation"] == approved["confiscation"] and decided["fine"] < approved["fine"]
    assert renhe.state is CaseState.DECISION_SERVED
    (payment,) = renhe.payments
    assert payment.on > renhe.payment_due_on
    account = money_account(renhe, payment.on)
    assert account.surcharge > 0 and account.due > 0


def test_the_pork_vendor_and_the_closures(demo):
    pork = _case_of("Zhao's Fresh Pork")
    assert [v.code for v in pork.violations] == ["emergency_measure_breach"]
    assert pork.decided_on and pork.decision_served_on and pork.state is CaseState.ENFORCEMENT
    assert money_account(pork, DEMO_TODAY).due > 0

    closures = [c for c in _cases() if any(v.code == "closure_notice_breach" for v in c.violations)]
    decided = [c for c in closures if c.decided_lines]
    assert len(decided) >= 3
    for case in decided:
        assert "closure" in {line["kind"] for line in case.decided_lines}
        assert case.premises.status is PremisesStatus.ORDERED_CLOSED
        assert case.hearing_right


def test_simplified_procedure_and_an_appeal(demo):
    (simplified,) = [c for c in _cases() if c.simplified]
    assert [e.action for e in simplified.events][:2] == ["open", "decide_on_the_spot"]
    (line,) = simplified.decided_lines
    limit = Decimal("200") if simplified.operator_type.value == "individual" else Decimal("3000")
    assert line["kind"] == "warning" or (line["kind"] == "fine" and Decimal(line["amount"]) <= limit)
    assert simplified.decided_on == simplified.decision_served_on == simplified.clue_on
    appeals = [appeal for case in _cases() for appeal in case.appeals]
    assert appeals and {appeal.outcome for appeal in appeals} <= {"pending", "varied"}


def test_a_second_run_changes_nothing(demo):
    before = {table.name: _count(table) for table in db.metadata.sorted_tables}
    again = seed_demo_county()
    assert not again.created
    assert again.accounts == demo.accounts
    assert again.summary == demo.summary
    assert {table.name: _count(table) for table in db.metadata.sorted_tables} == before


def test_refuses_to_mix_with_existing_accounts(app):
    factories.user("officer", factories.unit("ZZ"), "zhang.wei")
    with pytest.raises(Conflict, match="zhang.wei"):
        seed_demo_county()
    assert _count(Unit) == 1


def test_an_earlier_date_stops_the_story_there(app):
    seed_demo_county(today=date(2020, 2, 5))
    shanghai = ZoneInfo("Asia/Shanghai")
    inspections = db.session.scalars(sa.select(Inspection)).all()
    assert inspections and max(i.started_at.astimezone(shanghai).date() for i in inspections) <= date(2020, 2, 5)
    events = db.session.scalars(sa.select(CaseEvent)).all()
    assert events and max(e.on for e in events) <= "2020-02-05"
    assert {case.state for case in db.session.scalars(sa.select(Case))} <= {CaseState.CLUE, CaseState.INVESTIGATING}

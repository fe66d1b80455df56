"""The case service: every action through one function, with its guards, four-eyes and history."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.cases_helpers import TODAY, CaseWorld
from tracker.domain.history import verify_chain
from tracker.extensions import db
from tracker.models import CaseEvent
from tracker.services.cases import allowed_actions, deadlines_of, money_account, open_case, run_action
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound


@pytest.fixture
def world(app):
    return CaseWorld()


def test_case_is_numbered_per_unit_and_year_with_its_officers(world):
    case = world.open()
    assert case.number == "CG-2020-0001" and case.state.value == "clue"
    assert {o.user.username for o in case.officers} == {"zhang.wei", "li.na"}
    assert case.premises_snapshot["name"] == "Kangjian Pharmacy"
    assert [v.id for v in case.violations] == [world.violation.id]
    with pytest.raises(Invalid):  # each violation belongs to at most one case
        world.open()


def test_complaint_opens_a_case_without_inspection(world):
    case = open_case(world.officer, premises_id=world.pharmacy.id, complaint="Masks at 10 yuan", received_on="2020-02-01", today=TODAY)
    assert case.clue_on == date(2020, 2, 1) and case.inspection is None
    with pytest.raises(Invalid):
        open_case(world.officer, premises_id=world.pharmacy.id, complaint="", received_on="2020-02-01", today=TODAY)
    with pytest.raises(Invalid):
        open_case(world.officer, premises_id=world.pharmacy.id, complaint="x", received_on="2030-01-01", today=TODAY)


def test_full_walk_to_closed_with_an_intact_history(world):
    case = world.to_state("decision_served")
    assert case.state.value == "decision_served"
    assert case.payment_due_on is not None
    due = money_account(case, case.payment_due_on).due
    assert due == Decimal("8060.00")
    world.act(world.officer, case, "record_payment", on=case.payment_due_on.isoformat(), amount="8060.00", receipt="R-1")
    assert case.state.value == "executed"
    world.act(world.supervisor, case, "close", on=case.payment_due_on.isoformat())
    assert case.state.value == "closed"
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert [e.action for e in events] == [
        "open", "file", "propose_penalty", "approve_penalty", "serve_notice", "decide", "serve_decision",
        "record_payment", "close",
    ]
    assert verify_chain([e.as_item() for e in events]) == []


def test_four_eyes_on_approval(world):
    case = world.to_state("investigating")
    with pytest.raises(Forbidden):  # the filing supervisor is not a case officer, so does not propose
        world.act(world.supervisor, case, "propose_penalty", on="2020-03-02", lines=[{"kind": "fine", "amount": "6000.00"}])
    world.act(world.officer, case, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
              lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}])
    with pytest.raises(Forbidden):
        world.act(world.officer2, case, "approve_penalty", on="2020-03-03")  # an officer
    world.act(world.supervisor2, case, "return", on="2020-03-03", reason="Recheck the gains")
    world.act(world.supervisor, case, "extend_deadline", on="2020-03-03", deadline="decision", days=10, reason="complex")
    assert case.state.value == "investigating"


def test_proposer_and_inspecting_supervisor_cannot_approve(world):
    from tests.factories import inspection as make_inspection
    from tracker.services import inspections as svc

    # The supervisor took part in the inspection as second officer.
    record = make_inspection(world.officer, world.supervisor, world.pharmacy, world.outbreak)
    svc.record_violation(world.officer, record, "price_marking")
    svc.submit_inspection(world.officer, record, "referred")
    case = open_case(world.officer, inspection_id=record.id, today=TODAY)
    world.act(world.supervisor2, case, "file", on="2020-02-10", officers=[world.officer.username, world.supervisor.username])
    world.act(world.supervisor, case, "propose_penalty", on="2020-02-20", lines=[{"kind": "fine", "amount": "2000.00"}])
    with pytest.raises(Forbidden) as refused:
        world.act(world.supervisor, case, "approve_penalty", on="2020-02-21")
    assert "proposed themselves" in str(refused.value)
    assert "approve_penalty" not in allowed_actions(case, world.supervisor)
    assert "approve_penalty" in allowed_actions(case, world.supervisor2)
    world.act(world.supervisor2, case, "approve_penalty", on="2020-02-21")
    assert case.state.value == "penalty_approved"


def test_major_case_needs_legal_reviewer_and_collective_discussion(world):
    case = world.to_state("clue")
    world.act(world.supervisor2, case, "mark_major", on="2020-02-06", reason="Public interest")
    world.act(world.supervisor2, case, "file", on="2020-02-10", officers=[world.officer.username, world.officer2.username])
    world.act(world.officer, case, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
              lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}])
    with pytest.raises(Forbidden) as refused:
        world.act(world.supervisor2, case, "approve_penalty", on="2020-03-04")
    assert "legal-review" in str(refused.value)
    world.act(world.reviewer, case, "approve_penalty", on="2020-03-04")
    world.act(world.officer, case, "serve_notice", on="2020-03-05")
    with pytest.raises(Invalid) as refused:
        world.act(world.supervisor2, case, "decide", on="2020-03-13")
    assert "collective" in str(refused.value)
    world.act(world.supervisor2, case, "decide", on="2020-03-13",
              collective_discussion={"on": "2020-03-12", "participants": [world.supervisor2.username, world.reviewer.username]})
    assert case.state.value == "decided"


def test_wrong_state_is_a_conflict_and_other_units_see_nothing(world):
    case = world.open()
    with pytest.raises(Conflict):
        world.act(world.officer, case, "serve_notice", on="2020-02-10")
    with pytest.raises(NotFound):
        world.act(world.other_officer, case, "file", on="2020-02-10")
    with pytest.raises(Forbidden):
        world.act(world.auditor, case, "file", on="2020-02-10")
    with pytest.raises(NotFound):
        world.act(world.supervisor, case, "fly_away")


def test_step_dates_never_in_the_future_nor_before_the_previous_step(world):
    case = world.open()
    with pytest.raises(Invalid):
        world.act(world.supervisor, case, "file", on="2021-01-05", officers=["zhang.wei", "li.na"])  # after TODAY
    with pytest.raises(Invalid):
        world.act(world.supervisor, case, "file", on="2020-02-01", officers=["zhang.wei", "li.na"])  # before the clue
    with pytest.raises(Invalid):
        world.act(world.supervisor, case, "file", on="2020-02-10", officers=["zhang.wei"])  # one officer


def test_time_barred_filing_is_refused(world):
    case = world.open()
    with pytest.raises(Invalid) as refused:
        world.act(world.supervisor, case, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], act_on="2017-06-01")
    assert "time-barred" in str(refused.value)
    world.act(world.supervisor, case, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], act_on="2017-06-01", harm_to_safety=True)


def test_late_filing_needs_a_reason_and_is_flagged(world):
    case = world.open()  # clue 2020-02-05: filing due 15 working days later
    with pytest.raises(Invalid) as refused:
        world.act(world.supervisor, case, "file", on="2020-04-01", officers=["zhang.wei", "li.na"])
    assert "reason" in refused.value.errors
    world.act(world.supervisor, case, "file", on="2020-04-01", officers=["zhang.wei", "li.na"], reason="Staff ill")
    assert case.flagged_for_audit
    assert case.events[-1].data["late"]["deadline"] == "filing"


def test_penalty_outside_range_needs_departure_reason(world):
    case = world.to_state("investigating")
    with pytest.raises(Invalid) as refused:
        world.act(world.officer, case, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
                  lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "50000.00"}])
    assert "departure_reason" in refused.value.errors
    world.act(world.officer, case, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
              lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "50000.00"}],
              departure_reason="Repeated after warning (PVP 17)")
    assert case.flagged_for_audit
    assert not case.hearing_right  # 52,060 is below the organisation threshold of 100,000


def test_hearing_right_window_and_host(world):
    case = world.to_state("investigating")
    world.act(world.officer, case, "propose_penalty", on="2020-03-02",
              lines=[{"kind": "fine", "amount": "150000.00"}])
    world.act(world.supervisor2, case, "approve_penalty", on="2020-03-04")
    world.act(world.officer, case, "serve_notice", on="2020-03-05")
    assert case.hearing_right
    with pytest.raises(Invalid):  # 5 working days after 2020-03-05 is 2020-03-12
        world.act(world.officer, case, "request_hearing", on="2020-03-13")
    world.act(world.officer, case, "request_hearing", on="2020-03-12")
    with pytest.raises(Invalid):  # the host is a supervisor
        world.act(world.officer, case, "hold_hearing", on="2020-03-20", host=world.officer.username, report="x")
    with pytest.raises(Invalid):
        world.act(world.officer, case, "hold_hearing", on="2020-03-20", host=world.supervisor2.username, report="")
    world.act(world.officer, case, "hold_hearing", on="2020-03-20", host=world.supervisor2.username, report="Party heard")
    world.act(world.supervisor2, case, "decide", on="2020-03-23", lines=[{"kind": "fine", "amount": "120000.00"}])
    assert case.decided_lines == [{"kind": "fine", "amount": "120000.00"}]


def test_no_hearing_without_the_right_and_no_heavier_decision(world):
    case = world.to_state("notice_served")
    assert not case.hearing_right
    with pytest.raises(Invalid):
        world.act(world.officer, case, "request_hearing", on="2020-03-06")
    with pytest.raises(Invalid) as refused:  # statement window: until 2020-03-12
        world.act(world.supervisor2, case, "decide", on="2020-03-12")
    assert "2020-03-12" in str(refused.value)
    with pytest.raises(Invalid):
        world.act(world.supervisor2, case, "decide", on="2020-03-13",
                  lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "9000.00"}])
    with pytest.raises(Forbidden):  # officers never decide
        world.act(world.officer, case, "decide", on="2020-03-13")
    world.act(world.supervisor2, case, "decide", on="2020-03-06", waived=True)
    assert case.state.value == "decided"


def test_partial_payments_and_the_late_surcharge(world):
    case = world.to_state("decision_served")
    due_on = case.payment_due_on
    late = due_on.toordinal() + 2
    pay_on = date.fromordinal(late)
    world.act(world.officer, case, "record_payment", on=pay_on.isoformat(), amount="1000.00", today=pay_on)
    balance = money_account(case, pay_on)
    # Two days late on a fine of 6,000: surcharge 2 x 3 % x 6,000 = 360.
    assert balance.surcharge == Decimal("360.00")
    assert balance.paid_fine == Decimal("1000.00")
    assert case.state.value == "decision_served"
    with pytest.raises(Invalid):
        world.act(world.officer, case, "record_payment", on=pay_on.isoformat(), amount="99999.00", today=pay_on)


def test_appeal_annulled_withdraws_the_decision(world):
    case = world.to_state("decision_served")
    world.act(world.officer, case, "record_appeal", on="2020-04-01", kind="reconsideration")
    assert case.appeals[0].outcome == "pending"
    world.act(world.supervisor, case, "record_appeal", reference="(2020)JF-17", on="2020-05-20", kind="reconsideration", outcome="annulled", outcome_on="2020-05-20")
    assert case.state.value == "terminated" and case.withdrawn_on == date(2020, 5, 20)
    world.act(world.supervisor, case, "close", on="2020-05-21")


def test_appeal_varied_records_the_new_penalty(world):
    case = world.to_state("decision_served")
    world.act(world.supervisor, case, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied", outcome_on="2020-06-01",
              lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "3000.00"}])
    assert case.decided_lines[1]["amount"] == "3000.00"


def test_warning_is_executed_on_service(world):
    from tests.factories import inspection as make_inspection
    from tracker.services import inspections as svc

    record = make_inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    svc.record_violation(world.officer, record, "records_refusal")
    svc.submit_inspection(world.officer, record, "referred")
    case = open_case(world.officer, inspection_id=record.id, today=TODAY)
    world.act(world.supervisor, case, "file", on="2020-02-10", officers=["zhang.wei", "li.na"])
    world.act(world.officer, case, "propose_penalty", on="2020-02-20", lines=[{"kind": "warning"}])
    world.act(world.supervisor2, case, "approve_penalty", on="2020-02-21")
    world.act(world.officer, case, "serve_notice", on="2020-02-21")
    world.act(world.supervisor2, case, "decide", on="2020-03-02")
    world.act(world.officer, case, "serve_decision", on="2020-03-03")
    assert case.state.value == "executed" and case.published_on is None


def test_stale_version_is_a_conflict(world):
    case = world.open()
    with pytest.raises(Conflict):
        run_action(world.supervisor, case, "file", {"on": "2020-02-10", "officers": ["zhang.wei", "li.na"]},
                   expected_version=case.version + 1, today=TODAY)


def test_deadlines_show_on_the_case(world):
    case = world.to_state("investigating")
    names = {d.name: d for d in deadlines_of(case, TODAY)}
    assert names["filing"].status.value == "met"
    assert names["decision"].status.value == "overdue"
    assert case.next_deadline == "decision"


def test_a_case_ended_without_decision_stops_the_decision_clock(world):
    case = world.to_state("investigating")
    world.act(world.supervisor, case, "terminate", on="2020-03-01", reason="Not established")
    world.act(world.supervisor, case, "close", on="2020-03-02")
    assert all(d.status.value == "met" for d in deadlines_of(case, TODAY))
    assert case.next_deadline is None


def test_simplified_case_is_on_file_at_once_and_commits_once(world):
    from tests.factories import inspection as make_inspection
    from tracker.models import Case
    from tracker.services import inspections as svc
    from tracker.services.cases import decide_on_the_spot

    record = make_inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    svc.record_violation(world.officer, record, "price_marking")
    svc.submit_inspection(world.officer, record, "referred")
    with pytest.raises(Invalid):  # before the inspection day: nothing is written
        decide_on_the_spot(world.officer, record.id, [{"kind": "warning"}], on="2020-02-01", today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    case = decide_on_the_spot(world.officer, record.id, [{"kind": "warning"}], on="2020-02-05", today=TODAY)
    assert case.state.value == "executed" and case.filed_on == date(2020, 2, 5)
    assert not [d for d in deadlines_of(case, TODAY) if d.status.value == "overdue" and d.name != "closing"]


def test_a_refused_action_leaves_nothing_half_written(world):
    from tracker.models import Appeal

    case = world.to_state("decision_served")
    with pytest.raises(Invalid):  # the outcome date lies before the lodging: refused after the appeal was built
        world.act(world.officer, case, "record_appeal", on="2020-04-01", kind="lawsuit", outcome="upheld", outcome_on="2020-03-01")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 0
    assert [e.action for e in case.events][-1] == "serve_decision"


def test_a_decided_closure_orders_the_premises_closed_as_a_version_in_its_history(app):
    """A case that decides a closure changes the premises' status through its history (source "case"), at the
    action's one commit, like any other change of the record."""
    from tests.api.test_outcomes_api import served_case
    from tracker.domain.vocabulary import PremisesStatus
    from tracker.models import PremisesChange

    app.config["TRACKER_TODAY"] = TODAY
    world = CaseWorld()
    version = world.pharmacy.version
    case = served_case(world, world.pharmacy, "closure_notice_breach", [{"kind": "closure"}, {"kind": "warning"}])
    db.session.expire_all()
    assert case.premises.status is PremisesStatus.ORDERED_CLOSED
    changes = db.session.scalars(sa.select(PremisesChange).where(PremisesChange.premises_id == case.premises_id)
                                 .order_by(PremisesChange.version)).all()
    closing = [c for c in changes if c.source == "case"]
    assert len(closing) == 1 and closing[0].changes == {"status": ["active", "ordered_closed"]}
    assert closing[0].version == case.premises.version > version
    decided = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "decide"))
    assert closing[0].changed_by.username == decided.actor

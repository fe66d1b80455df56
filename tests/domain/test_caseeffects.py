"""What each case action does, checked without an app or a database (tracker/domain/caseeffects.py): from a case's
facts, the typed command and the step, the target state, the field changes, the event data (keys in order: they are
hashed into the history) and what else is added, or the refusal naming the rule."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain import caseeffects as fx
from tracker.domain.commands import (
    ApplyEnforcement,
    Command,
    Decide,
    Discussion,
    ExtendDeadline,
    FileCase,
    HoldHearing,
    ProposePenalty,
    RecordAppeal,
    RecordPayment,
    Serve,
    Transfer,
)
from tracker.domain.deadlines import CaseDates
from tracker.domain.lifecycle import CaseAction as A, CaseState as S, GuardFailed, NotPermitted, WrongState
from tracker.domain.penalties import PaymentIn, parse_penalty


def penalty(*lines):
    return parse_penalty([dict(zip(("kind", "amount"), line)) for line in lines])


FINE = penalty(("fine", "6000.00"), ("confiscation", "2060.00"))
WARNING = penalty(("warning",))
CLOSURE = penalty(("closure",))
CLUE_ON = date(2020, 1, 27)
SERVED = date(2020, 3, 16)  # the decision served: the fine falls due 15 days later, on 2020-03-31
PEOPLE = {"zhang.wei": (8, "zhang.wei"), "li.na": (9, "li.na"), "zhou.qiang": (5, "zhou.qiang"),
          "wu.min": (6, "wu.min"), "nobody": None}


@pytest.fixture
def step(cn):
    """A step on 2020-02-04 by user 5, under the cn-samr rulebook, with the unit's people looked up."""
    return fx.Step(actor_id=5, on=date(2020, 2, 4), today=date(2020, 12, 31), rulebook=cn, people=PEOPLE)


def facts(state: S, **values) -> fx.CaseFacts:
    dates = values.pop("dates", {})
    return fx.CaseFacts(state=state, dates=CaseDates(clue_on=CLUE_ON, **dates), operator_type="individual", **values)


def served(**values) -> fx.CaseFacts:
    """A case whose fine was decided on 2020-03-10 and served on 2020-03-16, due on 2020-03-31."""
    dates = dict(filed_on=date(2020, 2, 4), notice_served_on=date(2020, 3, 2), decided_on=date(2020, 3, 10),
                 decision_served_on=SERVED, published_on=SERVED, has_money=True, publishable=True)
    return facts(values.pop("state", S.DECISION_SERVED), dates=dates, decided=values.pop("decided", FINE),
                 approved=FINE, payment_due_on=date(2020, 3, 31), **values)


def test_every_action_has_its_effect():
    assert set(fx.ACTIONS) == set(A)


# ------------------------------------------------------------------------------------------ filing


def test_filing_names_the_officers_and_adds_the_new_ones(step):
    case = facts(S.CLUE, officer_ids=frozenset({8, 9}))
    effect = fx.file_case(case, FileCase(officers=("zhang.wei", "zhou.qiang", "wu.min", "zhou.qiang")), step)
    assert effect.target is S.INVESTIGATING
    assert effect.changes == {"act_on": CLUE_ON, "harm_to_safety": False, "filed_on": date(2020, 2, 4)}
    assert list(effect.event.items()) == [
        ("officers", ["zhang.wei", "zhou.qiang", "wu.min", "zhou.qiang"]), ("act_on", "2020-01-27"),
        ("harm_to_safety", False)]
    assert effect.officers == (5, 6)  # the inspectors are officers already; each new one once


def test_filing_refuses_unknown_missing_or_too_few_officers(step):
    case = facts(S.CLUE)
    with pytest.raises(GuardFailed, match="'nobody' is not an active officer or supervisor") as refusal:
        fx.file_case(case, FileCase(officers=("zhang.wei", "nobody")), step)
    assert refusal.value.field == "officers"
    with pytest.raises(GuardFailed, match="Name at least two officers"):
        fx.file_case(case, FileCase(officers=()), step)
    with pytest.raises(GuardFailed, match="At least 2 different officers"):
        fx.file_case(case, FileCase(officers=("li.na", "li.na")), step)
    with pytest.raises(GuardFailed, match="time-barred") as refusal:
        fx.file_case(case, FileCase(officers=("li.na", "wu.min"), act_on=date(2017, 1, 1)), step)
    assert refusal.value.rule == "limitation"


def test_ending_without_a_decision(step):
    case = facts(S.INVESTIGATING)
    assert fx.decline(facts(S.CLUE), Command(), step) == fx.Effect(
        S.NOT_FILED, {"declined_on": step.on, "closable_on": step.on})
    assert fx.terminate(case, Command(), step) == fx.Effect(S.TERMINATED, {"closable_on": step.on})
    transferred = fx.transfer(case, Transfer(to="judiciary"), step)
    assert (transferred.target, dict(transferred.changes), dict(transferred.event)) == (
        S.TRANSFERRED, {"closable_on": step.on}, {"to": "judiciary"})


def test_marking_major_once(step):
    effect = fx.mark_major(facts(S.CLUE), Command(), step)
    assert (effect.target, dict(effect.changes), dict(effect.event)) == (None, {"major": True}, {"major": True})
    with pytest.raises(WrongState, match="already marked major"):
        fx.mark_major(facts(S.CLUE, major=True), Command(), step)


def test_suspending_and_resuming_open_and_end_a_pause(step):
    assert fx.suspend(facts(S.INVESTIGATING), Command(), step) == fx.Effect(
        S.SUSPENDED, pause=fx.NewPause("suspension", step.on))
    assert fx.resume(facts(S.SUSPENDED), Command(), step) == fx.Effect(
        S.INVESTIGATING, pause_ends=fx.PauseEnd("suspension", step.on))


# ------------------------------------------------------------------------------------------ proposal


def test_a_proposal_within_the_range(step):
    case = facts(S.INVESTIGATING, violation_codes=("price_marking",))
    effect = fx.propose_penalty(case, ProposePenalty(lines=penalty(("fine", "3000.00")), report="seen"), step)
    assert effect.target is S.PENALTY_PROPOSED
    assert effect.changes == {
        "proposed_lines": [{"kind": "fine", "amount": "3000.00"}], "proposed_by_id": 5, "proposed_on": step.on,
        "approved_lines": None, "approved_by_id": None, "reviewed_on": None, "severity": "ordinary",
        "illegal_gains": None, "departure_reason": None, "hearing_right": False,
    }
    assert list(effect.event.items()) == [
        ("lines", [{"kind": "fine", "amount": "3000.00"}]), ("severity", "ordinary"), ("illegal_gains", None),
        ("within_range", True), ("problems", []), ("hearing_right", False), ("report", "seen")]


def test_a_proposal_outside_the_range_needs_a_reason_and_is_flagged_for_audit(step):
    case = facts(S.INVESTIGATING, violation_codes=("price_marking",))
    heavy = penalty(("fine", "8000.00"))
    with pytest.raises(fx.OutsideRange, match="outside the rulebook's range") as refusal:
        fx.propose_penalty(case, ProposePenalty(lines=heavy), step)
    assert refusal.value.field == "departure_reason" and refusal.value.problems
    effect = fx.propose_penalty(case, ProposePenalty(lines=heavy, departure_reason="repeated", severity="ordinary",
                                                     illegal_gains=Decimal("100")), step)
    assert effect.changes["flagged_for_audit"] is True and effect.changes["departure_reason"] == "repeated"
    assert effect.event["within_range"] is False and effect.event["problems"]
    assert effect.event["illegal_gains"] == "100.00"
    assert list(effect.event)[-1] == "departure_reason"
    with pytest.raises(GuardFailed, match="Record at least one violation code"):
        fx.propose_penalty(facts(S.INVESTIGATING), ProposePenalty(lines=heavy), step)


def test_approving_takes_the_proposed_lines_as_stored(step):
    stored = [{"kind": "fine", "amount": "3000.00"}]
    effect = fx.approve_penalty(facts(S.PENALTY_PROPOSED, proposed_lines=stored), Command(), step)
    assert effect.target is S.PENALTY_APPROVED
    assert effect.changes == {"approved_lines": stored, "approved_by_id": 5, "reviewed_on": step.on}
    assert effect.event == {"lines": stored}
    assert fx.return_proposal(facts(S.PENALTY_PROPOSED), Command(), step) == fx.Effect(
        S.INVESTIGATING, {"reviewed_on": step.on})


# ------------------------------------------------------------------------------------------ notice and hearing


def test_the_notice_and_the_hearing(cn):
    notice_on = date(2020, 3, 2)
    case = facts(S.NOTICE_SERVED, hearing_right=True, officer_ids=frozenset({8, 9}),
                 dates={"notice_served_on": notice_on})
    at = fx.Step(5, notice_on, date(2020, 12, 31), cn, PEOPLE)
    noticed = fx.serve_notice(replace(case, state=S.PENALTY_APPROVED), Serve(method="post"), at)
    assert (noticed.target, dict(noticed.changes), list(noticed.event.items())) == (
        S.NOTICE_SERVED, {"notice_served_on": notice_on}, [("method", "post"), ("hearing_right", True)])
    requested = fx.request_hearing(case, Command(), replace(at, on=date(2020, 3, 6)))
    assert requested == fx.Effect(S.HEARING_REQUESTED, pause=fx.NewPause("hearing", date(2020, 3, 6)))
    with pytest.raises(GuardFailed, match="window closed on"):
        fx.request_hearing(case, Command(), replace(at, on=date(2020, 3, 20)))
    with pytest.raises(GuardFailed, match="no hearing right"):
        fx.request_hearing(replace(case, hearing_right=False), Command(), at)
    held = fx.hold_hearing(case, HoldHearing(host="zhou.qiang", report="heard"), replace(at, on=date(2020, 3, 12)))
    assert held.target is S.HEARING_HELD and held.pause_ends == fx.PauseEnd("hearing", date(2020, 3, 12))
    assert list(held.event.items()) == [("host", "zhou.qiang"), ("report", "heard")]
    with pytest.raises(NotPermitted, match="not a case officer"):
        fx.hold_hearing(case, HoldHearing(host="li.na", report="heard"), at)
    with pytest.raises(GuardFailed, match="'nobody' is not an active") as refusal:
        fx.hold_hearing(case, HoldHearing(host="nobody", report="heard"), at)
    assert refusal.value.field == "host"


# ------------------------------------------------------------------------------------------ decision


def decided_case(**values):
    return facts(S.NOTICE_SERVED, approved=values.pop("approved", FINE), dates={"notice_served_on": date(2020, 3, 2)},
                 **values)


def test_deciding_after_the_statement_window_or_its_waiver(cn):
    at = fx.Step(5, date(2020, 3, 10), date(2020, 12, 31), cn, PEOPLE)
    effect = fx.decide(decided_case(), Decide(), at)
    assert effect.target is S.DECIDED and not effect.premises_closed
    assert effect.changes == {"waived": False, "decided_lines": FINE.to_json(), "decided_on": at.on}
    assert list(effect.event.items()) == [("waived", False), ("lines", FINE.to_json())]
    with pytest.raises(GuardFailed, match="may state and defend until"):
        fx.decide(decided_case(), Decide(), replace(at, on=date(2020, 3, 3)))
    lowered = fx.decide(decided_case(), Decide(waived=True, lines=penalty(("fine", "5000.00"))),
                        replace(at, on=date(2020, 3, 3)))
    assert lowered.changes["decided_lines"] == [{"kind": "fine", "amount": "5000.00"}]
    with pytest.raises(GuardFailed, match="never raise it"):
        fx.decide(decided_case(), Decide(lines=penalty(("fine", "9000.00"))), at)


def test_a_decided_closure_orders_the_premises_closed(cn):
    at = fx.Step(5, date(2020, 3, 10), date(2020, 12, 31), cn, PEOPLE)
    assert fx.decide(decided_case(approved=CLOSURE), Decide(), at).premises_closed


def test_a_major_case_records_the_collective_discussion(cn):
    at = fx.Step(5, date(2020, 3, 10), date(2020, 12, 31), cn, PEOPLE)
    with pytest.raises(GuardFailed, match="collective discussion"):
        fx.decide(decided_case(major=True), Decide(), at)
    discussion = Discussion(date(2020, 3, 9), ("wu.min", "zhou.qiang", "wu.min"))
    effect = fx.decide(decided_case(major=True), Decide(collective_discussion=discussion), at)
    assert list(effect.event.items())[0] == (
        "collective_discussion", {"on": "2020-03-09", "participants": ["wu.min", "zhou.qiang"]})
    assert list(effect.event) == ["collective_discussion", "waived", "lines"]
    with pytest.raises(GuardFailed, match="At least 2 participants"):
        fx.decide(decided_case(major=True), Decide(collective_discussion=Discussion(date(2020, 3, 9), ("wu.min",))), at)
    with pytest.raises(GuardFailed, match="'nobody' is not an active") as refusal:
        fx.decide(decided_case(major=True),
                  Decide(collective_discussion=Discussion(date(2020, 3, 9), ("wu.min", "nobody"))), at)
    assert refusal.value.field == "collective_discussion.participants"


def test_serving_a_decision(cn):
    at = fx.Step(5, SERVED, date(2020, 12, 31), cn)
    fine = fx.serve_decision(facts(S.DECIDED, decided=FINE), Serve(method="post"), at)
    assert fine.target is S.DECISION_SERVED
    assert fine.changes == {"decision_served_on": SERVED, "published_on": SERVED, "payment_due_on": date(2020, 3, 31)}
    assert list(fine.event.items()) == [("method", "post"), ("payment_due_on", "2020-03-31")]


def test_a_warning_served_is_executed_and_not_published(cn):
    at = fx.Step(5, SERVED, date(2020, 12, 31), cn)
    warning = fx.serve_decision(facts(S.DECIDED, decided=WARNING), Serve(), at)
    assert warning.target is S.EXECUTED
    assert warning.changes == {"decision_served_on": SERVED, "settled_on": SERVED, "closable_on": SERVED}
    assert warning.event == {"method": "in_person"}
    closure = fx.serve_decision(facts(S.DECIDED, decided=CLOSURE), Serve(), at)
    assert closure.target is S.EXECUTED and closure.changes["published_on"] == SERVED


# ------------------------------------------------------------------------------------------ money


def test_a_part_payment_leaves_the_case_served(cn):
    at = fx.Step(6, date(2020, 3, 20), date(2020, 12, 31), cn)
    effect = fx.record_payment(served(), RecordPayment(amount=Decimal("1000"), receipt="R-1"), at)
    assert effect.target is S.DECISION_SERVED and effect.changes == {}
    assert list(effect.event.items()) == [("amount", "1000.00"), ("receipt", "R-1"), ("due", "7060.00")]
    assert effect.payment == fx.NewPayment(date(2020, 3, 20), Decimal("1000"), "R-1", 6)


def test_paid_in_full_the_case_is_executed(cn):
    at = fx.Step(6, date(2020, 3, 20), date(2020, 12, 31), cn)
    case = served(payments=(PaymentIn(date(2020, 3, 18), Decimal("6000")),))
    effect = fx.record_payment(case, RecordPayment(amount=Decimal("2060")), at)
    assert effect.target is S.EXECUTED
    assert effect.changes == {"settled_on": at.on, "closable_on": at.on}
    assert effect.event["due"] == "0.00"
    with pytest.raises(GuardFailed, match="The amount due on 2020-03-20 is 2,060.00"):
        fx.record_payment(case, RecordPayment(amount=Decimal("3000")), at)


def test_applying_to_enforce(cn):
    at = fx.Step(5, date(2020, 10, 5), date(2020, 12, 31), cn)
    effect = fx.apply_enforcement(served(), ApplyEnforcement(demand_served_on=date(2020, 9, 1)), at)
    assert effect.target is S.ENFORCEMENT and effect.changes == {}
    assert list(effect.event.items())[0] == ("demand_served_on", "2020-09-01")
    assert Decimal(effect.event["due"]) > Decimal("8060")  # the surcharge has accrued since 2020-03-31
    with pytest.raises(GuardFailed, match="Give the date the payment demand was served"):
        fx.apply_enforcement(served(), ApplyEnforcement(), at)


def test_closing(step):
    assert fx.close(facts(S.EXECUTED), Command(), step) == fx.Effect(S.CLOSED, {"closed_on": step.on})


# ------------------------------------------------------------------------------------------ appeals


def test_lodging_an_appeal(cn):
    at = fx.Step(6, date(2020, 4, 1), date(2020, 12, 31), cn, appeal_name=lambda kind: kind.upper())
    effect = fx.record_appeal(served(), RecordAppeal(kind="reconsideration"), at)
    assert effect.target is None and effect.changes == {}
    assert list(effect.event.items()) == [("kind", "reconsideration"), ("outcome", "pending"),
                                          ("lodged_on", "2020-04-01")]
    assert effect.appeal == fx.AppealChange(None, "reconsideration", date(2020, 4, 1), "pending", None, None)
    with pytest.raises(GuardFailed, match="The RECONSIDERATION window closed on"):
        fx.record_appeal(served(), RecordAppeal(kind="reconsideration"), replace(at, on=date(2020, 6, 1)))


def test_an_annulled_decision_terminates_the_case(cn):
    pending = (fx.AppealFacts("reconsideration", date(2020, 4, 1), "pending", None),)
    at = fx.Step(5, date(2020, 6, 1), date(2020, 12, 31), cn)
    effect = fx.record_appeal(served(appeals=pending), RecordAppeal(
        kind="reconsideration", outcome="annulled", outcome_on=date(2020, 5, 20), reference="R-9"), at)
    assert effect.target is S.TERMINATED
    assert effect.changes == {"withdrawn_on": date(2020, 5, 20), "closable_on": date(2020, 5, 20)}
    assert list(effect.event.items()) == [("kind", "reconsideration"), ("outcome", "annulled"),
                                          ("lodged_on", "2020-04-01"), ("reference", "R-9"),
                                          ("outcome_on", "2020-05-20")]
    assert effect.appeal == fx.AppealChange(0, "reconsideration", date(2020, 4, 1), "annulled", date(2020, 5, 20),
                                            "R-9")
    with pytest.raises(GuardFailed, match="Give the number of the appeal body's decision"):
        fx.record_appeal(served(appeals=pending), RecordAppeal(kind="reconsideration", outcome="annulled"), at)


def test_varied_and_settled_the_case_is_executed_and_the_excess_refunded(cn):
    pending = (fx.AppealFacts("reconsideration", date(2020, 4, 1), "pending", None),)
    paid = (PaymentIn(date(2020, 3, 20), Decimal("8060")),)
    at = fx.Step(5, date(2020, 6, 1), date(2020, 12, 31), cn)
    lower = penalty(("fine", "3000.00"), ("confiscation", "2060.00"))
    effect = fx.record_appeal(served(appeals=pending, payments=paid), RecordAppeal(
        kind="reconsideration", outcome="varied", lines=lower, reference="R-3"), at)
    assert effect.target is S.EXECUTED
    assert effect.changes == {"decided_lines": lower.to_json(), "settled_on": at.on, "closable_on": at.on}
    assert list(effect.event.items()) == [
        ("kind", "reconsideration"), ("outcome", "varied"), ("lodged_on", "2020-04-01"), ("reference", "R-3"),
        ("lines", lower.to_json()), ("to_refund", "3000.00"), ("outcome_on", "2020-06-01")]
    assert effect.appeal.lines == lower.to_json() and effect.appeal.index == 0


def test_varied_with_money_still_due_the_case_stays(cn):
    pending = (fx.AppealFacts("reconsideration", date(2020, 4, 1), "pending", None),)
    at = fx.Step(5, date(2020, 6, 1), date(2020, 12, 31), cn)
    lower = penalty(("fine", "3000.00"))
    effect = fx.record_appeal(served(appeals=pending), RecordAppeal(
        kind="reconsideration", outcome="varied", lines=lower, reference="R-3"), at)
    assert effect.target is None
    assert effect.changes == {"decided_lines": lower.to_json()}
    assert "to_refund" not in effect.event
    with pytest.raises(GuardFailed, match="never make it heavier"):
        fx.record_appeal(served(appeals=pending), RecordAppeal(
            kind="reconsideration", outcome="varied", lines=penalty(("fine", "9000.00")), reference="R-3"), at)


# ------------------------------------------------------------------------------------------ deadlines


def test_extending_a_running_deadline(cn):
    case = facts(S.INVESTIGATING, dates={"filed_on": date(2020, 2, 4)})
    at = fx.Step(5, date(2020, 3, 1), date(2020, 12, 31), cn, PEOPLE, deadline_name=lambda name: name.upper())
    effect = fx.extend_deadline(case, ExtendDeadline(deadline="decision", days=30, reason="expert"), at)
    assert effect.target is None and effect.changes == {}
    assert list(effect.event.items()) == [("deadline", "decision"), ("days", 30)]
    assert effect.extension == fx.NewExtension("decision", 30, "expert", 5, at.on)
    with pytest.raises(GuardFailed, match="The DECISION deadline extends by at most 30 days"):
        fx.extend_deadline(case, ExtendDeadline(deadline="decision", days=31, reason="expert"), at)
    discussion = Discussion(date(2020, 2, 28), ("zhou.qiang", "wu.min"))
    longer = fx.extend_deadline(case, ExtendDeadline(deadline="decision", days=60, reason="expert",
                                                     collective_discussion=discussion), at)
    assert list(longer.event) == ["collective_discussion", "deadline", "days"]
    with pytest.raises(GuardFailed, match="The FILING deadline is not running"):
        fx.extend_deadline(case, ExtendDeadline(deadline="filing", days=3, reason="x"), at)


def test_a_late_step_needs_a_reason_and_is_flagged_for_audit(cn):
    case = facts(S.CLUE, officer_ids=frozenset({8, 9}))
    late = fx.Step(5, date(2020, 3, 2), date(2020, 12, 31), cn, PEOPLE, deadline_name=lambda name: f"<{name}>")
    command = FileCase(officers=("zhang.wei", "li.na"))
    with pytest.raises(GuardFailed, match="The <filing> deadline was 2020-02-21: give a reason") as refusal:
        fx.effect_of(A.FILE, case, command, late)
    assert refusal.value.field == "reason"
    effect = fx.effect_of(A.FILE, case, replace(command, reason="holidays"), late)
    assert effect.target is S.INVESTIGATING and effect.changes["flagged_for_audit"] is True
    assert list(effect.event.items())[0] == ("late", {"deadline": "filing", "due_on": "2020-02-21"})
    assert list(effect.event)[1:] == ["officers", "act_on", "harm_to_safety"]
    on_time = fx.effect_of(A.FILE, case, command, replace(late, on=date(2020, 2, 4)))
    assert "late" not in on_time.event and "flagged_for_audit" not in on_time.changes


# ------------------------------------------------------------------------------------------ simplified


def test_on_the_spot_a_warning_is_decided_served_and_executed(cn):
    at = fx.Step(8, date(2020, 2, 1), date(2020, 12, 31), cn)
    effect = fx.on_the_spot(WARNING, "in_person", CLUE_ON, at)
    lines = WARNING.to_json()
    assert effect.target is S.EXECUTED
    assert effect.changes == {
        "simplified": True, "proposed_lines": lines, "approved_lines": lines, "decided_lines": lines,
        "proposed_by_id": 8, "filed_on": at.on, "decided_on": at.on, "decision_served_on": at.on,
        "settled_on": at.on, "closable_on": at.on,
    }
    assert list(effect.event.items()) == [("lines", lines), ("method", "in_person"), ("simplified", True)]


def test_on_the_spot_a_fine_falls_due_like_any_served_decision(cn):
    at = fx.Step(8, SERVED, date(2020, 12, 31), cn)
    small = penalty(("fine", "200.00"))
    effect = fx.on_the_spot(small, "post", CLUE_ON, at)
    served_alike = fx.serve_decision(facts(S.DECIDED, decided=small), Serve(method="post"), at)
    assert effect.target is served_alike.target is S.DECISION_SERVED
    assert {k: v for k, v in effect.changes.items() if k in served_alike.changes} == served_alike.changes
    assert effect.changes["payment_due_on"] == date(2020, 3, 31)
    with pytest.raises(GuardFailed, match="cannot come before the inspection"):
        fx.on_the_spot(small, "post", CLUE_ON, replace(at, on=date(2020, 1, 20)))

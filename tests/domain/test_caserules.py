"""The legal consequences of case actions, checked without an app (tracker/domain/caserules.py): special targets,
officer and host rules, penalty comparisons, windows and extension bounds, with the rulebook's numbers."""
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain import caserules as rules
from tracker.domain.lifecycle import CaseState as S, GuardFailed, NotPermitted
from tracker.domain.penalties import account, parse_penalty


def penalty(*lines):
    return parse_penalty([dict(zip(("kind", "amount"), line)) for line in lines])


FINE = penalty(("fine", "6000.00"), ("confiscation", "2060.00"))
WARNING = penalty(("warning",))
CLOSURE = penalty(("closure",))


def test_spans_say_the_rulebooks_numbers(cn):
    assert str(rules.span(cn.deadline("hearing_request"))) == "5 working days"
    assert str(rules.span(cn.deadline("enforcement_demand"))) == "10 working days"
    assert str(rules.span(cn.deadline("payment"))) == "15 days"
    assert str(rules.span(cn.deadline("lawsuit"))) == "6 months"


def test_serving_a_decision(cn):
    served = rules.serve_decision(FINE, date(2020, 3, 16), cn.deadline("payment"), cn.calendar)
    assert served == rules.Service(S.DECISION_SERVED, True, date(2020, 3, 31), settled=False)
    assert rules.serve_decision(WARNING, date(2020, 3, 16), cn.deadline("payment"), cn.calendar) == \
        rules.Service(S.EXECUTED, False, None, settled=True)  # a warning is executed on service, never published
    assert rules.serve_decision(CLOSURE, date(2020, 3, 16), cn.deadline("payment"), cn.calendar) == \
        rules.Service(S.EXECUTED, True, None, settled=True)  # the closure was ordered at decision
    assert rules.orders_closure(CLOSURE) and rules.orders_closure(penalty(("suspension",)))
    assert not rules.orders_closure(FINE)


def test_payments_and_what_follows():
    paid = account(Decimal("6000"), Decimal("2060"), date(2020, 3, 31), [], Decimal("0.03"), date(2020, 3, 20))
    assert rules.after_payment(S.DECISION_SERVED, paid) is S.DECISION_SERVED
    with pytest.raises(GuardFailed, match="The amount due on 2020-03-20 is 8,060.00"):
        rules.check_payment(Decimal("9000"), paid.due, date(2020, 3, 20))
    with pytest.raises(GuardFailed, match="above zero"):
        rules.check_payment(Decimal("0"), paid.due, date(2020, 3, 20))


def test_appeals_lead_where_the_law_says():
    assert rules.after_appeal("annulled", S.EXECUTED, settled=True) is S.TERMINATED
    assert rules.after_appeal("varied", S.DECISION_SERVED, settled=True) is S.EXECUTED
    assert rules.after_appeal("varied", S.ENFORCEMENT, settled=True) is S.EXECUTED
    assert rules.after_appeal("varied", S.DECISION_SERVED, settled=False) is None
    assert rules.after_appeal("varied", S.EXECUTED, settled=True) is None  # already executed
    assert rules.after_appeal("upheld", S.DECISION_SERVED, settled=True) is None


def test_the_appeal_windows(cn):
    served = date(2020, 3, 16)
    ends = rules.appeal_window_end("reconsideration", served, None, cn.deadlines, cn.calendar)
    assert ends == cn.due_date("reconsideration", served)
    lawsuit = rules.appeal_window_end("lawsuit", served, date(2020, 9, 1), cn.deadlines, cn.calendar)
    assert lawsuit == max(cn.due_date("lawsuit", served), cn.due_date("lawsuit_after_reconsideration", date(2020, 9, 1)))
    with pytest.raises(GuardFailed, match="window closed"):
        rules.check_appeal_window(date(2030, 1, 1), ends, "reconsideration")
    with pytest.raises(GuardFailed, match="between the lodging and today"):
        rules.check_appeal_outcome_date(date(2020, 3, 1), date(2020, 4, 1), date(2020, 12, 31))


def test_filing_needs_two_officers_and_an_act_not_after_it():
    rules.check_case_officers(2)
    with pytest.raises(GuardFailed, match="At least 2 different officers") as refusal:
        rules.check_case_officers(1)
    assert refusal.value.field == "officers"
    with pytest.raises(GuardFailed, match="after the filing"):
        rules.check_act_before_filing(date(2020, 2, 11), date(2020, 2, 10))


def test_the_hearing(cn):
    notice = date(2020, 3, 5)
    rules.check_hearing_request(True, date(2020, 3, 12), cn.deadline("hearing_request"), notice, cn.calendar)
    with pytest.raises(GuardFailed, match=r"closed on 2020-03-12 \(5 working days after service\)"):
        rules.check_hearing_request(True, date(2020, 3, 13), cn.deadline("hearing_request"), notice, cn.calendar)
    with pytest.raises(GuardFailed, match="no hearing right"):
        rules.check_hearing_request(False, date(2020, 3, 6), cn.deadline("hearing_request"), notice, cn.calendar)
    with pytest.raises(NotPermitted, match="not a case officer"):
        rules.check_hearing_host(7, frozenset({7, 8}))
    rules.check_hearing_host(9, frozenset({7, 8}))


def test_the_decision(cn):
    notice = date(2020, 3, 5)
    with pytest.raises(GuardFailed, match="state and defend until 2020-03-12"):
        rules.check_statement_window(False, date(2020, 3, 12), cn.deadline("statement"), notice, cn.calendar)
    rules.check_statement_window(True, date(2020, 3, 6), cn.deadline("statement"), notice, cn.calendar)
    rules.check_statement_window(False, date(2020, 3, 13), cn.deadline("statement"), notice, cn.calendar)
    assert rules.decided_penalty(FINE, None) is FINE
    lower = penalty(("fine", "3000.00"))
    assert rules.decided_penalty(FINE, lower) is lower
    with pytest.raises(GuardFailed, match="never raise it"):
        rules.decided_penalty(FINE, penalty(("fine", "6000.01")))


def test_enforcement(cn):
    demand, due = cn.deadline("enforcement_demand"), date(2020, 3, 31)
    lawsuit_ends = date(2020, 9, 16)
    base = dict(demand=demand, calendar=cn.calendar, payment_due_on=due, due=Decimal("100"), appeals_pending=False,
                appeal_failed=False, lawsuit_ends=lawsuit_ends)
    rules.check_enforcement(date(2020, 10, 1), date(2020, 9, 1), **base)
    with pytest.raises(GuardFailed, match="payment demand was served"):
        rules.check_enforcement(date(2020, 10, 1), None, **base)
    with pytest.raises(GuardFailed, match=r"\(10 working days after the demand\)"):
        rules.check_enforcement(date(2020, 10, 1), date(2020, 9, 30), **base)
    with pytest.raises(GuardFailed, match="still unpaid"):
        rules.check_enforcement(date(2020, 10, 1), date(2020, 9, 1), **{**base, "due": Decimal("0")})
    with pytest.raises(GuardFailed, match="unless an appeal failed"):
        rules.check_enforcement(date(2020, 9, 15), date(2020, 8, 1), **base)
    rules.check_enforcement(date(2020, 9, 15), date(2020, 8, 1), **{**base, "appeal_failed": True})
    with pytest.raises(GuardFailed, match="unless an appeal failed"):
        rules.check_enforcement(date(2020, 10, 1), date(2020, 9, 1), **{**base, "appeals_pending": True})


def test_extensions(cn):
    rule = cn.deadline("decision")
    rules.check_extension("decision", True, rule, 0, rule.extension_days, collective=False)
    with pytest.raises(GuardFailed, match=f"at most {rule.extension_days} days without a collective decision"):
        rules.check_extension("decision", True, rule, 1, rule.extension_days, collective=False)
    rules.check_extension("decision", True, rule, 1, rule.extension_days, collective=True)
    with pytest.raises(GuardFailed, match="not running"):
        rules.check_extension("decision", False, rule, 0, 1, collective=True)


def test_a_late_agency_step_needs_a_reason_and_is_flagged():
    assert rules.is_late(date(2020, 3, 2), False, date(2020, 3, 2)) is False
    assert rules.is_late(date(2020, 3, 2), True, date(2020, 3, 9)) is False  # met already
    assert rules.is_late(date(2020, 3, 2), False, date(2020, 3, 3)) is True
    with pytest.raises(GuardFailed, match="The filing deadline was 2020-03-02: give a reason") as refusal:
        rules.refuse_late_step_without_reason("filing", date(2020, 3, 2))
    assert refusal.value.field == "reason"


def test_a_proposal_needs_violations_and_outside_the_range_a_reason():
    with pytest.raises(GuardFailed, match="at least one violation code"):
        rules.check_violations_recorded(0)
    rules.check_violations_recorded(1)
    assert rules.needs_departure_reason(False, "  ") and not rules.needs_departure_reason(False, "Repeat offence")
    assert not rules.needs_departure_reason(True, "")


def test_collective_discussions_and_on_the_spot_dates():
    with pytest.raises(GuardFailed, match="collective discussion"):
        rules.check_collective_discussion(True, False)
    rules.check_collective_discussion(False, False)
    with pytest.raises(GuardFailed, match="At least 2 participants") as refusal:
        rules.check_discussion_participants(1)
    assert refusal.value.field == "collective_discussion.participants"
    with pytest.raises(GuardFailed, match="before the inspection"):
        rules.check_on_the_spot_date(date(2020, 2, 4), date(2020, 2, 5))

"""The lifecycle table of DOMAIN.md §3, checked without an app: every transition allowed and refused."""
from datetime import date

import pytest

from tracker.domain import lifecycle as lc
from tracker.domain.lifecycle import CaseAction as A, CaseState as S

UNIT = 1
OFFICER = lc.Actor(id=10, role="officer", unit_id=UNIT)
CASE_OFFICER = lc.Actor(id=11, role="officer", unit_id=UNIT)
SUPERVISOR = lc.Actor(id=20, role="supervisor", unit_id=UNIT)
REVIEWER = lc.Actor(id=21, role="supervisor", unit_id=UNIT, legal_reviewer=True)
INSPECTING_SUPERVISOR = lc.Actor(id=22, role="supervisor", unit_id=UNIT)
OTHER_UNIT = lc.Actor(id=30, role="supervisor", unit_id=2)
AUDITOR = lc.Actor(id=40, role="auditor", unit_id=None)
ADMIN = lc.Actor(id=50, role="admin", unit_id=None)


def facts(state, **kwargs):
    defaults = dict(
        state=state,
        unit_id=UNIT,
        case_officer_ids=frozenset({11, 22}),
        inspector_ids=frozenset({11, 22}),
        proposer_id=11,
    )
    return lc.CaseFacts(**{**defaults, **kwargs})


# (action, from state, to state, who may take it) straight from DOMAIN.md §3.
TABLE = [
    (A.FILE, S.CLUE, S.INVESTIGATING, "supervisor"),
    (A.DECLINE, S.CLUE, S.NOT_FILED, "supervisor"),
    (A.MARK_MAJOR, S.CLUE, None, "supervisor"),
    (A.MARK_MAJOR, S.INVESTIGATING, None, "supervisor"),
    (A.SUSPEND, S.INVESTIGATING, S.SUSPENDED, "supervisor"),
    (A.RESUME, S.SUSPENDED, S.INVESTIGATING, "supervisor"),
    (A.TERMINATE, S.INVESTIGATING, S.TERMINATED, "supervisor"),
    (A.TRANSFER, S.INVESTIGATING, S.TRANSFERRED, "supervisor"),
    (A.PROPOSE_PENALTY, S.INVESTIGATING, S.PENALTY_PROPOSED, "case_officer"),
    (A.APPROVE_PENALTY, S.PENALTY_PROPOSED, S.PENALTY_APPROVED, "supervisor"),
    (A.RETURN, S.PENALTY_PROPOSED, S.INVESTIGATING, "supervisor"),
    (A.SERVE_NOTICE, S.PENALTY_APPROVED, S.NOTICE_SERVED, "officer"),
    (A.REQUEST_HEARING, S.NOTICE_SERVED, S.HEARING_REQUESTED, "officer"),
    (A.HOLD_HEARING, S.HEARING_REQUESTED, S.HEARING_HELD, "officer"),
    (A.DECIDE, S.NOTICE_SERVED, S.DECIDED, "supervisor"),
    (A.DECIDE, S.HEARING_HELD, S.DECIDED, "supervisor"),
    (A.SERVE_DECISION, S.DECIDED, S.DECISION_SERVED, "officer"),
    (A.RECORD_PAYMENT, S.DECISION_SERVED, None, "officer"),
    (A.RECORD_PAYMENT, S.ENFORCEMENT, None, "officer"),
    (A.APPLY_ENFORCEMENT, S.DECISION_SERVED, S.ENFORCEMENT, "supervisor"),
    (A.CLOSE, S.EXECUTED, S.CLOSED, "supervisor"),
    (A.CLOSE, S.TERMINATED, S.CLOSED, "supervisor"),
    (A.CLOSE, S.NOT_FILED, S.CLOSED, "supervisor"),
    (A.CLOSE, S.TRANSFERRED, S.CLOSED, "supervisor"),
]


def test_the_table_is_exactly_the_domain_table():
    for action, source, target, _ in TABLE:
        step = lc.transition(action)
        assert source in step.sources and step.target == target, (action, source)
    declared = {(a, s) for a, s, _, _ in TABLE}
    for action, step in lc.TRANSITIONS.items():
        if action in (A.RECORD_APPEAL, A.EXTEND_DEADLINE):
            continue
        for source in step.sources:
            assert (action, source) in declared, f"{action} from {source} is not in DOMAIN.md §3"


@pytest.mark.parametrize("action, source, target, who", TABLE)
def test_allowed_and_refused_per_role(action, source, target, who):
    case = facts(source)
    # Who may: a plain officer for "officer" actions, a case officer for proposals, a supervisor
    # who neither proposed nor inspected for supervisor actions (four-eyes).
    allowed = {"officer": OFFICER, "case_officer": CASE_OFFICER, "supervisor": SUPERVISOR}[who]
    assert lc.check_action(action, allowed, case).action is action
    assert action in lc.allowed_actions(allowed, case)
    refused = [OTHER_UNIT, AUDITOR, ADMIN]
    refused.append(OFFICER if who in ("supervisor", "case_officer") else AUDITOR)
    if who == "case_officer":
        refused.append(SUPERVISOR)  # not a case officer of this case
    for actor in refused:
        with pytest.raises(lc.NotPermitted):
            lc.check_action(action, actor, case)
        assert action not in lc.allowed_actions(actor, case)


@pytest.mark.parametrize("action", list(A))
def test_every_action_is_refused_in_every_other_state(action):
    step = lc.transition(action)
    for state in S:
        if state in step.sources:
            continue
        with pytest.raises(lc.WrongState):
            lc.check_action(action, SUPERVISOR, facts(state))


def test_a_supervisor_who_is_a_case_officer_acts_as_an_officer():
    case = facts(S.PENALTY_APPROVED)
    assert lc.check_action(A.SERVE_NOTICE, INSPECTING_SUPERVISOR, case)
    with pytest.raises(lc.NotPermitted):
        lc.check_action(A.SERVE_NOTICE, SUPERVISOR, case)  # neither an officer nor a case officer


def test_four_eyes_on_approval_and_decision():
    proposed = facts(S.PENALTY_PROPOSED, proposer_id=20, case_officer_ids=frozenset({11, 20}))
    with pytest.raises(lc.NotPermitted, match="proposed themselves"):
        lc.check_action(A.APPROVE_PENALTY, SUPERVISOR, proposed)
    with pytest.raises(lc.NotPermitted, match="inspection"):
        lc.check_action(A.APPROVE_PENALTY, INSPECTING_SUPERVISOR, facts(S.PENALTY_PROPOSED))
    assert lc.check_action(A.APPROVE_PENALTY, REVIEWER, proposed)
    with pytest.raises(lc.NotPermitted, match="inspected or investigated"):
        lc.check_action(A.DECIDE, INSPECTING_SUPERVISOR, facts(S.NOTICE_SERVED))


def test_major_case_needs_a_legal_reviewer():
    major = facts(S.PENALTY_PROPOSED, major=True)
    with pytest.raises(lc.NotPermitted, match="legal-review"):
        lc.check_action(A.APPROVE_PENALTY, SUPERVISOR, major)
    assert lc.check_action(A.APPROVE_PENALTY, REVIEWER, major)


def test_step_dates_and_reasons():
    case = facts(S.INVESTIGATING, last_step_on=date(2020, 3, 1))
    lc.check_step_date(date(2020, 3, 1), date(2020, 3, 5), case)
    with pytest.raises(lc.GuardFailed, match="future"):
        lc.check_step_date(date(2020, 3, 6), date(2020, 3, 5), case)
    with pytest.raises(lc.GuardFailed, match="previous step"):
        lc.check_step_date(date(2020, 2, 28), date(2020, 3, 5), case)
    with pytest.raises(lc.GuardFailed, match="reason"):
        lc.require_reason(lc.transition(A.SUSPEND), "  ")
    lc.require_reason(lc.transition(A.APPROVE_PENALTY), None)


def test_limitation_period():
    lc.check_not_time_barred(date(2018, 3, 1), False, date(2020, 3, 1), 2, 5)
    with pytest.raises(lc.GuardFailed, match="time-barred"):
        lc.check_not_time_barred(date(2018, 3, 1), False, date(2020, 3, 2), 2, 5)
    lc.check_not_time_barred(date(2016, 2, 29), True, date(2021, 2, 28), 2, 5)
    assert lc.limitation_ends(date(2016, 2, 29), False, 2, 5) == date(2018, 2, 28)


# Who may record each appeal outcome (DOMAIN.md §3): that the appeal was lodged, upheld or withdrawn, any
# officer of the unit (or a supervisor who is a case officer); that it varied or annulled the decision, which
# changes money, state and publication, only a supervisor of the unit who is not a case officer.
APPEAL_MATRIX = {
    #                      pending upheld withdrawn varied annulled
    "plain officer":        (True, True, True, False, False),
    "case officer":         (True, True, True, False, False),
    "supervisor":           (False, False, False, True, True),
    "reviewer":             (False, False, False, True, True),
    "inspecting supervisor": (True, True, True, False, False),
    "other unit":           (False, False, False, False, False),
    "auditor":              (False, False, False, False, False),
    "admin":                (False, False, False, False, False),
}
APPEAL_ACTORS = {"plain officer": OFFICER, "case officer": CASE_OFFICER, "supervisor": SUPERVISOR,
                 "reviewer": REVIEWER, "inspecting supervisor": INSPECTING_SUPERVISOR, "other unit": OTHER_UNIT,
                 "auditor": AUDITOR, "admin": ADMIN}
MATRIX_OUTCOMES = ("pending", "upheld", "withdrawn", "varied", "annulled")


@pytest.mark.parametrize("state", sorted(lc.APPEALABLE))
@pytest.mark.parametrize("who", list(APPEAL_MATRIX))
def test_the_appeal_authorization_matrix(who, state):
    actor, case = APPEAL_ACTORS[who], facts(state)
    for outcome, allowed in zip(MATRIX_OUTCOMES, APPEAL_MATRIX[who], strict=True):
        if allowed:
            assert lc.check_action(A.RECORD_APPEAL, actor, case, outcome).action is A.RECORD_APPEAL
        else:
            with pytest.raises(lc.NotPermitted):
                lc.check_action(A.RECORD_APPEAL, actor, case, outcome)
        assert (outcome in lc.allowed_outcomes(actor, case, A.RECORD_APPEAL, lc.APPEAL_OUTCOMES)) is allowed
    assert (A.RECORD_APPEAL in lc.allowed_actions(actor, case)) is any(APPEAL_MATRIX[who])


def test_a_supervisor_who_is_a_case_officer_is_told_why_they_may_not_vary():
    with pytest.raises(lc.NotPermitted, match="not one of its case officers") as refusal:
        lc.check_action(A.RECORD_APPEAL, INSPECTING_SUPERVISOR, facts(S.EXECUTED), "varied")
    assert refusal.value.rule == "four_eyes"


def _penalty(*lines):
    from tracker.domain.penalties import parse_penalty

    return parse_penalty([dict(zip(("kind", "amount"), line)) for line in lines])


FINE_AND_GAINS = _penalty(("fine", "6000.00"), ("confiscation", "2060.00"))


@pytest.mark.parametrize("varied", [
    _penalty(("fine", "3000.00"), ("confiscation", "2060.00")),
    _penalty(("fine", "6000.00")),
    _penalty(("warning",)),  # a warning in place of a fine is lighter
    _penalty(("warning",), ("fine", "100.00")),
    FINE_AND_GAINS,
])
def test_an_appeal_may_lighten_the_penalty(varied):
    lc.check_appeal_outcome("varied", "(2020)JF-17", varied, FINE_AND_GAINS)


@pytest.mark.parametrize("varied", [
    _penalty(("fine", "6000.01"), ("confiscation", "2060.00")),  # a line above the same kind's
    _penalty(("fine", "1000.00"), ("confiscation", "2060.01")),
    _penalty(("fine", "1000.00"), ("closure",)),  # a kind the penalty in force lacks
    _penalty(("fine", "500000.00")),
])
def test_an_appeal_never_makes_the_penalty_heavier(varied):
    with pytest.raises(lc.GuardFailed, match="never make it heavier") as refusal:
        lc.check_appeal_outcome("varied", "(2020)JF-17", varied, FINE_AND_GAINS)
    assert refusal.value.field == "lines" and refusal.value.rule == "no_detriment"


@pytest.mark.parametrize("outcome", ["varied", "annulled"])
def test_an_appeal_that_changed_the_decision_cites_the_appeal_bodys_decision(outcome):
    with pytest.raises(lc.GuardFailed, match="number of the appeal body's decision") as refusal:
        lc.check_appeal_outcome(outcome, "  ", _penalty(("fine", "10.00")), FINE_AND_GAINS)
    assert refusal.value.field == "reference"


def test_a_varied_outcome_needs_the_new_lines_and_other_outcomes_need_nothing():
    with pytest.raises(lc.GuardFailed, match="new penalty lines"):
        lc.check_appeal_outcome("varied", "(2020)JF-17", None, FINE_AND_GAINS)
    for outcome in ("pending", "upheld", "withdrawn"):
        lc.check_appeal_outcome(outcome, "", None, FINE_AND_GAINS)

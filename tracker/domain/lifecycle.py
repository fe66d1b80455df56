"""The ordinary-procedure case lifecycle (DOMAIN.md §3): states, actions, who may take each, guards.

Pure: the service hands in plain facts (``CaseFacts``, ``Actor``) and dates; refusals are
``ActionRefused`` subclasses that name the rule, which the edges turn into 403, 409 or 422.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from tracker.domain.penalties import Penalty, is_heavier
from tracker.domain.text import N_, Text


class CaseState(StrEnum):
    CLUE = "clue"
    INVESTIGATING = "investigating"
    SUSPENDED = "suspended"
    NOT_FILED = "not_filed"
    TERMINATED = "terminated"
    TRANSFERRED = "transferred"
    PENALTY_PROPOSED = "penalty_proposed"
    PENALTY_APPROVED = "penalty_approved"
    NOTICE_SERVED = "notice_served"
    HEARING_REQUESTED = "hearing_requested"
    HEARING_HELD = "hearing_held"
    DECIDED = "decided"
    DECISION_SERVED = "decision_served"
    ENFORCEMENT = "enforcement"
    EXECUTED = "executed"
    CLOSED = "closed"


class CaseAction(StrEnum):
    FILE = "file"
    DECLINE = "decline"
    MARK_MAJOR = "mark_major"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    TRANSFER = "transfer"
    PROPOSE_PENALTY = "propose_penalty"
    APPROVE_PENALTY = "approve_penalty"
    RETURN = "return"
    SERVE_NOTICE = "serve_notice"
    REQUEST_HEARING = "request_hearing"
    HOLD_HEARING = "hold_hearing"
    DECIDE = "decide"
    SERVE_DECISION = "serve_decision"
    RECORD_PAYMENT = "record_payment"
    APPLY_ENFORCEMENT = "apply_enforcement"
    CLOSE = "close"
    RECORD_APPEAL = "record_appeal"
    EXTEND_DEADLINE = "extend_deadline"


# The names users read for states (inside a sentence, so lower case) and actions (as the web pages label them).
STATE_NAMES: dict[CaseState, Text] = {
    CaseState.CLUE: Text(N_("clue")),
    CaseState.INVESTIGATING: Text(N_("investigating")),
    CaseState.SUSPENDED: Text(N_("suspended")),
    CaseState.NOT_FILED: Text(N_("not filed")),
    CaseState.TERMINATED: Text(N_("terminated")),
    CaseState.TRANSFERRED: Text(N_("transferred")),
    CaseState.PENALTY_PROPOSED: Text(N_("penalty proposed")),
    CaseState.PENALTY_APPROVED: Text(N_("penalty approved")),
    CaseState.NOTICE_SERVED: Text(N_("notice served")),
    CaseState.HEARING_REQUESTED: Text(N_("hearing requested")),
    CaseState.HEARING_HELD: Text(N_("hearing held")),
    CaseState.DECIDED: Text(N_("decided")),
    CaseState.DECISION_SERVED: Text(N_("decision served")),
    CaseState.ENFORCEMENT: Text(N_("enforcement")),
    CaseState.EXECUTED: Text(N_("executed")),
    CaseState.CLOSED: Text(N_("closed")),
}
ACTION_NAMES: dict[CaseAction, Text] = {
    CaseAction.FILE: Text(N_("File the case")),
    CaseAction.DECLINE: Text(N_("Decline to file")),
    CaseAction.MARK_MAJOR: Text(N_("Mark as major")),
    CaseAction.SUSPEND: Text(N_("Suspend")),
    CaseAction.RESUME: Text(N_("Resume")),
    CaseAction.TERMINATE: Text(N_("Terminate")),
    CaseAction.TRANSFER: Text(N_("Transfer")),
    CaseAction.PROPOSE_PENALTY: Text(N_("Propose a penalty")),
    CaseAction.APPROVE_PENALTY: Text(N_("Approve the penalty")),
    CaseAction.RETURN: Text(N_("Return the proposal")),
    CaseAction.SERVE_NOTICE: Text(N_("Serve the notice")),
    CaseAction.REQUEST_HEARING: Text(N_("Record a hearing request")),
    CaseAction.HOLD_HEARING: Text(N_("Record the hearing")),
    CaseAction.DECIDE: Text(N_("Decide")),
    CaseAction.SERVE_DECISION: Text(N_("Serve the decision")),
    CaseAction.RECORD_PAYMENT: Text(N_("Record a payment")),
    CaseAction.APPLY_ENFORCEMENT: Text(N_("Apply to enforce")),
    CaseAction.CLOSE: Text(N_("Close the case")),
    CaseAction.RECORD_APPEAL: Text(N_("Record an appeal")),
    CaseAction.EXTEND_DEADLINE: Text(N_("Extend a deadline")),
}


class Who(StrEnum):
    """Who may take an action (DOMAIN.md §3 'who')."""

    OFFICER = "officer"  # any officer of the unit, or a supervisor who is a case officer
    CASE_OFFICER = "case_officer"  # an officer or supervisor among the case officers
    SUPERVISOR = "supervisor"  # a supervisor of the unit
    INDEPENDENT_SUPERVISOR = "independent_supervisor"  # a supervisor of the unit who is not a case officer


OPEN_STATES = frozenset(CaseState) - {CaseState.CLOSED}
TERMINAL_BEFORE_CLOSE = frozenset(
    {CaseState.EXECUTED, CaseState.TERMINATED, CaseState.NOT_FILED, CaseState.TRANSFERRED}
)
APPEALABLE = frozenset({CaseState.DECISION_SERVED, CaseState.ENFORCEMENT, CaseState.EXECUTED})
# Outcomes of an appeal that change money, state and publication (DOMAIN.md §3): recording one is a
# supervisor's act, by one who is not a case officer, citing the appeal body's decision.
APPEAL_OUTCOMES = ("pending", "upheld", "varied", "annulled", "withdrawn")
APPEAL_OUTCOMES_THAT_CHANGE_THE_DECISION = frozenset({"varied", "annulled"})


@dataclass(frozen=True)
class Transition:
    action: CaseAction
    sources: frozenset[CaseState]
    target: CaseState | None  # None: unchanged, or chosen by the outcome (payments, appeals)
    who: Who
    needs_reason: bool = False
    # Who records a given outcome when that differs from ``who`` (appeals varied or annulled).
    who_by_outcome: tuple[tuple[str, Who], ...] = ()

    def who_for(self, outcome: str | None) -> Who:
        """Who may take the action with this outcome."""
        return dict(self.who_by_outcome).get(outcome, self.who) if outcome is not None else self.who

    @property
    def everyone_who(self) -> frozenset[Who]:
        """Every kind of actor who may take the action with some outcome."""
        return frozenset({self.who, *(who for _, who in self.who_by_outcome)})


def _t(action, sources, target, who, needs_reason=False, who_by_outcome=()) -> Transition:
    return Transition(action, frozenset(sources), target, who, needs_reason, tuple(who_by_outcome))


S = CaseState
TRANSITIONS: dict[CaseAction, Transition] = {
    t.action: t
    for t in (
        _t(CaseAction.FILE, [S.CLUE], S.INVESTIGATING, Who.SUPERVISOR),
        _t(CaseAction.DECLINE, [S.CLUE], S.NOT_FILED, Who.SUPERVISOR, True),
        _t(CaseAction.MARK_MAJOR, [S.CLUE, S.INVESTIGATING], None, Who.SUPERVISOR, True),
        _t(CaseAction.SUSPEND, [S.INVESTIGATING], S.SUSPENDED, Who.SUPERVISOR, True),
        _t(CaseAction.RESUME, [S.SUSPENDED], S.INVESTIGATING, Who.SUPERVISOR, True),
        _t(CaseAction.TERMINATE, [S.INVESTIGATING], S.TERMINATED, Who.SUPERVISOR, True),
        _t(CaseAction.TRANSFER, [S.INVESTIGATING], S.TRANSFERRED, Who.SUPERVISOR, True),
        _t(CaseAction.PROPOSE_PENALTY, [S.INVESTIGATING], S.PENALTY_PROPOSED, Who.CASE_OFFICER),
        _t(CaseAction.APPROVE_PENALTY, [S.PENALTY_PROPOSED], S.PENALTY_APPROVED, Who.SUPERVISOR),
        _t(CaseAction.RETURN, [S.PENALTY_PROPOSED], S.INVESTIGATING, Who.SUPERVISOR, True),
        _t(CaseAction.SERVE_NOTICE, [S.PENALTY_APPROVED], S.NOTICE_SERVED, Who.OFFICER),
        _t(CaseAction.REQUEST_HEARING, [S.NOTICE_SERVED], S.HEARING_REQUESTED, Who.OFFICER),
        _t(CaseAction.HOLD_HEARING, [S.HEARING_REQUESTED], S.HEARING_HELD, Who.OFFICER),
        _t(CaseAction.DECIDE, [S.NOTICE_SERVED, S.HEARING_HELD], S.DECIDED, Who.SUPERVISOR),
        _t(CaseAction.SERVE_DECISION, [S.DECIDED], S.DECISION_SERVED, Who.OFFICER),
        _t(CaseAction.RECORD_PAYMENT, [S.DECISION_SERVED, S.ENFORCEMENT], None, Who.OFFICER),
        _t(CaseAction.APPLY_ENFORCEMENT, [S.DECISION_SERVED], S.ENFORCEMENT, Who.SUPERVISOR),
        _t(CaseAction.CLOSE, TERMINAL_BEFORE_CLOSE, S.CLOSED, Who.SUPERVISOR),
        _t(CaseAction.RECORD_APPEAL, APPEALABLE, None, Who.OFFICER,
           who_by_outcome=[(o, Who.INDEPENDENT_SUPERVISOR) for o in sorted(APPEAL_OUTCOMES_THAT_CHANGE_THE_DECISION)]),
        _t(CaseAction.EXTEND_DEADLINE, OPEN_STATES, None, Who.SUPERVISOR, True),
    )
}


# ------------------------------------------------------------------------------------------ refusals


class ActionRefused(Exception):
    """An action was refused; ``rule`` names the rule, ``message`` (a Text) explains it: ``str(error)`` in the
    reader's language."""

    status = 422

    def __init__(self, rule: str, message: str, field: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field


class NotPermitted(ActionRefused):
    """The actor's role, unit or the four-eyes rule forbids the action."""

    status = 403


class WrongState(ActionRefused):
    """The case is not in a state where the action applies."""

    status = 409


class GuardFailed(ActionRefused):
    """A legal guard (a date, an amount, a window) refused the action."""

    status = 422


# ------------------------------------------------------------------------------------------ facts


@dataclass(frozen=True)
class Actor:
    id: int
    role: str  # officer | supervisor | auditor | admin
    unit_id: int | None
    legal_reviewer: bool = False


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case, as plain values."""

    state: CaseState
    unit_id: int
    case_officer_ids: frozenset[int] = field(default_factory=frozenset)  # inspectors + officers named at filing
    inspector_ids: frozenset[int] = field(default_factory=frozenset)
    proposer_id: int | None = None
    major: bool = False
    last_step_on: date | None = None


def transition(action: CaseAction) -> Transition:
    """The transition for an action (KeyError for an unknown one)."""
    return TRANSITIONS[action]


def in_unit(actor: Actor, facts: CaseFacts) -> bool:
    return actor.unit_id == facts.unit_id and actor.role in ("officer", "supervisor")


def may_take(actor: Actor, facts: CaseFacts, who: Who) -> bool:
    """The role part of the rule: may this actor take an action of this kind on this case?"""
    if not in_unit(actor, facts):
        return False
    if who is Who.SUPERVISOR:
        return actor.role == "supervisor"
    if who is Who.INDEPENDENT_SUPERVISOR:
        return actor.role == "supervisor" and actor.id not in facts.case_officer_ids | facts.inspector_ids
    if who is Who.CASE_OFFICER:
        return actor.id in facts.case_officer_ids
    return actor.role == "officer" or actor.id in facts.case_officer_ids


def four_eyes_problem(action: CaseAction, actor: Actor, facts: CaseFacts) -> Text | None:
    """Why the four-eyes rule refuses this supervisor, or None."""
    if action is CaseAction.APPROVE_PENALTY:
        if actor.id == facts.proposer_id:
            return Text(N_("A supervisor never approves a penalty they proposed themselves."))
        if actor.id in facts.inspector_ids:
            return Text(N_("A supervisor who took part in the inspection cannot approve this penalty."))
        if actor.id in facts.case_officer_ids:
            return Text(N_("A case officer cannot approve this penalty: another supervisor must."))
        if facts.major and not actor.legal_reviewer:
            return Text(N_("In a major case only a supervisor with the legal-review qualification approves the "
                           "penalty."))
    if action is CaseAction.DECIDE and (actor.id in facts.case_officer_ids or actor.id in facts.inspector_ids):
        return Text(N_("A supervisor cannot decide a case they inspected or investigated."))
    return None


def check_action(action: CaseAction, actor: Actor, facts: CaseFacts, outcome: str | None = None) -> Transition:
    """Refuse the action if the state, the role or four-eyes forbids it; else its transition.

    ``outcome``: for an action whose outcome decides who may take it (an appeal varied or annulled), that
    outcome; None checks the action's ordinary taker."""
    step = TRANSITIONS[action]
    if facts.state not in step.sources:
        raise WrongState(
            "state",
            Text(N_("The case is %(state)s: '%(action)s' does not apply now."),
                 state=STATE_NAMES[facts.state], action=ACTION_NAMES[action]),
        )
    who = step.who_for(outcome)
    if not may_take(actor, facts, who):
        rule = "four_eyes" if who is Who.INDEPENDENT_SUPERVISOR and actor.role == "supervisor" else "role"
        raise NotPermitted(rule, _who_message(who))
    problem = four_eyes_problem(action, actor, facts)
    if problem:
        raise NotPermitted("four_eyes", problem)
    return step


def _who_message(who: Who) -> Text:
    if who is Who.INDEPENDENT_SUPERVISOR:
        return Text(N_("An appeal that varied or annulled the decision is recorded by a supervisor of the case's "
                       "unit who is not one of its case officers."))
    if who is Who.SUPERVISOR:
        return Text(N_("Only a supervisor of the case's unit may take this action."))
    if who is Who.CASE_OFFICER:
        return Text(N_("Only one of the case officers may take this action."))
    return Text(N_("Only an officer of the case's unit (or a supervisor who is a case officer) may take this "
                   "action."))


def allowed_outcomes(actor: Actor, facts: CaseFacts, action: CaseAction, outcomes) -> list[str]:
    """Of ``outcomes``, those this actor may record with the action (an appeal's, say)."""
    step = TRANSITIONS[action]
    return [o for o in outcomes if may_take(actor, facts, step.who_for(o))]


def allowed_actions(actor: Actor, facts: CaseFacts) -> list[CaseAction]:
    """The actions this actor may take on the case now (state, role and four-eyes; data guards aside)."""
    allowed = []
    for action, step in TRANSITIONS.items():
        if facts.state in step.sources and any(may_take(actor, facts, who) for who in step.everyone_who):
            if four_eyes_problem(action, actor, facts) is None:
                allowed.append(action)
    return allowed


def check_step_date(on: date, today: date, facts: CaseFacts) -> None:
    """A step's date may lie in the past, never in the future nor before the case's previous step."""
    if on > today:
        raise GuardFailed("date", Text(N_("The date %(date)s lies in the future."), date=on), "on")
    if facts.last_step_on is not None and on < facts.last_step_on:
        raise GuardFailed(
            "date",
            Text(N_("The date %(date)s is before the case's previous step (%(previous)s)."),
                 date=on, previous=facts.last_step_on),
            "on",
        )


def limitation_ends(act_on: date, harm_to_safety: bool, years: int, years_harm: int) -> date:
    """The last day an act may still be filed (2 years, or 5 where safety was harmed)."""
    span = years_harm if harm_to_safety else years
    try:
        return act_on.replace(year=act_on.year + span)
    except ValueError:  # 29 February
        return act_on.replace(year=act_on.year + span, day=28)


def check_not_time_barred(act_on: date, harm_to_safety: bool, on: date, years: int, years_harm: int) -> None:
    """Filing a time-barred act is refused."""
    ends = limitation_ends(act_on, harm_to_safety, years, years_harm)
    if on > ends:
        raise GuardFailed(
            "limitation",
            Text(N_("The act of %(act_on)s is time-barred: the limitation period ended on %(ends)s."),
                 act_on=act_on, ends=ends),
            "act_on",
        )


def require_reason(step: Transition, reason: str | None) -> None:
    """Actions that need a reason are refused without one."""
    if step.needs_reason and not (reason or "").strip():
        raise GuardFailed("reason", Text(N_("'%(action)s' needs a reason."), action=ACTION_NAMES[step.action]),
                          "reason")


def check_appeal_outcome(outcome: str, reference: str, varied: Penalty | None, in_force: Penalty | None) -> None:
    """An appeal that varied or annulled the decision cites the appeal body's decision; a varied penalty is never
    heavier than the one in force (no change to the appellant's detriment: Administrative Reconsideration Law
    2023 art. 63, Administrative Litigation Law art. 77)."""
    if outcome in APPEAL_OUTCOMES_THAT_CHANGE_THE_DECISION and not reference.strip():
        raise GuardFailed("reference", Text(N_("Give the number of the appeal body's decision that varied or annulled "
                                               "the penalty.")), "reference")
    if outcome == "varied":
        if varied is None or not varied.lines:
            raise GuardFailed("lines", Text(N_("A varied decision records the new penalty lines.")), "lines")
        if in_force is not None and is_heavier(varied, in_force):
            raise GuardFailed("no_detriment", Text(N_(
                "An appeal may lighten the penalty, never make it heavier than the one in force (no change to the "
                "appellant's detriment): no line above the same kind's, and no kind the penalty lacks.")), "lines")

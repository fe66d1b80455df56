"""What each case action does to a case, as pure functions (DOMAIN.md §3-§5): from the case's facts, the typed
command and the step (who, when, the rulebook, the people the command names), either a refusal naming the rule
(``ActionRefused``) or an ``Effect``: the state the case goes to, the field changes, the history event's data and
what else the service must add (a pause, a payment, an extension, an appeal, officers, a closure order).

The rules themselves are stated once, in ``caserules`` (special targets, windows, limits, penalty comparisons),
``lifecycle`` (states and who acts) and ``penalties`` (ranges, money owed); this module decides, for each action,
which rules apply in which order and what changes. The service loads the case, hands in plain facts
(``CaseFacts``), applies the effect to its records, appends the event and commits.

The event data's keys and values, and their order, are part of the history's hash chain: keep them as they are.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from tracker.domain import caserules
from tracker.domain import lifecycle as lc
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
from tracker.domain.deadlines import CaseDates, Deadline, case_deadlines
from tracker.domain.lifecycle import CaseAction, CaseState, GuardFailed, WrongState
from tracker.domain.penalties import Account, Penalty, PaymentIn, account, check_penalty, hearing_right
from tracker.domain.rulebook import Rulebook
from tracker.domain.text import N_, Text

A = CaseAction
Member = tuple[int, str]  # a user of the case's unit the command names: (id, username)


# ------------------------------------------------------------------------------------------ what goes in


@dataclass(frozen=True)
class AppealFacts:
    kind: str  # reconsideration | lawsuit
    lodged_on: date
    outcome: str  # pending | upheld | varied | annulled | withdrawn
    outcome_on: date | None


@dataclass(frozen=True)
class CaseFacts:
    """What the actions need to know about a case, as plain values (the service builds it from its records)."""

    state: CaseState
    dates: CaseDates  # the steps' dates, pauses and extensions (the deadlines are computed from them)
    major: bool = False
    officer_ids: frozenset[int] = frozenset()  # the case officers (inspectors and those named at filing)
    violation_codes: tuple[str, ...] = ()  # the recorded violations' codes, in order
    operator_type: str = "individual"
    hearing_right: bool | None = None
    proposed_lines: list | None = None  # as stored: an approval takes them as they are
    approved: Penalty | None = None
    decided: Penalty | None = None  # decided, or varied on appeal
    payment_due_on: date | None = None
    withdrawn_on: date | None = None
    payments: tuple[PaymentIn, ...] = ()
    appeals: tuple[AppealFacts, ...] = ()

    def appeal_periods(self) -> list[tuple[date, date | None]]:
        return [(a.lodged_on, a.outcome_on if a.outcome != "pending" else None) for a in self.appeals]


def _say_key(key: str) -> str:
    return key


@dataclass(frozen=True)
class Step:
    """One action's circumstances: who acts, on which day (and today), under which rulebook, and what the service
    looked up for the command: the usernames it names, each an active member of the case's unit in the role the
    action needs (``Member``) or None. ``deadline_name`` and ``appeal_name`` say a deadline's or an appeal's key
    in the reader's words; they are called only when a step is refused."""

    actor_id: int
    on: date
    today: date
    rulebook: Rulebook
    people: Mapping[str, Member | None] = field(default_factory=dict)
    deadline_name: Callable[[str], object] = _say_key
    appeal_name: Callable[[str], object] = _say_key


class _Named:
    """A deadline's or appeal's name for a message, said (translated) only when the message is shown."""

    def __init__(self, say: Callable[[str], object], key: str):
        self.say, self.key = say, key

    def __str__(self) -> str:
        return str(self.say(self.key))


class OutsideRange(GuardFailed):
    """A penalty outside the rulebook's range, proposed without a departure reason; ``problems`` says where."""

    def __init__(self, problems):
        self.problems = tuple(problems)
        super().__init__("penalty_range", Text(N_(
            "The penalty is outside the rulebook's range: %(problems)s Give a departure reason (mitigating or "
            "aggravating circumstances) to propose it anyway."), problems=" ".join(self.problems)), "departure_reason")


# ------------------------------------------------------------------------------------------ what comes out


@dataclass(frozen=True)
class NewPause:
    kind: str  # suspension | hearing
    starts_on: date


@dataclass(frozen=True)
class PauseEnd:
    """Every open pause of this kind ends on this day."""

    kind: str
    ends_on: date


@dataclass(frozen=True)
class NewPayment:
    on: date
    amount: Decimal
    receipt: str
    recorded_by_id: int


@dataclass(frozen=True)
class NewExtension:
    deadline: str
    days: int
    reason: str
    granted_by_id: int
    on: date


@dataclass(frozen=True)
class AppealChange:
    """An appeal lodged (``index`` None) or the pending one at ``index`` of the case's appeals, with its outcome;
    ``lines``: the varied penalty, else None (left as it is)."""

    index: int | None
    kind: str
    lodged_on: date
    outcome: str
    outcome_on: date | None
    reference: str | None
    lines: list | None = None


@dataclass(frozen=True)
class Effect:
    """What an action does: the state the case goes to (None: it stays), the case's fields that change (name ->
    new value), the history event's data (in order), and what else is added to the case."""

    target: CaseState | None
    changes: Mapping[str, object] = field(default_factory=dict)
    event: Mapping[str, object] = field(default_factory=dict)
    officers: tuple[int, ...] = ()  # users who become case officers (not inspectors), in order
    pause: NewPause | None = None
    pause_ends: PauseEnd | None = None
    payment: NewPayment | None = None
    extension: NewExtension | None = None
    appeal: AppealChange | None = None
    premises_closed: bool = False  # the decision orders the premises closed

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", MappingProxyType(dict(self.changes)))
        object.__setattr__(self, "event", MappingProxyType(dict(self.event)))


def _to(action: CaseAction) -> CaseState | None:
    """The action's ordinary target, from the lifecycle's table."""
    return lc.transition(action).target


# ------------------------------------------------------------------------------------------ shared steps


def deadlines(case: CaseFacts, rulebook: Rulebook, on: date) -> list[Deadline]:
    """The case's deadlines with their status on ``on``."""
    return case_deadlines(case.dates, rulebook, on)


def money_owed(decided: Penalty | None, withdrawn_on: date | None, payment_due_on: date | None,
               payments: list[PaymentIn], appeal_periods: list[tuple[date, date | None]], on: date,
               rate: Decimal) -> Account | None:
    """What the decided penalty's party owes on ``on``: None before a decision, or once it was withdrawn."""
    if decided is None or withdrawn_on is not None:
        return None
    return account(decided.fine, decided.confiscation, payment_due_on, payments, rate, on, appeal_periods)


def _owed(decided: Penalty | None, case: CaseFacts, rulebook: Rulebook, on: date,
          payments: tuple[PaymentIn, ...] | None = None,
          appeal_periods: list[tuple[date, date | None]] | None = None) -> Account | None:
    """``money_owed`` on the case, by default with its payments and appeal periods."""
    return money_owed(decided, case.withdrawn_on, case.payment_due_on,
                      list(case.payments if payments is None else payments),
                      case.appeal_periods() if appeal_periods is None else appeal_periods, on,
                      rulebook.late_payment_daily_rate or Decimal("0"))


def _member(step: Step, username: str, field_name: str) -> Member:
    found = step.people.get(username)
    if found is None:
        raise GuardFailed("member", Text(N_("%(username)s is not an active officer or supervisor of this unit."),
                                         username=repr(username)), field_name)
    return found


def _discussion(discussion: Discussion | None, step: Step) -> dict:
    """The heads' collective discussion as the event records it: its date and its distinct participants, sorted."""
    caserules.check_collective_discussion(True, discussion is not None)
    names = sorted({_member(step, p, "collective_discussion.participants")[1] for p in discussion.participants})
    caserules.check_discussion_participants(len(names))
    return {"on": discussion.on.isoformat(), "participants": names}


def _served(decided: Penalty, on: date, rulebook: Rulebook) -> tuple[caserules.Service, dict]:
    """Serving a decision (caserules.serve_decision), as field changes: served and published, money due, or
    executed on service when there is nothing to pay."""
    served = caserules.serve_decision(decided, on, rulebook.deadline("payment"), rulebook.calendar)
    changes: dict = {"decision_served_on": on}
    if served.published:
        changes["published_on"] = on
    if served.payment_due_on is not None:
        changes["payment_due_on"] = served.payment_due_on
    if served.settled:
        changes["settled_on"] = changes["closable_on"] = on
    return served, changes


def lateness(action: CaseAction, case: CaseFacts, reason: str, step: Step) -> dict | None:
    """Soft agency deadlines: a late step is recorded, but needs a reason and is flagged for audit. The event's
    "late" entry, or None when the step meets its deadline (or meets none)."""
    name = caserules.MEETS.get(action)
    if name is None:
        return None
    deadline = next((d for d in deadlines(case, step.rulebook, step.on) if d.name == name), None)
    if deadline is None or not caserules.is_late(deadline.due_on, deadline.met_on is not None, step.on):
        return None
    if not reason:
        caserules.refuse_late_step_without_reason(step.deadline_name(name), deadline.due_on)
    return {"deadline": name, "due_on": deadline.due_on.isoformat()}


# ------------------------------------------------------------------------------------------ the actions


def file_case(case: CaseFacts, command: FileCase, step: Step) -> Effect:
    if not command.officers:
        raise GuardFailed("case_officers", Text(N_("Name at least two officers of the unit for the investigation.")),
                          "officers")
    named = [_member(step, u, "officers") for u in command.officers]
    act_on, harm, rulebook = command.act_on or case.dates.clue_on, command.harm_to_safety, step.rulebook
    caserules.check_case_officers(len({user_id for user_id, _name in named}))
    caserules.check_act_before_filing(act_on, step.on)
    lc.check_not_time_barred(act_on, harm, step.on, rulebook.limitation_years, rulebook.limitation_years_harm)
    added = tuple(dict.fromkeys(user_id for user_id, _name in named if user_id not in case.officer_ids))
    return Effect(
        _to(A.FILE),
        {"act_on": act_on, "harm_to_safety": harm, "filed_on": step.on},
        {"officers": [name for _id, name in named], "act_on": act_on.isoformat(), "harm_to_safety": harm},
        officers=added,
    )


def decline(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.DECLINE), {"declined_on": step.on, "closable_on": step.on})


def mark_major(case: CaseFacts, command: Command, step: Step) -> Effect:
    if case.major:
        raise WrongState("major", Text(N_("The case is already marked major.")))
    return Effect(_to(A.MARK_MAJOR), {"major": True}, {"major": True})


def suspend(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.SUSPEND), pause=NewPause("suspension", step.on))


def resume(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.RESUME), pause_ends=PauseEnd("suspension", step.on))


def terminate(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.TERMINATE), {"closable_on": step.on})


def transfer(case: CaseFacts, command: Transfer, step: Step) -> Effect:
    return Effect(_to(A.TRANSFER), {"closable_on": step.on}, {"to": command.to})


def propose_penalty(case: CaseFacts, command: ProposePenalty, step: Step) -> Effect:
    """A proposal replaces any earlier one (and its review); outside the rulebook's range it needs a departure
    reason and is flagged for audit."""
    caserules.check_violations_recorded(len(case.violation_codes))
    penalty, gains, severity = command.lines, command.illegal_gains, command.severity
    departure, report, rulebook = command.departure_reason, command.report, step.rulebook
    rules = [rulebook.violation(code).penalty for code in case.violation_codes if code in rulebook.violations]
    check = check_penalty(penalty, rules, case.operator_type, severity, gains)
    if caserules.needs_departure_reason(check.within, departure):
        raise OutsideRange(check.problems)
    right = hearing_right(penalty, rulebook.hearing, case.operator_type)
    changes = {
        "proposed_lines": penalty.to_json(), "proposed_by_id": step.actor_id, "proposed_on": step.on,
        "approved_lines": None, "approved_by_id": None, "reviewed_on": None,
        "severity": severity, "illegal_gains": gains, "departure_reason": departure or None, "hearing_right": right,
    }
    if not check.within:
        changes["flagged_for_audit"] = True
    event = {
        "lines": penalty.to_json(),
        "severity": severity,
        "illegal_gains": None if gains is None else f"{gains:.2f}",
        "within_range": check.within,
        "problems": list(check.problems),
        "hearing_right": right,
    }
    if departure:
        event["departure_reason"] = departure
    if report:
        event["report"] = report
    return Effect(_to(A.PROPOSE_PENALTY), changes, event)


def approve_penalty(case: CaseFacts, command: Command, step: Step) -> Effect:
    lines = case.proposed_lines
    return Effect(_to(A.APPROVE_PENALTY), {"approved_lines": lines, "approved_by_id": step.actor_id,
                                           "reviewed_on": step.on}, {"lines": lines})


def return_proposal(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.RETURN), {"reviewed_on": step.on})


def serve_notice(case: CaseFacts, command: Serve, step: Step) -> Effect:
    return Effect(_to(A.SERVE_NOTICE), {"notice_served_on": step.on},
                  {"method": command.method, "hearing_right": case.hearing_right})


def request_hearing(case: CaseFacts, command: Command, step: Step) -> Effect:
    rulebook = step.rulebook
    caserules.check_hearing_request(case.hearing_right, step.on, rulebook.deadline("hearing_request"),
                                    case.dates.notice_served_on, rulebook.calendar)
    return Effect(_to(A.REQUEST_HEARING), pause=NewPause("hearing", step.on))


def hold_hearing(case: CaseFacts, command: HoldHearing, step: Step) -> Effect:
    host_id, host = _member(step, command.host, "host")
    caserules.check_hearing_host(host_id, case.officer_ids)
    return Effect(_to(A.HOLD_HEARING), event={"host": host, "report": command.report},
                  pause_ends=PauseEnd("hearing", step.on))


def decide(case: CaseFacts, command: Decide, step: Step) -> Effect:
    """The noticed penalty or lower lines, after the party's statement window (or its written waiver); a major
    case records the heads' collective discussion; a suspension or closure orders the premises closed."""
    rulebook, waived = step.rulebook, command.waived
    caserules.check_statement_window(waived, step.on, rulebook.deadline("statement"), case.dates.notice_served_on,
                                     rulebook.calendar)
    decided = caserules.decided_penalty(case.approved, command.lines)
    event: dict = {}
    if case.major:
        event["collective_discussion"] = _discussion(command.collective_discussion, step)
    lines = decided.to_json()
    event.update(waived=waived, lines=lines)
    return Effect(_to(A.DECIDE), {"waived": waived, "decided_lines": lines, "decided_on": step.on}, event,
                  premises_closed=caserules.orders_closure(decided))


def serve_decision(case: CaseFacts, command: Serve, step: Step) -> Effect:
    served, changes = _served(case.decided, step.on, step.rulebook)
    event: dict = {"method": command.method}
    if served.payment_due_on is not None:
        event["payment_due_on"] = served.payment_due_on.isoformat()
    return Effect(served.target, changes, event)


def record_payment(case: CaseFacts, command: RecordPayment, step: Step) -> Effect:
    """A payment of at most what is due; paid in full, the case is executed."""
    amount, on = command.amount, step.on
    caserules.check_payment(amount, _owed(case.decided, case, step.rulebook, on).due, on)
    after = _owed(case.decided, case, step.rulebook, on, payments=(*case.payments, PaymentIn(on, amount)))
    target = caserules.after_payment(case.state, after)
    changes = {"settled_on": on, "closable_on": on} if target is CaseState.EXECUTED else {}
    return Effect(target, changes,
                  {"amount": f"{amount:.2f}", "receipt": command.receipt, "due": f"{after.due:.2f}"},
                  payment=NewPayment(on, amount, command.receipt, step.actor_id))


def apply_enforcement(case: CaseFacts, command: ApplyEnforcement, step: Step) -> Effect:
    rulebook, demand_on = step.rulebook, command.demand_served_on
    balance = _owed(case.decided, case, rulebook, step.on)
    caserules.check_enforcement(
        step.on, demand_on, rulebook.deadline("enforcement_demand"), rulebook.calendar, case.payment_due_on,
        None if balance is None else balance.due,
        appeals_pending=any(a.outcome == "pending" for a in case.appeals),
        appeal_failed=any(a.outcome in ("upheld", "withdrawn") for a in case.appeals),
        lawsuit_ends=caserules.window_end(rulebook.deadline("lawsuit"), case.dates.decision_served_on,
                                          rulebook.calendar),
    )
    return Effect(_to(A.APPLY_ENFORCEMENT), event={"demand_served_on": demand_on.isoformat(),
                                                    "due": f"{balance.due:.2f}"})


def close(case: CaseFacts, command: Command, step: Step) -> Effect:
    return Effect(_to(A.CLOSE), {"closed_on": step.on})


def record_appeal(case: CaseFacts, command: RecordAppeal, step: Step) -> Effect:
    """An appeal lodged within its window, or the pending one of its kind with its outcome. Annulled, the decision
    is withdrawn and the case terminated; varied, the new penalty replaces the one in force everywhere, and with
    nothing left to pay the case is executed (money paid beyond the new amount shows as to be refunded)."""
    kind, outcome, outcome_on, reference = command.kind, command.outcome, command.outcome_on, command.reference
    rulebook, on = step.rulebook, step.on
    varied = command.lines if outcome == "varied" else None
    lc.check_appeal_outcome(outcome, reference, varied, case.decided)
    index = next((i for i, a in enumerate(case.appeals) if a.kind == kind and a.outcome == "pending"), None)
    if index is None:
        reconsiderations = [a.outcome_on for a in case.appeals if a.kind == "reconsideration" and a.outcome_on]
        ends = caserules.appeal_window_end(kind, case.dates.decision_served_on,
                                           reconsiderations[-1] if reconsiderations else None,
                                           rulebook.deadlines, rulebook.calendar)
        caserules.check_appeal_window(on, ends, _Named(step.appeal_name, kind))
        lodged_on = on
    else:
        lodged_on = case.appeals[index].lodged_on
    if outcome != "pending":
        outcome_on = outcome_on or on
        caserules.check_appeal_outcome_date(outcome_on, lodged_on, step.today)
    target, changes, lines = _to(A.RECORD_APPEAL), {}, None
    event: dict = {"kind": kind, "outcome": outcome, "lodged_on": lodged_on.isoformat()}
    if reference:
        event["reference"] = reference
    if outcome == "varied":
        lines = changes["decided_lines"] = event["lines"] = varied.to_json()
        periods = case.appeal_periods()
        if index is None:
            periods.append((lodged_on, outcome_on))
        else:
            periods[index] = (lodged_on, outcome_on)
        balance = _owed(varied, case, rulebook, outcome_on, appeal_periods=periods)
        executed = caserules.after_appeal("varied", case.state, settled=balance is None or balance.settled)
        if executed is not None:
            target = executed
            changes["settled_on"] = changes["closable_on"] = outcome_on
        if balance is not None and balance.overpaid > 0:
            event["to_refund"] = f"{balance.overpaid:.2f}"
    elif outcome == "annulled":
        # The decision is withdrawn and its publication removed; nothing remains to execute.
        changes["withdrawn_on"] = changes["closable_on"] = outcome_on
        target = caserules.after_appeal(outcome, case.state, settled=False)
    if outcome_on:
        event["outcome_on"] = outcome_on.isoformat()
    appeal = AppealChange(index, kind, lodged_on, outcome, outcome_on if outcome != "pending" else None,
                          reference or None, lines)
    return Effect(target, changes, event, appeal=appeal)


def extend_deadline(case: CaseFacts, command: ExtendDeadline, step: Step) -> Effect:
    name, days, collective = command.deadline, command.days, command.collective_discussion
    current = next((d for d in deadlines(case, step.rulebook, step.on) if d.name == name), None)
    caserules.check_extension(_Named(step.deadline_name, name), current is not None and current.status.value != "met",
                              step.rulebook.deadline(name), case.dates.extensions.get(name, 0), days,
                              collective is not None)
    event: dict = {}
    if collective:
        event["collective_discussion"] = _discussion(collective, step)
    event.update(deadline=name, days=days)
    return Effect(_to(A.EXTEND_DEADLINE), event=event,
                  extension=NewExtension(name, days, command.reason, step.actor_id, step.on))


ACTIONS: dict[CaseAction, Callable[[CaseFacts, Command, Step], Effect]] = {
    A.FILE: file_case,
    A.DECLINE: decline,
    A.MARK_MAJOR: mark_major,
    A.SUSPEND: suspend,
    A.RESUME: resume,
    A.TERMINATE: terminate,
    A.TRANSFER: transfer,
    A.PROPOSE_PENALTY: propose_penalty,
    A.APPROVE_PENALTY: approve_penalty,
    A.RETURN: return_proposal,
    A.SERVE_NOTICE: serve_notice,
    A.REQUEST_HEARING: request_hearing,
    A.HOLD_HEARING: hold_hearing,
    A.DECIDE: decide,
    A.SERVE_DECISION: serve_decision,
    A.RECORD_PAYMENT: record_payment,
    A.APPLY_ENFORCEMENT: apply_enforcement,
    A.CLOSE: close,
    A.RECORD_APPEAL: record_appeal,
    A.EXTEND_DEADLINE: extend_deadline,
}
assert set(ACTIONS) == set(CaseAction)


def effect_of(action: CaseAction, case: CaseFacts, command: Command, step: Step) -> Effect:
    """The action's effect (state, role and four-eyes already checked by ``lifecycle.check_action``): a late step
    first needs its reason, then the action's own rules; a late one is flagged for audit and its event says so."""
    late = lateness(action, case, command.reason, step)
    effect = ACTIONS[action](case, command, step)
    if late is None:
        return effect
    return replace(effect, changes={"flagged_for_audit": True, **effect.changes}, event={"late": late, **effect.event})


# ------------------------------------------------------------------------------------------ simplified procedure


def on_the_spot(penalty: Penalty, method: str, inspected_on: date, step: Step) -> Effect:
    """The simplified procedure (the penalty already within its limits): proposed, approved, decided and served on
    the spot the same day, which is also the filing; served like any decision (published, due or executed)."""
    caserules.check_on_the_spot_date(step.on, inspected_on)
    lines = penalty.to_json()
    served, service = _served(penalty, step.on, step.rulebook)
    changes = {
        "simplified": True, "proposed_lines": lines, "approved_lines": lines, "decided_lines": lines,
        "proposed_by_id": step.actor_id, "filed_on": step.on, "decided_on": step.on, **service,
    }
    return Effect(served.target, changes, {"lines": lines, "method": method, "simplified": True})

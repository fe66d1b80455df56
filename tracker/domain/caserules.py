"""The legal consequences of case actions (DOMAIN.md §3-§5): which state an action leads to in its special
cases, the officer and host rules, the penalty comparisons, the windows a party or the agency must keep,
and the extension bounds. Each rule is stated once, here; its numbers come from the rulebook.

Pure: the service hands in plain facts (penalties, dates, the rulebook's deadline rules and calendar) and
applies what comes back; a refusal is an ``ActionRefused`` naming the rule and the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.deadlines import due_date, max_extension
from tracker.domain.lifecycle import CaseAction, CaseState, GuardFailed, NotPermitted
from tracker.domain.penalties import Account, Penalty, is_heavier
from tracker.domain.rulebook import DeadlineRule
from tracker.domain.text import N_, Money, Text

MIN_CASE_OFFICERS = 2  # an administrative investigation has at least two officers (APL art. 42)
MIN_DISCUSSION_PARTICIPANTS = 2  # a collective discussion of the heads has at least two participants
CLOSING_SANCTIONS = frozenset({"suspension", "closure"})  # a decided one orders the premises closed
# Which soft (agency) deadline each action meets: a late step needs a reason and is flagged for audit.
MEETS: dict[CaseAction, str] = {
    CaseAction.FILE: "filing",
    CaseAction.DECLINE: "filing",
    CaseAction.APPROVE_PENALTY: "review",
    CaseAction.RETURN: "review",
    CaseAction.DECIDE: "decision",
    CaseAction.SERVE_DECISION: "decision_service",
    CaseAction.CLOSE: "closing",
}


def span(rule: DeadlineRule) -> Text:
    """A deadline rule's length as readers say it: "5 working days", "15 days", "6 months"."""
    if rule.unit == "working":
        return Text(N_("%(n)s working days"), n=rule.days)
    if rule.unit == "calendar":
        return Text(N_("%(n)s days"), n=rule.days)
    return Text(N_("%(n)s months"), n=rule.days)


def window_end(rule: DeadlineRule, start: date, calendar: WorkingCalendar) -> date:
    """The last day of a window that opens with ``start``."""
    return due_date(rule, start, calendar)


def is_late(due_on: date, met: bool, on: date) -> bool:
    """Whether a step misses its soft (agency) deadline: then it is recorded, flagged for audit, with a reason."""
    return not met and on > due_on


def refuse_late_step_without_reason(deadline: Text | str, due_on: date) -> None:
    raise GuardFailed("late", Text(N_("The %(deadline)s deadline was %(due_on)s: give a reason for the delay."),
                                   deadline=deadline, due_on=due_on), "reason")


# ------------------------------------------------------------------------------------------ filing


def check_case_officers(distinct_officers: int) -> None:
    if distinct_officers < MIN_CASE_OFFICERS:
        raise GuardFailed("case_officers", Text(N_("At least %(n)s different officers are assigned to a case."),
                                                n=MIN_CASE_OFFICERS), "officers")


def check_act_before_filing(act_on: date, filed_on: date) -> None:
    if act_on > filed_on:
        raise GuardFailed("act_date", Text(N_("The act cannot come after the filing.")), "act_on")


# ------------------------------------------------------------------------------------------ proposal


def check_violations_recorded(count: int) -> None:
    """A penalty is proposed for recorded violation codes only."""
    if count < 1:
        raise GuardFailed("violations", Text(N_("Record at least one violation code before proposing a penalty.")),
                          "violations")


def needs_departure_reason(within_range: bool, departure_reason: str) -> bool:
    """A penalty outside the rulebook's range is proposed only with a written reason for departing from it."""
    return not within_range and not departure_reason.strip()


# ------------------------------------------------------------------------------------------ hearing


def check_hearing_request(hearing_right: bool, on: date, rule: DeadlineRule, notice_served_on: date,
                          calendar: WorkingCalendar) -> None:
    """A hearing is requested only where the penalty gives the right, within the window after the notice."""
    if not hearing_right:
        raise GuardFailed("hearing_right", Text(N_(
            "This penalty gives no hearing right (below the thresholds, no closure or suspension).")), "on")
    ends = window_end(rule, notice_served_on, calendar)
    if on > ends:
        raise GuardFailed("hearing_window", Text(N_("The hearing request window closed on %(on)s (%(span)s after "
                                                    "service)."), on=ends, span=span(rule)), "on")


def check_hearing_host(host_id: int, case_officer_ids: frozenset[int]) -> None:
    if host_id in case_officer_ids:
        raise NotPermitted("hearing_host", Text(N_("The hearing host must be a supervisor who is not a case "
                                                   "officer.")), "host")


# ------------------------------------------------------------------------------------------ decision


def check_statement_window(waived: bool, on: date, rule: DeadlineRule, notice_served_on: date,
                           calendar: WorkingCalendar) -> None:
    """The party may state and defend until the window after the notice ends, unless it waived that in writing."""
    if waived:
        return
    ends = window_end(rule, notice_served_on, calendar)
    if on <= ends:
        raise GuardFailed("statement_window", Text(N_(
            "The party may state and defend until %(on)s: decide after that date, or record a written waiver "
            "(waived: true)."), on=ends), "on")


def decided_penalty(noticed: Penalty, lowered: Penalty | None) -> Penalty:
    """The penalty decided: the noticed one, or lower lines; never heavier (a new notice is needed for that)."""
    if lowered is None:
        return noticed
    if is_heavier(lowered, noticed):
        raise GuardFailed("no_raise", Text(N_("A decision may lower the noticed penalty, never raise it: serve a new "
                                              "notice instead.")), "lines")
    return lowered


def check_collective_discussion(needed: bool, present: bool) -> None:
    """A major case's decision (and an extension beyond its limit) records the heads' collective discussion."""
    if needed and not present:
        raise GuardFailed("collective_discussion", Text(N_(
            "A major case records the heads' collective discussion (date and participants).")),
            "collective_discussion")


def check_discussion_participants(count: int) -> None:
    if count < MIN_DISCUSSION_PARTICIPANTS:
        raise GuardFailed("collective_discussion", Text(N_("At least %(n)s participants take part."),
                                                        n=MIN_DISCUSSION_PARTICIPANTS),
                          "collective_discussion.participants")


def check_on_the_spot_date(on: date, inspected_on: date) -> None:
    if on < inspected_on:
        raise GuardFailed("date", Text(N_("The decision cannot come before the inspection (%(on)s)."),
                                       on=inspected_on), "on")


def orders_closure(decided: Penalty) -> bool:
    """A decided suspension or closure orders the premises closed."""
    return bool(decided.sanctions & CLOSING_SANCTIONS)


@dataclass(frozen=True)
class Service:
    """What serving a decision brings: the state it leads to, whether it is published, when money falls due."""

    target: CaseState
    published: bool
    payment_due_on: date | None
    settled: bool  # nothing to pay or enforce: executed on service


def serve_decision(decided: Penalty, on: date, payment: DeadlineRule, calendar: WorkingCalendar) -> Service:
    """A decision with money to pay falls due after the payment period; one with nothing to pay (a warning, or a
    closure ordered at decision) is executed on service. Anything but a warning alone is published on service."""
    if decided.money_total > 0:
        return Service(CaseState.DECISION_SERVED, not decided.warning_only,
                       due_date(payment, on, calendar), settled=False)
    return Service(CaseState.EXECUTED, not decided.warning_only, None, settled=True)


# ------------------------------------------------------------------------------------------ money


def check_payment(amount: Decimal, due: Decimal, on: date) -> None:
    if amount <= 0:
        raise GuardFailed("payment", Text(N_("A payment is above zero.")), "amount")
    if amount > due:
        raise GuardFailed("payment", Text(N_("The amount due on %(on)s is %(due)s."), on=on, due=Money(due)), "amount")


def after_payment(state: CaseState, account: Account) -> CaseState:
    """Paid in full (fine, surcharge and confiscated gains), the case is executed; else it stays where it is."""
    return CaseState.EXECUTED if account.settled else state


def check_enforcement(on: date, demand_served_on: date | None, demand: DeadlineRule, calendar: WorkingCalendar,
                      payment_due_on: date | None, due: Decimal | None, appeals_pending: bool, appeal_failed: bool,
                      lawsuit_ends: date) -> None:
    """Enforcement needs money unpaid after its due date, a demand served long enough ago, and the appeal windows
    passed (or an appeal failed), with no appeal pending."""
    if demand_served_on is None:
        raise GuardFailed("demand", Text(N_("Give the date the payment demand was served.")), "demand_served_on")
    wait_until = window_end(demand, demand_served_on, calendar)
    if on < wait_until:
        raise GuardFailed("demand", Text(N_("Enforcement may be applied from %(on)s (%(span)s after the demand)."),
                                         on=wait_until, span=span(demand)), "demand_served_on")
    if payment_due_on is None or on <= payment_due_on or due is None or due <= 0:
        raise GuardFailed("unpaid", Text(N_("Enforcement needs money still unpaid after the payment due date.")), "on")
    if appeals_pending or (on <= lawsuit_ends and not appeal_failed):
        raise GuardFailed("appeal_windows", Text(N_(
            "The windows for reconsideration and lawsuit run until %(on)s unless an appeal failed."),
            on=lawsuit_ends), "on")


# ------------------------------------------------------------------------------------------ appeals


def appeal_window_end(kind: str, decision_served_on: date, last_reconsideration_decided_on: date | None,
                      rules: dict[str, DeadlineRule], calendar: WorkingCalendar) -> date:
    """The last day to lodge an appeal: reconsideration or lawsuit after service, and a lawsuit also within its
    own period after a reconsideration was decided (where the rulebook has that rule)."""
    ends = window_end(rules["reconsideration" if kind == "reconsideration" else "lawsuit"], decision_served_on,
                      calendar)
    after = rules.get("lawsuit_after_reconsideration")
    if kind == "lawsuit" and last_reconsideration_decided_on is not None and after is not None:
        ends = max(ends, window_end(after, last_reconsideration_decided_on, calendar))
    return ends


def check_appeal_window(on: date, window_ends: date, kind_name: Text | str) -> None:
    if on > window_ends:
        raise GuardFailed("appeal_window", Text(N_("The %(kind)s window closed on %(on)s."), kind=kind_name,
                                                on=window_ends), "on")


def check_appeal_outcome_date(outcome_on: date, lodged_on: date, today: date) -> None:
    if outcome_on < lodged_on or outcome_on > today:
        raise GuardFailed("appeal_dates", Text(N_("The outcome date lies between the lodging and today.")),
                          "outcome_on")


def after_appeal(outcome: str, state: CaseState, settled: bool) -> CaseState | None:
    """An annulled decision terminates the case; a varied one with nothing left to pay executes it; otherwise the
    case stays where it is (None)."""
    if outcome == "annulled":
        return CaseState.TERMINATED
    if outcome == "varied" and settled and state in (CaseState.DECISION_SERVED, CaseState.ENFORCEMENT):
        return CaseState.EXECUTED
    return None


# ------------------------------------------------------------------------------------------ extensions


def check_extension(name: Text | str, running: bool, rule: DeadlineRule, already: int, days: int,
                    collective: bool) -> None:
    """A running deadline extends by at most the rulebook's days in all, more only by collective decision; one
    the rulebook does not let extend, only by collective decision."""
    if not running:
        raise GuardFailed("extension", Text(N_("The %(deadline)s deadline is not running."), deadline=name),
                          "deadline")
    limit = max_extension(rule)
    if limit is not None and already + days > limit and not collective:
        raise GuardFailed("extension", Text(N_(
            "The %(deadline)s deadline extends by at most %(days)s days without a collective decision."),
            deadline=name, days=limit), "days")
    if limit is None and not collective:
        raise GuardFailed("extension", Text(N_("The %(deadline)s deadline cannot be extended."), deadline=name),
                          "deadline")



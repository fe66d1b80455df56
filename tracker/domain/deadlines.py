"""Case deadlines (DOMAIN.md §4): due dates from the rulebook and the working-day calendar, pausable clocks, status.

Pure: standard library only; ``today`` is always a parameter. The start day is not counted, and a period ending
on a day off moves to the next working day (WorkingCalendar does both).
"""
from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.rulebook import DeadlineRule, Rulebook

DUE_SOON_FRACTION = Decimal("0.8")
ONE_DAY = timedelta(days=1)
# The names case_deadlines returns (API contract), in workflow order.
CASE_DEADLINE_NAMES = (
    "filing", "review", "statement", "decision", "decision_service", "payment", "closing", "publication",
)


class DeadlineStatus(StrEnum):
    """How a deadline stands as of today (API contract values)."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"


@dataclass(frozen=True)
class Deadline:
    """One computed deadline of a case."""

    name: str
    starts_on: date
    due_on: date
    status: DeadlineStatus
    met_on: date | None = None
    extended: bool = False
    hard: bool = False  # a party's window: when it has passed it is 'met' (lapsed), never overdue
    provisional: bool = False  # the span touches a year with no published holiday calendar (weekends only)


def overdue(due_on: date | None, today: date) -> bool:
    """Whether a deadline due on ``due_on`` has passed on ``today`` (its last day is still in time)."""
    return due_on is not None and due_on < today


def deadline_status(
    starts_on: date, due_on: date, today: date, met_on: date | None = None, hard: bool = False
) -> DeadlineStatus:
    """Met, overdue, due soon (more than 80 % of the calendar-day span elapsed) or open, as of today."""
    if met_on is not None:
        return DeadlineStatus.MET
    if overdue(due_on, today):
        return DeadlineStatus.MET if hard else DeadlineStatus.OVERDUE  # a party's window that passed has lapsed
    span = (due_on - starts_on).days
    if span <= 0 or Decimal((today - starts_on).days) > DUE_SOON_FRACTION * span:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.OPEN


def max_extension(rule: DeadlineRule) -> int | None:
    """The most extra days (in the rule's unit) that may be granted, or None when the rulebook sets no limit."""
    return rule.extension_days


def due_date(rule: DeadlineRule, start: date, calendar: WorkingCalendar, extra: int = 0) -> date:
    """The due date from start: rule.days plus ``extra`` granted days in the rule's unit, rolled to a working day."""
    if extra < 0:
        raise ValueError("an extension must not be negative")
    length = rule.days + extra
    if rule.unit == "working":
        return calendar.add_working_days(start, length)
    if rule.unit == "calendar":
        return calendar.add_calendar_days(start, length)
    return calendar.add_months(start, length)


def _pause_spans(
    pauses: Sequence[tuple[date, date | None]], today: date | None
) -> list[tuple[date, date]]:
    """Pauses as closed spans of stopped days (paused_on, resumed_on]; an open pause runs to today."""
    spans = []
    for paused_on, resumed_on in pauses:
        if resumed_on is None:
            if today is None:
                raise ValueError("an open pause needs today to count the stopped days up to")
            resumed_on = max(today, paused_on)
        if resumed_on < paused_on:
            raise ValueError(f"a pause cannot end ({resumed_on}) before it starts ({paused_on})")
        spans.append((paused_on, resumed_on))
    return spans


def _count_forward(
    start: date, days: int, spans: list[tuple[date, date]], calendar: WorkingCalendar, working: bool
) -> date:
    """The day on which the clock from start has run ``days`` days, skipping stopped days (and days off if working)."""
    d, left = start, days
    while left:
        d += ONE_DAY
        if any(paused_on < d <= resumed_on for paused_on, resumed_on in spans):
            continue
        if working and not calendar.is_working_day(d):
            continue
        left -= 1
    return calendar.next_working_day(d)


def paused_due(
    start: date,
    days: int,
    pauses: Sequence[tuple[date, date | None]],
    calendar: WorkingCalendar,
    today: date | None = None,
) -> date:
    """The due date of a calendar-day clock from start that stops during pauses, rolled to a working day.

    A pause (paused_on, resumed_on) stops the clock on the days after paused_on up to and including resumed_on,
    so it moves the due date later by resumed_on - paused_on days, less any of those days on or before start
    (a pause wholly after the due date changes nothing). An open pause (resumed_on None) is counted up to
    ``today``: the result is the due date if the clock restarted tomorrow.
    """
    if days < 0:
        raise ValueError("the number of days must not be negative")
    return _count_forward(start, days, _pause_spans(pauses, today), calendar, working=False)


def _paused_rule_due(
    rule: DeadlineRule,
    start: date,
    calendar: WorkingCalendar,
    extra: int,
    pauses: Sequence[tuple[date, date | None]],
    today: date,
) -> date:
    """A rule's due date on a clock that stops during pauses, whatever the rule's unit."""
    if not pauses:
        return due_date(rule, start, calendar, extra)
    length = rule.days + extra
    spans = _pause_spans(pauses, today)
    if rule.unit == "working":
        return _count_forward(start, length, spans, calendar, working=True)
    if rule.unit == "months":  # the month span in calendar days, then paused like a calendar clock
        year, month = divmod(start.year * 12 + start.month - 1 + length, 12)
        end = date(year, month + 1, min(start.day, monthrange(year, month + 1)[1]))
        length = (end - start).days
    return _count_forward(start, length, spans, calendar, working=False)


@dataclass(frozen=True)
class CaseDates:
    """The dates a case's steps happened ('on' dates); all optional except the clue date."""

    clue_on: date
    filed_on: date | None = None
    declined_on: date | None = None
    proposed_on: date | None = None  # the latest penalty proposal
    reviewed_on: date | None = None  # approved or returned
    notice_served_on: date | None = None
    decided_on: date | None = None
    decision_served_on: date | None = None
    settled_on: date | None = None  # everything paid / executed
    closable_on: date | None = None  # the day the case reached executed / terminated / not_filed / transferred
    closed_on: date | None = None
    published_on: date | None = None
    pauses: tuple[tuple[date, date | None], ...] = ()  # suspensions and hearing time (requested -> held)
    extensions: Mapping[str, int] = field(default_factory=dict)  # deadline name -> extra days, in its own unit
    publishable: bool = False  # a decision other than a warning
    has_money: bool = False  # something to pay after the decision


def _met(on: date | None, start: date) -> date | None:
    """A meeting date, ignoring one from before the start (an earlier round: a returned proposal, say)."""
    return on if on is not None and on >= start else None


def case_deadlines(dates: CaseDates, rulebook: Rulebook, today: date) -> list[Deadline]:
    """The deadlines of a case whose starting event has happened, with due dates and status as of today."""
    calendar = rulebook.calendar
    result: list[Deadline] = []

    def add(name: str, start: date | None, met_on: date | None, paused: bool = False) -> None:
        if start is None:
            return
        rule = rulebook.deadline(name)
        extra = dates.extensions.get(name, 0)
        if paused:
            due = _paused_rule_due(rule, start, calendar, extra, dates.pauses, today)
        else:
            due = due_date(rule, start, calendar, extra)
        met_on = _met(met_on, start)
        result.append(Deadline(
            name=name,
            starts_on=start,
            due_on=due,
            status=deadline_status(start, due, today, met_on, rule.hard),
            met_on=met_on,
            extended=extra > 0,
            hard=rule.hard,
            provisional=bool(calendar.provisional_years_in(start, due)),
        ))

    add("filing", dates.clue_on, dates.filed_on or dates.declined_on)
    add("review", dates.proposed_on, dates.reviewed_on)
    add("statement", dates.notice_served_on, dates.decided_on)  # a decision ends the window (after it, or waived)
    # A case that ends without a decision (terminated, transferred) stops the decision clock too.
    add("decision", dates.filed_on, dates.decided_on or dates.closable_on, paused=True)
    add("decision_service", dates.decided_on, dates.decision_served_on)
    if dates.has_money:
        add("payment", dates.decision_served_on, dates.settled_on)
    add("closing", dates.closable_on, dates.closed_on)
    if dates.publishable:
        add("publication", dates.decision_served_on, dates.published_on)
    return result

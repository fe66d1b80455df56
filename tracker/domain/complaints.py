"""Complaints and reports from the public (DOMAIN.md §11), as pure rules.

The number (``UNIT-C-YEAR-SEQUENCE``), the tracking code, the statuses and who may take which action from
which, the deadlines (triage, mediation, reply) on the working-day calendar with the cases' statuses, the
possible duplicates, and the price check on arrival with its reasons in words.

Pure: standard library and the domain only; ``today`` is always a parameter.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tracker.domain.deadlines import Deadline, deadline_status, due_date
from tracker.domain.money import round_money
from tracker.domain.rulebook import ComplaintRules, Rulebook
from tracker.domain.text import Money, N_, Percent, Text

KINDS = ("complaint", "report")
CHANNELS = ("web", "hotline", "platform", "letter", "walk_in")
AGENCY = "agency"  # a transfer out of the tracker's units, to another agency
# An unambiguous alphabet: no 0/O, 1/I/L; the code is read out on the phone and typed on one.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12
DEADLINE_NAMES = ("triage", "mediation", "reply")


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TRANSFERRED = "transferred"
    MERGED = "merged"
    CLOSED = "closed"


class ComplaintAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    TRANSFER = "transfer"
    MERGE = "merge"
    REPLY = "reply"
    CLOSE = "close"


S, A = ComplaintStatus, ComplaintAction
# Still open: a later one about the same premises is offered as its duplicate.
OPEN_STATUSES = frozenset({S.RECEIVED, S.ACCEPTED, S.TRANSFERRED})
# Awaiting triage in its handling unit: received, or transferred to it by another unit.
AWAITING_TRIAGE = frozenset({S.RECEIVED, S.TRANSFERRED})
ALLOWED_FROM: dict[ComplaintAction, frozenset[ComplaintStatus]] = {
    A.ACCEPT: AWAITING_TRIAGE,
    A.DECLINE: AWAITING_TRIAGE,
    A.TRANSFER: AWAITING_TRIAGE,
    A.MERGE: AWAITING_TRIAGE,
    A.CLOSE: frozenset({S.ACCEPTED}),
    A.REPLY: frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.TRANSFERRED, S.CLOSED}),  # a merged one follows its primary
}
TARGET: dict[ComplaintAction, ComplaintStatus | None] = {
    A.ACCEPT: S.ACCEPTED, A.DECLINE: S.DECLINED, A.TRANSFER: S.TRANSFERRED, A.MERGE: S.MERGED, A.CLOSE: S.CLOSED,
    A.REPLY: None,
}
SUPERVISOR_ONLY = frozenset({A.ACCEPT, A.DECLINE, A.TRANSFER, A.MERGE, A.CLOSE})


class ComplaintRefused(Exception):
    """An action the rules refuse: ``kind`` 'state' (409), 'role' (403) or 'invalid' (422, on ``field``)."""

    def __init__(self, message: Text, kind: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message, self.kind, self.field = message, kind, field


# ------------------------------------------------------------------------------------------ number and code


def complaint_number(unit_code: str, year: int, sequence: int) -> str:
    """``UNIT-C-YEAR-SEQUENCE``, the sequence on at least four digits: CG-C-2020-0012."""
    if sequence < 1:
        raise ValueError("a sequence counts from 1")
    return f"{unit_code}-C-{year}-{sequence:04d}"


NUMBER_PATTERN = re.compile(r"^(?P<unit>[A-Z0-9]+(?:-[A-Z0-9]+)*)-C-(?P<year>[0-9]{4})-(?P<seq>[0-9]{4,})$")


def new_tracking_code(length: int = TRACKING_LENGTH) -> str:
    """An unguessable code the person follows the complaint with (``secrets``; 31 symbols: ~59 bits for 12)."""
    if length < 10:
        raise ValueError("a tracking code has at least 10 characters")
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(length))


def normalise_tracking_code(raw: str) -> str | None:
    """A typed code as stored: upper case, spaces and dashes dropped; None when it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    code = re.sub(r"[\s-]+", "", raw).upper()
    if not TRACKING_LENGTH <= len(code) <= 32 or any(ch not in TRACKING_ALPHABET for ch in code):
        return None
    return code


def tracking_hash(code: str) -> str:
    """What is stored of a tracking code: its SHA-256 (hex); the code itself is shown once, at intake."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


# ------------------------------------------------------------------------------------------ who may do what


def check_action(action: ComplaintAction, status: ComplaintStatus, role: str, in_handling_unit: bool,
                 transferred_to: str | None = None) -> ComplaintStatus:
    """The status the action leads to (the same one for a reply); raises ComplaintRefused.

    The handling unit's supervisor triages (accept, decline, transfer, merge) and closes; its officers and
    supervisor reply. One transferred to another agency has left the tracker: only replies remain."""
    if role not in ("officer", "supervisor") or not in_handling_unit:
        raise ComplaintRefused(Text(N_("Only the handling unit's officers and supervisors act on a complaint.")),
                               "role")
    if action in SUPERVISOR_ONLY and role != "supervisor":
        raise ComplaintRefused(Text(N_("Only a supervisor of the handling unit may %(action)s a complaint."),
                                    action=action.value), "role")
    allowed = ALLOWED_FROM[action]
    if status == S.TRANSFERRED and transferred_to == AGENCY and action != A.REPLY:
        allowed = frozenset()
    if status not in allowed:
        raise ComplaintRefused(Text(N_("A complaint that is %(status)s cannot be given the action %(action)s."),
                                    status=status.value, action=action.value), "state")
    return TARGET[action] or status


# ------------------------------------------------------------------------------------------ deadlines


@dataclass(frozen=True)
class ComplaintDates:
    """The days a complaint's steps happened."""

    kind: str
    received_on: date
    triage_from: date | None = None  # the receiving unit's start after a transfer (else received_on)
    triaged_on: date | None = None  # accepted, declined, merged or passed to another agency
    accepted_on: date | None = None
    declined_on: date | None = None
    closed_on: date | None = None
    decided_on: date | None = None  # a report: the decision on the case opened from it (filed or not filed)
    replies: tuple[date, ...] = ()


def triage_rule_name(kind: str) -> str:
    return "triage_report" if kind == "report" else "triage_complaint"


def complaint_deadlines(dates: ComplaintDates, rules: ComplaintRules, rulebook: Rulebook,
                        today: date) -> list[Deadline]:
    """Triage (7 WD for a complaint, 15 for a report), mediation (45 WD from acceptance, complaints), reply (5 WD
    from the decline, the case's decision on a report, or the closing of a complaint); statuses as for cases."""
    calendar = rulebook.calendar
    result: list[Deadline] = []

    def add(name: str, rule_name: str, start: date | None, met_on: date | None) -> None:
        if start is None:
            return
        rule = rules.deadline(rule_name)
        due = due_date(rule, start, calendar)
        met_on = met_on if met_on is not None and met_on >= start else None
        result.append(Deadline(
            name=name, starts_on=start, due_on=due, status=deadline_status(start, due, today, met_on),
            met_on=met_on, provisional=bool(calendar.provisional_years_in(start, due)),
        ))

    add("triage", triage_rule_name(dates.kind), dates.triage_from or dates.received_on, dates.triaged_on)
    if dates.kind == "complaint":
        add("mediation", "mediation", dates.accepted_on, dates.closed_on)
    reply_from = dates.declined_on or (dates.decided_on if dates.kind == "report" else dates.closed_on)
    if reply_from is not None:
        add("reply", "reply", reply_from, min((d for d in dates.replies if d >= reply_from), default=None))
    return result


def late_step(action: ComplaintAction, on: date, dates: ComplaintDates, rules: ComplaintRules,
              rulebook: Rulebook) -> Text | None:
    """Why the step is late (a soft limit passed: it needs a reason and is flagged), or None when in time."""
    start = dates.triage_from or dates.received_on
    if action == A.TRANSFER:
        name, due = "transfer", due_date(rules.deadline("transfer"), start, rulebook.calendar)
    elif action in (A.ACCEPT, A.DECLINE, A.MERGE):
        name = triage_rule_name(dates.kind)
        due = due_date(rules.deadline(name), start, rulebook.calendar)
    elif action == A.CLOSE and dates.kind == "complaint" and dates.accepted_on is not None:
        name, due = "mediation", due_date(rules.deadline("mediation"), dates.accepted_on, rulebook.calendar)
    else:
        return None
    if on <= due:
        return None
    return Text(N_("The time limit for this step ended on %(due)s: give the reason for the delay."), due=due)


# ------------------------------------------------------------------------------------------ duplicates


def normalise_address(address: str | None) -> str:
    """A free address for comparison: NFKC, case folded, spaces and punctuation dropped."""
    text = unicodedata.normalize("NFKC", address or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass(frozen=True)
class Place:
    """Where a complaint is about and when it arrived: a registered premises, or a free address in a town."""

    id: int | None
    received_on: date
    premises_id: int | None = None
    address: str = ""  # normalised
    town: str = ""
    status: ComplaintStatus = S.RECEIVED


def same_place(a: Place, b: Place) -> bool:
    if a.premises_id is not None or b.premises_id is not None:
        return a.premises_id is not None and a.premises_id == b.premises_id
    return bool(a.address) and a.address == b.address and a.town == b.town


def possible_duplicates(new: Place, others: Iterable[Place], window_days: int) -> list[int]:
    """The ids of earlier complaints (by receipt date, then number) still open, about the same premises or the
    same free address, received within ``window_days`` before this one; oldest first."""
    found = []
    for other in others:
        if other.id is None or other.id == new.id or other.status not in OPEN_STATUSES:
            continue
        earlier = other.received_on < new.received_on or (
            other.received_on == new.received_on and (new.id is None or other.id < new.id))
        if earlier and new.received_on - other.received_on <= timedelta(days=window_days) and same_place(new, other):
            found.append(other)
    return [p.id for p in sorted(found, key=lambda p: (p.received_on, p.id))]


# ------------------------------------------------------------------------------------------ price check


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median; of an even count the mean of the middle two, rounded to 0.01. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round_money((ordered[middle - 1] + ordered[middle]) / 2)


def times(price: Decimal, basis: Decimal) -> Decimal | None:
    """price / basis to one decimal (6.5), None when the basis is zero."""
    if basis <= 0:
        return None
    return (price / basis).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


REASON_CODES = ("own_baseline", "baseline_median", "recent_median", "nothing", "high")


def reason_text(fact: Mapping, commodity: str) -> Text:
    """One sentence of the price check from its stored figures (``fact``: code and plain values), in the reader's
    language when rendered; ``commodity`` is the commodity's name as the reader should see it."""
    code, currency = fact["code"], fact.get("currency")
    if code == "nothing":
        return Text(N_("No recorded price of %(commodity)s to compare with: normal priority."), commodity=commodity)
    if code == "high":
        return Text(N_("High priority: more than %(threshold)s above the price compared."),
                    threshold=Percent(Decimal(fact["threshold"])))
    price, basis = Decimal(fact["price"]), Decimal(fact["basis"])
    factor = times(price, basis)
    ratio = Text(N_("%(times)s times"), times=factor) if factor is not None else Text(N_("above"))
    common = {"price": Money(price, currency), "commodity": commodity, "ratio": ratio, "basis": Money(basis, currency)}
    if code == "own_baseline":
        return Text(N_("%(price)s for %(commodity)s is %(ratio)s the premises' own baseline price of %(basis)s "
                       "recorded on %(on)s."), on=date.fromisoformat(fact["on"]), **common)
    if code == "baseline_median":
        return Text(N_("%(price)s for %(commodity)s is %(ratio)s %(place)s's baseline median of %(basis)s "
                       "(baseline prices recorded: %(count)s)."), place=fact["place"], count=fact["count"], **common)
    return Text(N_("%(price)s for %(commodity)s is %(ratio)s %(place)s's median of %(basis)s on %(on)s "
                   "(prices recorded in the %(days)s days up to that day: %(count)s)."),
                place=fact["place"], on=date.fromisoformat(fact["on"]) if fact.get("on") else "", count=fact["count"],
                days=fact["days"], **common)


@dataclass(frozen=True)
class PriceCheck:
    priority: str  # 'high' or 'normal'
    facts: tuple[dict, ...]  # each sentence's code and figures, as stored (reason_text renders them)
    reasons: tuple[Text, ...]
    own_baseline: Decimal | None = None
    baseline_median: Decimal | None = None
    recent_median: Decimal | None = None
    basis: str | None = None  # which figure the priority compared with: own_baseline, baseline_median, recent_median


def price_check(price: Decimal | None, commodity: str | None, seen_on: date | None, *,
                own_baseline: tuple[Decimal, date] | None, baseline_prices: Sequence[Decimal],
                recent_prices: Sequence[Decimal], rules: ComplaintRules, currency: str | None,
                place: str) -> PriceCheck:
    """The price check on arrival (DOMAIN.md §11): the premises' own latest baseline price, the baseline median
    and the recent median in the unit, each stated with its figures; ``high`` when the price exceeds the first
    that exists by more than the rulebook's threshold, else ``normal`` (also with nothing to compare).

    ``commodity`` is the commodity's name as the sentences show it, ``place`` the unit's name."""
    if price is None or commodity is None:
        return PriceCheck("normal", (), ())
    base_median, recent = median(baseline_prices), median(recent_prices)
    facts: list[dict] = []
    common = {"price": f"{price:.2f}", "currency": currency}
    if own_baseline is not None:
        facts.append({"code": "own_baseline", **common, "basis": f"{own_baseline[0]:.2f}",
                      "on": own_baseline[1].isoformat()})
    if base_median is not None:
        facts.append({"code": "baseline_median", **common, "basis": f"{base_median:.2f}", "place": place,
                      "count": len(baseline_prices)})
    if recent is not None:
        facts.append({"code": "recent_median", **common, "basis": f"{recent:.2f}", "place": place,
                      "on": seen_on.isoformat() if seen_on else None, "count": len(recent_prices),
                      "days": rules.recent_prices_days})
    candidates = (("own_baseline", own_baseline[0] if own_baseline else None), ("baseline_median", base_median),
                  ("recent_median", recent))
    basis_name, basis = next(((name, value) for name, value in candidates if value is not None), (None, None))
    high = basis is not None and price > basis * (1 + rules.priority_threshold)
    if basis is None:
        facts.append({"code": "nothing"})
    elif high:
        facts.append({"code": "high", "threshold": str(rules.priority_threshold)})
    reasons = tuple(reason_text(fact, commodity) for fact in facts)
    return PriceCheck("high" if high else "normal", tuple(facts), reasons,
                      own_baseline[0] if own_baseline else None, base_median, recent, basis_name)

"""What each case action takes as input, declared once: one typed command per action.

Each command is a frozen dataclass whose fields carry their kind and limits (``spec``). The same
declaration parses a raw body (a JSON object from the API, or the body a web form builds) into the typed
command, builds the API's input schema (tracker.api.cases) and gives the web forms their limits
(tracker.web.cases.forms), so the two faces cannot disagree. Shape only: whether the case, the people and
the dates allow the action is the lifecycle's and the service's business.

Pure: no Flask; messages are domain ``Text`` rendered in the reader's language.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from tracker.domain.deadlines import CASE_DEADLINE_NAMES
from tracker.domain.lifecycle import APPEAL_OUTCOMES, CaseAction
from tracker.domain.money import to_decimal
from tracker.domain.penalties import MAX_LINES, Penalty, PenaltyError, parse_penalty
from tracker.domain.rulebook import SEVERITIES
from tracker.domain.text import N_, Text

# Limits, each stated once.
REASON_MAX = 5000
REPORT_MAX = 20000
RECEIPT_MAX = 120
REFERENCE_MAX = 120
USERNAME_MAX = 64
OFFICERS_MAX = 10  # officers named at filing
PARTICIPANTS_MAX = 30  # participants of a collective discussion
EXTENSION_DAYS_MAX = 366
MONEY_LIMIT = Decimal("1e12")
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)

SERVICE_METHODS = ("in_person", "post", "electronic", "public_notice", "left_at_premises")
TRANSFER_TO = ("police", "judiciary", "agency")
APPEAL_KINDS = ("reconsideration", "lawsuit")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CommandInvalid(ValueError):
    """A body does not fit its command: ``field`` names the input, ``str(error)`` explains it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Spec:
    """An input field: its kind, its limit (characters, items or a maximum) and, for a choice, its values."""

    kind: str  # date | text | choice | bool | money | lines | usernames | username | days | discussion
    limit: int | None = None
    choices: tuple[str, ...] = ()
    default: object = None
    required: bool = False
    description: str = ""


def _f(kind: str, **spec) -> dataclasses.Field:
    default = spec.get("default")
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"spec": Spec(kind, **spec)})
    return field(default=default, metadata={"spec": Spec(kind, **spec)})


@dataclass(frozen=True)
class Discussion:
    """The heads' collective discussion: its date and participants (usernames)."""

    on: date
    participants: tuple[str, ...]


# ------------------------------------------------------------------------------------------ the commands


@dataclass(frozen=True)
class Command:
    """Every action: the day it happened (default: today) and why."""

    on: date | None = _f("date", description="The day the step happened (default: today); never in the future nor "
                                              "before the case's previous step.")
    reason: str = _f("text", limit=REASON_MAX, default="",
                     description="Required by decline, mark_major, suspend, resume, terminate, transfer, return, "
                                 "extend_deadline, and by any late step.")


@dataclass(frozen=True)
class FileCase(Command):
    officers: tuple[str, ...] = _f("usernames", limit=OFFICERS_MAX, default=(), description="file")
    act_on: date | None = _f("date", description="file: the day of the act (limitation period)")
    harm_to_safety: bool = _f("bool", default=False, description="file")


@dataclass(frozen=True)
class Transfer(Command):
    to: str = _f("choice", choices=TRANSFER_TO, default="police", description="transfer")


@dataclass(frozen=True)
class ProposePenalty(Command):
    lines: Penalty | None = _f("lines", limit=MAX_LINES, required=True,
                               description="propose_penalty; decide (only to lower); record_appeal (when varied)")
    illegal_gains: Decimal | None = _f("money", description="propose_penalty")
    severity: str = _f("choice", choices=tuple(SEVERITIES), default="ordinary", description="propose_penalty")
    departure_reason: str = _f("text", limit=REASON_MAX, default="",
                               description="propose_penalty outside the rulebook's range")
    report: str = _f("text", limit=REPORT_MAX, default="", description="propose_penalty, hold_hearing")


@dataclass(frozen=True)
class Serve(Command):
    method: str = _f("choice", choices=SERVICE_METHODS, default="in_person", description="serve_notice, serve_decision")


@dataclass(frozen=True)
class HoldHearing(Command):
    host: str = _f("username", limit=USERNAME_MAX, default="")
    report: str = _f("text", limit=REPORT_MAX, default="", required=True, description="propose_penalty, hold_hearing")


@dataclass(frozen=True)
class Decide(Command):
    waived: bool = _f("bool", default=False, description="decide: the party waived its rights in writing")
    lines: Penalty | None = _f("lines", limit=MAX_LINES,
                               description="propose_penalty; decide (only to lower); record_appeal (when varied)")
    collective_discussion: Discussion | None = _f(
        "discussion", limit=PARTICIPANTS_MAX, description="decide (major cases), extend_deadline beyond the limit")


@dataclass(frozen=True)
class RecordPayment(Command):
    amount: Decimal | None = _f("money", required=True, description="record_payment")
    receipt: str = _f("text", limit=RECEIPT_MAX, default="", description="record_payment")


@dataclass(frozen=True)
class ApplyEnforcement(Command):
    demand_served_on: date | None = _f("date", description="apply_enforcement")


@dataclass(frozen=True)
class RecordAppeal(Command):
    kind: str = _f("choice", choices=APPEAL_KINDS, required=True, description="record_appeal")
    outcome: str = _f("choice", choices=APPEAL_OUTCOMES, default="pending", description="record_appeal")
    outcome_on: date | None = _f("date", description="record_appeal")
    lines: Penalty | None = _f("lines", limit=MAX_LINES,
                               description="propose_penalty; decide (only to lower); record_appeal (when varied)")
    reference: str = _f("text", limit=REFERENCE_MAX, default="",
                        description="record_appeal: the appeal body's decision number, required when the outcome is "
                                    "varied or annulled")


@dataclass(frozen=True)
class ExtendDeadline(Command):
    deadline: str = _f("choice", choices=tuple(CASE_DEADLINE_NAMES), required=True, description="extend_deadline")
    days: int | None = _f("days", limit=EXTENSION_DAYS_MAX, required=True, description="extend_deadline")
    collective_discussion: Discussion | None = _f(
        "discussion", limit=PARTICIPANTS_MAX, description="decide (major cases), extend_deadline beyond the limit")


A = CaseAction
COMMANDS: dict[CaseAction, type[Command]] = {
    A.FILE: FileCase, A.DECLINE: Command, A.MARK_MAJOR: Command, A.SUSPEND: Command, A.RESUME: Command,
    A.TERMINATE: Command, A.TRANSFER: Transfer, A.PROPOSE_PENALTY: ProposePenalty, A.APPROVE_PENALTY: Command,
    A.RETURN: Command, A.SERVE_NOTICE: Serve, A.REQUEST_HEARING: Command, A.HOLD_HEARING: HoldHearing,
    A.DECIDE: Decide, A.SERVE_DECISION: Serve, A.RECORD_PAYMENT: RecordPayment,
    A.APPLY_ENFORCEMENT: ApplyEnforcement, A.CLOSE: Command, A.RECORD_APPEAL: RecordAppeal,
    A.EXTEND_DEADLINE: ExtendDeadline,
}
assert set(COMMANDS) == set(CaseAction)


def specs(command: type[Command]) -> dict[str, Spec]:
    """The command's input fields in order, common ones first."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(command)}


def spec_of(command: type[Command], name: str) -> Spec:
    return specs(command)[name]


# ------------------------------------------------------------------------------------------ parsing


def parse_command(action: CaseAction, body: Mapping) -> Command:
    """The typed command of ``action`` from a raw body; the first field that does not fit raises CommandInvalid.
    Keys the command does not take are ignored here (the API refuses them before, by its schema)."""
    command = COMMANDS[action]
    values = {}
    for name, spec in specs(command).items():
        values[name] = _parse(spec, name, body.get(name))
    return command(**values)


def _parse(spec: Spec, name: str, raw: object):
    missing = raw is None or raw == "" or (spec.kind in ("usernames", "lines") and raw == [])
    if missing and spec.kind == "lines" and spec.required:
        return _lines(spec, name, raw)  # the penalty's own message says what is missing
    if missing:
        if spec.required and spec.kind not in ("lines", "text"):
            raise CommandInvalid(name, _required_message(spec, name))
        if spec.required and spec.kind == "text":
            raise CommandInvalid(name, Text(N_("'%(field)s' is required."), field=name))
        return None if spec.kind in ("lines", "discussion") else spec.default
    return PARSERS[spec.kind](spec, name, raw)


def _required_message(spec: Spec, name: str) -> Text:
    if spec.kind == "money":
        return Text(N_("This amount is required."))
    if spec.kind == "choice":
        return Text(N_("Choose one of: %(values)s."), values=", ".join(spec.choices))
    return Text(N_("'%(field)s' is required."), field=name)


def parse_day(raw: object, name: str) -> date:
    """A date written YYYY-MM-DD (fromisoformat alone would also take 20200210 or 2020-W06-1)."""
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        if not ISO_DATE.match(str(raw)):
            raise ValueError
        return date.fromisoformat(str(raw))
    except ValueError:
        raise CommandInvalid(name, Text(N_("Give the date as YYYY-MM-DD, not %(value)s."),
                                        value=repr(str(raw)[:40]))) from None


def _date(spec: Spec, name: str, raw: object) -> date:
    return parse_day(raw, name)


def parse_text(raw: object, name: str, limit: int, required: bool = False) -> str:
    """A text of at most ``limit`` characters, stripped; None or "" is empty."""
    if raw is None or raw == "":
        if required:
            raise CommandInvalid(name, Text(N_("'%(field)s' is required."), field=name))
        return ""
    return _text(Spec("text", limit=limit, required=required), name, raw)


def _text(spec: Spec, name: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise CommandInvalid(name, Text(N_("Give text.")))
    value = raw.strip()
    if spec.required and not value:
        raise CommandInvalid(name, Text(N_("'%(field)s' is required."), field=name))
    if spec.limit is not None and len(value) > spec.limit:
        raise CommandInvalid(name, Text(N_("At most %(n)s characters."), n=spec.limit))
    return value


def _choice(spec: Spec, name: str, raw: object) -> str:
    if raw not in spec.choices:
        raise CommandInvalid(name, Text(N_("Choose one of: %(values)s."), values=", ".join(spec.choices)))
    return raw


def _bool(spec: Spec, name: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise CommandInvalid(name, Text(N_("Give true or false.")))
    return raw


def parse_money(raw: object, name: str) -> Decimal:
    """A non-negative amount of money with at most two decimal places, from a string or an integer."""
    try:
        value = to_decimal(raw)
    except ValueError:
        raise CommandInvalid(name, Text(N_('Give the amount as a decimal string, such as "1100.00".'))) from None
    if value < 0 or value.as_tuple().exponent < -2 or value >= MONEY_LIMIT:
        raise CommandInvalid(name, Text(N_("Give a non-negative amount with at most two decimal places.")))
    return value


def _money(spec: Spec, name: str, raw: object) -> Decimal:
    return parse_money(raw, name)


def _lines(spec: Spec, name: str, raw: object) -> Penalty:
    try:
        return parse_penalty(raw)
    except PenaltyError as error:
        where = error.field if error.field.startswith(name) else f"{name}.{error.field}" if error.field else name
        raise CommandInvalid(where, str(error)) from None


def _username(spec: Spec, name: str, raw: object) -> str:
    return str(raw).strip().lower()[:USERNAME_MAX]


def _usernames(spec: Spec, name: str, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise CommandInvalid(name, Text(N_("Name at least two officers of the unit for the investigation.")))
    # More than the limit are not read: the API's schema refuses them, a web form cannot send them.
    return tuple(str(item).strip().lower()[:USERNAME_MAX] for item in raw[: spec.limit])


def _days(spec: Spec, name: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= (spec.limit or raw):
        raise CommandInvalid(name, Text(N_("Give a whole number of days from 1 to %(max)s."), max=spec.limit))
    return raw


def _discussion(spec: Spec, name: str, raw: object) -> Discussion:
    if not isinstance(raw, Mapping):
        raise CommandInvalid(name, Text(N_("Give the discussion's date and its participants.")))
    on = parse_day(raw.get("on"), f"{name}.on") if raw.get("on") not in (None, "") else None
    people = raw.get("participants")
    if on is None or not isinstance(people, list):
        raise CommandInvalid(name, Text(N_("Give the discussion's date and its participants.")))
    return Discussion(on, tuple(str(p).strip().lower()[:USERNAME_MAX] for p in people[: spec.limit]))


PARSERS = {
    "date": _date, "text": _text, "choice": _choice, "bool": _bool, "money": _money, "lines": _lines,
    "username": _username, "usernames": _usernames, "days": _days, "discussion": _discussion,
}

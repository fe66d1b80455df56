"""Complaints and reports from the public (DOMAIN.md §11): intake (public or recorded by an officer), routing,
the price check on arrival, possible duplicates, the triage and the other actions, the tracking page, and who
sees what. Every change commits once with its history event (tracker.models.complaints.ComplaintEvent).

The rules are tracker.domain.complaints; this module loads records, asks it, applies the answer and commits.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import complaints as rules
from tracker.domain.complaints import ComplaintAction, ComplaintRefused, ComplaintStatus
from tracker.domain.sync import canonical_client_id
from tracker.domain.vocabulary import Role
from tracker.extensions import db, limiter
from tracker.models import Case, Inspection, PriceObservation, Premises, Unit, User
from tracker.models.complaints import Complaint, ComplaintEvent, ComplaintReply
from tracker.services import clock
from tracker.services.clientids import DifferentContent
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.services.rulebooks import current_rulebook

TEXT_MAX = 5000
DESCRIPTION_MAX = 20000
REASON_MAX = 2000
NAME_MAX = 200
PHONE_MAX = 40
EARLIEST = date(2000, 1, 1)
# The fields a repeated client_id compares (DOMAIN.md: the same record whatever the spelling).
COMPARED = ("kind", "channel", "received_on", "premises_id", "premises_name", "address", "town", "commodity",
            "price_seen", "seen_on", "description", "person_name", "person_phone")
DETAIL = (selectinload(Complaint.replies), selectinload(Complaint.unit), selectinload(Complaint.duplicate_of))


@dataclass
class Intake:
    """What an intake came to: the complaint, its tracking code (shown once; None for a repeat), and whether
    this request created it."""

    complaint: Complaint
    tracking_code: str | None
    created: bool


# ------------------------------------------------------------------------------------------ parsing


def _text(raw, field: str, limit: int, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise Invalid.field(field, _("Give text."))
    value = raw.strip()
    if required and not value:
        raise Invalid.field(field, _("This is required."))
    if len(value) > limit:
        raise Invalid.field(field, _("At most %(n)s characters.", n=limit))
    return value


def _date(raw, field: str) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else _bad_date(field)
    except ValueError:
        return _bad_date(field)


def _bad_date(field: str):
    raise Invalid.field(field, _("Give the date as YYYY-MM-DD."))


def _price(raw) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise Invalid.field("price_seen", _("Give the price as a decimal string such as \"18.00\".")) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        raise Invalid.field("price_seen", _("Give a price above zero, with at most two decimals."))
    return value


def unit_today(unit: Unit) -> date:
    return clock.today(unit.timezone)


def _refused(error: ComplaintRefused):
    message = str(error.message)
    if error.kind == "role":
        return Forbidden(message)
    if error.kind == "state":
        return Conflict(message)
    return Invalid.field(error.field or "body", message)


# ------------------------------------------------------------------------------------------ intake


def _route(data: Mapping) -> tuple[Unit, Premises | None]:
    """The handling unit: the premises' unit, or the town's (a unit code) for a free address."""
    premises_id = data.get("premises_id")
    if premises_id is not None:
        premises = db.session.get(Premises, premises_id) if isinstance(premises_id, int) else None
        if premises is None:
            raise Invalid.field("premises_id", _("No such premises."))
        return premises.unit, premises
    for field in ("premises_name", "address", "town"):
        _text(data.get(field), field, 300, required=True)
    town = data["town"].strip()
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == town))
    if unit is None:
        raise Invalid.field("town", _("No such town: give a unit code."))
    return unit, None


def _values(actor: User | None, data: Mapping, unit: Unit, premises: Premises | None) -> dict:
    """The complaint's checked values, before any record is written."""
    rulebook = current_rulebook()
    today = unit_today(unit)
    kind = data.get("kind")
    if kind not in rules.KINDS:
        raise Invalid.field("kind", _("Give complaint or report."))
    channel = data.get("channel") or ("web" if actor is None else "hotline")
    if channel not in rules.CHANNELS:
        raise Invalid.field("channel", _("Give one of: %(channels)s.", channels=", ".join(rules.CHANNELS)))
    received_on = today
    if actor is not None and data.get("received_on") is not None:
        received_on = _date(data.get("received_on"), "received_on")
        if received_on > today:
            raise Invalid.field("received_on", _("The complaint cannot be received in the future."))
        if received_on < EARLIEST:
            raise Invalid.field("received_on", _("Give a date from 2000 on."))
    commodity = data.get("commodity") or None
    if commodity is not None and commodity not in rulebook.commodities:
        raise Invalid.field("commodity", _("Not a commodity of the rulebook: see GET /api/v1/commodities."))
    price = _price(data.get("price_seen"))
    if price is not None and commodity is None:
        raise Invalid.field("commodity", _("Say which goods the price is for."))
    seen_on = _date(data.get("seen_on"), "seen_on")
    if seen_on is not None and (seen_on > received_on or seen_on < EARLIEST):
        raise Invalid.field("seen_on", _("The price cannot be seen after the complaint was received."))
    person = data.get("person")
    name = phone = None
    if person is not None:
        if not isinstance(person, Mapping):
            raise Invalid.field("person", _("Give {name, phone}, or null to stay anonymous."))
        name = _text(person.get("name"), "person.name", NAME_MAX) or None
        phone = _text(person.get("phone"), "person.phone", PHONE_MAX) or None
        if name is None and phone is None:
            raise Invalid.field("person", _("Give a name or a phone, or null to stay anonymous."))
    address = "" if premises else _text(data.get("address"), "address", 300)
    return {
        "unit_id": unit.id,
        "kind": kind,
        "channel": channel,
        "received_on": received_on,
        "premises_id": premises.id if premises else None,
        "premises_name": "" if premises else _text(data.get("premises_name"), "premises_name", 200),
        "address": address,
        "address_key": rules.normalise_address(address),
        "town": "" if premises else unit.code,
        "commodity": commodity,
        "price_seen": price,
        "seen_on": seen_on,
        "description": _text(data.get("description"), "description", DESCRIPTION_MAX, required=True),
        "person_name": name,
        "person_phone": phone,
    }


def _price_check(values: dict, unit: Unit):
    """The price check on arrival, from the unit's recorded observations of the commodity."""
    rulebook = current_rulebook()
    commodity, price = values["commodity"], values["price_seen"]
    if commodity is None or price is None:
        return rules.PriceCheck("normal", (), ())
    seen_on = values["seen_on"] or values["received_on"]
    base = (
        sa.select(PriceObservation.price, PriceObservation.baseline_price, Inspection.day, Inspection.premises_id)
        .join(Inspection, Inspection.id == PriceObservation.inspection_id)
        .where(Inspection.unit_id == unit.id, PriceObservation.commodity == commodity)
    )
    baseline_rows = db.session.execute(
        base.where(PriceObservation.baseline_price.is_not(None)).order_by(Inspection.day, PriceObservation.id)
    ).all()
    own = [row for row in baseline_rows if row.premises_id == values["premises_id"] and row.day is not None]
    window = rulebook.complaints.recent_prices_days
    recent = db.session.scalars(
        sa.select(PriceObservation.price)
        .join(Inspection, Inspection.id == PriceObservation.inspection_id)
        .where(Inspection.unit_id == unit.id, PriceObservation.commodity == commodity,
               Inspection.day > seen_on - timedelta(days=window), Inspection.day <= seen_on)
    ).all()
    return rules.price_check(
        price, rulebook.commodity(commodity).name, seen_on,
        own_baseline=(own[-1].baseline_price, own[-1].day) if own else None,
        baseline_prices=[row.baseline_price for row in baseline_rows], recent_prices=list(recent),
        rules=rulebook.complaints, currency=rulebook.currency, place=unit.name,
    )


def _stored(complaint: Complaint) -> dict:
    return {name: getattr(complaint, name) for name in COMPARED}


def file_complaint(actor: User | None, data: Mapping) -> Intake:
    """Take a complaint or report: from the public (``actor`` None; received today in the handling unit) or
    recorded by an officer or supervisor (a call, a letter, a walk-in). Routed to the premises' unit, or the
    town's; numbered; checked on arrival; one commit with its first history event."""
    if actor is not None and not actor.role.works_in_unit:
        raise Forbidden(_("Only officers and supervisors record complaints; the public files them without a token."))
    client_id = None
    if data.get("client_id") is not None:
        if actor is None:
            raise Invalid.field("client_id", _("Only a device signed in with a token sends a client_id."))
        client_id = canonical_client_id(data["client_id"])
        if client_id is None:
            raise Invalid.field("client_id", _("Give the client_id as a UUID made on the device."))
    unit, premises = _route(data)
    values = _values(actor, data, unit, premises)
    if client_id is not None:
        held = db.session.scalar(sa.select(Complaint).where(Complaint.client_id == client_id))
        if held is not None:
            if held.created_by_id != actor.id and held.unit_id != actor.unit_id:
                raise Invalid.field("client_id", _("This client_id already names another record."))
            differ = [name for name in COMPARED if values[name] != _stored(held)[name]]
            if differ:
                raise DifferentContent(_("This client_id names a complaint with other values."), held, differ)
            return Intake(held, None, created=False)
    check = _price_check(values, unit)
    year = values["received_on"].year
    last = db.session.scalar(
        sa.select(sa.func.max(Complaint.sequence)).where(Complaint.unit_id == unit.id, Complaint.year == year)
    )
    sequence = (last or 0) + 1
    code = rules.new_tracking_code()
    complaint = Complaint(
        **values,
        number=rules.complaint_number(unit.code, year, sequence),
        year=year,
        sequence=sequence,
        tracking_hash=rules.tracking_hash(code),
        status=ComplaintStatus.RECEIVED.value,
        priority=check.priority,
        # Each sentence's code and figures, with its English text: rendered again in the reader's language.
        priority_reasons=[{**fact, "text": reason.english} for fact, reason in zip(check.facts, check.reasons)],
        client_id=client_id,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(complaint)
    _event(complaint, actor, "receive", values["received_on"], None,
           {"number": complaint.number, "channel": complaint.channel, "priority": check.priority}, None)
    _commit()
    return Intake(complaint, code, created=True)


def _event(complaint: Complaint, actor: User | None, action: str, on: date, from_status: str | None, data: dict,
           reason: str | None, late: bool = False) -> None:
    db.session.add(ComplaintEvent(
        complaint=complaint, on=on, actor_id=actor.id if actor else None,
        role=actor.role.value if actor else "public", action=action, from_status=from_status,
        to_status=complaint.status, data=data, reason=reason or None, late=late,
    ))


def _commit() -> None:
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise Conflict(_("This complaint changed meanwhile (or its number was taken): reload it and try again.")) from None


# ------------------------------------------------------------------------------------------ reading


def may_see(complaint: Complaint, actor: User | None) -> bool:
    """The handling unit's officers and supervisors, and auditors; nobody else (the person's data included)."""
    if actor is None:
        return False
    if actor.role is Role.AUDITOR:
        return True
    return actor.role.works_in_unit and actor.unit_id == complaint.unit_id


def visible(actor: User) -> sa.Select:
    """The complaints ``actor`` may list."""
    stmt = sa.select(Complaint)
    if actor.role is Role.AUDITOR:
        return stmt
    if not actor.role.works_in_unit:
        raise Forbidden(_("Your role does not read field records."))
    return stmt.where(Complaint.unit_id == actor.unit_id)


def load_complaint(complaint_id: int, actor: User) -> Complaint:
    complaint = db.session.scalars(sa.select(Complaint).where(Complaint.id == complaint_id).options(*DETAIL)).one_or_none()
    if complaint is None or not may_see(complaint, actor):
        raise NotFound(_("No such complaint."))
    return complaint


def reload(complaint_id: int) -> Complaint:
    """A complaint just changed, read again (the caller acted on it: its record, the person as ``record`` says)."""
    db.session.expire_all()
    return db.session.scalars(sa.select(Complaint).where(Complaint.id == complaint_id).options(*DETAIL)).one()


def possible_duplicates(complaint: Complaint) -> list[int]:
    """Earlier complaints still open about the same premises or free address, within the rulebook's window."""
    if complaint.status not in rules.AWAITING_TRIAGE:
        return []
    window = current_rulebook().complaints.duplicate_window_days
    same = (Complaint.premises_id == complaint.premises_id) if complaint.premises_id is not None else sa.and_(
        Complaint.premises_id.is_(None), Complaint.address_key == complaint.address_key,
        Complaint.town == complaint.town, Complaint.address_key != "")
    rows = db.session.execute(
        sa.select(Complaint.id, Complaint.received_on, Complaint.premises_id, Complaint.address_key, Complaint.town,
                  Complaint.status)
        .where(Complaint.unit_id == complaint.unit_id, Complaint.id != complaint.id, same,
               Complaint.received_on >= complaint.received_on - timedelta(days=window),
               Complaint.received_on <= complaint.received_on)
    ).all()
    me = rules.Place(complaint.id, complaint.received_on, complaint.premises_id, complaint.address_key,
                     complaint.town, ComplaintStatus(complaint.status))
    others = [rules.Place(r.id, r.received_on, r.premises_id, r.address_key, r.town, ComplaintStatus(r.status))
              for r in rows]
    return rules.possible_duplicates(me, others, window)


def _decided_on(complaint: Complaint) -> date | None:
    """A report's decision on the case opened from it: filed or not filed."""
    if complaint.case_id is None:
        return None
    case = db.session.get(Case, complaint.case_id)
    return (case.filed_on or case.declined_on) if case is not None else None


def dates_of(complaint: Complaint) -> rules.ComplaintDates:
    return rules.ComplaintDates(
        kind=complaint.kind, received_on=complaint.received_on, triage_from=complaint.triage_from,
        triaged_on=complaint.triaged_on, accepted_on=complaint.accepted_on, declined_on=complaint.declined_on,
        closed_on=complaint.closed_on, decided_on=_decided_on(complaint),
        replies=tuple(reply.on for reply in complaint.replies),
    )


def deadlines_of(complaint: Complaint, today: date | None = None):
    rulebook = current_rulebook()
    today = today or unit_today(complaint.unit)
    return rules.complaint_deadlines(dates_of(complaint), rulebook.complaints, rulebook, today)


def _replies_for_person(complaint: Complaint) -> list[ComplaintReply]:
    """A merged complaint's person reads its primary's replies too (and its own earlier ones)."""
    replies = list(complaint.replies)
    seen = {complaint.id}
    primary = complaint.duplicate_of
    while primary is not None and primary.id not in seen:
        seen.add(primary.id)
        replies.extend(primary.replies)
        primary = primary.duplicate_of
    return sorted(replies, key=lambda reply: (reply.on, reply.id))


def public_status(complaint: Complaint) -> str:
    """What the person sees: a merged one follows its primary."""
    seen = {complaint.id}
    while complaint.status == ComplaintStatus.MERGED.value and complaint.duplicate_of is not None \
            and complaint.duplicate_of.id not in seen:
        complaint = complaint.duplicate_of
        seen.add(complaint.id)
    return complaint.status


def tracking(raw_code: str) -> dict:
    """The public tracking page: number, kind, receipt, status and the replies; nothing else. 404 alike for a
    malformed code, an unknown one and one that never existed."""
    code = rules.normalise_tracking_code(raw_code)
    complaint = None
    if code is not None:
        complaint = db.session.scalar(
            sa.select(Complaint).where(Complaint.tracking_hash == rules.tracking_hash(code)).options(*DETAIL))
    if complaint is None:
        raise NotFound(_("No complaint has this tracking code."))
    return {
        "number": complaint.number,
        "kind": complaint.kind,
        "received_on": complaint.received_on.isoformat(),
        "status": public_status(complaint),
        "replies": [{"on": reply.on.isoformat(), "text": reply.text} for reply in _replies_for_person(complaint)],
    }


def public_receipt(intake: Intake) -> dict:
    """What the public caller gets back: the number and the tracking code, and nothing else."""
    complaint = intake.complaint
    return {"number": complaint.number, "tracking_code": intake.tracking_code,
            "received_on": complaint.received_on.isoformat(), "status": complaint.status}


def priority_reasons(complaint: Complaint) -> list[str]:
    """The price check's sentences with their figures, in the reader's language."""
    rulebook = current_rulebook()
    sentences = []
    for fact in complaint.priority_reasons or []:
        try:
            commodity = rulebook.commodities[complaint.commodity].name
            sentences.append(str(rules.reason_text(fact, commodity)))
        except (KeyError, TypeError, ValueError, ArithmeticError):  # another rulebook's commodity: as recorded
            sentences.append(fact.get("text", "") if isinstance(fact, dict) else str(fact))
    return sentences


def record(complaint: Complaint, actor: User | None, today: date | None = None) -> dict:
    """The full record (API.md), the person only for those who may see it."""
    inspection_ids = db.session.scalars(
        sa.select(Inspection.id).where(Inspection.complaint_id == complaint.id).order_by(Inspection.id)).all()
    person = None
    if complaint.person_name is not None or complaint.person_phone is not None:
        person = {"name": complaint.person_name, "phone": complaint.person_phone}
    return {
        "id": complaint.id,
        "number": complaint.number,
        "kind": complaint.kind,
        "channel": complaint.channel,
        "received_on": complaint.received_on.isoformat(),
        "unit": complaint.unit.code,
        "premises_id": complaint.premises_id,
        "premises_name": complaint.premises_name or None,
        "address": complaint.address or None,
        "town": complaint.town or None,
        "commodity": complaint.commodity,
        "price_seen": f"{complaint.price_seen:.2f}" if complaint.price_seen is not None else None,
        "seen_on": complaint.seen_on.isoformat() if complaint.seen_on else None,
        "description": complaint.description,
        "status": complaint.status,
        "priority": complaint.priority,
        "priority_reasons": priority_reasons(complaint),
        "possible_duplicates": possible_duplicates(complaint),
        "duplicate_of": complaint.duplicate_of_id,
        "transferred_to": complaint.transferred_to,
        "deadlines": [{"name": d.name, "due_on": d.due_on.isoformat(), "status": d.status.value}
                      for d in deadlines_of(complaint, today)],
        "person": person if may_see(complaint, actor) else None,
        "anonymous": person is None,
        "inspection_ids": list(inspection_ids),
        "case_id": complaint.case_id,
        "replies": [{"on": r.on.isoformat(), "text": r.text} for r in complaint.replies],
        "version": complaint.version,
    }


# ------------------------------------------------------------------------------------------ actions


def run_action(actor: User, complaint: Complaint, action: str, body: Mapping | None = None) -> Complaint:
    """Accept, decline (with a reason), transfer (to a unit, restarting its triage there, or to another agency),
    merge into an earlier one, reply, close: one commit with its history event; a late step needs a reason."""
    body = body or {}
    try:
        act = ComplaintAction(action)
    except ValueError:
        raise NotFound(_("No such action.")) from None
    rulebook = current_rulebook()
    try:
        target = rules.check_action(act, ComplaintStatus(complaint.status), actor.role.value,
                                    actor.unit_id == complaint.unit_id, complaint.transferred_to)
    except ComplaintRefused as refused:
        raise _refused(refused) from None
    today = unit_today(complaint.unit)
    on = _date(body.get("on"), "on") or today
    if on > today:
        raise Invalid.field("on", _("A step cannot happen in the future."))
    last_step = max([complaint.received_on, complaint.triage_from or complaint.received_on,
                     complaint.triaged_on or complaint.received_on, complaint.accepted_on or complaint.received_on])
    if on < last_step:
        raise Invalid.field("on", _("A step cannot come before the complaint's previous step (%(day)s).",
                                    day=last_step.isoformat()))
    reason = _text(body.get("reason"), "reason", REASON_MAX) or None
    late = rules.late_step(act, on, dates_of(complaint), rulebook.complaints, rulebook)
    if late is not None and reason is None:
        raise Invalid.field("reason", str(late))
    from_status = complaint.status
    data: dict = {}
    if act is ComplaintAction.ACCEPT:
        complaint.accepted_on = complaint.triaged_on = on
    elif act is ComplaintAction.DECLINE:
        if reason is None:
            raise Invalid.field("reason", _("Give the reason for declining."))
        complaint.declined_on = complaint.triaged_on = on
        complaint.decline_reason = reason
    elif act is ComplaintAction.TRANSFER:
        to = _text(body.get("to"), "to", 16, required=True)
        if reason is None:
            raise Invalid.field("reason", _("Give the reason for the transfer."))
        if to == rules.AGENCY:
            complaint.triaged_on = on
        else:
            unit = db.session.scalar(sa.select(Unit).where(Unit.code == to))
            if unit is None or unit.id == complaint.unit_id:
                raise Invalid.field("to", _("Give another unit's code, or agency."))
            data["from_unit"] = complaint.unit.code
            complaint.unit_id = unit.id
            complaint.triage_from = on
            complaint.triaged_on = None
        complaint.transferred_to, complaint.transferred_on, complaint.transfer_reason = to, on, reason
        data["to"] = to
    elif act is ComplaintAction.MERGE:
        into = body.get("into")
        primary = db.session.get(Complaint, into) if isinstance(into, int) and not isinstance(into, bool) else None
        if primary is None or primary.unit_id != complaint.unit_id or primary.id == complaint.id:
            raise Invalid.field("into", _("Give an earlier complaint of the same unit."))
        if (primary.received_on, primary.id) > (complaint.received_on, complaint.id):
            raise Invalid.field("into", _("Merge into the earlier complaint."))
        if primary.status not in {s.value for s in rules.OPEN_STATUSES}:
            raise Invalid.field("into", _("That complaint is no longer open."))
        complaint.duplicate_of_id, complaint.merged_on, complaint.triaged_on = primary.id, on, on
        data["into"] = primary.id
    elif act is ComplaintAction.REPLY:
        text = _text(body.get("text"), "text", TEXT_MAX, required=True)
        complaint.replies.append(ComplaintReply(on=on, text=text, by_id=actor.id))
        data["text"] = text
    elif act is ComplaintAction.CLOSE:
        result = _text(body.get("result"), "result", REASON_MAX, required=True)
        complaint.closed_on, complaint.close_result = on, result
        data["result"] = result
    complaint.status = target.value
    _event(complaint, actor, act.value, on, from_status, data, reason, late=late is not None)
    _commit()
    return complaint


def link_inspection(inspection_unit_id: int, complaint_id: int | None) -> Complaint | None:
    """The complaint an inspection of type 'complaint' answers: of the same unit, accepted (else 422)."""
    if complaint_id is None:
        return None
    complaint = db.session.get(Complaint, complaint_id) if isinstance(complaint_id, int) else None
    if complaint is None or complaint.unit_id != inspection_unit_id:
        raise Invalid.field("complaint_id", _("No such complaint in your unit."))
    if complaint.status != ComplaintStatus.ACCEPTED.value:
        raise Invalid.field("complaint_id", _("Only an accepted complaint leads to an inspection."))
    return complaint


def clue_from(actor: User, complaint_id) -> Complaint:
    """The recorded complaint a case opens from: accepted, of the actor's unit, about a registered premises, and
    not yet the clue of a case (422 on complaint_id otherwise)."""
    complaint = db.session.get(Complaint, complaint_id) if isinstance(complaint_id, int) else None
    if complaint is None or complaint.unit_id != actor.unit_id:
        raise Invalid.field("complaint_id", _("No such complaint in your unit."))
    if complaint.status != ComplaintStatus.ACCEPTED.value:
        raise Invalid.field("complaint_id", _("Only an accepted complaint opens a case."))
    if complaint.case_id is not None:
        raise Invalid.field("complaint_id", _("This complaint already opened a case."))
    if complaint.premises_id is None:
        raise Invalid.field("complaint_id", _("Register the premises and link it first: a case needs one."))
    return complaint


def case_opened(actor: User, complaint: Complaint, case: Case, on: date) -> None:
    """Link the case to the complaint and record it in the complaint's history (the caller commits)."""
    db.session.flush()
    complaint.case_id = case.id
    _event(complaint, actor, "open_case", on, complaint.status, {"case_id": case.id, "number": case.number}, None)


# ------------------------------------------------------------------------------------------ the intake limit

# One count per address for the public form and POST /api/v1/complaints alike.
INTAKE_SCOPE = "complaints-intake"
log = logging.getLogger(__name__)


def intake_wait(address: str) -> int | None:
    """Count one public intake from ``address`` against the rulebook's limit (or COMPLAINT_INTAKE_LIMIT): None when
    it may go on, else the seconds to wait. With the counter store down it lets the intake through."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    item = parse_limit(current_app.config.get("COMPLAINT_INTAKE_LIMIT") or current_rulebook().complaints.intake_limit)
    try:
        allowed = limiter.limiter.hit(item, INTAKE_SCOPE, address or "")
    except Exception:
        log.exception("rate-limit storage unavailable")
        return None
    return None if allowed else item.get_expiry()

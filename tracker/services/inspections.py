"""Inspections: start, record observations and violations, submit, amend (evidence: tracker.services.evidence).

Field devices send the same records with a ``client_id`` made on the device (docs/API.md, "Field devices"):
``sync_inspection``, ``sync_observation`` and ``sync_violation`` create the record once and answer it again to a
repeat (``Synced.created`` False); a second officer's device joins the draft of the same visit; what the server
cannot take (an inspection submitted meanwhile, a rulebook changed since the device was loaded) is kept whole as a
sync conflict for the supervisor, never dropped. The web's ``start_inspection``, ``record_observation`` and
``record_violation`` are the same functions without a client id."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tracker.domain.gouging import ObservationFacts, evaluate
from tracker.domain.money import to_decimal
from tracker.domain.submission import Gap, SubmissionFacts, missing_for_submission as _missing, submission_refusal
from tracker.domain.sync import Visit, differing_fields, joins, split_answers, unordered
from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType, PremisesStatus, Role
from tracker.extensions import db
from tracker.models import (
    Inspection,
    InspectionAmendment,
    Premises,
    PriceEmergency,
    PriceObservation,
    User,
    Violation,
)
from tracker.models.types import utcnow
from tracker.services import clock
from tracker.services.clientids import (
    DifferentContent, Holder, KeptAsConflict, Synced, client_id_of, holder, kept_conflict, reused,
)
from tracker.services.conflicts import raise_conflict
from tracker.services.complaints import link_inspection
from tracker.services.errors import Conflict, Invalid, NotFound
from tracker.services.premises import change_status
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import require_field_role
from tracker.services.wording import day

CHECKLIST_ANSWERS = ("yes", "no", "n/a")
CLOCK_SKEW = timedelta(minutes=5)
RULEBOOK_VERSION_LIMIT = 64  # Inspection.rulebook
T = TypeVar("T")


@dataclass
class InspectionData:
    premises_id: int
    started_at: datetime
    lead_officer: str
    second_officer: str
    type: str
    emergency_id: int | None = None
    checklist: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    client_id: str | None = None  # made on a field device
    rulebook_version: str | None = None  # the rulebook the device recorded it with (its label, "cn-samr@2025.1")
    complaint_id: int | None = None  # the accepted complaint of the unit an inspection of type 'complaint' answers


@dataclass
class ObservationData:
    commodity: str
    price: object
    unit_of_sale: str = ""
    marked_price: object = None
    cost: object = None
    cost_invoice: str = ""
    baseline_price: object = None
    baseline_cost: object = None
    quantity_sold: object = None
    fees: object = None
    baseline_fees: object = None
    bundled: bool = False
    client_id: str | None = None  # made on a field device


def local_date(moment: datetime, tz_name: str) -> date:
    """The calendar date of a UTC moment in the unit's time zone."""
    return moment.astimezone(ZoneInfo(tz_name)).date()


def _officer(username: str, unit_id: int) -> User | None:
    return db.session.scalar(
        sa.select(User).where(
            User.username == (username or "").strip().lower(),
            User.unit_id == unit_id,
            User.role.in_([Role.OFFICER, Role.SUPERVISOR]),
            User.is_active_account.is_(True),
        )
    )


def _require_draft(inspection: Inspection) -> None:
    if not inspection.is_draft:
        raise Conflict(_("This inspection is submitted and read-only; record an amendment instead."))


def _clean_inspection(actor: User, data: InspectionData) -> tuple[dict, dict[str, str], str]:
    """The inspection's values, the checklist answers set aside (items or answers the current checklist does
    not have, sent by a device that recorded them with another rulebook) and the rulebook version it was made with.
    Without a device's other version, such answers are refused."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    premises = db.session.get(Premises, data.premises_id) if data.premises_id else None
    if premises is None or premises.unit_id != actor.unit_id:
        errors["premises_id"] = [_("No such premises in your unit.")]
    else:
        values["premises"] = premises
    started_at = data.started_at
    if started_at is None or started_at.tzinfo is None:
        errors["started_at"] = [_("Give the start time with its time zone.")]
    elif started_at > clock.now() + CLOCK_SKEW:
        errors["started_at"] = [_("The inspection cannot start in the future.")]
    else:
        values["started_at"] = started_at
    lead = _officer(data.lead_officer, actor.unit_id)
    second = _officer(data.second_officer, actor.unit_id)
    if lead is None:
        errors["lead_officer"] = [_("Choose an active officer or supervisor of your unit.")]
    if second is None:
        errors["second_officer"] = [_("Choose an active officer or supervisor of your unit.")]
    elif lead is not None and lead.id == second.id:
        errors["second_officer"] = [_("The second officer must be a different person.")]
    values["lead_officer"], values["second_officer"] = lead, second
    try:
        values["type"] = InspectionType(data.type)
    except ValueError:
        errors["type"] = [_("Unknown inspection type %(type)s.", type=repr(data.type))]
    values["emergency"] = None
    if data.emergency_id:
        emergency = db.session.get(PriceEmergency, data.emergency_id)
        if emergency is None:
            errors["emergency_id"] = [_("No such price emergency.")]
        elif "started_at" in values:
            on = local_date(values["started_at"], actor.unit.timezone)
            if not emergency.in_force_on(on):
                errors["emergency_id"] = [
                    _("%(emergency)s was not in force on %(on)s.", emergency=emergency.name, on=day(on))
                ]
            values["emergency"] = emergency
    if data.complaint_id is not None:  # none sent: an edit keeps the link it has
        try:
            values["complaint_id"] = link_inspection(actor.unit_id, data.complaint_id).id
        except Invalid as refused:
            errors.update(refused.errors)
        if values.get("type") is not None and values["type"] is not InspectionType.COMPLAINT:
            errors.setdefault("complaint_id", []).append(_("Only an inspection of type complaint answers a complaint."))
    rulebook = current_rulebook()
    version = rulebook.label if data.rulebook_version is None else data.rulebook_version.strip()
    if not version or len(version) > RULEBOOK_VERSION_LIMIT:
        errors["rulebook_version"] = [_("Give the rulebook version the device recorded with (at most %(n)s characters).",
                                        n=RULEBOOK_VERSION_LIMIT)]
    values["checklist"], aside = split_answers(
        data.checklist or {}, (item.code for item in rulebook.checklist), CHECKLIST_ANSWERS
    )
    if aside and version == rulebook.label:
        errors["checklist"] = [_("Unknown checklist item or answer: %(code)s.", code=code) for code in aside]
    values["notes"] = (data.notes or "").strip()
    if len(values["notes"]) > 20000:
        errors["notes"] = [_("Notes are limited to 20,000 characters.")]
    if errors:
        raise Invalid(_("The inspection was not saved."), errors)
    return values, aside, version


def start_inspection(actor: User, data: InspectionData) -> Inspection:
    """Open a draft inspection of a premises in the actor's unit (or, from a device, see ``sync_inspection``)."""
    return sync_inspection(actor, data).record


def sync_inspection(actor: User, data: InspectionData) -> Synced[Inspection]:
    """Open a draft inspection, once per ``client_id``.

    Without a client id, a new draft. With one: the inspection that already carries it is answered (created
    False) when it holds what was sent, else ``DifferentContent``; an id held by any other record is refused. A
    device's new inspection of the same visit as a draft the server holds (same premises and unit-local day, the
    same two officers in either order) joins that draft: nothing is created, and what the device recorded
    differently is kept as a sync conflict. Checklist answers the current rulebook cannot take, from a device that
    recorded them with another version, are kept as a sync conflict beside the new inspection."""
    require_field_role(actor)
    client_id = client_id_of(data.client_id)
    if client_id is None:
        values, aside, version = _clean_inspection(actor, data)
        inspection = _new_inspection(actor, values, aside, version, None)
        db.session.commit()
        return Synced(inspection, True)
    _lock_premises(actor, data.premises_id)  # devices of one visit create or join one at a time
    found = holder(client_id)
    if found is not None:
        return Synced(_same_inspection(actor, found, data, client_id), False)
    values, aside, version = _clean_inspection(actor, data)
    joined = _same_visit(actor, values)
    if joined is not None:
        _keep_differences(actor, joined, data, values, aside, version, client_id)
        db.session.commit()
        return Synced(joined, False)
    inspection = _new_inspection(actor, values, aside, version, client_id)
    return _commit_new(inspection, client_id, lambda again: _same_inspection(actor, again, data, client_id))


def _new_inspection(actor: User, values: dict, aside: dict[str, str], version: str, client_id: str | None) -> Inspection:
    inspection = Inspection(
        unit_id=actor.unit_id,
        rulebook=version,
        created_by_id=actor.id,
        status=InspectionStatus.DRAFT,
        client_id=client_id,
        **values,
    )
    db.session.add(inspection)
    if aside:
        db.session.flush()
        fields = [f"checklist.{code}" for code in aside]
        raise_conflict(
            actor, "inspection", inspection.id, actor.unit_id,
            device={f"checklist.{code}": answer for code, answer in aside.items()},
            server=dict.fromkeys(fields),
            fields=fields,
            server_version=inspection.version,
            client_id=client_id,
            made_with={"rulebook": version},
        )
    return inspection


def _commit_new(record: T, client_id: str | None, again: Callable[[Holder], T]) -> Synced[T]:
    """Commit a new record. When a concurrent request committed one with the same client id first (the unique
    constraint refuses this one), answer as if this request had come second: the record, or why not."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = holder(client_id) if client_id else None
        if found is None:
            raise
        return Synced(again(found), False)
    return Synced(record, True)


def _lock_premises(actor: User, premises_id: int) -> None:
    """Hold the premises row until the commit (PostgreSQL; SQLite's writers queue at BEGIN IMMEDIATE)."""
    db.session.execute(
        sa.select(Premises.id).where(Premises.id == premises_id, Premises.unit_id == actor.unit_id).with_for_update()
    )


def _inspection_as_sent(data: InspectionData) -> dict:
    sent = {
        "premises_id": data.premises_id,
        "started_at": data.started_at,
        "lead_officer": (data.lead_officer or "").strip().lower(),
        "second_officer": (data.second_officer or "").strip().lower(),
        "type": data.type,
        "emergency_id": data.emergency_id or None,
        "complaint_id": data.complaint_id,
        "checklist": dict(data.checklist or {}),
        "notes": data.notes or "",
    }
    if data.rulebook_version is not None:  # omitted: the device does not say, nothing to compare
        sent["rulebook_version"] = data.rulebook_version
    return sent


def _inspection_as_stored(inspection: Inspection, client_id: str) -> dict:
    """The inspection as the device that made it sent it: with the checklist answers kept aside beside it."""
    checklist = dict(inspection.checklist)
    conflict = kept_conflict(inspection.unit_id, inspection.id, client_id)
    if conflict is not None:
        checklist.update({
            name.removeprefix("checklist."): value
            for name, value in conflict.device.items() if name.startswith("checklist.")
        })
    return {
        "premises_id": inspection.premises_id,
        "started_at": inspection.started_at,
        "lead_officer": inspection.lead_officer.username,
        "second_officer": inspection.second_officer.username,
        "type": inspection.type.value,
        "emergency_id": inspection.emergency_id,
        "complaint_id": inspection.complaint_id,
        "checklist": checklist,
        "notes": inspection.notes,
        "rulebook_version": inspection.rulebook,
    }


def _same_inspection(actor: User, found: Holder, data: InspectionData, client_id: str) -> Inspection:
    """The inspection a repeated client id names, when it holds what was sent."""
    if found.kind != "inspection" or found.unit_id != actor.unit_id:
        raise reused()
    inspection = db.session.get(Inspection, found.id)
    sent = _inspection_as_sent(data)
    stored = _inspection_as_stored(inspection, client_id)
    differ = differing_fields(sent, {name: stored[name] for name in sent})
    if differ:
        raise DifferentContent(
            _("This client_id names an inspection recorded with other values: see `current`."), inspection, differ
        )
    return inspection


def _same_visit(actor: User, values: dict) -> Inspection | None:
    """The draft the server holds of the same visit (``tracker.domain.sync.joins``), the oldest if several."""
    on = local_date(values["started_at"], actor.unit.timezone)
    incoming = Visit.of(values["premises"].id, on, values["lead_officer"].username, values["second_officer"].username)
    candidates = db.session.scalars(
        sa.select(Inspection)
        .where(
            Inspection.unit_id == actor.unit_id,
            Inspection.premises_id == values["premises"].id,
            Inspection.day == on,
            Inspection.status == InspectionStatus.DRAFT,
        )
        .order_by(Inspection.id)
    ).all()
    for candidate in candidates:
        existing = Visit.of(
            candidate.premises_id, candidate.day, candidate.lead_officer.username, candidate.second_officer.username
        )
        if joins(incoming, existing, candidate.is_draft):
            return candidate
    return None


def _keep_differences(
    actor: User, joined: Inspection, data: InspectionData, values: dict, aside: dict[str, str], version: str,
    client_id: str,
) -> None:
    """What a joining device recorded differently from the draft it joins, kept as one sync conflict (once per
    client id): its type, emergency and notes where it gave them, its checklist answers, those the current
    checklist cannot take included. Nothing of the draft changes."""
    if kept_conflict(joined.unit_id, joined.id, client_id) is not None:
        return
    device: dict = {}
    server: dict = {}
    theirs = {"type": values["type"].value, "emergency_id": data.emergency_id or None, "notes": values["notes"]}
    ours = {"type": joined.type.value, "emergency_id": joined.emergency_id, "notes": joined.notes}
    for name in differing_fields(theirs, ours):
        if theirs[name] not in (None, ""):
            device[name], server[name] = theirs[name], ours[name]
    for code, answer in {**values["checklist"], **aside}.items():
        if joined.checklist.get(code) != answer:
            device[f"checklist.{code}"], server[f"checklist.{code}"] = answer, joined.checklist.get(code)
    if device:
        raise_conflict(
            actor, "inspection", joined.id, joined.unit_id, device=device, server=server, fields=list(device),
            server_version=joined.version, client_id=client_id, made_with={"rulebook": version},
        )


def update_inspection(actor: User, inspection: Inspection, data: InspectionData) -> Inspection:
    """Change a draft inspection."""
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    values, _aside, _version = _clean_inspection(actor, data)  # no device version: nothing is set aside
    for key, value in values.items():
        setattr(inspection, key, value)
    db.session.commit()
    return inspection


def _amount(errors: dict, name: str, raw, required: bool = False, positive: bool = False, places: int = 2):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[name] = [_("This amount is required.")]
        return None
    try:
        value = to_decimal(raw)
    except ValueError:
        errors[name] = [_("Enter a number, such as 12.50.")]
        return None
    if value.as_tuple().exponent < -places:
        errors[name] = [_("Use at most %(places)s decimal places.", places=places)]
    elif positive and value <= 0:
        errors[name] = [_("Enter an amount above zero.")]
    elif value < 0:
        errors[name] = [_("Enter an amount of zero or more.")]
    elif value >= Decimal("1e12"):
        errors[name] = [_("This amount is too large.")]
    return value


MONEY_FIELDS = ("marked_price", "cost", "baseline_price", "baseline_cost", "fees", "baseline_fees")


def record_observation(actor: User, inspection: Inspection, data: ObservationData) -> PriceObservation:
    """Record a price seen during a draft inspection and run the rulebook's price tests on it."""
    return sync_observation(actor, inspection, data).record


def sync_observation(actor: User, inspection: Inspection, data: ObservationData) -> Synced[PriceObservation]:
    """Record a price once per ``client_id`` (see ``sync_inspection``). A device's observation for an inspection
    submitted meanwhile, or of a commodity the rulebook no longer has when the inspection was recorded with another
    version, is kept whole as a sync conflict (``KeptAsConflict``)."""
    require_field_role(actor, inspection.unit_id)
    client_id = client_id_of(data.client_id)
    if client_id is None:
        _require_draft(inspection)
    rulebook = current_rulebook()
    errors: dict[str, list[str]] = {}
    amounts = {"price": _amount(errors, "price", data.price, required=True, positive=True)}
    for name in MONEY_FIELDS:
        amounts[name] = _amount(errors, name, getattr(data, name))
    amounts["quantity_sold"] = _amount(errors, "quantity_sold", data.quantity_sold, places=3)
    if errors:
        raise Invalid(_("The observation was not recorded."), errors)
    if client_id is not None:
        found = holder(client_id)
        if found is not None:
            return Synced(_same_observation(inspection, found, data, amounts), False)
        device = _observation_as_sent(actor, client_id, data, amounts)
        if not inspection.is_draft:
            _keep_as_conflict(actor, inspection, client_id, "observation", device)
    try:
        commodity = rulebook.commodity(data.commodity)
    except KeyError:
        if client_id is not None and inspection.rulebook != rulebook.label:
            _keep_as_conflict(actor, inspection, client_id, "observation", device)
        raise Invalid(
            _("The observation was not recorded."),
            {"commodity": [_("Unknown commodity %(commodity)s.", commodity=repr(data.commodity))]},
        ) from None
    observation = new_observation(actor, inspection, commodity, amounts, data, client_id)
    db.session.add(observation)
    return _commit_new(observation, client_id, lambda again: _same_observation(inspection, again, data, amounts))


def new_observation(actor: User, inspection: Inspection, commodity, amounts: dict, data: ObservationData,
                    client_id: str | None) -> PriceObservation:
    """An observation of ``commodity`` (the rulebook's) with its checked ``amounts`` and the findings of the current
    rulebook's price tests; not added to the session (the web, the API and a resolved sync conflict add it)."""
    rulebook = current_rulebook()
    emergency = inspection.emergency
    on = local_date(inspection.started_at, inspection.unit.timezone)
    applies = emergency is not None and emergency.covers(commodity.category, on)
    facts = ObservationFacts(
        **amounts,
        bundled=bool(data.bundled),
        emergency_applies=applies,
        baseline_date=emergency.baseline_date if emergency else None,
    )
    findings = evaluate(facts, rulebook.price_tests, rulebook.label)
    return PriceObservation(
        inspection=inspection,
        commodity=commodity.code,
        unit_of_sale=(data.unit_of_sale or commodity.unit).strip()[:40],
        cost_invoice=(data.cost_invoice or "").strip()[:120],
        bundled=bool(data.bundled),
        margin_rate=findings.margin_rate,
        baseline_margin_rate=findings.baseline_margin_rate,
        highest_lawful_price=findings.highest_lawful_price,
        estimated_illegal_gains=findings.estimated_illegal_gains,
        flags=[{"test": f.test, "explanation": f.explanation, "params": dict(f.params)} for f in findings.flags],
        flagged=findings.flagged,
        rulebook=findings.rulebook,
        recorded_by_id=actor.id,
        client_id=client_id,
        **amounts,
    )


def _observation_as_sent(actor: User, client_id: str, data: ObservationData, amounts: dict) -> dict:
    """A device's observation as JSON-ready values (amounts as decimal strings), to keep in a sync conflict."""
    return {
        "client_id": client_id,
        "commodity": data.commodity,
        **{name: None if value is None else str(value) for name, value in amounts.items()},
        "unit_of_sale": (data.unit_of_sale or "").strip(),
        "cost_invoice": (data.cost_invoice or "").strip(),
        "bundled": bool(data.bundled),
        "recorded_by": actor.username,
    }


def _same_observation(inspection: Inspection, found: Holder, data: ObservationData, amounts: dict) -> PriceObservation:
    """The observation a repeated client id names, when it holds what was sent."""
    if found.kind != "observation" or found.inspection_id != inspection.id:
        raise reused()
    observation = db.session.get(PriceObservation, found.id)
    sent = {"commodity": data.commodity, **amounts, "bundled": bool(data.bundled),
            "cost_invoice": (data.cost_invoice or "")[:120]}
    if (data.unit_of_sale or "").strip():  # omitted: the commodity's own unit, whatever the server chose
        sent["unit_of_sale"] = data.unit_of_sale.strip()[:40]
    stored = {name: getattr(observation, name) for name in sent}
    differ = differing_fields(sent, stored)
    if differ:
        raise DifferentContent(
            _("This client_id names an observation recorded with other values: see `current`."), observation, differ
        )
    return observation


def _keep_as_conflict(actor: User, inspection: Inspection, client_id: str, kind: str, device: dict) -> None:
    """Keep a device's record that the inspection cannot take as an open sync conflict on the inspection (once per
    client id: a retry finds the same one), commit, and answer why (KeptAsConflict, 409 with its id)."""
    db.session.execute(sa.select(Inspection.id).where(Inspection.id == inspection.id).with_for_update())
    conflict = kept_conflict(inspection.unit_id, inspection.id, client_id)
    if conflict is None:
        conflict = raise_conflict(
            actor, "inspection", inspection.id, inspection.unit_id,
            device={kind: device}, server={kind: None}, fields=[kind],
            server_version=inspection.version, client_id=client_id, made_with={"rulebook": inspection.rulebook},
        )
        db.session.commit()
    if inspection.is_draft:
        message = _("The current rulebook cannot take this record, made with %(version)s; it is kept for your "
                    "supervisor as conflict %(id)s.", version=inspection.rulebook, id=conflict.id)
    else:
        message = _("The inspection was submitted meanwhile; this record is kept for your supervisor as conflict "
                    "%(id)s.", id=conflict.id)
    raise KeptAsConflict(message, conflict)


def record_violation(
    actor: User,
    inspection: Inspection,
    code: str,
    observation_ids: list[int] | None = None,
    evidence_ids: list[int] | None = None,
    description: str = "",
    client_id: str | None = None,
) -> Violation:
    """Record a breach under a rulebook code, linked to this inspection's observations and evidence."""
    return sync_violation(actor, inspection, code, observation_ids, evidence_ids, description, client_id).record


def sync_violation(
    actor: User,
    inspection: Inspection,
    code: str,
    observation_ids: list[int] | None = None,
    evidence_ids: list[int] | None = None,
    description: str = "",
    client_id: str | None = None,
) -> Synced[Violation]:
    """Record a violation once per ``client_id`` (see ``sync_observation``)."""
    require_field_role(actor, inspection.unit_id)
    client_id = client_id_of(client_id)
    wanted_obs = list(dict.fromkeys(observation_ids or []))
    wanted_ev = list(dict.fromkeys(evidence_ids or []))
    sent = {"code": code, "observation_ids": unordered(wanted_obs), "evidence_ids": unordered(wanted_ev),
            "description": (description or "").strip()}
    if client_id is None:
        _require_draft(inspection)
    else:
        found = holder(client_id)
        if found is not None:
            return Synced(_same_violation(inspection, found, sent), False)
        device = {"client_id": client_id, "code": code, "observation_ids": wanted_obs, "evidence_ids": wanted_ev,
                  "description": sent["description"], "recorded_by": actor.username}
        if not inspection.is_draft:
            _keep_as_conflict(actor, inspection, client_id, "violation", device)
    errors: dict[str, list[str]] = {}
    rulebook = current_rulebook()
    try:
        violation_code = rulebook.violation(code)
    except KeyError:
        if client_id is not None and inspection.rulebook != rulebook.label:
            _keep_as_conflict(actor, inspection, client_id, "violation", device)
        errors["code"] = [_("Unknown violation code %(code)s.", code=repr(code))]
    observations = {o.id: o for o in inspection.observations}
    evidence = {e.id: e for e in inspection.evidence}
    if any(i not in observations for i in wanted_obs):
        errors["observation_ids"] = [_("Link only observations of this inspection.")]
    if any(i not in evidence for i in wanted_ev):
        errors["evidence_ids"] = [_("Link only evidence of this inspection.")]
    if len(description or "") > 5000:
        errors["description"] = [_("The description is limited to 5,000 characters.")]
    if errors:
        raise Invalid(_("The violation was not recorded."), errors)
    violation = Violation(
        inspection=inspection,
        code=violation_code.code,
        legal_basis=violation_code.legal_basis,
        description=sent["description"],
        created_by_id=actor.id,
        observations=[observations[i] for i in wanted_obs],
        evidence=[evidence[i] for i in wanted_ev],
        client_id=client_id,
    )
    db.session.add(violation)
    return _commit_new(violation, client_id, lambda again: _same_violation(inspection, again, sent))


def _same_violation(inspection: Inspection, found: Holder, sent: dict) -> Violation:
    """The violation a repeated client id names, when it holds what was sent."""
    if found.kind != "violation" or found.inspection_id != inspection.id:
        raise reused()
    violation = db.session.get(Violation, found.id)
    stored = {
        "code": violation.code,
        "observation_ids": unordered(o.id for o in violation.observations),
        "evidence_ids": unordered(e.id for e in violation.evidence),
        "description": violation.description,
    }
    differ = differing_fields(sent, stored)
    if differ:
        raise DifferentContent(
            _("This client_id names a violation recorded with other values: see `current`."), violation, differ
        )
    return violation


def submit_inspection(
    actor: User, inspection: Inspection, outcome: str, reinspect_on: date | None = None
) -> Inspection:
    """Close a draft with its outcome; from now on it changes only by amendment."""
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    try:
        result = InspectionOutcome(outcome)
    except ValueError:
        raise Invalid.field("outcome", _("Unknown outcome %(outcome)s.", outcome=repr(outcome))) from None
    refusal = submission_refusal(submission_facts(inspection), result, reinspect_on)
    if refusal is not None:
        raise Invalid.field(refusal.field, str(refusal.message))
    _record_closure_compliance(actor, inspection)
    inspection.status = InspectionStatus.SUBMITTED
    inspection.outcome = result
    inspection.reinspect_on = reinspect_on
    inspection.submitted_at = utcnow()
    inspection.submitted_by_id = actor.id
    db.session.commit()
    return inspection


def submission_facts(inspection: Inspection) -> SubmissionFacts:
    """What the submission rules (tracker.domain.submission) read of an inspection (its violations loaded)."""
    return SubmissionFacts(
        is_draft=inspection.is_draft,
        inspected_on=local_date(inspection.started_at, inspection.unit.timezone),
        violations=len(inspection.violations),
    )


def missing_for_submission(inspection: Inspection) -> tuple[Gap, ...]:
    """What a draft still lacks before it can be submitted, by the rules submit_inspection applies (empty once
    submitted); the inspection page lists it above the submit button."""
    return _missing(submission_facts(inspection))


def _record_closure_compliance(actor: User, inspection: Inspection) -> None:
    """Under a closure order, a follow-up finding it obeyed records the premises closed; any
    inspection finding it breached puts the order back in force (a version in the premises' history)."""
    premises = inspection.premises
    if premises.status not in (PremisesStatus.ORDERED_CLOSED, PremisesStatus.CLOSED):
        return
    item = current_rulebook().inspections.closure_obeyed_item
    if item is None:
        return
    answer = inspection.checklist.get(item)
    if answer == "yes" and inspection.type is InspectionType.FOLLOW_UP:
        change_status(actor, premises, PremisesStatus.CLOSED, "inspection")
    elif answer == "no":
        change_status(actor, premises, PremisesStatus.ORDERED_CLOSED, "inspection")


AMENDABLE = ("notes", "reinspect_on")


def amend_inspection(actor: User, inspection: Inspection, field_name: str, new_value, reason: str) -> InspectionAmendment:
    """Correct a submitted inspection, keeping the old value and the reason."""
    require_field_role(actor, inspection.unit_id)
    if inspection.is_draft:
        raise Conflict(_("Drafts are edited directly; amendments are for submitted inspections."))
    if field_name not in AMENDABLE:
        raise Invalid.field("field", _("%(field)s cannot be amended.", field=repr(field_name)))
    if not (reason or "").strip():
        raise Invalid.field("reason", _("An amendment needs a reason."))
    if field_name == "reinspect_on":
        if inspection.outcome is not InspectionOutcome.CORRECTED:
            raise Invalid.field("new_value", _("Only a correction order has a re-inspection date."))
        try:
            new_value = date.fromisoformat(str(new_value))
        except ValueError:
            raise Invalid.field("new_value", _("Give the date as YYYY-MM-DD.")) from None
    old = getattr(inspection, field_name)
    # A case opened from this inspection keeps the amendment in its own history too.
    from tracker.services.cases import append_event

    on = local_date(utcnow(), inspection.unit.timezone)
    for case in {v.case for v in inspection.violations if v.case is not None}:
        append_event(
            case, actor, "amend_inspection", max(on, case.last_step_on), case.state,
            {"inspection_id": inspection.id, "field": field_name, "old": "" if old is None else str(old), "new": str(new_value)},
            reason.strip(),
        )
    amendment = InspectionAmendment(
        inspection=inspection,
        field=field_name,
        old_value="" if old is None else str(old),
        new_value=str(new_value),
        reason=reason.strip(),
        amended_by_id=actor.id,
    )
    setattr(inspection, field_name, new_value)
    db.session.add(amendment)
    db.session.commit()
    return amendment


def suggested_violation(observation: PriceObservation) -> str:
    """The violation code a flagged observation points to, as the rulebook says."""
    return current_rulebook().inspections.suggested_violation(observation.flag_tests)


def get_observation(inspection: Inspection, observation_id: int) -> PriceObservation:
    """One observation of this inspection."""
    for observation in inspection.observations:
        if observation.id == observation_id:
            return observation
    raise NotFound(_("No such observation."))

"""Applying a supervisor's choice in an inspection's sync conflict (``tracker.services.resolutions``).

An inspection conflict holds what a device recorded that the server could not take (``tracker.services.inspections``
raises them): checklist answers (``checklist.<item>``), the visit's ``type``, ``emergency_id`` and ``notes`` from
a second device joining a draft, or a whole ``observation`` or ``violation`` sent after the inspection was
submitted (or made with another rulebook). A field chosen "device" is applied: an answer or value is set, an
observation or violation is added to the inspection (built as any observation is, its price tests run by the
current rulebook: ``tracker.services.inspections.new_observation``). Every field,
whichever version was kept, enters the inspection's amendments with a reason naming the conflict, so the record's
history links it; a submitted inspection's cases record the change too, as any amendment does. Does not commit.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from tracker.domain.merging import resolution_reason
from tracker.domain.vocabulary import InspectionOutcome, InspectionType
from tracker.extensions import db
from tracker.models import (
    Inspection, InspectionAmendment, PriceEmergency, PriceObservation, SyncConflict, User, Violation,
)
from tracker.models.types import utcnow
from tracker.services.errors import Invalid, NotFound
from tracker.services.inspections import ObservationData, local_date, new_observation
from tracker.services.rulebooks import current_rulebook

CHECKLIST_ANSWERS = ("yes", "no", "n/a")
AMOUNTS = ("price", "marked_price", "cost", "baseline_price", "baseline_cost", "fees", "baseline_fees",
           "quantity_sold")


def apply_resolution(actor: User, conflict: SyncConflict, chosen: dict) -> None:
    """Apply the device's values of ``chosen`` ({field: device value}) to the conflict's inspection and record
    every field of the conflict as an amendment naming it. 422 (nothing applied) when a chosen value can no longer
    be taken: the device's version then stays in the open conflict."""
    inspection = db.session.get(Inspection, conflict.record_id)
    if inspection is None:
        raise NotFound(_("No such inspection."))
    changed: list[tuple[str, object, object]] = []
    errors: dict[str, list[str]] = {}
    for field in conflict.fields:
        if field not in chosen:
            continue
        try:
            old, new = _apply(actor, inspection, field, chosen[field])
        except Invalid as error:
            errors[field] = [str(error)]
        else:
            changed.append((field, old, new))
    if errors:
        raise Invalid(_("The device's version of some fields cannot be applied: keep the server's for them (the "
                        "device's stays in the conflict)."), errors)
    for field in conflict.fields:
        kept = "device" if field in chosen else "server"
        reason = str(resolution_reason(conflict.id, kept))
        if kept == "device":
            old, new = next((o, n) for f, o, n in changed if f == field)
        else:
            old = new = conflict.server.get(field)
        db.session.add(InspectionAmendment(
            inspection=inspection, field=field[:64], old_value=_text(old), new_value=_text(new), reason=reason,
            amended_by_id=actor.id,
        ))
        if kept == "device" and not inspection.is_draft:
            _tell_cases(actor, inspection, field, old, new, reason)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _apply(actor: User, inspection: Inspection, field: str, value) -> tuple[object, object]:
    """Set one device value on the inspection; (old, new) as the amendment records them."""
    if field.startswith("checklist."):
        return _answer(inspection, field.removeprefix("checklist."), value)
    if field == "observation":
        observation = _observation(actor, inspection, value)
        return None, {"id": observation.id, **value}
    if field == "violation":
        violation = _violation(actor, inspection, value)
        return None, {"id": violation.id, **value}
    if field == "notes":
        text = value.strip() if isinstance(value, str) else ""
        if not text or len(text) > 20000:
            raise Invalid(_("Notes are 1 to 20,000 characters."))
        old, inspection.notes = inspection.notes, text
        return old, text
    if field == "reinspect_on":
        return _reinspect_on(inspection, value)
    if field in ("type", "emergency_id"):
        if not inspection.is_draft:
            raise Invalid(_("A submitted inspection keeps its type and price emergency."))
        return _visit(inspection, field, value)
    raise Invalid(_("The tracker cannot apply a device's %(field)s.", field=field))


def _answer(inspection: Inspection, code: str, answer) -> tuple[object, object]:
    items = {item.code for item in current_rulebook().checklist}
    if code not in items or answer not in CHECKLIST_ANSWERS:
        raise Invalid(_("The current checklist has no item %(code)s or no answer %(answer)s.",
                        code=code, answer=repr(answer)))
    old = inspection.checklist.get(code)
    inspection.checklist = {**inspection.checklist, code: answer}
    return old, answer


def _visit(inspection: Inspection, field: str, value) -> tuple[object, object]:
    if field == "type":
        try:
            kind = InspectionType(value)
        except ValueError:
            raise Invalid(_("Unknown inspection type %(type)s.", type=repr(value))) from None
        old, inspection.type = inspection.type.value, kind
        return old, kind.value
    emergency = db.session.get(PriceEmergency, value) if isinstance(value, int) and value > 0 else None
    if value is not None and emergency is None:
        raise Invalid(_("No such price emergency."))
    if emergency is not None and inspection.day is not None and not emergency.in_force_on(inspection.day):
        raise Invalid(_("%(emergency)s was not in force on the inspection's day.", emergency=emergency.name))
    old, inspection.emergency = inspection.emergency_id, emergency
    return old, value


def _reinspect_on(inspection: Inspection, value) -> tuple[object, object]:
    if inspection.outcome is not InspectionOutcome.CORRECTED:
        raise Invalid(_("Only a correction order has a re-inspection date."))
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_("Give the date as YYYY-MM-DD.")) from None
    old, inspection.reinspect_on = inspection.reinspect_on, day
    return None if old is None else old.isoformat(), day.isoformat()


def _amount(record: dict, name: str) -> Decimal | None:
    raw = record.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise Invalid(_("The device's %(name)s is not an amount.", name=name)) from None
    if not value.is_finite() or value < 0:
        raise Invalid(_("The device's %(name)s is not an amount.", name=name))
    return value


def _observation(actor: User, inspection: Inspection, record) -> PriceObservation:
    """The device's observation added to the inspection, its price tests run by the current rulebook."""
    if not isinstance(record, dict):
        raise Invalid(_("The device's observation is incomplete."))
    rulebook = current_rulebook()
    try:
        commodity = rulebook.commodity(record.get("commodity"))
    except KeyError:
        raise Invalid(_("The current rulebook has no commodity %(code)s.",
                        code=repr(record.get("commodity")))) from None
    amounts = {name: _amount(record, name) for name in AMOUNTS}
    if amounts["price"] is None or amounts["price"] <= 0:
        raise Invalid(_("The device's observation has no price."))
    data = ObservationData(commodity=commodity.code, price=amounts["price"],
                           unit_of_sale=str(record.get("unit_of_sale") or ""),
                           cost_invoice=str(record.get("cost_invoice") or ""), bundled=bool(record.get("bundled")))
    observation = new_observation(actor, inspection, commodity, amounts, data, record.get("client_id"))
    db.session.add(observation)
    db.session.flush()
    return observation


def _violation(actor: User, inspection: Inspection, record) -> Violation:
    """The device's violation added to the inspection, linked to the inspection's observations it names."""
    if not isinstance(record, dict):
        raise Invalid(_("The device's violation is incomplete."))
    try:
        code = current_rulebook().violation(record.get("code"))
    except KeyError:
        raise Invalid(_("The current rulebook has no violation code %(code)s.",
                        code=repr(record.get("code")))) from None
    observations = {o.id: o for o in inspection.observations}
    evidence = {e.id: e for e in inspection.evidence}
    wanted_obs = list(record.get("observation_ids") or [])
    wanted_ev = list(record.get("evidence_ids") or [])
    missing = [i for i in wanted_obs if i not in observations] + [i for i in wanted_ev if i not in evidence]
    if missing:
        raise Invalid(_("The device's violation names records this inspection does not hold (%(ids)s): resolve "
                        "their conflicts first.", ids=", ".join(str(i) for i in missing)))
    violation = Violation(
        inspection=inspection, code=code.code, legal_basis=code.legal_basis,
        description=(record.get("description") or "").strip()[:5000], created_by_id=actor.id,
        observations=[observations[i] for i in wanted_obs], evidence=[evidence[i] for i in wanted_ev],
        client_id=record.get("client_id"),
    )
    db.session.add(violation)
    db.session.flush()
    return violation


def _tell_cases(actor: User, inspection: Inspection, field: str, old, new, reason: str) -> None:
    """A case opened from a submitted inspection records the change in its own history, as an amendment does."""
    from tracker.services.cases import append_event

    on = local_date(utcnow(), inspection.unit.timezone)
    for case in {v.case for v in inspection.violations if v.case is not None}:
        append_event(case, actor, "amend_inspection", max(on, case.last_step_on), case.state,
                     {"inspection_id": inspection.id, "field": field, "old": _text(old), "new": _text(new)}, reason)

"""Inspections: start, record observations and violations, submit, amend (evidence: tracker.services.evidence)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.gouging import ObservationFacts, evaluate
from tracker.domain.money import to_decimal
from tracker.domain.submission import Gap, SubmissionFacts, missing_for_submission as _missing, submission_refusal
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
from tracker.services.errors import Conflict, Invalid, NotFound
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import require_field_role
from tracker.services.wording import day

CHECKLIST_ANSWERS = ("yes", "no", "n/a")
CLOCK_SKEW = timedelta(minutes=5)


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


def _clean_inspection(actor: User, data: InspectionData) -> dict:
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
    checklist_codes = {item.code for item in current_rulebook().checklist}
    checklist = {}
    for code, answer in (data.checklist or {}).items():
        if code not in checklist_codes or answer not in CHECKLIST_ANSWERS:
            errors.setdefault("checklist", []).append(_("Unknown checklist item or answer: %(code)s.", code=code))
        else:
            checklist[code] = answer
    values["checklist"] = checklist
    values["notes"] = (data.notes or "").strip()
    if len(values["notes"]) > 20000:
        errors["notes"] = [_("Notes are limited to 20,000 characters.")]
    if errors:
        raise Invalid(_("The inspection was not saved."), errors)
    return values


def start_inspection(actor: User, data: InspectionData) -> Inspection:
    """Open a draft inspection of a premises in the actor's unit."""
    require_field_role(actor)
    values = _clean_inspection(actor, data)
    inspection = Inspection(
        unit_id=actor.unit_id,
        rulebook=current_rulebook().label,
        created_by_id=actor.id,
        status=InspectionStatus.DRAFT,
        **values,
    )
    db.session.add(inspection)
    db.session.commit()
    return inspection


def update_inspection(actor: User, inspection: Inspection, data: InspectionData) -> Inspection:
    """Change a draft inspection."""
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    for key, value in _clean_inspection(actor, data).items():
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
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    rulebook = current_rulebook()
    errors: dict[str, list[str]] = {}
    try:
        commodity = rulebook.commodity(data.commodity)
    except KeyError:
        errors["commodity"] = [_("Unknown commodity %(commodity)s.", commodity=repr(data.commodity))]
        commodity = None
    amounts = {"price": _amount(errors, "price", data.price, required=True, positive=True)}
    for name in MONEY_FIELDS:
        amounts[name] = _amount(errors, name, getattr(data, name))
    amounts["quantity_sold"] = _amount(errors, "quantity_sold", data.quantity_sold, places=3)
    if errors:
        raise Invalid(_("The observation was not recorded."), errors)
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
    observation = PriceObservation(
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
        **amounts,
    )
    db.session.add(observation)
    db.session.commit()
    return observation


def record_violation(
    actor: User,
    inspection: Inspection,
    code: str,
    observation_ids: list[int] | None = None,
    evidence_ids: list[int] | None = None,
    description: str = "",
) -> Violation:
    """Record a breach under a rulebook code, linked to this inspection's observations and evidence."""
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    errors: dict[str, list[str]] = {}
    try:
        violation_code = current_rulebook().violation(code)
    except KeyError:
        errors["code"] = [_("Unknown violation code %(code)s.", code=repr(code))]
    observations = {o.id: o for o in inspection.observations}
    evidence = {e.id: e for e in inspection.evidence}
    wanted_obs = list(dict.fromkeys(observation_ids or []))
    wanted_ev = list(dict.fromkeys(evidence_ids or []))
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
        description=(description or "").strip(),
        created_by_id=actor.id,
        observations=[observations[i] for i in wanted_obs],
        evidence=[evidence[i] for i in wanted_ev],
    )
    db.session.add(violation)
    db.session.commit()
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
    _record_closure_compliance(inspection)
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


def _record_closure_compliance(inspection: Inspection) -> None:
    """Under a closure order, a follow-up finding it obeyed records the premises closed; any
    inspection finding it breached puts the order back in force."""
    premises = inspection.premises
    if premises.status not in (PremisesStatus.ORDERED_CLOSED, PremisesStatus.CLOSED):
        return
    item = current_rulebook().inspections.closure_obeyed_item
    if item is None:
        return
    answer = inspection.checklist.get(item)
    if answer == "yes" and inspection.type is InspectionType.FOLLOW_UP:
        premises.status = PremisesStatus.CLOSED
    elif answer == "no":
        premises.status = PremisesStatus.ORDERED_CLOSED


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

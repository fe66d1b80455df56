"""API: inspections (docs/API.md): log, record observations and violations, submit; read lists."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from tracker.api.core import IDEMPOTENCY_KEY, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page
from tracker.api.fields import (
    ID_RANGE, Code, DecimalString, OffsetDateTime, Quantity, QueryBoolean, StrictBoolean, StrictDate, Text, problems, values,
)
from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType
from tracker.models import Inspection, Violation
from tracker.services import inspections as service, listings
from tracker.services.access import FIELD, READERS
from tracker.services.scope import get_visible

blp = ApiBlueprint(
    "api_inspections", __name__, url_prefix="/api/v1", description="Inspections: log, record prices and violations, submit"
)

INSPECTION_PATH = "/inspections/<int(min=1, max=2147483647):inspection_id>"
CHECKLIST_ANSWERS = list(service.CHECKLIST_ANSWERS)
MAX_CHECKLIST_ANSWERS = 100
DETAIL = (
    joinedload(Inspection.unit),
    joinedload(Inspection.lead_officer),
    joinedload(Inspection.second_officer),
    selectinload(Inspection.observations),
    selectinload(Inspection.evidence),
    selectinload(Inspection.violations).selectinload(Violation.observations),
    selectinload(Inspection.violations).selectinload(Violation.evidence),
)


# ------------------------------------------------------------------------------------------ schemas out


class FlagOut(ma.Schema):
    test = ma.fields.String(
        required=True,
        metadata={"description": "baseline_margin, margin_cap, cost_unchanged, fees_raised, bundling, "
                  "above_marked_price, unmarked_price, or a test of the rulebook's own."},
    )
    explanation = ma.fields.String(required=True)
    params = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class ObservationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    inspection_id = ma.fields.Integer(required=True)
    commodity = ma.fields.String(required=True)
    unit_of_sale = ma.fields.String(required=True)
    price = DecimalString(required=True)
    marked_price = DecimalString(required=True, allow_none=True)
    cost = DecimalString(required=True, allow_none=True)
    cost_invoice = ma.fields.String(required=True)
    baseline_price = DecimalString(required=True, allow_none=True)
    baseline_cost = DecimalString(required=True, allow_none=True)
    quantity_sold = DecimalString(places=3, digits=11, required=True, allow_none=True)
    fees = DecimalString(required=True, allow_none=True)
    baseline_fees = DecimalString(required=True, allow_none=True)
    bundled = ma.fields.Boolean(required=True)
    margin_rate = DecimalString(places=4, digits=8, signed=True, required=True, allow_none=True)
    baseline_margin_rate = DecimalString(places=4, digits=8, signed=True, required=True, allow_none=True)
    highest_lawful_price = DecimalString(signed=True, required=True, allow_none=True)
    estimated_illegal_gains = DecimalString(signed=True, required=True, allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(FlagOut), required=True)
    flagged = ma.fields.Boolean(required=True)
    rulebook = ma.fields.String(required=True)


class _Id(ma.Schema):
    id = ma.fields.Integer()


class ViolationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    inspection_id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    legal_basis = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    observation_ids = ma.fields.Pluck(_Id, "id", many=True, attribute="observations", required=True)
    evidence_ids = ma.fields.Pluck(_Id, "id", many=True, attribute="evidence", required=True)
    case_id = ma.fields.Integer(required=True, allow_none=True)


class InspectionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    premises_id = ma.fields.Integer(required=True)
    unit = Code(required=True, metadata={"description": "The unit's code."})
    started_at = ma.fields.AwareDateTime(required=True)
    lead_officer = Code("username", required=True, metadata={"description": "A username."})
    second_officer = Code("username", required=True, metadata={"description": "A username."})
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionType)))
    emergency_id = ma.fields.Integer(required=True, allow_none=True)
    checklist = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(validate=ma.validate.OneOf(CHECKLIST_ANSWERS)), required=True
    )
    notes = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionStatus)))
    outcome = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(values(InspectionOutcome)))
    reinspect_on = ma.fields.Date(required=True, allow_none=True)
    submitted_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    rulebook = ma.fields.String(required=True)


class InspectionDetail(InspectionOut):
    """One inspection with what was recorded during it."""

    observations = ma.fields.List(ma.fields.Nested(ObservationOut), required=True)
    violations = ma.fields.List(ma.fields.Nested(ViolationOut), required=True)


class InspectionPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InspectionOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


# ------------------------------------------------------------------------------------------ schemas in


class InspectionQuery(PageQuery):
    premises_id = ma.fields.Integer(validate=ID_RANGE)
    date_from = StrictDate(data_key="from", metadata={"description": "Started on or after this day (unit's time zone)."})
    date_to = StrictDate(data_key="to", metadata={"description": "Started on or before this day (unit's time zone)."})
    flagged = QueryBoolean(metadata={"description": "true: with a flagged observation; false: without."})
    status = ma.fields.String(validate=ma.validate.OneOf(values(InspectionStatus)))


def _few_answers(answers: dict) -> None:
    if len(answers) > MAX_CHECKLIST_ANSWERS:
        raise ma.ValidationError(_("At most %(n)s answers.", n=MAX_CHECKLIST_ANSWERS))


class InspectionIn(ma.Schema):
    premises_id = ma.fields.Integer(required=True, strict=True, validate=ID_RANGE)
    started_at = OffsetDateTime(required=True, metadata={"description": "RFC 3339 with the offset; not in the future."})
    lead_officer = Text(required=True, validate=ma.validate.Length(min=1, max=64))
    second_officer = Text(
        required=True, validate=ma.validate.Length(min=1, max=64), metadata={"description": "Not the lead officer."}
    )
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionType)))
    emergency_id = ma.fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)
    notes = Text(load_default="", validate=ma.validate.Length(max=20000))
    checklist = ma.fields.Dict(
        keys=Text(validate=ma.validate.Length(min=1, max=64)),
        values=ma.fields.String(validate=ma.validate.OneOf(CHECKLIST_ANSWERS)),
        load_default=dict,
        validate=_few_answers,
        metadata={"description": "Answers to the rulebook's checklist items.", "maxProperties": MAX_CHECKLIST_ANSWERS},
    )


class ObservationIn(ma.Schema):
    commodity = Text(
        required=True, validate=ma.validate.Length(min=1, max=64), metadata={"description": "A rulebook commodity code."}
    )
    price = DecimalString(required=True, metadata={"description": "Above zero."})
    marked_price = DecimalString(allow_none=True)
    cost = DecimalString(allow_none=True)
    baseline_price = DecimalString(allow_none=True)
    baseline_cost = DecimalString(allow_none=True)
    quantity_sold = Quantity(places=3, digits=11, allow_none=True)
    fees = DecimalString(allow_none=True)
    baseline_fees = DecimalString(allow_none=True)
    bundled = StrictBoolean(load_default=False)
    unit_of_sale = Text(validate=ma.validate.Length(max=40))
    cost_invoice = Text(validate=ma.validate.Length(max=120))


class ViolationIn(ma.Schema):
    code = Text(
        required=True, validate=ma.validate.Length(min=1, max=64), metadata={"description": "A rulebook violation code."}
    )
    observation_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ID_RANGE), load_default=list, validate=ma.validate.Length(max=500)
    )
    evidence_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ID_RANGE), load_default=list, validate=ma.validate.Length(max=500)
    )
    description = Text(load_default="", validate=ma.validate.Length(max=5000))


class SubmitIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionOutcome)))
    reinspect_on = StrictDate(
        load_default=None, allow_none=True, metadata={"description": "Required for 'corrected', refused otherwise."}
    )


# ------------------------------------------------------------------------------------------ views


def _load(inspection_id: int) -> Inspection:
    return get_visible(Inspection, inspection_id, caller(), *DETAIL)


@blp.route("/inspections")
@api_allow(*READERS)
@blp.arguments(InspectionQuery, location="query")
@blp.response(200, InspectionPage)
@problems(blp, 403, 422)
def list_inspections(query):
    """Inspections the caller may see, newest first."""
    filters = {name: query.get(name) for name in ("premises_id", "status", "flagged", "date_from", "date_to")}
    stmt = listings.INSPECTIONS.build(caller(), filters).options(
        joinedload(Inspection.unit), joinedload(Inspection.lead_officer), joinedload(Inspection.second_officer)
    )
    return keyset_page(stmt, Inspection.id, query, lambda inspection: inspection)


@blp.route("/inspections", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(InspectionIn)
@blp.response(201, InspectionDetail)
@problems(blp, 400, 403, 422)
def create_inspection(data):
    """Log an inspection (a draft) of a premises in the caller's unit, by two of its officers."""
    inspection = service.start_inspection(caller(), service.InspectionData(**data))
    return _load(inspection.id)


@blp.route(INSPECTION_PATH)
@api_allow(*READERS)
@blp.response(200, InspectionDetail)
@problems(blp, 403, 404)
def get_inspection(inspection_id: int):
    """One inspection with its observations and violations."""
    return _load(inspection_id)


@blp.route(f"{INSPECTION_PATH}/observations", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ObservationIn)
@blp.response(201, ObservationOut)
@problems(blp, 400, 403, 404, 409, 422)
def create_observation(data, inspection_id: int):
    """Record a price seen during a draft inspection; the rulebook's price tests run on it."""
    inspection = _load(inspection_id)
    return service.record_observation(caller(), inspection, service.ObservationData(**data))


@blp.route(f"{INSPECTION_PATH}/violations", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ViolationIn)
@blp.response(201, ViolationOut)
@problems(blp, 400, 403, 404, 409, 422)
def create_violation(data, inspection_id: int):
    """Record a violation under a rulebook code, linked to observations of this inspection."""
    inspection = _load(inspection_id)
    return service.record_violation(
        caller(), inspection, data["code"], data["observation_ids"], data["evidence_ids"], data["description"]
    )


@blp.route(f"{INSPECTION_PATH}/submit", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(SubmitIn)
@blp.response(200, InspectionDetail)
@problems(blp, 400, 403, 404, 409, 422)
def submit(data, inspection_id: int):
    """Submit a draft with its outcome; afterwards the inspection is read-only."""
    inspection = service.submit_inspection(caller(), _load(inspection_id), data["outcome"], data["reinspect_on"])
    return _load(inspection.id)

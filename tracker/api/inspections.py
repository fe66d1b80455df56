"""API: inspections (docs/API.md): log, record observations and violations, submit; read lists.

Field devices send ``client_id`` (a UUID made on the device) with what they create: a repeat answers the record
(200), a repeat with other values 409 with the record under ``current``, a record the server could not take
(the inspection submitted meanwhile) 409 with the ``conflict_id`` it is kept under (docs/API.md, "Field devices")."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from tracker.api.core import (
    IDEMPOTENCY_KEY, PROBLEM, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page, problem, recorded,
)
from tracker.api.fields import (
    ID_RANGE, Code, DecimalString, OffsetDateTime, Quantity, QueryBoolean, StrictBoolean,
    StrictDate, Text, problems, values,
)
from tracker.api.evidence import EvidenceOut
from tracker.api.problem_schema import ProblemSchema
from tracker.domain.sync import CLIENT_ID_PATTERN, canonical_client_id
from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType
from tracker.models import Inspection, Violation
from tracker.services import inspections as service, listings
from tracker.services.access import FIELD, READERS
from tracker.services.clientids import DifferentContent, KeptAsConflict
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


# ------------------------------------------------------------------------------------------ fields


class ClientId(ma.fields.String):
    """A record's id made on a field device: a UUID in its canonical text (8-4-4-4-12 hexadecimal digits)."""

    default_error_messages = {"invalid_uuid": "Not a valid UUID."}

    def __init__(self, **kwargs):
        metadata = {
            "format": "uuid",
            "pattern": CLIENT_ID_PATTERN,
            "description": "A UUID made on the device for this record. Sent again, it creates nothing: the record "
                           "it names is answered (200), or 409 with it under `current` when the values differ.",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        client_id = canonical_client_id(text)
        if client_id is None:
            raise self.make_error("invalid_uuid")
        return client_id


def client_id_field(**kwargs) -> ClientId:
    return ClientId(load_default=None, allow_none=True, **kwargs)


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
    client_id = ma.fields.String(required=True, allow_none=True, metadata={"format": "uuid"})


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
    client_id = ma.fields.String(required=True, allow_none=True, metadata={"format": "uuid"})


class InspectionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    premises_id = ma.fields.Integer(required=True)
    unit = Code(required=True, metadata={"description": "The unit's code."})
    started_at = ma.fields.AwareDateTime(required=True)
    lead_officer = Code("username", required=True, metadata={"description": "A username."})
    second_officer = Code("username", required=True, metadata={"description": "A username."})
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionType)))
    emergency_id = ma.fields.Integer(required=True, allow_none=True)
    complaint_id = ma.fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "The complaint an inspection of type complaint answers."})
    checklist = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(validate=ma.validate.OneOf(CHECKLIST_ANSWERS)), required=True
    )
    notes = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(values(InspectionStatus)))
    outcome = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(values(InspectionOutcome)))
    reinspect_on = ma.fields.Date(required=True, allow_none=True)
    submitted_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    rulebook = ma.fields.String(
        required=True, metadata={"description": "The rulebook version it was recorded with (the device's, if it said)."}
    )
    client_id = ma.fields.String(
        required=True, allow_none=True, metadata={"format": "uuid", "description": "The id the device that made it gave it."}
    )


class InspectionDetail(InspectionOut):
    """One inspection with what was recorded during it."""

    observations = ma.fields.List(ma.fields.Nested(ObservationOut), required=True)
    evidence = ma.fields.List(ma.fields.Nested(EvidenceOut), required=True)
    violations = ma.fields.List(ma.fields.Nested(ViolationOut), required=True)


class InspectionPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InspectionOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class _ClientIdProblem(ProblemSchema):
    conflict_id = ma.fields.Integer(
        metadata={"description": "When the server could not take the record (the inspection was submitted meanwhile, "
                                 "or the rulebook no longer has its commodity or code): the sync conflict it is kept "
                                 "under for the supervisor. Nothing else was written."}
    )


class InspectionConflictProblem(ProblemSchema):
    current = ma.fields.Nested(
        InspectionDetail, metadata={"description": "The inspection the client_id names, as stored."}
    )


class ObservationConflictProblem(_ClientIdProblem):
    current = ma.fields.Nested(ObservationOut, metadata={"description": "The observation the client_id names."})


class ViolationConflictProblem(_ClientIdProblem):
    current = ma.fields.Nested(ViolationOut, metadata={"description": "The violation the client_id names."})


DIFFERENT_CONTENT = "The client_id names a record of this kind with other values: `current` holds it, `errors` names the fields."
KEPT = (
    " Or the inspection is submitted (a request without client_id), or the server kept the device's record, which it "
    "could not take, as a sync conflict: `conflict_id`."
)


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
    complaint_id = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ID_RANGE,
        metadata={"description": "An accepted complaint of the unit; the inspection's type is then complaint."},
    )
    notes = Text(load_default="", validate=ma.validate.Length(max=20000))
    checklist = ma.fields.Dict(
        keys=Text(validate=ma.validate.Length(min=1, max=64)),
        values=ma.fields.String(validate=ma.validate.OneOf(CHECKLIST_ANSWERS)),
        load_default=dict,
        validate=_few_answers,
        metadata={"description": "Answers to the rulebook's checklist items. From a device that recorded them with "
                                 "another rulebook_version, answers the current checklist cannot take are kept as a "
                                 "sync conflict instead of refused.", "maxProperties": MAX_CHECKLIST_ANSWERS},
    )
    client_id = client_id_field(
        metadata={"description": "A UUID made on the device. Sent again: that inspection (200), or 409 with it under "
                                 "`current` when the values differ. A new client_id for a visit the server holds as a "
                                 "draft (same premises, same unit-local day, the same two officers in either order) "
                                 "joins that draft (200) and creates nothing."}
    )
    rulebook_version = Text(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The rulebook version the device recorded with (`rulebook.version` of "
                                 "GET /field/bundle). Default: the server's current one."},
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
    client_id = client_id_field()


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
    client_id = client_id_field()


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


def _client_problem(error: DifferentContent | KeptAsConflict, current_schema: ma.Schema, current=None):
    """409 for a client_id: the record as stored under ``current``, or the sync conflict the device's record is
    kept under (an answer @idempotent keeps, since the conflict was written)."""
    if isinstance(error, KeptAsConflict):
        return recorded(problem(409, str(error), extra={"conflict_id": error.conflict.id}))
    body = current_schema.dump(current if current is not None else error.current)
    return problem(409, str(error), error.errors, extra={"current": body})


def _conflict_responses(schema: type[ma.Schema], description: str = DIFFERENT_CONTENT + KEPT):
    return blp.alt_response(409, schema=schema, content_type=PROBLEM, description=description)


@blp.route("/inspections", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(InspectionIn)
@blp.response(201, InspectionDetail, description="A new draft.")
@blp.alt_response(
    200, schema=InspectionDetail,
    description="Created nothing: the inspection this client_id names, or the draft of the same visit it joined.",
)
@_conflict_responses(InspectionConflictProblem, DIFFERENT_CONTENT)
@problems(blp, 400, 403, 422)
def create_inspection(data):
    """Log an inspection (a draft) of a premises in the caller's unit, by two of its officers."""
    try:
        synced = service.sync_inspection(caller(), service.InspectionData(**data))
    except DifferentContent as error:
        return _client_problem(error, InspectionDetail(), _load(error.current.id))
    return _load(synced.record.id), 201 if synced.created else 200


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
@blp.response(201, ObservationOut, description="Recorded.")
@blp.alt_response(200, schema=ObservationOut, description="Created nothing: the observation this client_id names.")
@_conflict_responses(ObservationConflictProblem)
@problems(blp, 400, 403, 404, 422)
def create_observation(data, inspection_id: int):
    """Record a price seen during a draft inspection; the rulebook's price tests run on it."""
    inspection = _load(inspection_id)
    try:
        synced = service.sync_observation(caller(), inspection, service.ObservationData(**data))
    except (DifferentContent, KeptAsConflict) as error:
        return _client_problem(error, ObservationOut())
    return synced.record, 201 if synced.created else 200


@blp.route(f"{INSPECTION_PATH}/violations", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ViolationIn)
@blp.response(201, ViolationOut, description="Recorded.")
@blp.alt_response(200, schema=ViolationOut, description="Created nothing: the violation this client_id names.")
@_conflict_responses(ViolationConflictProblem)
@problems(blp, 400, 403, 404, 422)
def create_violation(data, inspection_id: int):
    """Record a violation under a rulebook code, linked to observations of this inspection."""
    inspection = _load(inspection_id)
    try:
        synced = service.sync_violation(
            caller(), inspection, data["code"], data["observation_ids"], data["evidence_ids"], data["description"],
            data["client_id"],
        )
    except (DifferentContent, KeptAsConflict) as error:
        return _client_problem(error, ViolationOut())
    return synced.record, 201 if synced.created else 200


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

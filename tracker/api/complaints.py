"""API: complaints and reports from the public (docs/API.md, DOMAIN.md §11). The public files one without a token
(rate-limited per address) and follows it by its tracking code; officers and supervisors record calls and letters,
and the handling unit triages, replies and closes. Every rule is tracker.services.complaints'."""
from __future__ import annotations

import copy
from functools import wraps

import marshmallow as ma
from flask import g, request, url_for
from flask_babel import gettext as _

from tracker.api.core import IDEMPOTENCY_KEY, PROBLEM, ApiBlueprint, PageQuery, api_allow, caller, idempotent, \
    keyset_page, problem
from tracker.api.fields import MAX_ID, DecimalString, StrictDate, Text, problems
from tracker.api.problem_schema import ProblemSchema
from tracker.domain import complaints as rules
from tracker.models.complaints import Complaint
from tracker.services import complaints as service
from tracker.services.access import FIELD, PUBLIC, READERS
from tracker.services.clientids import DifferentContent


blp = ApiBlueprint(
    "api_complaints", __name__, url_prefix="/api/v1",
    description="Complaints and reports from the public: intake, tracking, triage and replies",
)

COMPLAINT_ID = f"int(min=1, max={MAX_ID}):complaint_id"
ACTIONS = tuple(a.value for a in rules.ComplaintAction)
MAX_BODY_BYTES = 128 * 1024  # a complaint's text fits many times over; anything larger is refused unread
STATUSES = [s.value for s in rules.ComplaintStatus]


# ------------------------------------------------------------------------------------------ schemas


class ComplaintPersonIn(ma.Schema):
    name = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=service.NAME_MAX))
    phone = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=service.PHONE_MAX))


class ComplaintIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(rules.KINDS))
    channel = ma.fields.String(validate=ma.validate.OneOf(rules.CHANNELS))
    received_on = StrictDate(metadata={"description": "An officer's record only (not in the future); the public's "
                                                      "is today in the handling unit."})
    premises_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    premises_name = Text(validate=ma.validate.Length(max=200))
    address = Text(validate=ma.validate.Length(max=300))
    town = Text(validate=ma.validate.Length(max=16), metadata={"description": "A unit's code: routes a free address."})
    commodity = Text(validate=ma.validate.Length(max=64), metadata={"description": "A rulebook commodity code."})
    price_seen = DecimalString(metadata={"description": "The price paid or seen: \"18.00\"."})
    seen_on = StrictDate()
    description = Text(required=True, validate=ma.validate.Length(min=1, max=service.DESCRIPTION_MAX))
    person = ma.fields.Nested(ComplaintPersonIn, allow_none=True, load_default=None,
                              metadata={"description": "{name, phone}, or null: anonymous."})
    client_id = ma.fields.String(validate=ma.validate.Length(max=64), metadata={"format": "uuid"})


class ComplaintReplyOut(ma.Schema):
    on = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class ComplaintDeadlineOut(ma.Schema):
    name = ma.fields.String(required=True, metadata={"enum": list(rules.DEADLINE_NAMES)})
    due_on = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["open", "due_soon", "overdue", "met"]})


class ComplaintPersonOut(ma.Schema):
    name = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


class ComplaintOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    channel = ma.fields.String(required=True)
    received_on = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    premises_id = ma.fields.Integer(required=True, allow_none=True)
    premises_name = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    town = ma.fields.String(allow_none=True)
    commodity = ma.fields.String(required=True, allow_none=True)
    price_seen = ma.fields.String(required=True, allow_none=True)
    seen_on = ma.fields.String(required=True, allow_none=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": STATUSES})
    priority = ma.fields.String(required=True, metadata={"enum": ["high", "normal"]})
    priority_reasons = ma.fields.List(ma.fields.String(), required=True)
    possible_duplicates = ma.fields.List(ma.fields.Integer(), required=True)
    duplicate_of = ma.fields.Integer(required=True, allow_none=True)
    transferred_to = ma.fields.String(allow_none=True)
    deadlines = ma.fields.List(ma.fields.Nested(ComplaintDeadlineOut), required=True)
    person = ma.fields.Nested(ComplaintPersonOut, required=True, allow_none=True,
                              metadata={"description": "Only for the handling unit's officers and supervisors and "
                                                       "auditors; null when anonymous."})
    anonymous = ma.fields.Boolean()
    inspection_ids = ma.fields.List(ma.fields.Integer(), required=True)
    case_id = ma.fields.Integer(required=True, allow_none=True)
    replies = ma.fields.List(ma.fields.Nested(ComplaintReplyOut), required=True)
    version = ma.fields.Integer()


def _created_fields() -> dict[str, ma.fields.Field]:
    """The record's fields, all optional but the receipt's: a public caller gets only number, tracking_code,
    received_on and status; an officer or supervisor of the handling unit the full record and the code."""
    fields = {}
    for name, declared in ComplaintOut._declared_fields.items():
        field = copy.deepcopy(declared)
        field.required = name in ("number", "received_on", "status")
        fields[name] = field
    fields["tracking_code"] = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "Shown once, at intake (null for a repeated client_id): the person follows the "
                                 "complaint with it on GET /complaints/track/{tracking_code}."})
    return fields


ComplaintCreated = ma.Schema.from_dict(_created_fields(), name="ComplaintCreated")


class ComplaintPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ComplaintOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class ComplaintTrackingOut(ma.Schema):
    number = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    received_on = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": STATUSES})
    replies = ma.fields.List(ma.fields.Nested(ComplaintReplyOut), required=True)


class ComplaintQuery(PageQuery):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    kind = ma.fields.String(validate=ma.validate.OneOf(rules.KINDS))
    priority = ma.fields.String(validate=ma.validate.OneOf(["high", "normal"]))


class ComplaintActionIn(ma.Schema):
    on = StrictDate()
    reason = Text(validate=ma.validate.Length(max=service.REASON_MAX))
    to = Text(validate=ma.validate.Length(max=16), metadata={"description": "transfer: a unit's code, or agency."})
    into = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "merge: the earlier complaint's id."})
    text = Text(validate=ma.validate.Length(max=service.TEXT_MAX),
                metadata={"description": "reply: what the person reads on the tracking page."})
    result = Text(validate=ma.validate.Length(max=service.REASON_MAX), metadata={"description": "close: the result."})


ACTION_FIELDS = {
    "accept": ("on", "reason"), "decline": ("on", "reason"), "transfer": ("on", "to", "reason"),
    "merge": ("on", "into", "reason"), "reply": ("on", "text"), "close": ("on", "result", "reason"),
}


# ------------------------------------------------------------------------------------------ the intake limit


def _over_the_limit():
    """A public intake over the limit per address: a 429 problem."""
    wait = service.intake_wait(request.remote_addr or "")
    if wait is None:
        return None
    response = problem(429, _("Too many complaints from your address. Try again in %(s)s seconds.", s=wait))
    response.headers["Retry-After"] = str(wait)
    return response


def small_body(view):
    """Refuse a body over MAX_BODY_BYTES (413) before it is read: the public door takes text, not files."""

    @wraps(view)
    def guarded(*args, **kwargs):
        length = request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            return problem(413, _("A complaint takes at most %(n)s KB.", n=MAX_BODY_BYTES // 1024))
        request.max_content_length = MAX_BODY_BYTES  # a body without a length stops there too (413)
        return view(*args, **kwargs)

    return guarded


# ------------------------------------------------------------------------------------------ views


def _record(complaint: Complaint) -> dict:
    return service.record(complaint, caller())


@blp.route("/complaints", methods=["POST"])
@api_allow(PUBLIC)
@small_body
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY], security=[{}, {"bearerAuth": []}])  # a token is optional
@blp.arguments(ComplaintIn)
@blp.response(201, ComplaintCreated, description="Filed. The public gets only its number and tracking code.")
@blp.alt_response(200, schema=ComplaintOut, description="Created nothing: the complaint this client_id names.")
@blp.alt_response(409, schema=ProblemSchema, content_type=PROBLEM,
                  description="The client_id names a complaint with other values (`current`).")
@blp.alt_response(429, schema=ProblemSchema, content_type=PROBLEM, description="Too many from this address.")
@blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM, description="A body over 128 KB.")
@problems(blp, 400, 403, 422)
def file_complaint(data):
    """File a complaint or report: the public without a token, or an officer or supervisor recording a call,
    letter or walk-in. Routed to the premises' unit, or the town's; checked on arrival."""
    user = g.get("api_user")
    if user is not None and not user.role.works_in_unit:
        user = None  # an auditor or administrator files as anyone from the public does
    if user is None:
        refused = _over_the_limit()
        if refused is not None:
            return refused
    try:
        intake = service.file_complaint(user, data)
    except DifferentContent as error:
        return problem(409, str(error), error.errors, extra={"current": ComplaintOut().dump(_record(error.current))})
    complaint = intake.complaint
    if not service.may_see(complaint, user):  # the public, or an officer of another unit: the receipt only
        return service.public_receipt(intake), 201
    headers = {"Location": url_for("api_complaints.show_complaint", complaint_id=complaint.id)}
    return {**_record(complaint), "tracking_code": intake.tracking_code}, 201 if intake.created else 200, headers


@blp.route("/complaints/track/<string(maxlength=64):tracking_code>", methods=["GET"])
@api_allow(PUBLIC)
@blp.doc(security=[])
@blp.response(200, ComplaintTrackingOut)
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM, description="No complaint has this code.")
def track(tracking_code: str):
    """The public tracking page: number, kind, receipt date, status and the replies, nothing else."""
    return service.tracking(tracking_code)


@blp.route("/complaints", methods=["GET"])
@api_allow(*READERS)
@blp.arguments(ComplaintQuery, location="query")
@blp.response(200, ComplaintPage)
@problems(blp, 403, 422)
def list_complaints(query):
    """Complaints of the caller's unit (auditors: every unit's), newest first."""
    user = caller()
    stmt = service.visible(user)
    for name in ("status", "kind", "priority"):
        if query.get(name):
            stmt = stmt.where(getattr(Complaint, name) == query[name])
    stmt = stmt.options(*service.DETAIL)
    return keyset_page(stmt, Complaint.id, query, lambda complaint: service.record(complaint, user))


@blp.route(f"/complaints/<{COMPLAINT_ID}>", methods=["GET"])
@api_allow(*READERS)
@blp.response(200, ComplaintOut)
@problems(blp, 403, 404)
def show_complaint(complaint_id: int):
    """One complaint: the person only for the handling unit's officers and supervisors, and auditors."""
    user = caller()
    return service.record(service.load_complaint(complaint_id, user), user)


@blp.route(f"/complaints/<{COMPLAINT_ID}>/actions/<any({', '.join(ACTIONS)}):complaint_action>", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ComplaintActionIn, required=False)
@blp.response(200, ComplaintOut)
@problems(blp, 403, 404, 409, 422)
def act(body, complaint_id: int, complaint_action: str):
    """accept, decline {reason}, transfer {to, reason}, merge {into}: the handling unit's supervisor; reply {text}:
    its officers and supervisor; close {result}: its supervisor. 403 role, 409 state, 422 input or a late step
    without a reason."""
    user = caller()
    complaint = service.load_complaint(complaint_id, user)
    action = complaint_action
    extra = sorted(set(body) - set(ACTION_FIELDS[action]))
    if extra:
        message = _("This action does not take this field.")
        return problem(422, message, {name: [message] for name in extra})
    complaint = service.run_action(user, complaint, action, body)
    return service.record(service.reload(complaint.id), user)  # a transfer leaves the caller's unit: no person

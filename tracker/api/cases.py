"""API: enforcement cases (docs/API.md): open a case, list and read cases, run lifecycle actions, read the
history chain. Every action goes through services.cases.run_action, which owns every legal rule; the
schemas here only check the shape of what is sent (types, formats, bounds, enums)."""
from __future__ import annotations

import re
from datetime import date

import marshmallow as ma
import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.orm import joinedload

from tracker.api.core import IDEMPOTENCY_KEY, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page
from tracker.api.fields import MAX_ID, DecimalString, QueryBoolean, StrictBoolean, StrictDate, Text
from tracker.domain import commands
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import MAX_LINES, PENALTY_KINDS
from tracker.extensions import db
from tracker.models import Case, CaseEvent
from tracker.services import cases as service, listings
from tracker.services.access import FIELD, READERS
from tracker.services.caserecord import CaseOut, case_out
from tracker.services.cases import CASE_DETAIL
from tracker.services.errors import Invalid
from tracker.services.scope import get_visible

blp = ApiBlueprint(
    "api_cases", __name__, url_prefix="/api/v1",
    description="Enforcement cases: open them, act through the lifecycle, read the history chain",
)

CASE_ID = f"int(min=1, max={MAX_ID}):case_id"
ACTIONS = tuple(a.value for a in CaseAction)
# Step dates far outside a case's life only ever fail a guard; bounding them keeps date arithmetic safe.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "maxLength": 40},
    "description": "The case's `version` (as returned, e.g. `3` or `\"3\"`; `*` for any): an older version answers 409; "
    "anything that is not a whole number answers 422.",
}


# ------------------------------------------------------------------------------------------ output schemas
# The case itself (CaseOut) is the case record, shared with the case-file pack: tracker.services.caserecord.


class CasePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CaseOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class HistoryItemOut(ma.Schema):
    seq = ma.fields.Integer(required=True)
    at = ma.fields.String(required=True, metadata={"description": "When it was recorded (ISO 8601, UTC)."})
    on = ma.fields.String(required=True, metadata={"description": "The day the step happened (YYYY-MM-DD)."})
    actor = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    from_state = ma.fields.String(required=True, allow_none=True)
    to_state = ma.fields.String(required=True)
    data = ma.fields.Dict(required=True)
    reason = ma.fields.String(required=True, allow_none=True)
    prev_hash = ma.fields.String(required=True)
    hash = ma.fields.String(required=True)


class HistoryOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HistoryItemOut), required=True)


# ------------------------------------------------------------------------------------------ input schemas


def _id(**kwargs):
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def _text(limit: int, **kwargs):
    return Text(validate=ma.validate.Length(max=limit), **kwargs)


def _day(**kwargs):
    return StrictDate(validate=ma.validate.Range(min=EARLIEST, max=LATEST), **kwargs)


def _username():
    return Text(validate=ma.validate.Length(min=1, max=64))


class CaseQuery(PageQuery):
    state = ma.fields.String(validate=ma.validate.OneOf([s.value for s in CaseState]))
    unit = _text(16, metadata={"description": "A unit's code."})
    premises_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    violation_code = _text(64)
    overdue = QueryBoolean(metadata={"description": "true: the nearest deadline has passed; false: it has not."})


class CaseIn(ma.Schema):
    """Either a referred inspection (and some of its violations), or a complaint about a premises."""

    inspection_id = _id()
    violation_ids = ma.fields.List(
        _id(), validate=ma.validate.Length(max=100),
        metadata={"description": "Violations of the inspection; all those not yet in a case when omitted."},
    )
    premises_id = _id()
    complaint = _text(20000)
    received_on = _day()
    complaint_id = _id(metadata={"description": "An accepted complaint of the unit: its receipt date is the clue date."})

    @ma.validates_schema
    def one_source(self, data, **_kwargs):
        from_inspection = "inspection_id" in data
        from_complaint = any(key in data for key in ("premises_id", "complaint", "received_on"))
        from_recorded = "complaint_id" in data
        if from_inspection + from_complaint + from_recorded != 1:
            raise ma.ValidationError(
                _("Give inspection_id (and violation_ids), or premises_id, complaint and received_on, or complaint_id."),
                "inspection_id",
            )
        if from_recorded and "violation_ids" in data:
            raise ma.ValidationError(_("violation_ids go with an inspection_id."), "violation_ids")
        if from_complaint and "violation_ids" in data:
            raise ma.ValidationError(_("violation_ids go with an inspection_id."), "violation_ids")


class PenaltyLineIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PENALTY_KINDS))
    amount = DecimalString(metadata={"description": "For a fine or confiscation: \"1100.00\"."})


def _lines(**kwargs):
    return ma.fields.List(ma.fields.Nested(PenaltyLineIn), validate=ma.validate.Length(max=MAX_LINES), **kwargs)


class CollectiveDiscussionIn(ma.Schema):
    on = _day(required=True)
    participants = ma.fields.List(_username(), required=True,
                                  validate=ma.validate.Length(max=commands.PARTICIPANTS_MAX))


def _field(spec: commands.Spec) -> ma.fields.Field:
    """The API field of a command's input field (tracker.domain.commands declares each once)."""
    meta = {"metadata": {"description": spec.description}} if spec.description else {}
    if spec.kind == "date":
        return _day(**meta)
    if spec.kind == "text":
        return _text(spec.limit, **meta)
    if spec.kind == "choice":
        return ma.fields.String(validate=ma.validate.OneOf(spec.choices), **meta)
    if spec.kind == "bool":
        return StrictBoolean(**meta)
    if spec.kind == "money":
        return DecimalString(**meta)
    if spec.kind == "lines":
        return _lines(**meta)
    if spec.kind == "username":
        return _username()
    if spec.kind == "usernames":
        return ma.fields.List(_username(), validate=ma.validate.Length(max=spec.limit), **meta)
    if spec.kind == "days":
        return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=spec.limit), **meta)
    if spec.kind == "discussion":
        return ma.fields.Nested(CollectiveDiscussionIn, **meta)
    raise ValueError(f"no API field for {spec.kind!r}")


def _action_input() -> type[ma.Schema]:
    """Every field any action takes, built from the commands; each action accepts only its own (ACTION_FIELDS)
    and run_action applies the rules. All are optional here: what an action requires, it says with a 422."""
    fields: dict[str, ma.fields.Field] = {}
    for command in dict.fromkeys(commands.COMMANDS.values()):
        for name, spec in commands.specs(command).items():
            fields.setdefault(name, _field(spec))
    return ma.Schema.from_dict(fields, name="ActionIn")


ActionIn = _action_input()
COMMON = tuple(commands.specs(commands.Command))
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    action.value: tuple(name for name in commands.specs(command) if name not in COMMON)
    for action, command in commands.COMMANDS.items()
}
ACTION_SCHEMAS = {action: ActionIn(only=COMMON + fields) for action, fields in ACTION_FIELDS.items()}
assert set(ACTION_FIELDS) == set(ACTIONS)


# ------------------------------------------------------------------------------------------ rendering


def _etag(case: Case) -> dict:
    return {"ETag": f'"{case.version}"'}


def _expected_version() -> int | None:
    """The If-Match header as a case version: absent or '*' is None; anything but a whole number is a 422."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    if value == "*":
        return None
    match = re.fullmatch(r'(?:W/)?"?([0-9]{1,18})"?', value)
    if match is None:
        message = _("If-Match takes the case's version, a whole number such as 3.")
        raise Invalid(message, {"If-Match": [message]})
    return int(match.group(1))


# ------------------------------------------------------------------------------------------ views


@blp.route("/cases", methods=["GET"])
@api_allow(*READERS)
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CasePage)
def list_cases(query):
    """Cases: officers and supervisors see their unit's, auditors every unit's. Newest first."""
    user = caller()
    filters = {"state": query.get("state"), "premises_id": query.get("premises_id"),
               "code": query.get("violation_code"), "overdue": query.get("overdue"), "per_unit_today": True}
    if query.get("unit"):
        filters["unit_code"] = query["unit"]
    stmt = listings.CASES.build(user, filters).options(joinedload(Case.unit), *CASE_DETAIL)
    return keyset_page(stmt, Case.id, query, lambda case: case_out(case, user))


@blp.route("/cases", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(CaseIn)
@blp.response(201, CaseOut)
def create_case(data):
    """Open a case (state clue) from a referred inspection's violations, or from a complaint."""
    user = caller()
    case = service.open_case(user, **data)
    case = service.load_case(case.id, user)
    location = url_for("api_cases.show_case", case_id=case.id)
    return case_out(case, user), 201, {"Location": location, **_etag(case)}


@blp.route(f"/cases/<{CASE_ID}>", methods=["GET"])
@api_allow(*READERS)
@blp.response(200, CaseOut)
def show_case(case_id: int):
    """One case, with the actions the caller may take now, its deadlines, penalty and money."""
    user = caller()
    case = service.load_case(case_id, user)
    return case_out(case, user), _etag(case)


@blp.route(f"/cases/<{CASE_ID}>/actions/<any({', '.join(ACTIONS)}):action>", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY, IF_MATCH])
@blp.arguments(ActionIn, required=False)
@blp.response(200, CaseOut)
def act(_shape, case_id: int, action: str):
    """Run one lifecycle action; answers the updated case.

    403: the role or four-eyes refuses; 409: the case is in another state, or If-Match is stale;
    422: the body, or a legal guard (the detail names the rule, the date or the amount).
    """
    user = caller()
    case = service.load_case(case_id, user)
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}  # webargs has refused any other JSON
    errors = ACTION_SCHEMAS[action].validate(body)
    if errors:
        abort(422, messages={"json": errors})
    case = service.run_action(user, case, action, body, expected_version=_expected_version())
    case = service.load_case(case.id, user)
    return case_out(case, user), _etag(case)


@blp.route(f"/cases/<{CASE_ID}>/history", methods=["GET"])
@api_allow(*READERS)
@blp.response(200, HistoryOut)
def history(case_id: int):
    """The case's history in order; each item's hash can be recomputed without the tracker (API.md)."""
    case = get_visible(Case, case_id, caller())  # only the visibility check: the events are read next
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    return {"items": [event.as_item() for event in events]}

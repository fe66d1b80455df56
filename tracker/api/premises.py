"""API: premises (docs/API.md): the registry, with positions, versions and the no-silent-overwrite PATCH."""
from __future__ import annotations

import json
import re

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.api.core import (
    IDEMPOTENCY_KEY, PROBLEM, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page, problem,
)
from tracker.api.fields import Code, Text, problems, values
from tracker.api.problem_schema import ProblemSchema
from tracker.domain.merging import degrees_text
from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.models import Premises, PremisesChange
from tracker.services.access import FIELD, READERS
from tracker.services.errors import Invalid
from tracker.services import listings
from tracker.services.premises import SOURCES, PremisesData, history, patch_premises as patch_record, register_premises
from tracker.services.scope import get_visible

blp = ApiBlueprint("api_premises", __name__, url_prefix="/api/v1", description="The premises registry")

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "maxLength": 40},
    "description": "The premises' `version` the change was made to (`3` or `\"3\"`; `*` for any). When the record "
    "moved on, the change is merged field by field against `base` (see the operation); anything that is not a whole "
    "number answers 422.",
}
DEGREES_PATTERN = r"^[+-]?[0-9]{1,3}(\.[0-9]{1,15})?$"

# ------------------------------------------------------------------------------------------ schemas


class Degrees(Text):
    """A latitude or longitude in: a decimal string of degrees (the service checks the range); out: six places."""

    default_error_messages = {"not_string": 'Give the degrees as a decimal string, such as "31.230416".'}

    def __init__(self, **kwargs):
        metadata = {"pattern": DEGREES_PATTERN, "example": "31.230416",
                    "description": "WGS 84 degrees, as a decimal string; latitude and longitude come together."}
        super().__init__(allow_none=True, metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return degrees_text(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("not_string")
        return super()._deserialize(value, attr, data, **kwargs)


class PremisesOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesKind)))
    operator_name = ma.fields.String(required=True)
    operator_type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(OperatorType)))
    credit_code = ma.fields.String(required=True, allow_none=True)
    address = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)
    unit = Code(required=True, metadata={"description": "The unit's code."})
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesStatus)))
    latitude = Degrees(required=True)
    longitude = Degrees(required=True)
    version = ma.fields.Integer(
        required=True,
        metadata={"description": "Bumped by every change; send it back as If-Match so a change made to an older "
                                 "version is merged, never written over someone else's."},
    )
    warnings = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "On the answer to a save: points to check (e.g. the credit code says another operator type)."},
    )


class PremisesPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PremisesOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class ChangeOut(ma.Schema):
    version = ma.fields.Integer(required=True, metadata={"description": "The premises' version this change made."})
    changed_at = ma.fields.AwareDateTime(required=True)
    changed_by = Code("username", required=True)
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(SOURCES))
    changes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.Raw(allow_none=True)),
                             required=True, metadata={"description": "{field: [old, new]} (old null at creation)."})
    conflict_id = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The sync conflict this change resolved (source `conflict`) or raised (a device's change "
                       "applied in part)."})


class ChangePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChangeOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class PremisesQuery(PageQuery):
    kind = ma.fields.String(validate=ma.validate.OneOf(values(PremisesKind)))
    status = ma.fields.String(validate=ma.validate.OneOf(values(PremisesStatus)))
    q = Text(validate=ma.validate.Length(max=200), metadata={"description": "Text in the name, operator or credit code."})
    unit = Text(validate=ma.validate.Length(max=16), metadata={"description": "A unit code."})


class PremisesFields(ma.Schema):
    """The fields a PATCH may change (and its ``base`` may name)."""

    name = Text(validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(validate=ma.validate.OneOf(values(PremisesKind)))
    operator_type = ma.fields.String(validate=ma.validate.OneOf(values(OperatorType)))
    operator_name = Text(validate=ma.validate.Length(max=200))
    credit_code = Text(allow_none=True, validate=ma.validate.Length(max=40))
    address = Text(validate=ma.validate.Length(max=300))
    phone = Text(validate=ma.validate.Length(max=40))
    status = ma.fields.String(validate=ma.validate.OneOf(values(PremisesStatus)))
    latitude = Degrees()
    longitude = Degrees()


class PremisesBase(PremisesFields):
    """The values the device last saw (at the If-Match version) for the fields it changes."""

    name = Text(allow_none=True, validate=ma.validate.Length(max=200))
    kind = Text(allow_none=True, validate=ma.validate.Length(max=40))
    operator_type = Text(allow_none=True, validate=ma.validate.Length(max=40))
    operator_name = Text(allow_none=True, validate=ma.validate.Length(max=200))
    address = Text(allow_none=True, validate=ma.validate.Length(max=300))
    phone = Text(allow_none=True, validate=ma.validate.Length(max=40))
    status = Text(allow_none=True, validate=ma.validate.Length(max=40))
    latitude = Text(allow_none=True, validate=ma.validate.Length(max=40))
    longitude = Text(allow_none=True, validate=ma.validate.Length(max=40))


class PremisesPatch(PremisesFields):
    """Only the fields given change. ``base``: the values the device last saw for them (see the operation)."""

    base = ma.fields.Nested(PremisesBase, metadata={
        "description": "The values the device last saw, at the If-Match version, for the fields it changes."})


class PremisesConflictProblem(ProblemSchema):
    """The answer to a change that could not be merged: the device's version is kept as a conflict."""

    conflict_id = ma.fields.Integer(
        metadata={"description": "The sync conflict keeping the device's version (GET /conflicts/{id})."})
    current = ma.fields.Nested(PremisesOut, metadata={"description": "The server's record now."})
    fields = ma.fields.List(ma.fields.String(), metadata={"description": "The fields that could not be merged."})


class PremisesIn(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesKind)))
    operator_type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(OperatorType)))
    operator_name = Text(load_default="", validate=ma.validate.Length(max=200))
    credit_code = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=40))
    address = Text(load_default="", validate=ma.validate.Length(max=300))
    phone = Text(load_default="", validate=ma.validate.Length(max=40))
    latitude = Degrees(load_default=None)
    longitude = Degrees(load_default=None)
    unit = Text(
        validate=ma.validate.Length(max=16),
        metadata={"description": "The unit's code; officers and supervisors may give only their own."},
    )


# ------------------------------------------------------------------------------------------ views


def _answer(saved) -> dict:
    return {**PremisesOut().dump(saved.premises), "warnings": list(saved.notes)}


@blp.route("/premises")
@api_allow(*READERS)
@blp.arguments(PremisesQuery, location="query")
@blp.response(200, PremisesPage)
@problems(blp, 403, 422)
def list_premises(query):
    """Premises the caller may see (officers and supervisors: their unit), newest first."""
    filters = {name: query.get(name) for name in ("q", "kind", "status")}
    if query.get("unit"):
        filters["unit_code"] = query["unit"].strip().upper()
    stmt = listings.PREMISES.build(caller(), filters).options(joinedload(Premises.unit))
    return keyset_page(stmt, Premises.id, query, lambda premises: premises)


@blp.route("/premises", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(PremisesIn)
@blp.response(201, PremisesOut)
@problems(blp, 400, 403, 422)
def create_premises(data):
    """Register a premises in the caller's unit."""
    user = caller()
    unit = (data.pop("unit", None) or "").strip()
    if unit and (user.unit is None or unit.upper() != user.unit.code.upper()):
        raise Invalid.field("unit", _("Officers and supervisors register premises in their own unit only."))
    saved = register_premises(user, PremisesData(**data), source="api")
    return _answer(saved), 201, _etag(saved.premises)


@blp.route("/premises/<int(min=1, max=2147483647):premises_id>")
@api_allow(*READERS)
@blp.response(200, PremisesOut)
@problems(blp, 403, 404)
def get_premises(premises_id: int):
    """One premises (its `version` also comes as the ETag)."""
    premises = get_visible(Premises, premises_id, caller(), joinedload(Premises.unit))
    return premises, _etag(premises)


@blp.route("/premises/<int(min=1, max=2147483647):premises_id>/history")
@api_allow(*READERS)
@blp.arguments(PageQuery, location="query")
@blp.response(200, ChangePage)
@problems(blp, 403, 404, 422)
def premises_history(query, premises_id: int):
    """Every change to the premises, newest first: version, who, when, from where (`web`, `api`, `device`,
    `conflict`), each field's old and new value, and the conflict it resolved or raised."""
    premises = get_visible(Premises, premises_id, caller())
    return keyset_page(history(premises.id), PremisesChange.id, query, lambda change: change)


@blp.route("/premises/<int(min=1, max=2147483647):premises_id>", methods=["PATCH"])
@api_allow(*FIELD)
@blp.doc(parameters=[IF_MATCH])
@blp.arguments(PremisesPatch)
@blp.response(200, PremisesOut)
@blp.alt_response(409, schema=PremisesConflictProblem, content_type=PROBLEM,
                  description="The record moved on and some changed fields could not be merged: the device's version "
                              "is kept as a sync conflict (`conflict_id`) for a supervisor; the rest was applied "
                              "(`current`).")
@problems(blp, 400, 403, 404, 422)
def patch_premises(changes, premises_id: int):
    """Change some fields of a premises; the others keep their values. Nothing is overwritten silently.

    Without If-Match the change is applied (the last write wins, and the history records it). With If-Match at the
    record's `version`, it is applied. With an older version, it is merged field by field: a field the device set
    to the server's value is already done; a field whose server value still equals the device's `base` (the value
    the device last saw) is applied; a field changed on both sides to different values, or one `base` does not
    name, cannot be merged. Latitude and longitude merge together. If any field cannot be merged, the mergeable
    ones are applied, the device's values are kept as a sync conflict for the unit's supervisor, and the answer is
    409 with `conflict_id`, `current` (the server's record) and `fields`. The history records every change
    (source `device` when the body carries `base`, else `api`).
    """
    user = caller()
    premises = get_visible(Premises, premises_id, user, joinedload(Premises.unit))
    if not isinstance(request.get_json(silent=True), dict):
        raise Invalid.field("body", _("Send the fields to change as a JSON object."))
    base = changes.pop("base", None)
    saved = patch_record(user, premises, changes, source="device" if base is not None else "api",
                         expected_version=_expected_version(), base=base)
    if saved.conflict is None:
        return _answer(saved), _etag(saved.premises)
    conflict = saved.conflict
    response = problem(  # the problem document, with the conflict's keys added
        409,
        _("This premises changed since version %(version)s and %(fields)s could not be merged: the rest was "
          "applied, and your values are kept as conflict %(id)s for a supervisor to choose.",
          version=conflict.base_version, fields=", ".join(conflict.fields), id=conflict.id),
    )
    body = response.get_json()
    body.update(conflict_id=conflict.id, current=PremisesOut().dump(saved.premises), fields=list(conflict.fields))
    response.set_data(json.dumps(body, ensure_ascii=False))
    response.headers.update(_etag(saved.premises))
    return response


def _etag(premises: Premises) -> dict:
    return {"ETag": f'"{premises.version}"'}


def _expected_version() -> int | None:
    """The If-Match header as a premises version: absent or '*' is None; anything but a whole number is a 422."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = re.fullmatch(r'(?:W/)?"?([0-9]{1,9})"?', raw.strip())
    if match is None:
        message = _("If-Match takes the premises' version, a whole number such as 3.")
        raise Invalid(message, {"If-Match": [message]})
    return int(match.group(1))

"""API: sync conflicts (docs/API.md, "Conflicts"): a device's version of a record the server changed meanwhile,
listed for the unit and resolved, field by field, by its supervisor."""
from __future__ import annotations

import marshmallow as ma

from tracker.api.core import (
    IDEMPOTENCY_KEY, MAX_ID, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page, problem,
)
from tracker.api.fields import Code, problems
from tracker.domain.merging import CHOICES
from tracker.domain.vocabulary import Role
from tracker.models import SyncConflict
from tracker.services.access import READERS
from tracker.services.conflicts import KINDS, STATUSES, conflicts, get_conflict
from tracker.services.errors import Conflict
from tracker.services.resolutions import resolve_conflict

blp = ApiBlueprint(
    "api_conflicts", __name__, url_prefix="/api/v1",
    description="Sync conflicts: what a device changed on a record the server changed meanwhile, for a supervisor "
                "to choose between, field by field",
)

CONFLICT_ID = f"int(min=1, max={MAX_ID}):conflict_id"
VALUES = {"description": "Field name to value, JSON as the record's own endpoint writes it."}

# ------------------------------------------------------------------------------------------ schemas


class ConflictOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    record_id = ma.fields.Integer(required=True, metadata={"description": "The premises' or inspection's id."})
    unit = Code(required=True, metadata={"description": "The unit's code."})
    client_id = ma.fields.String(required=True, allow_none=True,
                                 metadata={"description": "The device's id of the record it sent, if any."})
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    fields = ma.fields.List(ma.fields.String(), required=True,
                            metadata={"description": "The fields that could not be merged: each needs a choice."})
    device = ma.fields.Dict(keys=ma.fields.String(), required=True,
                            metadata={"description": "The device's values. " + VALUES["description"]})
    server = ma.fields.Dict(keys=ma.fields.String(), required=True,
                            metadata={"description": "The server's values of the same fields when the conflict "
                                                     "was raised."})
    base_version = ma.fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "The record's version the device had edited."})
    server_version = ma.fields.Integer(required=True, allow_none=True,
                                       metadata={"description": "The record's version when the conflict was raised."})
    made_with = ma.fields.Dict(keys=ma.fields.String(), required=True,
                               metadata={"description": "The rulebook (and checklist) versions on the device."})
    raised_by = Code("username", required=True)
    raised_at = ma.fields.AwareDateTime(required=True)
    resolved_by = Code("username", required=True, allow_none=True)
    resolved_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    choice = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(validate=ma.validate.OneOf(CHOICES)),
                            required=True, allow_none=True,
                            metadata={"description": "The supervisor's choice per field, once resolved."})


class ConflictPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ConflictOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class ConflictQuery(PageQuery):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    record_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "Only the conflicts of this premises or inspection."})


class ResolveIn(ma.Schema):
    choice = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        values=ma.fields.String(validate=ma.validate.OneOf(CHOICES)),
        required=True,
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": 'For every field in `fields`, "device" (apply the device\'s value) or "server" '
                                 "(keep the server's)."},
    )


# ------------------------------------------------------------------------------------------ views


@blp.route("/conflicts")
@api_allow(*READERS)
@blp.arguments(ConflictQuery, location="query")
@blp.response(200, ConflictPage)
@problems(blp, 403, 422)
def list_conflicts(query):
    """Conflicts the caller may see (officers and supervisors: their unit's; auditors: every unit's), newest first."""
    stmt = conflicts(caller(), status=query.get("status"), kind=query.get("kind"), record_id=query.get("record_id"))
    return keyset_page(stmt, SyncConflict.id, query, lambda conflict: conflict)


@blp.route(f"/conflicts/<{CONFLICT_ID}>")
@api_allow(*READERS)
@blp.response(200, ConflictOut)
@problems(blp, 403, 404)
def show_conflict(conflict_id: int):
    """One conflict: both versions, the fields in conflict and, once resolved, the choice."""
    return get_conflict(caller(), conflict_id)


@blp.route(f"/conflicts/<{CONFLICT_ID}>/resolve", methods=["POST"])
@api_allow(Role.SUPERVISOR)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(ResolveIn)
@blp.response(200, ConflictOut)
@problems(blp, 400, 403, 404, 409, 422)
def resolve(data, conflict_id: int):
    """Choose, per field in conflict, the device's value or the server's; the choice is applied to the record.

    Only a supervisor of the conflict's unit (403 otherwise). Every field in `fields` must be chosen and no other
    named (422 listing them); latitude and longitude take the same version. 409 when already resolved. A
    premises gets a new version (history source `conflict`, linked to the conflict); an inspection an amendment
    per field naming the conflict (a device's observation or violation chosen "device" is added to it).
    """
    try:
        return resolve_conflict(caller(), conflict_id, data["choice"])
    except Conflict as error:  # answered here, with its own message (Idempotency-Key keeps no refused request)
        return problem(409, str(error))

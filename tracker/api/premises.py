"""API: premises (docs/API.md)."""
from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.api.core import (
    IDEMPOTENCY_KEY, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page,
)
from tracker.api.fields import Code, Text, problems, values
from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.models import Premises
from tracker.services.access import FIELD, READERS
from tracker.services.errors import Invalid
from tracker.services import listings
from tracker.services.premises import PremisesData, register_premises, update_premises
from tracker.services.scope import get_visible

blp = ApiBlueprint("api_premises", __name__, url_prefix="/api/v1", description="The premises registry")

# ------------------------------------------------------------------------------------------ schemas


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
    warnings = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "On the answer to a save: points to check (e.g. the credit code says another operator type)."},
    )


class PremisesPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PremisesOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class PremisesQuery(PageQuery):
    kind = ma.fields.String(validate=ma.validate.OneOf(values(PremisesKind)))
    status = ma.fields.String(validate=ma.validate.OneOf(values(PremisesStatus)))
    q = Text(validate=ma.validate.Length(max=200), metadata={"description": "Text in the name, operator or credit code."})
    unit = Text(validate=ma.validate.Length(max=16), metadata={"description": "A unit code."})


class PremisesPatch(ma.Schema):
    """Only the fields given change."""

    name = Text(validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(validate=ma.validate.OneOf(values(PremisesKind)))
    operator_type = ma.fields.String(validate=ma.validate.OneOf(values(OperatorType)))
    operator_name = Text(validate=ma.validate.Length(max=200))
    credit_code = Text(allow_none=True, validate=ma.validate.Length(max=40))
    address = Text(validate=ma.validate.Length(max=300))
    phone = Text(validate=ma.validate.Length(max=40))
    status = ma.fields.String(validate=ma.validate.OneOf(values(PremisesStatus)))


class PremisesIn(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesKind)))
    operator_type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(OperatorType)))
    operator_name = Text(load_default="", validate=ma.validate.Length(max=200))
    credit_code = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=40))
    address = Text(load_default="", validate=ma.validate.Length(max=300))
    phone = Text(load_default="", validate=ma.validate.Length(max=40))
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
    return _answer(register_premises(user, PremisesData(**data)))


@blp.route("/premises/<int(min=1, max=2147483647):premises_id>")
@api_allow(*READERS)
@blp.response(200, PremisesOut)
@problems(blp, 403, 404)
def get_premises(premises_id: int):
    """One premises."""
    return get_visible(Premises, premises_id, caller(), joinedload(Premises.unit))


@blp.route("/premises/<int(min=1, max=2147483647):premises_id>", methods=["PATCH"])
@api_allow(*FIELD)
@blp.arguments(PremisesPatch)
@blp.response(200, PremisesOut)
@problems(blp, 400, 403, 404, 422)
def patch_premises(changes, premises_id: int):
    """Change some fields of a premises; the others keep their values."""
    user = caller()
    premises = get_visible(Premises, premises_id, user, joinedload(Premises.unit))
    if not isinstance(request.get_json(silent=True), dict):
        raise Invalid.field("body", _("Send the fields to change as a JSON object."))
    current = {
        "name": premises.name,
        "kind": premises.kind.value,
        "operator_type": premises.operator_type.value,
        "operator_name": premises.operator_name,
        "credit_code": premises.credit_code,
        "address": premises.address,
        "phone": premises.phone,
        "status": premises.status.value,
    }
    return _answer(update_premises(user, premises, PremisesData(**{**current, **changes})))

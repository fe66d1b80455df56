"""API: emergencies (docs/API.md): declared price emergencies, read by everyone, declared by admins."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from tracker.api.core import IDEMPOTENCY_KEY, ApiBlueprint, PageQuery, api_allow, caller, idempotent, keyset_page
from tracker.api.fields import StrictDate, Text, problems
from tracker.domain.vocabulary import Role
from tracker.models import PriceEmergency
from tracker.services.access import READERS
from tracker.services.emergencies import EmergencyData, declare_emergency

blp = ApiBlueprint(
    "api_emergencies", __name__, url_prefix="/api/v1",
    description="Declared price emergencies: everyone reads them, administrators declare them",
)

ALL_ROLES = (*READERS, Role.ADMIN)
# The category codes are an API contract (docs/API.md); every bundled rulebook uses exactly these.
CATEGORY_CODES = ("protective_supplies", "medicine", "grain_oil", "meat", "eggs", "vegetables", "dairy", "other")


class EmergencyOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    jurisdiction = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True, allow_none=True)
    baseline_date = ma.fields.Date(required=True)
    categories = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(CATEGORY_CODES)), required=True
    )


class EmergencyPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EmergencyOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class EmergencyIn(ma.Schema):
    name = Text(required=True, validate=ma.validate.Length(min=1, max=200))
    jurisdiction = Text(load_default="", validate=ma.validate.Length(max=120))
    starts_on = StrictDate(required=True)
    ends_on = StrictDate(load_default=None, allow_none=True, metadata={"description": "Open-ended when null."})
    baseline_date = StrictDate(required=True, metadata={"description": "On or before starts_on."})
    categories = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(CATEGORY_CODES)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(CATEGORY_CODES) * 2),
        metadata={"description": "The rulebook's commodity categories the emergency covers."},
    )


@blp.route("/emergencies")
@api_allow(*ALL_ROLES)
@blp.arguments(PageQuery, location="query")
@blp.response(200, EmergencyPage)
@problems(blp, 422)
def list_emergencies(query):
    """Declared price emergencies, newest first."""
    return keyset_page(sa.select(PriceEmergency), PriceEmergency.id, query, lambda emergency: emergency)


@blp.route("/emergencies", methods=["POST"])
@api_allow(Role.ADMIN)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@blp.arguments(EmergencyIn)
@blp.response(201, EmergencyOut)
@problems(blp, 400, 403, 422)
def create_emergency(data):
    """Declare a price emergency (administrators)."""
    return declare_emergency(caller(), EmergencyData(**data))

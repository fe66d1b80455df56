"""Reference data: units, the rulebook's commodities and violation codes."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from tracker.api.core import ApiBlueprint, PageQuery, api_allow, keyset_page
from tracker.models import Unit
from tracker.services.access import READERS
from tracker.services.rulebooks import current_rulebook
from tracker.domain.vocabulary import Role

blp = ApiBlueprint("api_reference", __name__, url_prefix="/api/v1", description="Units and the rulebook's vocabularies")

ALL_ROLES = (*READERS, Role.ADMIN)


class UnitOut(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class UnitPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitOut), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class CommodityOut(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(
        required=True,
        metadata={"enum": ["protective_supplies", "medicine", "grain_oil", "meat", "eggs", "vegetables", "dairy", "other"]},
    )
    unit = ma.fields.String(required=True)


class CommodityList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CommodityOut), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class ViolationCodeOut(ma.Schema):
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    legal_basis = ma.fields.String(required=True)


class ViolationCodeList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ViolationCodeOut), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


@blp.route("/units")
@api_allow(*ALL_ROLES)
@blp.arguments(PageQuery, location="query")
@blp.response(200, UnitPage)
def list_units(query):
    """Enforcement units."""
    return keyset_page(sa.select(Unit), Unit.id, query, lambda u: {"code": u.code, "name": u.name})


@blp.route("/commodities")
@api_allow(*ALL_ROLES)
@blp.response(200, CommodityList)
def list_commodities():
    """The rulebook's commodities (the whole list: it is short)."""
    items = [
        {"code": c.code, "name": c.name, "category": c.category, "unit": c.unit}
        for c in current_rulebook().commodities.values()
    ]
    return {"items": items, "next_cursor": None}


@blp.route("/violation-codes")
@api_allow(*ALL_ROLES)
@blp.response(200, ViolationCodeList)
def list_violation_codes():
    """The rulebook's violation codes with their legal basis."""
    items = [
        {"code": v.code, "title": v.title, "legal_basis": v.legal_basis}
        for v in current_rulebook().violations.values()
    ]
    return {"items": items, "next_cursor": None}

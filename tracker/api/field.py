"""API: the offline bundle a field device loads (docs/API.md, "Field devices"): GET /api/v1/field/bundle."""
from __future__ import annotations

import gzip
import json

import marshmallow as ma
from flask import Response, request

from tracker.api.core import ApiBlueprint, api_allow, caller
from tracker.api.emergencies import CATEGORY_CODES, EmergencyOut
from tracker.api.fields import problems, values
from tracker.api.premises import Degrees
from tracker.api.reference import CommodityOut, ViolationCodeOut
from tracker.domain.rulebook import GOUGING_TESTS
from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.services import clock, fieldkit
from tracker.services.access import FIELD
from tracker.services.localisation import current_locale_name

blp = ApiBlueprint(
    "api_field", __name__, url_prefix="/api/v1", description="Field devices: what a phone needs to inspect offline"
)

MONEY = {"pattern": r"^[0-9]{1,12}\.[0-9]{2}$", "example": "12.50"}


class BundleUser(ma.Schema):
    username = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    unit = ma.fields.String(required=True, allow_none=True, metadata={"description": "The unit's code."})


class BundleOfficer(ma.Schema):
    username = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ChecklistItemOut(ma.Schema):
    code = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class EvidenceLimits(ma.Schema):
    max_minutes_outside = ma.fields.Integer(
        required=True, metadata={"description": "A photo taken more minutes than this before the inspection began "
                                                "or after it reached the server is flagged."})
    max_distance_m = ma.fields.Integer(
        required=True, metadata={"description": "A photo taken farther than this from the premises is flagged."})


class BundleRulebook(ma.Schema):
    version = ma.fields.String(
        required=True, metadata={"description": "The rulebook's label: send it back as `rulebook_version`."})
    commodities = ma.fields.List(ma.fields.Nested(CommodityOut), required=True)
    checklist = ma.fields.List(ma.fields.Nested(ChecklistItemOut), required=True)
    violation_codes = ma.fields.List(ma.fields.Nested(ViolationCodeOut), required=True)
    evidence = ma.fields.Nested(EvidenceLimits, required=True)


class BaselineOut(ma.Schema):
    emergency_id = ma.fields.Integer(required=True)
    commodity = ma.fields.String(required=True)
    price = ma.fields.String(required=True, metadata=MONEY)
    cost = ma.fields.String(required=True, allow_none=True, metadata=MONEY)
    on = ma.fields.Date(required=True, metadata={"description": "The day of the inspection that observed it."})
    inspection_id = ma.fields.Integer(required=True)


class BundlePremises(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesKind)))
    operator_name = ma.fields.String(required=True)
    operator_type = ma.fields.String(required=True, validate=ma.validate.OneOf(values(OperatorType)))
    address = ma.fields.String(required=True)
    latitude = Degrees(required=True)
    longitude = Degrees(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(values(PremisesStatus)))
    version = ma.fields.Integer(required=True, metadata={"description": "Send it back as If-Match when editing."})
    baselines = ma.fields.List(
        ma.fields.Nested(BaselineOut),
        required=True,
        metadata={"description": "For each emergency in force and each commodity it covers: the premises' last "
                                 "observation on or before the emergency's baseline date (price and cost), to offer "
                                 "as the observation's baseline."},
    )


class BundleEmergency(EmergencyOut):
    categories = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(CATEGORY_CODES)), required=True)


RATE = {"pattern": r"^[0-9]+(\.[0-9]+)?$", "example": "0.35"}


class GougingRules(ma.Schema):
    enabled = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(GOUGING_TESTS)), required=True,
                             metadata={"description": "The gouging tests the rulebook runs, in the order they run."})
    margin_basis = ma.fields.String(required=True, metadata={"example": "cost"})
    baseline_tolerance = ma.fields.String(required=True, metadata=RATE)
    margin_cap = ma.fields.String(required=True, allow_none=True, metadata=RATE)
    cost_epsilon = ma.fields.String(required=True, metadata=RATE)
    price_rise = ma.fields.String(required=True, metadata=RATE)
    price_increase_limit = ma.fields.String(required=True, allow_none=True, metadata=RATE)
    new_goods_cost_limit = ma.fields.String(required=True, allow_none=True, metadata=RATE)
    window_days = ma.fields.Integer(required=True, allow_none=True)


class MonthNames(ma.Schema):
    abbreviated = ma.fields.List(ma.fields.String(), required=True)
    wide = ma.fields.List(ma.fields.String(), required=True)
    narrow = ma.fields.List(ma.fields.String(), required=True)


class BundleGouging(ma.Schema):
    rulebook = ma.fields.String(required=True, metadata={"description": "The label stored with every finding."})
    rules = ma.fields.Nested(GougingRules, required=True, metadata={"description": "Rates as decimal strings."})
    locale = ma.fields.String(required=True, metadata={"example": "zh_CN"})
    date_pattern = ma.fields.String(
        required=True, metadata={"description": "How a date in a sentence is written (a CLDR pattern).",
                                 "example": "y年M月d日"})
    messages = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), required=True,
        metadata={"description": "Each flag sentence's English template (msgid) and its template in `locale`."})
    months = ma.fields.Nested(MonthNames, metadata={"description": "Only when the date pattern spells the month."})


class BundleOut(ma.Schema):
    generated_at = ma.fields.AwareDateTime(required=True)
    user = ma.fields.Nested(BundleUser, required=True)
    officers = ma.fields.List(
        ma.fields.Nested(BundleOfficer), required=True,
        metadata={"description": "The unit's active officers and supervisors (the second officer is one of them)."})
    rulebook = ma.fields.Nested(BundleRulebook, required=True)
    emergencies = ma.fields.List(
        ma.fields.Nested(BundleEmergency), required=True, metadata={"description": "Those in force today."})
    premises = ma.fields.List(
        ma.fields.Nested(BundlePremises), required=True, metadata={"description": "Every premises of the unit."})
    gouging = ma.fields.Nested(
        BundleGouging, required=True,
        metadata={"description": "What tracker/static/field/gouging.js needs to run the price tests and explain "
                                 "their flags in the caller's language, as the server does."})


IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the bundle the device holds: 304 (no body) while it is still current.",
}


@blp.route("/field/bundle")
@api_allow(*FIELD)
@blp.doc(parameters=[IF_NONE_MATCH])
@blp.response(200, BundleOut, description="The bundle, with its ETag.", headers={
    "ETag": {"description": "Send it back as If-None-Match.", "schema": {"type": "string"}},
})
@blp.alt_response(304, description="The device's bundle is still current (its If-None-Match).")
@problems(blp, 403)
def bundle():
    """Everything a device needs to inspect with no connection, for the caller's unit, texts in their language."""
    user = caller()
    answer = fieldkit.bundle(user, clock.today(user.unit.timezone), current_locale_name())
    tag = fieldkit.etag(answer)
    # never stored by a cache (no-store): see web.security
    headers = {"ETag": tag, "Vary": "Authorization, Accept-Language, Accept-Encoding"}
    held = _tags(request.headers.get("If-None-Match", ""))
    if tag in held or "*" in held:
        return Response(status=304, headers=headers)
    body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    if "gzip" in request.accept_encodings:  # a phone on a slow network: a unit's premises compress about 6 to 1
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, mimetype="application/json", headers=headers)


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compare as strong: a GET's weak comparison)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}

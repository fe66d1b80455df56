"""API: the public register of outcomes (DOMAIN.md §8, docs/PUBLICATION.md), without a token.

Only decisions in the register are listed: served (published), not withdrawn (annulled on appeal),
not a warning alone, and within their publication period on the business date. Personal data of
natural persons is masked by the rulebook's redaction profile; phone numbers are never published.
The web page and the Atom feed read the same service (tracker.services.outcomes)."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from tracker.api.core import ApiBlueprint, PageQuery, api_allow, cursor_position
from tracker.api.fields import StrictDate, Text, values
from tracker.domain.penalties import PENALTY_KINDS
from tracker.domain.vocabulary import OperatorType, PremisesKind
from tracker.services.access import PUBLIC
from tracker.services.outcomes import Outcome, OutcomeFilters, register_keyset

blp = ApiBlueprint(
    "api_outcomes", __name__, url_prefix="/api/v1",
    description="Published decisions, personal data masked: public, no token",
)


class OutcomeLineOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PENALTY_KINDS))
    amount = ma.fields.String(required=True, allow_none=True, metadata={"description": "Money; null for other lines."})


class PartyOut(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "The premises as it stood when the case opened."})
    kind = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(values(PremisesKind)))
    operator_type = ma.fields.String(required=True, validate=ma.validate.OneOf([t.value for t in OperatorType]))
    operator_name = ma.fields.String(
        required=True, metadata={"description": "Masked (first character only) when the operator is a natural person."}
    )
    credit_code = ma.fields.String(required=True, allow_none=True, metadata={"description": "null for natural persons."})
    address = ma.fields.String(required=True, allow_none=True, metadata={"description": "null for natural persons."})


class OutcomeViolationOut(ma.Schema):
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    legal_basis = ma.fields.String(required=True)


class OutcomeOut(ma.Schema):
    number = ma.fields.String(required=True)
    party = ma.fields.Nested(PartyOut, required=True)
    violation = ma.fields.List(ma.fields.Nested(OutcomeViolationOut), required=True)
    legal_basis = ma.fields.List(ma.fields.String(), required=True)
    penalty = ma.fields.List(ma.fields.Nested(OutcomeLineOut), required=True)
    agency = ma.fields.String(required=True, metadata={"description": "The deciding unit's name."})
    decided_on = ma.fields.Date(required=True)
    published_on = ma.fields.Date(required=True)
    published_until = ma.fields.Date(required=True, metadata={"description": "The last day the decision is shown."})
    varied_on = ma.fields.Date(
        required=True, allow_none=True,
        metadata={"description": "When an appeal varied the decision; the penalty is then the varied one."},
    )


class OutcomePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OutcomeOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class OutcomeQuery(PageQuery):
    """Filters of the register; unknown parameters are refused."""

    unit = Text(validate=ma.validate.Length(min=1, max=16), metadata={"description": "A unit's code."})
    violation = Text(validate=ma.validate.Length(min=1, max=64), metadata={"description": "A violation code."})
    premises_kind = ma.fields.String(validate=ma.validate.OneOf(values(PremisesKind)))
    date_from = StrictDate(data_key="from", metadata={"description": "Decided on or after this day."})
    date_to = StrictDate(data_key="to", metadata={"description": "Decided on or before this day."})

    @ma.validates_schema
    def _period(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ma.ValidationError(_("The period ends before it starts."), "to")


def outcome_out(outcome: Outcome) -> dict:
    """A register entry as the API returns it."""
    party = outcome.party
    return {
        "number": outcome.number,
        "party": {
            "name": party.name, "kind": party.kind, "operator_type": party.operator_type,
            "operator_name": party.operator_name, "credit_code": party.credit_code, "address": party.address,
        },
        "violation": [{"code": v.code, "title": v.title, "legal_basis": v.legal_basis} for v in outcome.violations],
        "legal_basis": list(outcome.legal_basis),
        "penalty": [dict(line) for line in outcome.penalty],
        "agency": outcome.agency,
        "decided_on": outcome.decided_on,
        "published_on": outcome.published_on,
        "published_until": outcome.published_until,
        "varied_on": outcome.varied_on,
    }


@blp.route("/outcomes", methods=["GET"])
@api_allow(PUBLIC)
@blp.doc(security=[])
@blp.arguments(OutcomeQuery, location="query")
@blp.response(200, OutcomePage)
def list_outcomes(query):
    """Published decisions in the register today, newest case first; personal data of natural persons masked."""
    filters = OutcomeFilters(
        unit=query.get("unit"), violation=query.get("violation"), premises_kind=query.get("premises_kind"),
        date_from=query.get("date_from"), date_to=query.get("date_to"),
    )
    items, more = register_keyset(filters, query["limit"], cursor_position(query))
    return {"items": [outcome_out(item) for item in items], "next_cursor": str(more) if more else None}

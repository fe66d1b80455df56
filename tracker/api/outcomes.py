"""API: published outcomes (docs/API.md, DOMAIN.md §8), public and without a token.

Only decisions in force are listed: published (served), not withdrawn, and not a warning alone.
Personal data of natural persons is masked by the rulebook's redaction profile; phone numbers are
never published. A fuller public register comes later; this one stays minimal and safe."""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.api.core import ApiBlueprint, PageQuery, api_allow, cursor_position
from tracker.domain.penalties import PENALTY_KINDS
from tracker.domain.vocabulary import OperatorType
from tracker.extensions import db
from tracker.models import Case
from tracker.services.cases import penalty_of
from tracker.services.rulebooks import current_rulebook
from tracker.web.access import PUBLIC

blp = ApiBlueprint(
    "api_outcomes", __name__, url_prefix="/api/v1",
    description="Published decisions, personal data masked: public, no token",
)

MASK = "**"


class OutcomeLineOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PENALTY_KINDS))
    amount = ma.fields.String(required=True, allow_none=True, metadata={"description": "Money; null for other lines."})


class PartyOut(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "The premises as it stood when the case opened."})
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


class OutcomePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OutcomeOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


def mask_name(name: str) -> str:
    """A natural person's name as published: its first character, then a fixed mask."""
    name = (name or "").strip()
    return name[:1] + MASK if name else ""


def publishable(case: Case) -> bool:
    """A decision in force that is published: served, not withdrawn, not a warning alone."""
    if case.published_on is None or case.withdrawn_on is not None:
        return False
    decided = penalty_of(case.decided_lines)
    return decided is not None and not decided.warning_only


def party_of(case: Case, redaction: frozenset[str]) -> dict:
    """The party from the case's snapshot, masked by the redaction profile when a natural person."""
    snapshot = case.premises_snapshot or {}
    name = snapshot.get("name") or ""
    operator = snapshot.get("operator_name") or ""
    if case.operator_type is not OperatorType.INDIVIDUAL:
        return {
            "name": name, "operator_type": case.operator_type.value, "operator_name": operator,
            "credit_code": snapshot.get("credit_code") or None, "address": snapshot.get("address") or None,
        }
    if len(operator.strip()) > 1:  # a stall named after its keeper keeps the name masked too
        name = name.replace(operator.strip(), mask_name(operator))
    return {
        "name": name,
        "operator_type": case.operator_type.value,
        "operator_name": mask_name(operator),
        # An individual business's code carries a person's identity; its address is often a home.
        "credit_code": None if "id_number" in redaction else snapshot.get("credit_code") or None,
        "address": None if "home_address" in redaction else snapshot.get("address") or None,
    }


def outcome_out(case: Case) -> dict:
    rulebook = current_rulebook()
    violations = []
    for violation in case.violations:
        rule = rulebook.violations.get(violation.code)
        violations.append({
            "code": violation.code,
            "title": rule.title if rule else violation.code,
            "legal_basis": rule.legal_basis if rule else "",
        })
    return {
        "number": case.number,
        "party": party_of(case, frozenset(rulebook.redaction.kinds)),
        "violation": violations,
        "legal_basis": list(dict.fromkeys(v["legal_basis"] for v in violations if v["legal_basis"])),
        "penalty": [{"kind": line["kind"], "amount": line.get("amount")} for line in case.decided_lines],
        "agency": case.unit.name,
        "decided_on": case.decided_on,
        "published_on": case.published_on,
    }


def _published_page(stmt: sa.Select, query: dict) -> dict:
    """A keyset page of the cases ``publishable`` keeps (a varied appeal can leave a published
    warning, which SQL alone cannot tell portably), newest first."""
    limit = query["limit"]
    highest = cursor_position(query)
    kept: list[Case] = []
    batch = max(limit + 1, 50)
    while len(kept) <= limit:
        page_stmt = stmt if highest is None else stmt.where(Case.id <= highest)
        rows = db.session.scalars(page_stmt.order_by(Case.id.desc()).limit(batch)).unique().all()
        kept += [case for case in rows if publishable(case)]
        if len(rows) < batch:
            break
        highest = rows[-1].id - 1
    more = len(kept) > limit
    kept = kept[:limit]
    return {"items": [outcome_out(case) for case in kept], "next_cursor": str(kept[-1].id) if more else None}


@blp.route("/outcomes", methods=["GET"])
@api_allow(PUBLIC)
@blp.doc(security=[])
@blp.arguments(PageQuery, location="query")
@blp.response(200, OutcomePage)
def list_outcomes(query):
    """Published decisions, newest case first; personal data of natural persons masked."""
    stmt = (
        sa.select(Case)
        .options(joinedload(Case.unit), selectinload(Case.violations))
        .where(Case.published_on.is_not(None), Case.withdrawn_on.is_(None))
    )
    return _published_page(stmt, query)

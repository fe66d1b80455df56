"""The case record: a case as GET /api/v1/cases/{id} answers it, for one reader. The API answers it and the
case-file pack (tracker.services.casepack) stores it, from this one description (``CaseOut``)."""
from __future__ import annotations

import marshmallow as ma

from tracker.domain.deadlines import CASE_DEADLINE_NAMES, DeadlineStatus
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import PENALTY_KINDS
from tracker.domain.rulebook import SEVERITIES
from tracker.models import Case, User
from tracker.services import cases as service
from tracker.services.cases import APPEAL_KINDS, APPEAL_OUTCOMES

ACTIONS = tuple(a.value for a in CaseAction)


class PenaltyLineOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PENALTY_KINDS))
    amount = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Money as a decimal string; null for non-money lines."}
    )


class PenaltyStagesOut(ma.Schema):
    proposed = ma.fields.List(ma.fields.Nested(PenaltyLineOut), required=True, allow_none=True)
    approved = ma.fields.List(ma.fields.Nested(PenaltyLineOut), required=True, allow_none=True)
    decided = ma.fields.List(
        ma.fields.Nested(PenaltyLineOut), required=True, allow_none=True,
        metadata={"description": "The decision in force (varied on appeal where that happened)."},
    )


class DeadlineOut(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.OneOf(CASE_DEADLINE_NAMES))
    due_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in DeadlineStatus]))
    starts_on = ma.fields.Date(required=True)
    met_on = ma.fields.Date(required=True, allow_none=True)
    extended = ma.fields.Boolean(required=True)


class PaymentOut(ma.Schema):
    on = ma.fields.Date(required=True)
    amount = ma.fields.String(required=True)
    receipt = ma.fields.String(required=True)


class AppealOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(APPEAL_KINDS))
    lodged_on = ma.fields.Date(required=True)
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(APPEAL_OUTCOMES))
    outcome_on = ma.fields.Date(required=True, allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(PenaltyLineOut), required=True, allow_none=True)
    reference = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "The appeal body's decision number (recorded when it varied or annulled)."},
    )


class CaseViolationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)


class CaseOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    unit = ma.fields.String(required=True, metadata={"description": "The unit's code."})
    premises_id = ma.fields.Integer(required=True)
    party = ma.fields.String(required=True, metadata={"description": "The premises' name as it stood when the case opened."})
    state = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in CaseState]))
    version = ma.fields.Integer(required=True, metadata={"description": "Send it back as If-Match to refuse stale writes."})
    officers = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "Usernames."})
    allowed_actions = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(ACTIONS)), required=True,
        metadata={"description": "What the caller may do now (state, role and four-eyes; date and amount guards aside)."},
    )
    deadlines = ma.fields.List(ma.fields.Nested(DeadlineOut), required=True)
    penalty = ma.fields.Nested(PenaltyStagesOut, required=True)
    hearing_right = ma.fields.Boolean(required=True)
    amount_due = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "Still owed today (fine, late surcharge, confiscation, less payments); "
                                 "null while no decision is in force."},
    )
    amount_to_refund = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "Paid beyond what the decision in force asks (after an appeal lightened it), "
                                 "to be refunded; null while no decision is in force."},
    )
    payments = ma.fields.List(ma.fields.Nested(PaymentOut), required=True)
    appeals = ma.fields.List(ma.fields.Nested(AppealOut), required=True)
    violations = ma.fields.List(ma.fields.Nested(CaseViolationOut), required=True)
    inspection_id = ma.fields.Integer(required=True, allow_none=True)
    major = ma.fields.Boolean(required=True)
    simplified = ma.fields.Boolean(required=True)
    clue_on = ma.fields.Date(required=True)
    severity = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(SEVERITIES))
    illegal_gains = ma.fields.String(required=True, allow_none=True)
    flagged_for_audit = ma.fields.Boolean(required=True)
    payment_due_on = ma.fields.Date(required=True, allow_none=True)
    published_on = ma.fields.Date(required=True, allow_none=True)
    next_deadline = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(CASE_DEADLINE_NAMES))
    next_due_on = ma.fields.Date(required=True, allow_none=True)
    overdue = ma.fields.Boolean(required=True, metadata={"description": "next_due_on lies before the unit's today."})

def _lines_out(lines: list | None) -> list[dict] | None:
    if not lines:
        return None
    return [{"kind": line["kind"], "amount": line.get("amount")} for line in lines]


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def case_out(case: Case, user: User) -> dict:
    """A case as GET /cases/{id} answers it, for this caller."""
    today = service.unit_today(case.unit.timezone)
    balance = service.money_account(case, today)
    return {
        "id": case.id,
        "number": case.number,
        "unit": case.unit.code,
        "premises_id": case.premises_id,
        "party": (case.premises_snapshot or {}).get("name", ""),
        "state": case.state.value,
        "version": case.version,
        "officers": [o.user.username for o in case.officers],
        "allowed_actions": [a.value for a in service.allowed_actions(case, user)],
        "deadlines": [
            {"name": d.name, "due_on": d.due_on, "status": d.status.value, "starts_on": d.starts_on,
             "met_on": d.met_on, "extended": d.extended}
            for d in service.deadlines_of(case, today)
        ],
        "penalty": {
            "proposed": _lines_out(case.proposed_lines),
            "approved": _lines_out(case.approved_lines),
            "decided": _lines_out(case.decided_lines),
        },
        "hearing_right": case.hearing_right,
        "amount_due": None if balance is None else _money(balance.due),
        "amount_to_refund": None if balance is None else _money(balance.overpaid),
        "payments": [{"on": p.on, "amount": _money(p.amount), "receipt": p.receipt} for p in case.payments],
        "appeals": [
            {"kind": a.kind, "lodged_on": a.lodged_on, "outcome": a.outcome, "outcome_on": a.outcome_on,
             "lines": _lines_out(a.lines), "reference": a.reference}
            for a in case.appeals
        ],
        "violations": [{"id": v.id, "code": v.code} for v in case.violations],
        "inspection_id": case.inspection_id,
        "major": case.major,
        "simplified": case.simplified,
        "clue_on": case.clue_on,
        "severity": case.severity,
        "illegal_gains": _money(case.illegal_gains),
        "flagged_for_audit": case.flagged_for_audit,
        "payment_due_on": case.payment_due_on,
        "published_on": case.published_on,
        "next_deadline": case.next_deadline,
        "next_due_on": case.next_due_on,
        "overdue": case.overdue_on(today),
    }


def case_record(case: Case, user: User) -> dict:
    """The case exactly as GET /api/v1/cases/{id} answers it to ``user``, JSON-ready (dates as ISO strings)."""
    return CaseOut().dump(case_out(case, user))

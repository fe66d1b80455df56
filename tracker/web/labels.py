"""Human labels for enum values and display filters, all through gettext."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import get_locale, get_timezone
from wtforms import SelectChoice

from tracker.domain import provenance
from tracker.domain.gouging import explain
from tracker.domain import localformat

from tracker.domain.deadlines import DeadlineStatus
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.vocabulary import (
    InspectionOutcome,
    InspectionStatus,
    InspectionType,
    OperatorType,
    PremisesKind,
    PremisesStatus,
    Role,
)
from tracker.services.localisation import lazy_gettext as _l, lazy_pgettext
from tracker.services.rulebooks import current_rulebook

LABELS = {
    Role.OFFICER: _l("Officer"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMIN: _l("Administrator"),
    PremisesKind.PHARMACY: _l("Pharmacy"),
    PremisesKind.FARMERS_MARKET: _l("Farmers' market"),
    PremisesKind.MARKET_STALL: _l("Market stall"),
    PremisesKind.MEAT_VENDOR: _l("Meat vendor"),
    PremisesKind.RESTAURANT: _l("Restaurant"),
    PremisesKind.SUPERMARKET: _l("Supermarket"),
    PremisesKind.ENTERTAINMENT: _l("Entertainment venue"),
    PremisesKind.OTHER: _l("Other"),
    OperatorType.INDIVIDUAL: _l("Natural person or individual business"),
    OperatorType.ORGANISATION: _l("Organisation"),
    PremisesStatus.ACTIVE: _l("Active"),
    PremisesStatus.ORDERED_CLOSED: _l("Ordered closed"),
    PremisesStatus.CLOSED: _l("Closed"),
    InspectionType.ROUTINE: _l("Routine"),
    InspectionType.COMPLAINT: _l("Complaint"),
    InspectionType.FOLLOW_UP: _l("Follow-up"),
    InspectionType.CAMPAIGN: _l("Special campaign"),
    InspectionStatus.DRAFT: _l("Draft"),
    InspectionStatus.SUBMITTED: _l("Submitted"),
    InspectionOutcome.NO_ACTION: _l("No action"),
    InspectionOutcome.CORRECTED: _l("Corrected"),
    InspectionOutcome.REFERRED: _l("Referred"),
}

CASE_LABELS = {
    CaseState.CLUE: _l("Clue"),
    CaseState.INVESTIGATING: _l("Investigating"),
    CaseState.SUSPENDED: _l("Suspended"),
    CaseState.NOT_FILED: _l("Not filed"),
    CaseState.TERMINATED: _l("Terminated"),
    CaseState.TRANSFERRED: _l("Transferred"),
    CaseState.PENALTY_PROPOSED: _l("Penalty proposed"),
    CaseState.PENALTY_APPROVED: _l("Penalty approved"),
    CaseState.NOTICE_SERVED: _l("Notice served"),
    CaseState.HEARING_REQUESTED: _l("Hearing requested"),
    CaseState.HEARING_HELD: _l("Hearing held"),
    CaseState.DECIDED: _l("Decided"),
    CaseState.DECISION_SERVED: _l("Decision served"),
    CaseState.ENFORCEMENT: _l("Enforcement"),
    CaseState.EXECUTED: _l("Executed"),
    CaseState.CLOSED: lazy_pgettext("case state", "Closed"),  # 已结案, not the premises status 已关闭
    CaseAction.FILE: _l("File the case"),
    CaseAction.DECLINE: _l("Decline to file"),
    CaseAction.MARK_MAJOR: _l("Mark as major"),
    CaseAction.SUSPEND: _l("Suspend"),
    CaseAction.RESUME: _l("Resume"),
    CaseAction.TERMINATE: _l("Terminate"),
    CaseAction.TRANSFER: _l("Transfer"),
    CaseAction.PROPOSE_PENALTY: _l("Propose a penalty"),
    CaseAction.APPROVE_PENALTY: _l("Approve the penalty"),
    CaseAction.RETURN: _l("Return the proposal"),
    CaseAction.SERVE_NOTICE: _l("Serve the notice"),
    CaseAction.REQUEST_HEARING: _l("Record a hearing request"),
    CaseAction.HOLD_HEARING: _l("Record the hearing"),
    CaseAction.DECIDE: _l("Decide"),
    CaseAction.SERVE_DECISION: _l("Serve the decision"),
    CaseAction.RECORD_PAYMENT: _l("Record a payment"),
    CaseAction.APPLY_ENFORCEMENT: _l("Apply to enforce"),
    CaseAction.CLOSE: _l("Close the case"),
    CaseAction.RECORD_APPEAL: _l("Record an appeal"),
    CaseAction.EXTEND_DEADLINE: _l("Extend a deadline"),
    "filing": _l("Filing"),
    "review": _l("Review of the proposal"),
    "statement": _l("Party's statement and defence"),
    "decision": _l("Decision"),
    "decision_service": _l("Service of the decision"),
    "payment": _l("Payment"),
    "closing": _l("Closing"),
    "publication": _l("Publication"),
    "open": _l("Case opened"),
    "decide_on_the_spot": _l("Decided on the spot (simplified procedure)"),
    "amend_inspection": _l("Inspection amended"),
    "warning": _l("Warning"),
    "fine": _l("Fine"),
    "confiscation": _l("Confiscation of illegal gains"),
    "suspension": _l("Suspension of business"),
    "closure": _l("Closure"),
    "licence_revocation": _l("Licence revocation"),
}
LABELS.update(CASE_LABELS)

# Kept apart: "open" is both a deadline status and the first history action.
DEADLINE_STATUS_LABELS = {
    DeadlineStatus.OPEN: _l("open"),
    DeadlineStatus.DUE_SOON: _l("due soon"),
    DeadlineStatus.OVERDUE: _l("overdue"),
    DeadlineStatus.MET: _l("met"),
}

TEST_LABELS = {
    "baseline_margin": _l("Margin above the baseline margin"),
    "margin_cap": _l("Margin above the cap"),
    "cost_unchanged": _l("Price up, cost unchanged"),
    "fees_raised": _l("Fees raised"),
    "bundling": _l("Forced bundling"),
    "above_marked_price": _l("Above the marked price"),
    "unmarked_price": _l("No marked price"),
    "price_increase": _l("Price increase above the limit"),
}
# The flags of a photo's capture (DOMAIN.md §13).
CAPTURE_TEST_LABELS = {
    "outside_inspection_time": _l("Taken outside the inspection's time"),
    "far_from_premises": _l("Taken far from the premises"),
}


def label(value) -> str:
    """The translated label of an enum value (or the value itself)."""
    if value is None:
        return ""
    return str(LABELS.get(value, TEST_LABELS.get(value, CAPTURE_TEST_LABELS.get(value, value))))


def options(pairs) -> list[SelectChoice]:
    """Select-field options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def choices(enum_cls, blank=None) -> list[SelectChoice]:
    """Options for an enum's values, with an optional leading blank option labelled ``blank``."""
    pairs = [("", blank)] if blank is not None else []
    return options(pairs + [(member.value, LABELS[member]) for member in enum_cls])


def money(value: Decimal | None) -> str:
    """An amount with two places and the locale's grouping, no symbol (200,000.00): table columns."""
    return localformat.amount(value, get_locale())


def currency(value: Decimal | None) -> str:
    """An amount with the rulebook's currency symbol: ¥200,000.00 (in English as in Chinese)."""
    return localformat.money(value, current_app.extensions["tracker.rulebook"].currency, get_locale())


def number(value) -> str:
    """A count or quantity with the locale's grouping (10,000)."""
    return localformat.number(value, get_locale())


def percent(rate: Decimal | None) -> str:
    """A rate (1.9167) as a percentage (191.67%)."""
    return localformat.percent(rate, get_locale())


def local_datetime(value) -> str:
    """A UTC datetime in the user's unit time zone: 2020-03-09 10:30, 2020年3月9日 10:30."""
    return localformat.moment(value, get_locale(), get_timezone())


def local_date(value) -> str:
    """A date (a datetime: its day in the unit's time zone): 2020-03-09, 2020年3月9日."""
    # A plain date needs no time zone (datetimes and ISO texts are read in the unit's): tables show dozens.
    return localformat.day(value, get_locale(), None if type(value) is date else get_timezone())


def commodity_name(code: str | None) -> str:
    """A commodity of the rulebook by its name in the reader's language (a code it does not know, as it is)."""
    commodity = current_rulebook().commodities.get(code)
    return str(commodity.name) if commodity is not None else (code or "")


def category_name(code: str | None) -> str:
    """A commodity category of the rulebook by its name in the reader's language."""
    category = current_rulebook().categories.get(code)
    return str(category.name) if category is not None else (code or "")


def violation_title(code: str | None) -> str:
    """A violation code of the rulebook by its title in the reader's language (a code of an earlier rulebook,
    as it is)."""
    rule = current_rulebook().violations.get(code)
    return str(rule.title) if rule is not None else (code or "")


def unit_of_sale(observation) -> str:
    """An observation's unit of sale as recorded, in the reader's language when what was recorded is the
    rulebook's unit for its commodity (a unit typed otherwise keeps its own words)."""
    commodity = current_rulebook().commodities.get(observation.commodity)
    if commodity is not None and observation.unit_of_sale == commodity.unit:  # compares the English text
        return str(commodity.unit)
    return observation.unit_of_sale or ""


def listed(values, name=None) -> str:
    """Several codes (a list, or one code) each by its name (``name``, else ``label``), separated by semicolons."""
    if isinstance(values, str):
        values = [values] if values else []
    return "; ".join((name or label)(value) for value in values or ())


def violation_titles(codes) -> str:
    """Violation codes (a list, or one code) by their titles."""
    return listed(codes, violation_title)


def penalty_lines(lines) -> str:
    """A penalty's lines by name, with their amounts: "Confiscation of illegal gains 2,060.00; Fine 6,000.00"."""
    parts = []
    for line in lines or ():
        amount = line.get("amount")
        parts.append(f"{label(line['kind'])} {money(Decimal(amount))}" if amount else label(line["kind"]))
    return "; ".join(parts)


def legal_basis(violation) -> str:
    """A recorded violation's legal basis, in the reader's language when it is the rulebook's text."""
    return current_rulebook().recorded_legal_basis(violation.code, violation.legal_basis)


def explained(flag) -> str:
    """A stored flag (a price test's or a photo's capture) explained in the reader's language."""
    if flag.get("test") in provenance.TESTS:
        return provenance.explain(flag)
    return explain(flag)


def status_label(status) -> str:
    """The translated label of a deadline status."""
    return str(DEADLINE_STATUS_LABELS.get(status, status))


FILTERS = {"label": label, "status_label": status_label, "money": money, "currency": currency, "number": number,
           "percent": percent, "local_datetime": local_datetime, "local_date": local_date,
           "legal_basis": legal_basis, "commodity_name": commodity_name, "category_name": category_name,
           "violation_title": violation_title, "violation_titles": violation_titles, "unit_of_sale": unit_of_sale,
           "listed": listed, "penalty_lines": penalty_lines, "explained": explained}


def template_context() -> dict:
    """Enums reach templates as classes, not string literals."""
    return {
        "Role": Role,
        "InspectionStatus": InspectionStatus,
        "InspectionOutcome": InspectionOutcome,
        "PremisesStatus": PremisesStatus,
        "CaseState": CaseState,
        "CaseAction": CaseAction,
        "DeadlineStatus": DeadlineStatus,
    }

"""Human labels for enum values and display filters, all through gettext."""
from __future__ import annotations

from decimal import Decimal

from wtforms import SelectChoice
from flask_babel import format_datetime, format_decimal, lazy_gettext as _l

from tracker.domain.vocabulary import (
    InspectionOutcome,
    InspectionStatus,
    InspectionType,
    OperatorType,
    PremisesKind,
    PremisesStatus,
    Role,
)

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


def label(value) -> str:
    """The translated label of an enum value (or the value itself)."""
    if value is None:
        return ""
    return str(LABELS.get(value, TEST_LABELS.get(value, value)))


def options(pairs) -> list[SelectChoice]:
    """Select-field options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def choices(enum_cls, blank=None) -> list[SelectChoice]:
    """Options for an enum's values, with an optional leading blank option labelled ``blank``."""
    pairs = [("", blank)] if blank is not None else []
    return options(pairs + [(member.value, LABELS[member]) for member in enum_cls])


def money(value: Decimal | None) -> str:
    """Money with two places and grouping, in the current locale."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.00")


def percent(rate: Decimal | None) -> str:
    """A rate (1.9167) as a percentage (191.67 %)."""
    if rate is None:
        return "—"
    return format_decimal(rate * 100, format="#,##0.##") + " %"


def local_datetime(value) -> str:
    """A UTC datetime shown in the user's unit time zone."""
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm")


FILTERS = {"label": label, "money": money, "percent": percent, "local_datetime": local_datetime}


def template_context() -> dict:
    """Enums reach templates as classes, not string literals."""
    return {
        "Role": Role,
        "InspectionStatus": InspectionStatus,
        "InspectionOutcome": InspectionOutcome,
        "PremisesStatus": PremisesStatus,
    }

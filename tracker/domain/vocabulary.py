"""The fixed vocabularies of the tracker: roles, kinds, types and outcomes (API contract values)."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def works_in_unit(self) -> bool:
        """Officers and supervisors belong to one unit and act only inside it."""
        return self in (Role.OFFICER, Role.SUPERVISOR)


class PremisesKind(StrEnum):
    PHARMACY = "pharmacy"
    FARMERS_MARKET = "farmers_market"
    MARKET_STALL = "market_stall"
    MEAT_VENDOR = "meat_vendor"
    RESTAURANT = "restaurant"
    SUPERMARKET = "supermarket"
    ENTERTAINMENT = "entertainment"
    OTHER = "other"


class OperatorType(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class PremisesStatus(StrEnum):
    ACTIVE = "active"
    ORDERED_CLOSED = "ordered_closed"
    CLOSED = "closed"


class InspectionType(StrEnum):
    ROUTINE = "routine"
    COMPLAINT = "complaint"
    FOLLOW_UP = "follow_up"
    CAMPAIGN = "campaign"


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class InspectionOutcome(StrEnum):
    """The FDA's three classes: no finding, voluntary correction, official action."""

    NO_ACTION = "no_action"
    CORRECTED = "corrected"
    REFERRED = "referred"

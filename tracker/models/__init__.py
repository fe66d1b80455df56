"""Typed SQLAlchemy models, one module per aggregate; import them from here."""
from tracker.models.accounts import AdminAction, SignInAttempt, Unit, User
from tracker.models.api import ApiToken, IdempotencyRecord
from tracker.models.complaints import Complaint, ComplaintEvent, ComplaintReply
from tracker.models.cases import Appeal, Case, CaseEvent, CaseOfficer, CasePause, DeadlineExtension, Payment
from tracker.models.emergencies import PriceEmergency
from tracker.models.figures import DailyFigure, PremisesDay
from tracker.models.inspections import (
    Evidence,
    Inspection,
    InspectionAmendment,
    PriceObservation,
    Violation,
    violation_evidence,
    violation_observations,
)
from tracker.models.premises import Premises, PremisesChange
from tracker.models.sync import SyncConflict

__all__ = [
    "AdminAction",
    "ApiToken",
    "IdempotencyRecord",
    "Appeal",
    "Case",
    "CaseEvent",
    "CaseOfficer",
    "CasePause",
    "Complaint",
    "ComplaintEvent",
    "ComplaintReply",
    "DailyFigure",
    "DeadlineExtension",
    "Payment",
    "Evidence",
    "Inspection",
    "InspectionAmendment",
    "PriceEmergency",
    "PriceObservation",
    "Premises",
    "PremisesChange",
    "PremisesDay",
    "SignInAttempt",
    "SyncConflict",
    "Unit",
    "User",
    "Violation",
    "violation_evidence",
    "violation_observations",
]

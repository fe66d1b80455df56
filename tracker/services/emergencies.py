"""Declared price emergencies, managed by administrators."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from tracker.domain.adminlog import AdminActionKind, TargetKind
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import PriceEmergency, User
from tracker.services import adminlog
from tracker.services.errors import Forbidden, Invalid
from tracker.services.rulebooks import current_rulebook
from tracker.services.wording import listed, refuse_hidden_characters


@dataclass
class EmergencyData:
    name: str
    starts_on: date
    baseline_date: date
    ends_on: date | None = None
    jurisdiction: str = ""
    categories: list[str] = field(default_factory=list)


def declare_emergency(actor: User | None, data: EmergencyData) -> PriceEmergency:
    """Record a declared price emergency, and who declared it (tracker.services.adminlog); ``actor`` None is the
    command line or demo seeding."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise Forbidden(_("Only administrators declare price emergencies."))
    errors: dict[str, list[str]] = {}
    if not (data.name or "").strip():
        errors["name"] = [_("A name is required.")]
    refuse_hidden_characters(errors, name=data.name, jurisdiction=data.jurisdiction)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The emergency cannot end before it starts.")]
    if data.baseline_date > data.starts_on:
        errors["baseline_date"] = [_("The baseline date lies on or before the start.")]
    known = current_rulebook().categories
    unknown = [c for c in data.categories if c not in known]
    if unknown:
        errors["categories"] = [_("Unknown categories: %(categories)s.", categories=listed(unknown))]
    if not data.categories:
        errors["categories"] = [_("Choose at least one commodity category.")]
    if errors:
        raise Invalid(_("The emergency was not saved."), errors)
    emergency = PriceEmergency(
        name=data.name.strip(),
        jurisdiction=(data.jurisdiction or "").strip(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        baseline_date=data.baseline_date,
        categories=list(dict.fromkeys(data.categories)),
    )
    db.session.add(emergency)
    db.session.flush()
    adminlog.record(actor, AdminActionKind.EMERGENCY_DECLARED, TargetKind.EMERGENCY, emergency.id, emergency.name,
                    after={"name": emergency.name, "jurisdiction": emergency.jurisdiction,
                           "starts_on": emergency.starts_on, "ends_on": emergency.ends_on,
                           "baseline_date": emergency.baseline_date, "categories": emergency.categories})
    db.session.commit()
    return emergency

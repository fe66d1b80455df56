"""The offline bundle: everything an officer's device needs to inspect with no connection, for the caller's unit.

``bundle(user, today, locale)`` answers one JSON-ready mapping (docs/API.md, GET /api/v1/field/bundle)::

    {"generated_at": "...",
     "user": {username, name, role, unit},
     "officers": [{username, name}],                 # the unit's active field people (the second officer)
     "rulebook": {version, commodities, checklist, violation_codes, evidence: {max_minutes_outside, max_distance_m}},
     "emergencies": [{id, name, jurisdiction, starts_on, ends_on, baseline_date, categories}],   # in force today
     "premises": [{id, name, kind, operator_name, operator_type, address, latitude, longitude, status, version,
                   baselines: [{emergency_id, commodity, price, cost, on, inspection_id}]}],
     "gouging": {rulebook, rules, locale, date_pattern, messages}}   # the price tests: tracker.services.gougingkit

Texts are in ``locale``; money as decimal strings with two places; dates ISO. ``rulebook.version`` is the label the
device sends back as ``rulebook_version``. A fixed number of queries whatever the number of premises: the officers,
the emergencies, the premises and, when an emergency is in force, the baselines (one windowed query).

A baseline is the premises' last observation of a commodity on or before the emergency's baseline date (its price
and cost), for each emergency in force and each commodity of the categories it covers: what the officer confirms
or changes as the observation's baseline price and cost (``baseline_offer`` answers the same for the web's price form).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tracker.domain.merging import degrees_text
from tracker.domain.rulebook import Rulebook
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Inspection, PriceEmergency, PriceObservation, Premises, User
from tracker.models.types import utcnow
from tracker.services import gougingkit
from tracker.services.rulebooks import current_rulebook

FIELD_ROLES = (Role.OFFICER, Role.SUPERVISOR)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Baseline:
    """The last observation of a commodity at a premises on or before an emergency's baseline date."""

    premises_id: int
    emergency_id: int
    commodity: str
    price: Decimal
    cost: Decimal | None
    on: date
    inspection_id: int


def bundle(user: User, today: date, locale: str) -> dict:
    """The offline bundle of ``user``'s unit as of ``today`` (the unit's date), texts in ``locale``."""
    rulebook = current_rulebook()
    unit_id = user.unit_id
    officers = db.session.scalars(
        sa.select(User)
        .where(User.unit_id == unit_id, User.role.in_(FIELD_ROLES), User.is_active_account.is_(True))
        .order_by(User.username)
    ).all()
    emergencies = in_force(today)
    premises = db.session.scalars(
        sa.select(Premises).where(Premises.unit_id == unit_id).order_by(Premises.name, Premises.id)
    ).all()
    found: dict[int, list[dict]] = {}
    for baseline in baselines(unit_id, emergencies, rulebook):
        found.setdefault(baseline.premises_id, []).append({
            "emergency_id": baseline.emergency_id,
            "commodity": baseline.commodity,
            "price": _money(baseline.price),
            "cost": _money(baseline.cost),
            "on": baseline.on.isoformat(),
            "inspection_id": baseline.inspection_id,
        })
    return {
        "generated_at": utcnow().isoformat(),
        "user": {
            "username": user.username,
            "name": user.display_name,
            "role": user.role.value,
            "unit": user.unit.code if user.unit else None,
        },
        "officers": [{"username": o.username, "name": o.display_name} for o in officers],
        "rulebook": rulebook_part(rulebook, locale),
        "emergencies": [_emergency(e) for e in emergencies],
        "premises": [_premises(p, found.get(p.id, [])) for p in premises],
        "gouging": gougingkit.payload(rulebook, locale),
    }


def etag(answer: dict) -> str:
    """The bundle's entity tag: the SHA-256 of its content, ``generated_at`` left out (an unchanged bundle keeps
    its tag, so a device's If-None-Match gets 304)."""
    content = {key: value for key, value in answer.items() if key != "generated_at"}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return '"' + hashlib.sha256(encoded).hexdigest() + '"'


def rulebook_part(rulebook: Rulebook, locale: str) -> dict:
    """The rulebook's part: its version (label), commodities, checklist and violation codes in ``locale``, and the
    evidence thresholds."""
    evidence = rulebook.evidence
    return {
        "version": rulebook.label,
        "commodities": [
            {"code": c.code, "name": c.name.render(locale), "category": c.category, "unit": c.unit.render(locale)}
            for c in rulebook.commodities.values()
        ],
        "checklist": [{"code": item.code, "text": item.text.render(locale)} for item in rulebook.checklist],
        "violation_codes": [
            {"code": v.code, "title": v.title.render(locale), "legal_basis": v.legal_basis.render(locale)}
            for v in rulebook.violations.values()
        ],
        "evidence": {
            "max_minutes_outside": evidence.max_minutes_outside,
            "max_distance_m": evidence.max_distance_m,
        },
    }


def in_force(today: date) -> list[PriceEmergency]:
    """The declared emergencies in force on ``today`` (tracker.domain.emergencies.in_force), newest first."""
    emergencies = db.session.scalars(sa.select(PriceEmergency).order_by(PriceEmergency.id.desc())).all()
    return [e for e in emergencies if e.in_force_on(today)]


def baselines(
    unit_id: int, emergencies: list[PriceEmergency], rulebook: Rulebook, premises_id: int | None = None,
    commodity: str | None = None,
) -> list[Baseline]:
    """For each premises of the unit (or one), each of ``emergencies`` and each commodity of the categories it
    covers (or one), the last observation on or before the emergency's baseline date: one query, a window ranking
    each premises' observations of each commodity by the inspection's day, newest first."""
    covered = []
    for emergency in emergencies:
        codes = [c.code for c in rulebook.commodities.values()
                 if c.category in emergency.categories and commodity in (None, c.code)]
        if codes:
            covered.append(sa.and_(PriceEmergency.id == emergency.id, PriceObservation.commodity.in_(codes)))
    if not covered:
        return []
    rank = sa.func.row_number().over(
        partition_by=(Inspection.premises_id, PriceEmergency.id, PriceObservation.commodity),
        order_by=(Inspection.day.desc(), Inspection.started_at.desc(), PriceObservation.id.desc()),
    )
    ranked = (
        sa.select(
            Inspection.premises_id,
            PriceEmergency.id.label("emergency_id"),
            PriceObservation.commodity,
            PriceObservation.price,
            PriceObservation.cost,
            Inspection.day,
            Inspection.id.label("inspection_id"),
            rank.label("rank"),
        )
        .join(Inspection, Inspection.id == PriceObservation.inspection_id)
        .join(PriceEmergency, sa.and_(Inspection.day <= PriceEmergency.baseline_date, sa.or_(*covered)))
        .where(Inspection.unit_id == unit_id)
    )
    if premises_id is not None:
        ranked = ranked.where(Inspection.premises_id == premises_id)
    ranked = ranked.subquery()
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.premises_id, ranked.c.emergency_id.desc(),
                                                             ranked.c.commodity)
    )
    return [
        Baseline(row.premises_id, row.emergency_id, row.commodity, row.price, row.cost, row.day, row.inspection_id)
        for row in rows
    ]


@dataclass(frozen=True)
class BaselineOffer:
    """What the price form offers for a commodity: whether the inspection's emergency covers it that day, its
    baseline date, and the observation found on or before it (None: none found)."""

    applies: bool
    baseline_date: date | None
    baseline: Baseline | None


def baseline_offer(inspection: Inspection, commodity: str) -> BaselineOffer:
    """The baseline to offer for ``commodity`` on the price form of ``inspection`` (a commodity the rulebook does
    not have, or one no emergency covers on the inspection's day, gets none)."""
    emergency = inspection.emergency
    rulebook = current_rulebook()
    known = rulebook.commodities.get(commodity)
    on = inspection.day
    if emergency is None or known is None or on is None or not emergency.covers(known.category, on):
        return BaselineOffer(False, emergency.baseline_date if emergency else None, None)
    found = baselines(inspection.unit_id, [emergency], rulebook, premises_id=inspection.premises_id, commodity=commodity)
    return BaselineOffer(True, emergency.baseline_date, found[0] if found else None)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _emergency(emergency: PriceEmergency) -> dict:
    return {
        "id": emergency.id,
        "name": emergency.name,
        "jurisdiction": emergency.jurisdiction,
        "starts_on": emergency.starts_on.isoformat(),
        "ends_on": emergency.ends_on.isoformat() if emergency.ends_on else None,
        "baseline_date": emergency.baseline_date.isoformat(),
        "categories": list(emergency.categories),
    }


def _premises(premises: Premises, found: list[dict]) -> dict:
    return {
        "id": premises.id,
        "name": premises.name,
        "kind": premises.kind.value,
        "operator_name": premises.operator_name,
        "operator_type": premises.operator_type.value,
        "address": premises.address,
        "latitude": degrees_text(premises.latitude),
        "longitude": degrees_text(premises.longitude),
        "status": premises.status.value,
        "version": premises.version,
        "baselines": found,
    }

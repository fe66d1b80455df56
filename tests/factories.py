"""Builders for test data, going through the same services as the app where rules apply."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from tracker.extensions import db
from tracker.models import PriceEmergency, Premises, Unit, User
from tracker.services import inspections as inspection_service
from tracker.services.accounts import create_unit, create_user
from tracker.services.premises import PremisesData, register_premises

PASSWORD = "inspect-2020"
_seq = itertools.count(1)


def unit(code: str | None = None, name: str = "Test station") -> Unit:
    return create_unit(code or f"U{next(_seq)}", name)


def user(role: str = "officer", unit_obj: Unit | None = None, username: str | None = None, **kwargs) -> User:
    return create_user(
        username or f"{role}{next(_seq)}", role, PASSWORD, unit_obj.code if unit_obj else None, **kwargs
    )


def premises(officer: User, name: str = "Kangjian Pharmacy", kind: str = "pharmacy", **kwargs) -> Premises:
    data = PremisesData(name=name, kind=kind, operator_type=kwargs.pop("operator_type", "organisation"), **kwargs)
    return register_premises(officer, data).premises


def emergency(categories=("protective_supplies", "meat"), starts_on=date(2020, 1, 24)) -> PriceEmergency:
    record = PriceEmergency(
        name="Novel coronavirus outbreak",
        jurisdiction="County",
        starts_on=starts_on,
        baseline_date=date(2020, 1, 19),
        categories=list(categories),
    )
    db.session.add(record)
    db.session.commit()
    return record


def inspection(lead: User, second: User, premises_obj: Premises, emergency_obj=None, started_at=None, **kwargs):
    data = inspection_service.InspectionData(
        premises_id=premises_obj.id,
        started_at=started_at or datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc),
        lead_officer=lead.username,
        second_officer=second.username,
        type=kwargs.pop("type", "campaign"),
        emergency_id=emergency_obj.id if emergency_obj else None,
        **kwargs,
    )
    return inspection_service.start_inspection(lead, data)


def recent() -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=1)


class County:
    """A small world: two units, officers, a supervisor, an auditor and an admin."""

    def __init__(self):
        self.unit = unit("CG", "Chengguan station")
        self.other_unit = unit("XZ", "Xizhen station")
        self.officer = user("officer", self.unit, "zhang.wei")
        self.officer2 = user("officer", self.unit, "li.na")
        self.supervisor = user("supervisor", self.unit, "wang.fang", legal_reviewer=True)
        self.other_officer = user("officer", self.other_unit, "chen.jie")
        self.other_officer2 = user("officer", self.other_unit, "zhao.lei")
        self.auditor = user("auditor", None, "audit.liu")
        self.admin = user("admin", None, "admin.sun")

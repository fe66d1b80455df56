"""The field app's world (tests/e2e/test_field_*.py and bench/field_budget.py): a unit with two officers and a
supervisor, a price emergency in force today covering protective supplies, and pharmacies with a position; one of
them was inspected before the emergency's baseline date, so the bundle offers baselines for N95 masks there.

Built through the services, on the real calendar (the field app stamps inspections with the phone's clock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from tests.factories import PASSWORD, inspection, premises, unit, user
from tracker.extensions import db
from tracker.models import PriceEmergency
from tracker.services import inspections as inspection_service

# Kangning Pharmacy stands here; the phone in the journeys reports a position a few metres away.
LATITUDE = "39.904200"
LONGITUDE = "116.407400"
MASK = "mask_n95"
MASK_NAME = "N95 / KN95 respirator"
BASELINE_PRICE = "1.20"
BASELINE_COST = "1.00"


@dataclass
class FieldWorld:
    password: str
    officer: str
    officer2: str
    supervisor: str
    pharmacy_id: int
    pharmacy: str
    emergency_id: int
    baseline_date: date

    @classmethod
    def seed(cls, extra_premises: int = 0) -> "FieldWorld":
        """Create the world in the app's database (inside an app context)."""
        cg = unit("CG", "Chengguan station")
        zhang = user("officer", cg, "zhang.wei", full_name="Zhang Wei")
        li = user("officer", cg, "li.na", full_name="Li Na")
        wang = user("supervisor", cg, "wang.fang", full_name="Wang Fang")
        today = date.today()
        baseline_date = today - timedelta(days=40)
        outbreak = PriceEmergency(name="Respiratory outbreak", jurisdiction="County", starts_on=today - timedelta(days=30),
                                  baseline_date=baseline_date, categories=["protective_supplies"])
        db.session.add(outbreak)
        db.session.commit()
        kangning = premises(zhang, name="Kangning Pharmacy", address="12 Heping Road", latitude=LATITUDE,
                            longitude=LONGITUDE)
        premises(zhang, name="Baixing Pharmacy", address="3 Jiefang Street", latitude="39.910000", longitude="116.400000")
        premises(zhang, name="Renmin Market stall 7", kind="market_stall", address="Renmin Market")
        for number in range(extra_premises):
            premises(zhang, name=f"Shop {number + 1:05d}", kind="other", address=f"{number + 1} Long Street")
        # The last transaction before the baseline date: the bundle offers its price and cost for N95 masks.
        before = datetime.combine(baseline_date - timedelta(days=2), time(2, 0), tzinfo=timezone.utc)
        earlier = inspection(zhang, li, kangning, started_at=before, type="routine")
        inspection_service.record_observation(zhang, earlier, inspection_service.ObservationData(
            MASK, BASELINE_PRICE, marked_price=BASELINE_PRICE, cost=BASELINE_COST))
        inspection_service.submit_inspection(zhang, earlier, "no_action")
        return cls(PASSWORD, zhang.username, li.username, wang.username, kangning.id, kangning.name, outbreak.id,
                   baseline_date)

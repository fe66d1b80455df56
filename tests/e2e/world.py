"""The world the journeys share, built through the services and factories (never the demo data).

Chengguan station (CG) with two officers, two supervisors, an auditor in no unit, an officer of another unit,
the 2020 outbreak emergency covering masks (baseline 2020-01-19) and three pharmacies:

- Kangning Pharmacy, run by a natural person whose ID number, mobile phone and home address are on record:
  journey (a) inspects it in the browser and opens the case the other journeys follow to its close;
- Baixing Pharmacy: inspected by officer li.na WITH supervisor wang.fang, referred, filed by zhou.min and
  a penalty proposed by li.na: wang.fang may not approve it (she took part in the inspection);
- Renmin Pharmacy: inspected by the two officers, filed by zhou.min naming wang.fang a case officer, so that
  wang.fang can propose its penalty herself in the browser, and then may not approve it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from tests.factories import PASSWORD, emergency, inspection, premises, unit, user
from tracker.models import Case
from tracker.services import inspections as inspection_service
from tracker.services.cases import open_case, run_action

# Personal data of the natural person running Kangning Pharmacy: none of it may reach the public register.
OPERATOR = "Liu Jianguo"
ID_NUMBER = "110101198003071234"
PHONE = "13912345678"
HOME_ADDRESS = "Room 502, Building 3, 18 Heping Road"
STORY_DAY = date(2020, 4, 30)


@dataclass
class E2EWorld:
    password: str
    officer: str
    officer2: str
    supervisor: str
    supervisor2: str
    auditor: str
    admin: str
    pharmacy_id: int
    joined_case: str  # number of the case wang.fang inspected (proposal by li.na)
    own_case: str  # number of the case where wang.fang is a case officer (she proposes in the browser)

    @classmethod
    def seed(cls) -> "E2EWorld":
        """Create the world in the app's database (inside an app context)."""
        cg = unit("CG", "Chengguan station")
        xz = unit("XZ", "Xizhen station")
        zhang = user("officer", cg, "zhang.wei")
        li = user("officer", cg, "li.na")
        wang = user("supervisor", cg, "wang.fang")
        zhou = user("supervisor", cg, "zhou.min")
        auditor = user("auditor", None, "audit.liu")
        admin = user("admin", None, "admin.sun")
        user("officer", xz, "chen.jie")
        outbreak = emergency(categories=("protective_supplies",))
        kangning = premises(
            zhang, name="Kangning Pharmacy", operator_type="individual",
            operator_name=f"{OPERATOR} (ID {ID_NUMBER})", address=HOME_ADDRESS, phone=PHONE,
        )
        joined = _referred_case(li, wang, premises(zhang, name="Baixing Pharmacy"), outbreak, li)
        run_action(zhou, joined, "file", {"on": "2020-02-12", "officers": ["li.na", "wang.fang"]}, today=STORY_DAY)
        run_action(li, joined, "propose_penalty", {
            "on": "2020-03-03", "illegal_gains": "2060.00", "severity": "ordinary",
            "lines": [{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "9000.00"}],
        }, today=STORY_DAY)
        own = _referred_case(zhang, li, premises(zhang, name="Renmin Pharmacy"), outbreak, zhang)
        run_action(zhou, own, "file", {"on": "2020-02-12", "officers": ["zhang.wei", "li.na", "wang.fang"]},
                   today=STORY_DAY)
        return cls(PASSWORD, zhang.username, li.username, wang.username, zhou.username, auditor.username, admin.username,
                   kangning.id, joined.number, own.number)


def _referred_case(lead, second, premises_obj, outbreak, opener) -> Case:
    """A submitted mask-gouging inspection of ``premises_obj``, referred, and its case opened as a clue."""
    record = inspection(lead, second, premises_obj, outbreak, started_at=datetime(2020, 2, 6, 2, 0, tzinfo=timezone.utc))
    observation = inspection_service.record_observation(
        lead, record,
        inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                           baseline_price="1.20", baseline_cost="1.00", quantity_sold="1000"),
    )
    inspection_service.record_violation(lead, record, "price_gouging", [observation.id])
    inspection_service.submit_inspection(lead, record, "referred")
    return open_case(opener, inspection_id=record.id, today=STORY_DAY)

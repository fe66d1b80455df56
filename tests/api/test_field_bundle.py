"""GET /api/v1/field/bundle: what an officer's phone needs offline, for their unit, in one answer with an ETag."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests.api.helpers import problem
from tests.conftest import count_queries
from tests.factories import County, emergency, inspection, premises, user
from tracker.extensions import db
from tracker.models import PriceEmergency
from tracker.services import inspections as service
from tracker.services.rulebooks import current_rulebook
from tracker.services.tokens import issue_token

URL = "/api/v1/field/bundle"


class World(County):
    def __init__(self):
        super().__init__()
        self.outbreak = emergency(categories=("protective_supplies", "meat"))
        self.over = PriceEmergency(name="Flood of 2019", starts_on=date(2019, 7, 1), ends_on=date(2019, 8, 1),
                                   baseline_date=date(2019, 6, 20), categories=["vegetables"])
        db.session.add(self.over)
        db.session.commit()
        self.pharmacy = premises(self.officer, latitude="31.230416", longitude="121.473701")
        self.butcher = premises(self.officer, name="Anping Meat Stall", kind="meat_vendor", operator_type="individual")
        self.theirs = premises(self.other_officer, name="Xizhen Pharmacy")
        self.retired = user("officer", self.unit, "old.hand")
        self.retired.is_active_account = False
        db.session.commit()
        self.tokens = {}

    def headers(self, who: str, **extra) -> dict:
        if who not in self.tokens:
            self.tokens[who] = issue_token(getattr(self, who))[1]
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def observe(self, where, day: date, commodity: str, price: str, cost: str | None = None):
        """A submitted inspection of ``where`` on ``day`` that saw ``commodity`` at ``price``."""
        started = datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)
        lead, second = (self.officer, self.officer2) if where.unit_id == self.unit.id else (
            self.other_officer, self.other_officer2)
        record = inspection(lead, second, where, None, started_at=started, type="routine")
        service.record_observation(lead, record, service.ObservationData(commodity, price, cost=cost))
        service.submit_inspection(lead, record, "no_action")
        return record


@pytest.fixture
def world(app):
    return World()


def test_an_officer_gets_their_units_premises_people_rulebook_and_emergencies(world, client):
    response = client.get(URL, headers=world.headers("officer"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["ETag"].startswith('"') and response.headers["Cache-Control"] == "no-store"
    bundle = response.get_json()
    assert set(bundle) >= {"generated_at", "user", "officers", "rulebook", "emergencies", "premises"}
    assert bundle["user"] == {"username": "zhang.wei", "name": world.officer.display_name, "role": "officer",
                              "unit": "CG"}
    assert [o["username"] for o in bundle["officers"]] == ["li.na", "wang.fang", "zhang.wei"]  # no retired, no XZ
    rulebook = current_rulebook()
    assert bundle["rulebook"]["version"] == rulebook.label
    assert bundle["rulebook"]["evidence"] == {"max_minutes_outside": rulebook.evidence.max_minutes_outside,
                                              "max_distance_m": rulebook.evidence.max_distance_m}
    assert [i["code"] for i in bundle["rulebook"]["checklist"]] == [item.code for item in rulebook.checklist]
    assert all(item["text"] for item in bundle["rulebook"]["checklist"])
    commodities = client.get("/api/v1/commodities", headers=world.headers("officer")).get_json()["items"]
    codes = client.get("/api/v1/violation-codes", headers=world.headers("officer")).get_json()["items"]
    assert bundle["rulebook"]["commodities"] == commodities
    assert bundle["rulebook"]["violation_codes"] == codes
    assert [e["id"] for e in bundle["emergencies"]] == [world.outbreak.id]  # the 2019 flood is over
    listed = client.get("/api/v1/emergencies", headers=world.headers("officer")).get_json()["items"]
    assert bundle["emergencies"] == [e for e in listed if e["id"] == world.outbreak.id]
    assert [p["name"] for p in bundle["premises"]] == ["Anping Meat Stall", "Kangjian Pharmacy"]
    pharmacy = next(p for p in bundle["premises"] if p["id"] == world.pharmacy.id)
    assert pharmacy == {
        "id": world.pharmacy.id, "name": "Kangjian Pharmacy", "kind": "pharmacy", "operator_name": "",
        "operator_type": "organisation", "address": "", "latitude": "31.230416", "longitude": "121.473701",
        "status": "active", "version": world.pharmacy.version, "baselines": [],
    }


def test_texts_come_in_the_callers_language(world, client):
    headers = world.headers("officer", **{"Accept-Language": "zh-CN"})
    bundle = client.get(URL, headers=headers).get_json()
    commodities = client.get("/api/v1/commodities", headers=headers).get_json()["items"]
    assert bundle["rulebook"]["commodities"] == commodities
    mask = next(c for c in bundle["rulebook"]["commodities"] if c["code"] == "mask_n95")
    assert mask["name"] == current_rulebook().commodity("mask_n95").name.render("zh_CN") != "N95 respirator"
    english = client.get(URL, headers=world.headers("officer")).get_json()
    assert english["rulebook"]["checklist"] != bundle["rulebook"]["checklist"]


def test_baselines_are_the_last_observation_on_or_before_the_baseline_date(world, client):
    world.observe(world.pharmacy, date(2020, 1, 10), "mask_n95", "1.00", "0.80")
    chosen = world.observe(world.pharmacy, date(2020, 1, 19), "mask_n95", "1.20", "1.00")  # on the baseline date
    world.observe(world.pharmacy, date(2020, 1, 20), "mask_n95", "2.50", "1.00")  # after it: not a baseline
    world.observe(world.pharmacy, date(2020, 1, 12), "rice", "5.00", "4.00")  # grain: the emergency does not cover it
    world.observe(world.butcher, date(2020, 1, 15), "pork_fresh", "28.50")
    world.observe(world.theirs, date(2020, 1, 15), "mask_n95", "9.99", "1.00")  # another unit's premises
    bundle = client.get(URL, headers=world.headers("officer")).get_json()
    by_id = {p["id"]: p for p in bundle["premises"]}
    assert by_id[world.pharmacy.id]["baselines"] == [{
        "emergency_id": world.outbreak.id, "commodity": "mask_n95", "price": "1.20", "cost": "1.00",
        "on": "2020-01-19", "inspection_id": chosen.id,
    }]
    (pork,) = by_id[world.butcher.id]["baselines"]
    assert (pork["commodity"], pork["price"], pork["cost"], pork["on"]) == ("pork_fresh", "28.50", None, "2020-01-15")


def test_an_unchanged_bundle_answers_304_and_a_change_gives_a_new_etag(world, client):
    first = client.get(URL, headers=world.headers("officer"))
    tag = first.headers["ETag"]
    same = client.get(URL, headers=world.headers("officer", **{"If-None-Match": tag}))
    assert same.status_code == 304 and same.get_data() == b"" and same.headers["ETag"] == tag
    assert client.get(URL, headers=world.headers("officer", **{"If-None-Match": f'W/{tag}, "other"'})).status_code == 304
    premises(world.officer, name="Baiyun Market Stall", kind="market_stall")
    changed = client.get(URL, headers=world.headers("officer", **{"If-None-Match": tag}))
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "Baiyun Market Stall" in {p["name"] for p in changed.get_json()["premises"]}
    chinese = client.get(URL, headers=world.headers("officer", **{"If-None-Match": changed.headers["ETag"],
                                                                   "Accept-Language": "zh-CN"}))
    assert chinese.status_code == 200  # another language is another bundle


@pytest.mark.parametrize("who, status", [("supervisor", 200), ("auditor", 403), ("admin", 403)])
def test_officers_and_supervisors_get_it_others_are_refused(world, client, who, status):
    response = client.get(URL, headers=world.headers(who))
    if status == 200:
        assert response.status_code == 200 and response.get_json()["user"]["role"] == "supervisor"
    else:
        problem(response, status)
    problem(client.get(URL), 401)


def test_the_bundle_runs_the_same_queries_for_3_premises_as_for_30(world, client):
    world.observe(world.pharmacy, date(2020, 1, 10), "mask_n95", "1.00", "0.80")
    headers = world.headers("officer")
    client.get(URL, headers=headers)  # warm: the token's first use is recorded

    def measured() -> tuple[int, dict]:
        with count_queries() as statements:
            response = client.get(URL, headers=headers)
        assert response.status_code == 200
        return len(statements), response.get_json()

    for index in range(1):
        premises(world.officer, name=f"Stall {index}", kind="market_stall")
    few, small = measured()
    assert len(small["premises"]) == 3
    for index in range(1, 28):
        where = premises(world.officer, name=f"Stall {index}", kind="market_stall")
        world.observe(where, date(2020, 1, 18), "mask_n95", "1.10", "0.90")
    many, large = measured()
    assert len(large["premises"]) == 30 and sum(len(p["baselines"]) for p in large["premises"]) == 28
    assert few == many, (few, many)


def test_the_openapi_document_describes_the_bundle(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/field/bundle"]["get"]
    assert {"200", "304", "401", "403"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert any(p["name"] == "If-None-Match" for p in operation["parameters"])
    schema = spec["components"]["schemas"]["BundleOut"]
    assert set(schema["required"]) >= {"generated_at", "user", "officers", "rulebook", "emergencies", "premises"}

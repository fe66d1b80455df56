"""/api/v1/inspections: log, observe prices, record violations, submit; money as decimal strings."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import Inspection, PriceObservation, Violation
from tracker.services import inspections as service
from tracker.services.tokens import issue_token
from tests.api.helpers import problem

URL = "/api/v1/inspections"
FIELDS = {"id", "premises_id", "started_at", "lead_officer", "second_officer", "type", "emergency_id", "notes",
          "status", "outcome"}
OBSERVATION_FIELDS = {"id", "commodity", "price", "marked_price", "cost", "baseline_price", "baseline_cost",
                      "quantity_sold", "fees", "baseline_fees", "bundled", "margin_rate", "baseline_margin_rate",
                      "flags", "estimated_illegal_gains"}
GOUGED_MASK = {"commodity": "mask_n95", "price": "3.50", "marked_price": "3.50", "cost": "1.20",
               "baseline_price": "1.20", "baseline_cost": "1.00", "quantity_sold": "1000"}


class World(County):
    def __init__(self):
        super().__init__()
        self.outbreak = emergency()
        self.pharmacy = premises(self.officer)
        self.theirs = premises(self.other_officer, name="Xizhen Pharmacy")
        self.tokens = {}

    def headers(self, who: str) -> dict:
        if who not in self.tokens:
            self.tokens[who] = issue_token(getattr(self, who))[1]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def body(self, **changes) -> dict:
        return {
            "premises_id": self.pharmacy.id,
            "started_at": "2020-02-05T10:30:00+08:00",
            "lead_officer": self.officer.username,
            "second_officer": self.officer2.username,
            "type": "campaign",
            "emergency_id": self.outbreak.id,
            "notes": "Queue of customers at the mask counter.",
            **changes,
        }

    def draft(self, **kwargs):
        return inspection(self.officer, self.officer2, self.pharmacy, self.outbreak, **kwargs)


@pytest.fixture
def world(app):
    return World()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))



# ------------------------------------------------------------------------------------------ the field story


def test_an_officer_logs_a_gouging_mask_price_and_sees_the_flag(world, client):
    officer = world.headers("officer")
    response = client.post(URL, json=world.body(checklist={"prices_marked": "yes"}), headers=officer)
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert FIELDS <= set(record)
    assert record["premises_id"] == world.pharmacy.id
    assert record["started_at"] == "2020-02-05T02:30:00+00:00"
    assert record["lead_officer"] == "zhang.wei" and record["second_officer"] == "li.na"
    assert record["type"] == "campaign" and record["emergency_id"] == world.outbreak.id
    assert record["status"] == "draft" and record["outcome"] is None
    assert record["checklist"] == {"prices_marked": "yes"} and record["notes"].startswith("Queue")

    seen = client.post(f"{URL}/{record['id']}/observations", json=GOUGED_MASK, headers=officer)
    assert seen.status_code == 201, seen.get_data(as_text=True)
    observation = seen.get_json()
    assert OBSERVATION_FIELDS <= set(observation)
    assert observation["price"] == "3.50" and observation["cost"] == "1.20" and observation["fees"] is None
    assert observation["quantity_sold"] == "1000.000"
    assert observation["margin_rate"] == "1.9167" and observation["baseline_margin_rate"] == "0.2000"
    assert observation["estimated_illegal_gains"] == "2060.00"
    flags = {flag["test"]: flag["explanation"] for flag in observation["flags"]}
    assert "baseline_margin" in flags
    assert flags["baseline_margin"] == "margin 191.67% on cost against 20% on 2020-01-19"
    for value in (observation["price"], observation["margin_rate"], observation["estimated_illegal_gains"]):
        assert isinstance(value, str)

    listed = client.get(URL, query_string={"flagged": "true"}, headers=officer).get_json()["items"]
    assert [item["id"] for item in listed] == [record["id"]]
    shown = client.get(f"{URL}/{record['id']}", headers=world.headers("auditor")).get_json()
    assert [o["id"] for o in shown["observations"]] == [observation["id"]]

    violation = client.post(
        f"{URL}/{record['id']}/violations",
        json={"code": "price_gouging", "observation_ids": [observation["id"]], "description": "Masks at 3.50"},
        headers=officer,
    )
    assert violation.status_code == 201, violation.get_data(as_text=True)
    found = violation.get_json()
    assert found["code"] == "price_gouging" and found["legal_basis"]
    assert found["observation_ids"] == [observation["id"]] and found["description"] == "Masks at 3.50"

    submitted = client.post(f"{URL}/{record['id']}/submit", json={"outcome": "referred"}, headers=officer)
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "submitted" and submitted.get_json()["outcome"] == "referred"
    assert [v["id"] for v in submitted.get_json()["violations"]] == [found["id"]]


@pytest.mark.parametrize("quantity", [1000, "1000", "1000.000"])
def test_a_quantity_is_a_json_integer_or_a_decimal_string(world, client, quantity):
    """Finding 8 of issue 15: an integer is exact, so ``"quantity_sold": 1000`` counts as ``"1000"`` does."""
    record = world.draft()
    seen = client.post(f"{URL}/{record.id}/observations", json={**GOUGED_MASK, "quantity_sold": quantity},
                       headers=world.headers("officer"))
    assert seen.status_code == 201, seen.get_data(as_text=True)
    assert seen.get_json()["quantity_sold"] == "1000.000" and seen.get_json()["estimated_illegal_gains"] == "2060.00"


def test_query_booleans_are_true_or_false(world, client):
    for value in ("yes", "1", "on", "True"):
        problem(client.get(URL, query_string={"flagged": value}, headers=world.headers("officer")), 422)


def test_the_openapi_document_says_a_quantity_is_an_integer_or_a_decimal_string(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    quantity = next(s["properties"]["quantity_sold"] for name, s in schema.items()
                    if name.startswith("Observation") and "quantity_sold" in s.get("properties", {})
                    and "oneOf" in s["properties"]["quantity_sold"])
    assert [choice["type"] for choice in quantity["oneOf"]] == ["integer", "string"]


def test_a_submitted_inspection_is_read_only(world, client):
    record = world.draft()
    officer = world.headers("officer")
    seen = service.record_observation(world.officer, record, service.ObservationData("mask_n95", "2.00"))
    assert client.post(f"{URL}/{record.id}/submit", json={"outcome": "no_action"}, headers=officer).status_code == 200
    problem(client.post(f"{URL}/{record.id}/observations", json=GOUGED_MASK, headers=officer), 409)
    problem(client.post(f"{URL}/{record.id}/violations", json={"code": "price_gouging", "observation_ids": [seen.id]},
                        headers=officer), 409)
    problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "no_action"}, headers=officer), 409)
    assert count(PriceObservation) == 1 and count(Violation) == 0


def test_submission_rules_come_from_the_service(world, client):
    record = world.draft()
    officer = world.headers("officer")
    body = problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "corrected"}, headers=officer), 422)
    assert "reinspect_on" in body["errors"]
    body = problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "referred"}, headers=officer), 422)
    assert "outcome" in body["errors"]
    problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "closed"}, headers=officer), 422)
    problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "corrected", "reinspect_on": "2020-02-31"},
                        headers=officer), 422)
    done = client.post(f"{URL}/{record.id}/submit", json={"outcome": "corrected", "reinspect_on": "2020-02-12"},
                       headers=officer)
    assert done.status_code == 200 and done.get_json()["reinspect_on"] == "2020-02-12"


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"second_officer": "zhang.wei"}, "second_officer"),
        ({"lead_officer": "chen.jie"}, "lead_officer"),  # another unit's officer
        ({"started_at": "2020-02-05T10:30:00"}, "started_at"),  # no offset
        ({"started_at": "2020-02-30T10:30:00+08:00"}, "started_at"),
        ({"started_at": "0001-01-01T00:00:00+08:00"}, "started_at"),
        ({"started_at": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()}, "started_at"),
        ({"started_at": "2020-01-10T10:30:00+08:00"}, "emergency_id"),  # before the emergency
        ({"type": "raid"}, "type"),
        ({"premises_id": 2**40}, "premises_id"),
        ({"premises_id": "1"}, "premises_id"),
        ({"premises_id": 1.5}, "premises_id"),
        ({"emergency_id": 0}, "emergency_id"),
        ({"notes": "n" * 20001}, "notes"),
        ({"checklist": {"prices_marked": "maybe"}}, "checklist"),
        ({"checklist": {"no_such_item": "yes"}}, "checklist"),
    ],
)
def test_refused_inspections_write_nothing(world, client, changes, field):
    body = problem(client.post(URL, json=world.body(**changes), headers=world.headers("officer")), 422)
    assert any(key.split(".")[0] == field for key in body["errors"]), body
    assert count(Inspection) == 0


def test_another_units_premises_cannot_be_inspected(world, client):
    body = problem(client.post(URL, json=world.body(premises_id=world.theirs.id), headers=world.headers("officer")), 422)
    assert "premises_id" in body["errors"]
    assert count(Inspection) == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"price": 3.5}, "price"),  # a JSON float is never money
        ({"price": 3}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"price": "1e3"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"price": "-1.00"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "1" * 13}, "price"),
        ({"price": "12\n"}, "price"),
        ({"cost": 1.2}, "cost"),
        ({"quantity_sold": "1.0001"}, "quantity_sold"),
        ({"quantity_sold": 2.5}, "quantity_sold"),  # a JSON number with a fraction is a binary float
        ({"quantity_sold": 1000.0}, "quantity_sold"),
        ({"quantity_sold": -1}, "quantity_sold"),
        ({"quantity_sold": 10 ** 11}, "quantity_sold"),
        ({"quantity_sold": True}, "quantity_sold"),
        ({"commodity": "unicorn_horn"}, "commodity"),
        ({"bundled": "perhaps"}, "bundled"),
        ({"bundled": "yes"}, "bundled"),  # finding 8 of issue 15: only JSON true and false are booleans
        ({"bundled": "true"}, "bundled"),
        ({"bundled": 1}, "bundled"),
        ({"margin_rate": "9.9"}, "margin_rate"),
    ],
)
def test_refused_observations_write_nothing(world, client, changes, field):
    record = world.draft()
    body = problem(client.post(f"{URL}/{record.id}/observations", json={**GOUGED_MASK, **changes},
                               headers=world.headers("officer")), 422)
    assert field in body["errors"], body
    assert count(PriceObservation) == 0


def test_nan_and_infinity_literals_are_refused(world, client):
    record = world.draft()
    headers = {**world.headers("officer"), "Content-Type": "application/json"}
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        data = '{"commodity": "mask_n95", "price": %s}' % literal
        problem(client.post(f"{URL}/{record.id}/observations", data=data, headers=headers), 422)
    assert count(PriceObservation) == 0


def test_violations_link_only_this_inspections_observations(world, client):
    first, second = world.draft(), world.draft()
    seen = service.record_observation(world.officer, first, service.ObservationData("mask_n95", "5.00"))
    officer = world.headers("officer")
    body = problem(client.post(f"{URL}/{second.id}/violations", json={"code": "price_gouging", "observation_ids": [seen.id]},
                               headers=officer), 422)
    assert "observation_ids" in body["errors"]
    body = problem(client.post(f"{URL}/{second.id}/violations", json={"code": "jaywalking"}, headers=officer), 422)
    assert "code" in body["errors"]
    problem(client.post(f"{URL}/{second.id}/violations", json={"code": "price_gouging", "observation_ids": [2**40]},
                        headers=officer), 422)
    assert count(Violation) == 0


def test_malformed_json_is_400_everywhere(world, client):
    record = world.draft()
    headers = {**world.headers("officer"), "Content-Type": "application/json"}
    for path in (URL, f"{URL}/{record.id}/observations", f"{URL}/{record.id}/violations", f"{URL}/{record.id}/submit"):
        problem(client.post(path, data='{"price": "1.00"', headers=headers), 400)
    assert count(Inspection) == 1 and count(PriceObservation) == 0


# ------------------------------------------------------------------------------------------ who may


def test_no_token_or_a_bad_one_is_401(world, client):
    record = world.draft()
    problem(client.get(URL), 401)
    problem(client.get(f"{URL}/{record.id}", headers={"Authorization": "Bearer nope"}), 401)
    problem(client.post(URL, json=world.body()), 401)
    problem(client.post(f"{URL}/{record.id}/observations", json=GOUGED_MASK), 401)
    assert count(Inspection) == 1 and count(PriceObservation) == 0


def test_roles_and_units(world, client):
    record = world.draft()
    theirs = inspection(world.other_officer, world.other_officer2, world.theirs)
    officer, auditor, admin = world.headers("officer"), world.headers("auditor"), world.headers("admin")
    problem(client.get(f"{URL}/{theirs.id}", headers=officer), 404)
    problem(client.post(f"{URL}/{theirs.id}/observations", json=GOUGED_MASK, headers=officer), 404)
    problem(client.post(f"{URL}/{theirs.id}/violations", json={"code": "price_gouging"}, headers=officer), 404)
    problem(client.post(f"{URL}/{theirs.id}/submit", json={"outcome": "no_action"}, headers=officer), 404)
    for unknown in (theirs.id + 100, 0, 2**31, 10**30):
        problem(client.get(f"{URL}/{unknown}", headers=officer), 404)
        problem(client.post(f"{URL}/{unknown}/observations", json=GOUGED_MASK, headers=officer), 404)
    assert client.get(f"{URL}/{theirs.id}", headers=auditor).status_code == 200
    problem(client.post(URL, json=world.body(), headers=auditor), 403)
    problem(client.post(f"{URL}/{record.id}/observations", json=GOUGED_MASK, headers=auditor), 403)
    problem(client.post(f"{URL}/{record.id}/submit", json={"outcome": "no_action"}, headers=auditor), 403)
    problem(client.get(URL, headers=admin), 403)
    problem(client.get(f"{URL}/{record.id}", headers=admin), 403)
    problem(client.post(URL, json=world.body(), headers=admin), 403)
    listed = client.get(URL, headers=officer).get_json()["items"]
    assert [item["id"] for item in listed] == [record.id]
    assert {item["id"] for item in client.get(URL, headers=auditor).get_json()["items"]} == {record.id, theirs.id}
    assert count(Inspection) == 2 and count(PriceObservation) == 0
    assert db.session.get(Inspection, record.id).status.value == "draft"


# ------------------------------------------------------------------------------------------ retries and lists


def test_a_retry_with_the_same_key_logs_one_inspection(world, client):
    headers = {**world.headers("officer"), "Idempotency-Key": "tablet-7f3a-0001"}
    first = client.post(URL, json=world.body(), headers=headers)
    again = client.post(URL, json=world.body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert count(Inspection) == 1
    body = problem(client.post(URL, json=world.body(notes="Another visit"), headers=headers), 422)
    assert "Idempotency-Key" in body["errors"]
    assert count(Inspection) == 1
    other = client.post(URL, json=world.body(), headers={**world.headers("officer"), "Idempotency-Key": "tablet-7f3a-0002"})
    assert other.status_code == 201 and count(Inspection) == 2


def test_a_retried_observation_is_recorded_once(world, client):
    record = world.draft()
    headers = {**world.headers("officer"), "Idempotency-Key": "obs-1"}
    first = client.post(f"{URL}/{record.id}/observations", json=GOUGED_MASK, headers=headers)
    again = client.post(f"{URL}/{record.id}/observations", json=GOUGED_MASK, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert count(PriceObservation) == 1


def test_list_filters(world, client):
    february = world.draft(started_at=datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc))
    march = world.draft(started_at=datetime(2020, 3, 1, 16, 30, tzinfo=timezone.utc))  # 2 March in Shanghai
    other_shop = premises(world.officer, name="Market stall", kind="market_stall")
    elsewhere = inspection(world.officer, world.officer2, other_shop, world.outbreak)
    service.record_observation(world.officer, march, service.ObservationData(**GOUGED_MASK))
    officer = world.headers("officer")

    def ids(**query):
        response = client.get(URL, query_string=query, headers=officer)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["items"]]

    assert ids() == [elsewhere.id, march.id, february.id]
    assert ids(premises_id=world.pharmacy.id) == [march.id, february.id]
    assert ids(flagged="true") == [march.id]
    assert ids(flagged="false") == [elsewhere.id, february.id]
    assert ids(**{"from": "2020-03-02"}) == [march.id]
    assert ids(to="2020-03-01") == [elsewhere.id, february.id]
    assert ids(**{"from": "2020-02-05", "to": "2020-02-05"}) == [elsewhere.id, february.id]
    assert ids(to="9999-12-31", **{"from": "0001-01-01"}) == [elsewhere.id, march.id, february.id]
    for bad in ({"from": "2020-02-30"}, {"to": "yesterday"}, {"flagged": "perhaps"}, {"premises_id": "x"},
                {"premises_id": 2**40}, {"colour": "red"}):
        problem(client.get(URL, query_string=bad, headers=officer), 422)


def test_pages_hold_every_inspection_once_even_when_one_is_added_between_pages(world, client):
    made = [world.draft().id for _ in range(5)]
    headers = world.headers("officer")
    first = client.get(URL, query_string={"limit": 2}, headers=headers).get_json()
    world.draft()
    seen, cursor = [item["id"] for item in first["items"]], first["next_cursor"]
    while cursor:
        body = client.get(URL, query_string={"limit": 2, "cursor": cursor}, headers=headers).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert seen == made[::-1]

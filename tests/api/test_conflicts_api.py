"""/api/v1/conflicts: listed for the unit (auditors: every unit), read by the unit's people, resolved field by
field by the unit's supervisor only, in one transaction through the record's own change path."""
import uuid

import pytest
import sqlalchemy as sa

from tests.api.helpers import bearer, problem
from tests.conftest import count_queries
from tests.factories import County, emergency, inspection, premises, user
from tracker.extensions import db
from tracker.models import Inspection, InspectionAmendment, Premises, PremisesChange, PriceObservation, SyncConflict
from tracker.services import inspections as inspection_service
from tracker.services.conflicts import raise_conflict

URL = "/api/v1/conflicts"


@pytest.fixture
def county(app):
    world = County()
    world.other_supervisor = user("supervisor", world.other_unit, "xu.qiang")
    return world


def premises_conflict(officer, shop=None, fields=("phone",), device=None, server=None) -> SyncConflict:
    """A device's change to a premises that could not be merged, as PATCH /premises keeps it."""
    shop = shop or premises(officer, phone="0931-1")
    conflict = raise_conflict(
        officer, "premises", shop.id, shop.unit_id,
        device=device or {field: f"device {field}" for field in fields},
        server=server or {field: f"server {field}" for field in fields},
        fields=list(fields), base_version=1, server_version=shop.version,
    )
    db.session.commit()
    return conflict


def stored(conflict_id: int) -> SyncConflict:
    db.session.expire_all()
    return db.session.get(SyncConflict, conflict_id)


# ------------------------------------------------------------------------------------------ reading


def test_a_conflict_reads_with_both_versions(county, client):
    conflict = premises_conflict(county.officer, fields=("phone", "address"))
    body = client.get(f"{URL}/{conflict.id}", headers=bearer(county.officer2)).get_json()
    assert set(body) == {"id", "kind", "record_id", "unit", "client_id", "status", "fields", "device", "server",
                         "base_version", "server_version", "made_with", "raised_by", "raised_at", "resolved_by",
                         "resolved_at", "choice"}
    assert body["fields"] == ["phone", "address"] and body["device"]["phone"] == "device phone"
    assert body["status"] == "open" and body["choice"] is None and body["resolved_by"] is None
    assert body["raised_by"] == "zhang.wei" and body["unit"] == "CG" and body["raised_at"].endswith("+00:00")


def test_lists_are_scoped_filtered_and_paged(county, client):
    ours = [premises_conflict(county.officer).id for _ in range(3)]
    theirs = premises_conflict(county.other_officer).id
    client.post(f"{URL}/{ours[0]}/resolve", json={"choice": {"phone": "server"}}, headers=bearer(county.supervisor))

    def walk(headers, **query):
        seen, cursor = [], None
        while True:
            body = client.get(URL, query_string={"limit": 2, **query, **({"cursor": cursor} if cursor else {})},
                              headers=headers).get_json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return seen

    assert walk(bearer(county.officer)) == ours[::-1]
    assert walk(bearer(county.officer), status="open") == [ours[2], ours[1]]
    assert walk(bearer(county.supervisor), status="resolved") == [ours[0]]
    assert walk(bearer(county.officer), kind="inspection") == []
    assert walk(bearer(county.auditor)) == [theirs, *ours[::-1]]
    assert walk(bearer(county.other_supervisor)) == [theirs]
    problem(client.get(URL, headers=bearer(county.admin)), 403)
    problem(client.get(URL, query_string={"status": "pending"}, headers=bearer(county.officer)), 422)
    problem(client.get(URL, query_string={"limit": 0}, headers=bearer(county.officer)), 422)
    problem(client.get(f"{URL}/{theirs}", headers=bearer(county.officer)), 404)
    problem(client.get(f"{URL}/{theirs + 100}", headers=bearer(county.auditor)), 404)
    problem(client.get(URL), 401)


def test_a_list_runs_as_many_queries_for_many_conflicts_as_for_one(county, client):
    headers = bearer(county.supervisor)
    premises_conflict(county.officer)
    client.get(URL, headers=headers)  # warm up (the token's first use is stamped)
    with count_queries() as one:
        client.get(URL, headers=headers)
    for _ in range(12):
        premises_conflict(county.officer2)
    with count_queries() as many:
        body = client.get(URL, headers=headers).get_json()
    assert len(body["items"]) == 13
    assert len(many) == len(one)


# ------------------------------------------------------------------------------------------ resolving: who


@pytest.mark.parametrize("role, status", [
    ("officer", 403), ("officer2", 403), ("auditor", 403), ("admin", 403), ("other_supervisor", 404),
    ("other_officer", 403), ("supervisor", 200),
])
def test_only_the_units_supervisor_resolves(county, client, role, status):
    conflict = premises_conflict(county.officer)
    response = client.post(f"{URL}/{conflict.id}/resolve", json={"choice": {"phone": "device"}},
                           headers=bearer(getattr(county, role)))
    if status != 200:
        problem(response, status)
        assert stored(conflict.id).status == "open"
        assert db.session.get(Premises, conflict.record_id).phone == "0931-1"
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert stored(conflict.id).status == "resolved"
        assert db.session.get(Premises, conflict.record_id).phone == "device phone"


def test_without_a_token_resolving_is_401(county, client):
    conflict = premises_conflict(county.officer)
    problem(client.post(f"{URL}/{conflict.id}/resolve", json={"choice": {"phone": "device"}}), 401)
    assert stored(conflict.id).status == "open"


# ------------------------------------------------------------------------------------------ resolving: what


@pytest.mark.parametrize("choice, named", [
    ({"phone": "device"}, ["address"]),  # a field left out
    ({"phone": "device", "address": "server", "name": "device"}, ["name"]),  # a field not in conflict
    ({"phone": "both", "address": "server"}, None),  # not a choice (refused by the schema)
    ({}, None),
    ("device", None),
])
def test_bad_choices_are_refused_and_change_nothing(county, client, choice, named):
    conflict = premises_conflict(county.officer, fields=("phone", "address"))
    body = problem(client.post(f"{URL}/{conflict.id}/resolve", json={"choice": choice},
                               headers=bearer(county.supervisor)), 422)
    if named:
        assert sorted(body["errors"]) == named, body
    kept = stored(conflict.id)
    assert kept.status == "open" and kept.choice is None and kept.resolved_by_id is None
    shop = db.session.get(Premises, conflict.record_id)
    assert shop.phone == "0931-1" and shop.version == 1
    assert db.session.scalar(sa.select(sa.func.count(PremisesChange.id))) == 1  # the registration only


def test_a_position_is_kept_whole(county, client):
    shop = premises(county.officer, latitude="31", longitude="104")
    conflict = premises_conflict(county.officer, shop, fields=("latitude", "longitude"),
                                 device={"latitude": "31.500000", "longitude": "104.500000"},
                                 server={"latitude": "31.000000", "longitude": "104.000000"})
    url = f"{URL}/{conflict.id}/resolve"
    body = problem(client.post(url, json={"choice": {"latitude": "device", "longitude": "server"}},
                               headers=bearer(county.supervisor)), 422)
    assert set(body["errors"]) == {"latitude", "longitude"}
    assert client.post(url, json={"choice": {"latitude": "device", "longitude": "device"}},
                       headers=bearer(county.supervisor)).status_code == 200
    db.session.expire_all()
    moved = db.session.get(Premises, shop.id)
    assert (str(moved.latitude), str(moved.longitude)) == ("31.500000", "104.500000")


def test_a_device_value_no_longer_valid_is_refused_and_the_conflict_stays_open(county, client):
    conflict = premises_conflict(county.officer, fields=("status",), device={"status": "demolished"},
                                 server={"status": "active"})
    body = problem(client.post(f"{URL}/{conflict.id}/resolve", json={"choice": {"status": "device"}},
                               headers=bearer(county.supervisor)), 422)
    assert "status" in body["errors"]
    assert stored(conflict.id).status == "open"


def test_a_resolved_conflict_is_not_resolved_twice(county, client):
    conflict = premises_conflict(county.officer)
    url, headers = f"{URL}/{conflict.id}/resolve", bearer(county.supervisor)
    assert client.post(url, json={"choice": {"phone": "device"}}, headers=headers).status_code == 200
    body = problem(client.post(url, json={"choice": {"phone": "server"}}, headers=headers), 409)
    assert "already resolved" in body["detail"]
    assert stored(conflict.id).choice == {"phone": "device"}
    assert db.session.get(Premises, conflict.record_id).phone == "device phone"


def test_a_retried_resolution_answers_the_first_and_applies_once(county, client):
    conflict = premises_conflict(county.officer)
    headers = {**bearer(county.supervisor), "Idempotency-Key": "resolve-1"}
    url = f"{URL}/{conflict.id}/resolve"
    first = client.post(url, json={"choice": {"phone": "device"}}, headers=headers)
    again = client.post(url, json={"choice": {"phone": "device"}}, headers=headers)
    assert first.status_code == again.status_code == 200 and first.get_json() == again.get_json()
    changes = db.session.scalars(sa.select(PremisesChange).where(PremisesChange.source == "conflict")).all()
    assert len(changes) == 1


# ------------------------------------------------------------------------------------------ inspections


@pytest.fixture
def submitted(county):
    outbreak = emergency()
    shop = premises(county.officer)
    visit = inspection(county.officer, county.officer2, shop, outbreak)
    inspection_service.submit_inspection(county.officer, visit, "no_action")
    return visit


def test_a_device_observation_chosen_is_added_to_the_submitted_inspection(county, client, submitted):
    client_id = str(uuid.uuid4())
    device = {"client_id": client_id, "commodity": "mask_n95", "price": "3.50", "marked_price": "3.50",
              "cost": "1.20", "baseline_price": "1.20", "baseline_cost": "1.00", "quantity_sold": "1000",
              "fees": None, "baseline_fees": None, "unit_of_sale": "", "cost_invoice": "", "bundled": False,
              "recorded_by": "li.na"}
    conflict = raise_conflict(county.officer2, "inspection", submitted.id, submitted.unit_id,
                              device={"observation": device}, server={"observation": None}, fields=["observation"],
                              server_version=submitted.version, client_id=client_id,
                              made_with={"rulebook": submitted.rulebook})
    db.session.commit()
    response = client.post(f"{URL}/{conflict.id}/resolve", json={"choice": {"observation": "device"}},
                           headers=bearer(county.supervisor))
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    (added,) = db.session.scalars(sa.select(PriceObservation).where(PriceObservation.inspection_id == submitted.id))
    assert added.client_id == client_id and str(added.price) == "3.50"
    assert "baseline_margin" in added.flag_tests  # the price tests ran
    (amendment,) = db.session.scalars(sa.select(InspectionAmendment))
    assert amendment.field == "observation" and f"Sync conflict {conflict.id}" in amendment.reason
    assert f'"id": {added.id}' in amendment.new_value and "mask_n95" in amendment.new_value


def test_checklist_answers_chosen_per_field(county, client, submitted):
    draft = inspection(county.officer, county.officer2, submitted.premises)
    conflict = raise_conflict(
        county.officer2, "inspection", draft.id, draft.unit_id,
        device={"checklist.prices_marked": "no", "checklist.tags_match_till": "yes"},
        server={"checklist.prices_marked": None, "checklist.tags_match_till": None},
        fields=["checklist.prices_marked", "checklist.tags_match_till"], server_version=draft.version,
    )
    db.session.commit()
    response = client.post(f"{URL}/{conflict.id}/resolve", headers=bearer(county.supervisor), json={
        "choice": {"checklist.prices_marked": "device", "checklist.tags_match_till": "server"}})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Inspection, draft.id).checklist == {"prices_marked": "no"}
    amendments = db.session.scalars(sa.select(InspectionAmendment).order_by(InspectionAmendment.id)).all()
    assert [(a.field, a.old_value, a.new_value) for a in amendments] == [
        ("checklist.prices_marked", "", "no"), ("checklist.tags_match_till", "", "")]
    assert "device's version" in amendments[0].reason and "server's version" in amendments[1].reason


def test_an_answer_the_checklist_no_longer_has_cannot_be_applied(county, client, submitted):
    conflict = raise_conflict(county.officer2, "inspection", submitted.id, submitted.unit_id,
                              device={"checklist.retired_item": "yes"}, server={"checklist.retired_item": None},
                              fields=["checklist.retired_item"], made_with={"rulebook": "cn-samr@2019"})
    db.session.commit()
    url = f"{URL}/{conflict.id}/resolve"
    body = problem(client.post(url, json={"choice": {"checklist.retired_item": "device"}},
                               headers=bearer(county.supervisor)), 422)
    assert "checklist.retired_item" in body["errors"]
    assert stored(conflict.id).status == "open"
    assert db.session.scalar(sa.select(sa.func.count(InspectionAmendment.id))) == 0
    ok = client.post(url, json={"choice": {"checklist.retired_item": "server"}}, headers=bearer(county.supervisor))
    assert ok.status_code == 200 and ok.get_json()["choice"] == {"checklist.retired_item": "server"}
    assert stored(conflict.id).device == {"checklist.retired_item": "yes"}  # the device's answer is kept


def test_the_openapi_document_describes_the_conflicts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/conflicts", "/api/v1/conflicts/{conflict_id}", "/api/v1/conflicts/{conflict_id}/resolve"):
        assert path in spec["paths"], path
    resolve = spec["paths"]["/api/v1/conflicts/{conflict_id}/resolve"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(resolve["responses"])
    assert "choice" in spec["components"]["schemas"]["ResolveIn"]["properties"]

"""/api/v1/premises with positions, versions and history, and the PATCH that never overwrites silently: two
devices editing the same premises, the conflict reaching the supervisor, the resolution in the history."""
import pytest
import sqlalchemy as sa

from tests.api.helpers import bearer, problem
from tests.factories import County, premises, user
from tracker.extensions import db
from tracker.models import Premises, PremisesChange, SyncConflict
from tracker.models.premises import PremisesHistoryIsAppendOnly

URL = "/api/v1/premises"
NEW = {"name": "Huimin Supermarket", "kind": "supermarket", "operator_type": "organisation", "address": "1 Road"}


@pytest.fixture
def county(app):
    world = County()
    world.other_supervisor = user("supervisor", world.other_unit, "xu.qiang")
    return world


def changes_of(premises_id: int) -> list[PremisesChange]:
    return db.session.scalars(
        sa.select(PremisesChange).where(PremisesChange.premises_id == premises_id).order_by(PremisesChange.version)
    ).all()


def conflicts() -> list[SyncConflict]:
    return db.session.scalars(sa.select(SyncConflict).order_by(SyncConflict.id)).all()


def walk(client, url, headers) -> list[dict]:
    items, cursor = [], None
    while True:
        body = client.get(url, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=headers).get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


# ------------------------------------------------------------------------------------------ positions, versions


def test_a_position_is_registered_read_and_changed_as_decimal_strings(county, client):
    headers = bearer(county.officer)
    created = client.post(URL, json={**NEW, "latitude": "31.2304167", "longitude": "104.0665"}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["latitude"] == "31.230417" and body["longitude"] == "104.066500"  # a millionth of a degree
    assert body["version"] == 1 and created.headers["ETag"] == '"1"'
    shown = client.get(f"{URL}/{body['id']}", headers=headers)
    assert shown.get_json()["latitude"] == "31.230417" and shown.headers["ETag"] == '"1"'
    moved = client.patch(f"{URL}/{body['id']}", json={"latitude": "-33.8688", "longitude": "151.2093"},
                         headers=headers).get_json()
    assert (moved["latitude"], moved["longitude"], moved["version"]) == ("-33.868800", "151.209300", 2)
    cleared = client.patch(f"{URL}/{body['id']}", json={"latitude": None, "longitude": None}, headers=headers)
    assert cleared.get_json()["latitude"] is None and cleared.get_json()["version"] == 3
    plain = client.post(URL, json=NEW, headers=headers).get_json()
    assert plain["latitude"] is None and plain["longitude"] is None


@pytest.mark.parametrize("position, bad", [
    ({"latitude": "31.2"}, "longitude"),
    ({"longitude": "104.1"}, "latitude"),
    ({"latitude": "91", "longitude": "104"}, "latitude"),
    ({"latitude": "31", "longitude": "180.000001"}, "longitude"),
    ({"latitude": 31.2, "longitude": "104"}, "latitude"),  # a JSON number: decimal strings only
    ({"latitude": "31.2", "longitude": "east"}, "longitude"),
    ({"latitude": "31.2", "longitude": ""}, "longitude"),
])
def test_bad_positions_are_refused_and_write_nothing(county, client, position, bad):
    headers = bearer(county.officer)
    body = problem(client.post(URL, json={**NEW, **position}, headers=headers), 422)
    assert bad in body["errors"], body
    shop = premises(county.officer, latitude="31", longitude="104")
    body = problem(client.patch(f"{URL}/{shop.id}", json=position, headers=headers), 422)
    assert bad in body["errors"], body
    db.session.expire_all()
    stored = db.session.get(Premises, shop.id)
    assert (str(stored.latitude), str(stored.longitude), stored.version) == ("31.000000", "104.000000", 1)
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 1


def test_every_change_bumps_the_version_and_is_in_the_history(county, client):
    headers = bearer(county.officer)
    made = client.post(URL, json=NEW, headers=headers).get_json()
    client.patch(f"{URL}/{made['id']}", json={"phone": "0931-1"}, headers=headers)
    same = client.patch(f"{URL}/{made['id']}", json={"phone": "0931-1"}, headers=bearer(county.officer2))
    assert same.get_json()["version"] == 2  # nothing changed: no new version
    history = walk(client, f"{URL}/{made['id']}/history", bearer(county.auditor))
    assert [(item["version"], item["source"], item["changed_by"]) for item in history] == [
        (2, "api", "zhang.wei"), (1, "api", "zhang.wei")]
    assert history[0]["changes"] == {"phone": ["", "0931-1"]}
    assert history[1]["changes"]["name"] == [None, "Huimin Supermarket"] and history[1]["conflict_id"] is None
    problem(client.get(f"{URL}/{made['id']}/history", headers=bearer(county.other_officer)), 404)


def test_the_history_is_append_only(county, client):
    shop = premises(county.officer)
    change = changes_of(shop.id)[0]
    change.source = "forged"
    with pytest.raises(PremisesHistoryIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(PremisesHistoryIsAppendOnly):
        db.session.delete(changes_of(shop.id)[0])
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":  # the database itself refuses it too, whatever the code does
        for statement in ("UPDATE premises_changes SET source = 'forged'", "DELETE FROM premises_changes"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert len(changes_of(shop.id)) == 1


# ------------------------------------------------------------------------------------------ no silent overwrite


def test_if_match_at_the_current_version_applies(county, client):
    shop = premises(county.officer, address="1 Road")
    response = client.patch(f"{URL}/{shop.id}", json={"address": "2 Road"},
                            headers={**bearer(county.officer), "If-Match": '"1"'})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert conflicts() == []


def test_a_stale_change_nobody_else_touched_is_merged(county, client):
    shop = premises(county.officer, address="1 Road", phone="0931-1")
    client.patch(f"{URL}/{shop.id}", json={"phone": "0931-2"}, headers=bearer(county.officer2))  # now version 2
    response = client.patch(f"{URL}/{shop.id}", json={"address": "2 Road", "base": {"address": "1 Road"}},
                            headers={**bearer(county.officer), "If-Match": "1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["address"] == "2 Road" and body["phone"] == "0931-2" and body["version"] == 3
    assert conflicts() == []
    assert changes_of(shop.id)[-1].source == "device"


def test_a_stale_change_without_base_is_kept_as_a_conflict(county, client):
    shop = premises(county.officer, address="1 Road")
    client.patch(f"{URL}/{shop.id}", json={"address": "9 Road"}, headers=bearer(county.officer2))
    body = problem(client.patch(f"{URL}/{shop.id}", json={"address": "2 Road", "phone": "0931-5"},
                                headers={**bearer(county.officer), "If-Match": "1"}), 409)
    assert body["fields"] == ["address", "phone"] and body["current"]["address"] == "9 Road"
    assert body["current"]["version"] == 2  # nothing applied
    (conflict,) = conflicts()
    assert body["conflict_id"] == conflict.id
    assert conflict.device == {"address": "2 Road", "phone": "0931-5"}
    assert conflict.server == {"address": "9 Road", "phone": ""}
    assert (conflict.base_version, conflict.server_version, conflict.status) == (1, 2, "open")


def test_a_stale_retry_of_what_is_already_there_is_not_a_conflict(county, client):
    shop = premises(county.officer)
    headers = {**bearer(county.officer), "If-Match": "1"}
    first = client.patch(f"{URL}/{shop.id}", json={"phone": "0931-5"}, headers=headers)
    again = client.patch(f"{URL}/{shop.id}", json={"phone": "0931-5"}, headers=headers)  # the answer was lost
    assert first.status_code == again.status_code == 200 and again.get_json()["version"] == 2
    assert conflicts() == [] and len(changes_of(shop.id)) == 2


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "W/x", "12345678901"])
def test_a_malformed_if_match_is_refused(county, client, value):
    shop = premises(county.officer)
    body = problem(client.patch(f"{URL}/{shop.id}", json={"phone": "1"},
                                headers={**bearer(county.officer), "If-Match": value}), 422)
    assert "If-Match" in body["errors"]
    assert db.session.get(Premises, shop.id).version == 1


def test_a_bad_value_is_refused_whatever_the_version(county, client):
    shop = premises(county.officer)
    client.patch(f"{URL}/{shop.id}", json={"phone": "2"}, headers=bearer(county.officer2))
    body = problem(client.patch(f"{URL}/{shop.id}", json={"status": "demolished", "base": {"status": "active"}},
                                headers={**bearer(county.officer), "If-Match": "1"}), 422)
    assert "status" in body["errors"] and conflicts() == []


def test_two_devices_edit_the_same_premises_and_neither_version_is_lost(county, client):
    """Two officers' phones load version 1, both edit offline, both sync with If-Match 1."""
    first_phone, second_phone = bearer(county.officer), bearer(county.officer2)
    made = client.post(URL, json={**NEW, "phone": "0931-0", "latitude": "31", "longitude": "104"},
                       headers=first_phone).get_json()
    seen = client.get(f"{URL}/{made['id']}", headers=second_phone).get_json()  # both phones hold version 1
    shop_url = f"{URL}/{made['id']}"

    one = client.patch(shop_url, headers={**first_phone, "If-Match": '"1"'}, json={
        "phone": "0931-1111", "address": "2 Road", "base": {"phone": seen["phone"], "address": seen["address"]}})
    assert one.status_code == 200 and one.get_json()["version"] == 2

    two = client.patch(shop_url, headers={**second_phone, "If-Match": '"1"'}, json={
        "phone": "0931-2222", "latitude": "31.5", "longitude": "104.5",
        "base": {"phone": seen["phone"], "latitude": seen["latitude"], "longitude": seen["longitude"]}})
    body = problem(two, 409)
    assert body["fields"] == ["phone"]
    current = body["current"]  # the mergeable part (the position) is applied, the first phone's edits stay
    assert (current["phone"], current["address"], current["latitude"], current["version"]) == (
        "0931-1111", "2 Road", "31.500000", 3)
    conflict_id = body["conflict_id"]

    # The supervisor finds it; the other unit does not; an auditor reads it.
    supervisor = bearer(county.supervisor)
    listed = client.get("/api/v1/conflicts", query_string={"status": "open"}, headers=supervisor).get_json()
    assert [item["id"] for item in listed["items"]] == [conflict_id]
    assert client.get("/api/v1/conflicts", headers=bearer(county.other_supervisor)).get_json()["items"] == []
    shown = client.get(f"/api/v1/conflicts/{conflict_id}", headers=bearer(county.auditor)).get_json()
    assert shown["kind"] == "premises" and shown["record_id"] == made["id"] and shown["unit"] == "CG"
    assert shown["device"] == {"phone": "0931-2222", "latitude": "31.500000", "longitude": "104.500000"}
    assert shown["server"] == {"phone": "0931-1111", "latitude": "31.000000", "longitude": "104.000000"}
    assert (shown["base_version"], shown["server_version"], shown["raised_by"]) == (1, 2, "li.na")

    resolved = client.post(f"/api/v1/conflicts/{conflict_id}/resolve", json={"choice": {"phone": "device"}},
                           headers=supervisor)
    assert resolved.status_code == 200, resolved.get_data(as_text=True)
    answer = resolved.get_json()
    assert answer["status"] == "resolved" and answer["choice"] == {"phone": "device"}
    assert answer["resolved_by"] == "wang.fang" and answer["resolved_at"]
    final = client.get(shop_url, headers=first_phone).get_json()
    assert (final["phone"], final["address"], final["latitude"], final["version"]) == (
        "0931-2222", "2 Road", "31.500000", 4)

    history = walk(client, f"{shop_url}/history", first_phone)
    assert [(h["version"], h["source"], h["changed_by"], h["conflict_id"]) for h in history] == [
        (4, "conflict", "wang.fang", conflict_id),
        (3, "device", "li.na", conflict_id),
        (2, "device", "zhang.wei", None),
        (1, "api", "zhang.wei", None),
    ]
    assert history[0]["changes"] == {"phone": ["0931-1111", "0931-2222"]}
    assert history[1]["changes"] == {"latitude": ["31.000000", "31.500000"], "longitude": ["104.000000", "104.500000"]}
    assert history[2]["changes"] == {"phone": ["0931-0", "0931-1111"], "address": ["1 Road", "2 Road"]}
    # Both versions and the choice stay in the conflict.
    kept = client.get(f"/api/v1/conflicts/{conflict_id}", headers=first_phone).get_json()
    assert kept["device"]["phone"] == "0931-2222" and kept["server"]["phone"] == "0931-1111"
    assert kept["choice"] == {"phone": "device"}


def test_keeping_the_server_version_still_enters_the_history(county, client):
    shop = premises(county.officer, phone="0")
    client.patch(f"{URL}/{shop.id}", json={"phone": "1"}, headers=bearer(county.officer))
    conflict_id = problem(client.patch(f"{URL}/{shop.id}", json={"phone": "2", "base": {"phone": "0"}},
                                       headers={**bearer(county.officer2), "If-Match": "1"}), 409)["conflict_id"]
    client.post(f"/api/v1/conflicts/{conflict_id}/resolve", json={"choice": {"phone": "server"}},
                headers=bearer(county.supervisor))
    db.session.expire_all()
    assert db.session.get(Premises, shop.id).phone == "1"
    last = changes_of(shop.id)[-1]
    assert (last.source, last.conflict_id, last.changes, last.version) == ("conflict", conflict_id, {}, 3)


def test_the_openapi_document_describes_positions_versions_and_the_conflict_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert {"latitude", "longitude", "version"} <= set(schemas["PremisesOut"]["properties"])
    patch = spec["paths"]["/api/v1/premises/{premises_id}"]["patch"]
    assert "If-Match" in [parameter["name"] for parameter in patch["parameters"]]
    assert "409" in patch["responses"]
    assert "base" in schemas["PremisesPatch"]["properties"]
    assert "/api/v1/premises/{premises_id}/history" in spec["paths"]


def test_a_status_given_by_a_case_or_an_inspection_is_a_version_in_the_history(county, client):
    from tracker.services.premises import change_status

    shop = premises(county.officer)
    change_status(county.supervisor, shop, "ordered_closed", "case")
    db.session.commit()
    assert change_status(county.supervisor, shop, "ordered_closed", "case") is None  # nothing changed
    history = client.get(f"{URL}/{shop.id}/history", headers=bearer(county.officer)).get_json()["items"]
    assert (history[0]["version"], history[0]["source"], history[0]["changes"]) == (
        2, "case", {"status": ["active", "ordered_closed"]})


def test_the_history_runs_as_many_queries_for_many_changes_as_for_few(county, client):
    from tests.conftest import count_queries

    shop = premises(county.officer)
    headers = bearer(county.auditor)
    url = f"{URL}/{shop.id}/history?limit=200"
    client.get(url, headers=headers)  # warm up (the token's first use is stamped)
    with count_queries() as few:
        client.get(url, headers=headers)
    for n in range(15):
        client.patch(f"{URL}/{shop.id}", json={"phone": f"0931-{n}"},
                     headers=bearer(county.officer if n % 2 else county.officer2))
    with count_queries() as many:
        body = client.get(url, headers=headers).get_json()
    assert len(body["items"]) == 16 and len(many) == len(few)

"""GET/POST /api/v1/emergencies: everyone signed in reads them, only administrators declare them."""
import pytest
import sqlalchemy as sa

from tests.factories import County, emergency
from tracker.extensions import db
from tracker.models import PriceEmergency
from tests.api.helpers import bearer, problem

URL = "/api/v1/emergencies"
FIELDS = {"id", "name", "starts_on", "ends_on", "baseline_date", "categories", "jurisdiction"}
DECLARATION = {
    "name": "Flood relief",
    "jurisdiction": "County",
    "starts_on": "2021-07-20",
    "ends_on": "2021-08-31",
    "baseline_date": "2021-07-10",
    "categories": ["grain_oil", "vegetables"],
}


@pytest.fixture
def county(app):
    return County()



def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(PriceEmergency.id)))



def test_every_signed_in_role_reads_the_emergencies(county, client):
    outbreak = emergency()
    for user in (county.officer, county.supervisor, county.auditor, county.admin):
        response = client.get(URL, headers=bearer(user))
        assert response.status_code == 200, user.role
        body = response.get_json()
        assert body["next_cursor"] is None
        (item,) = body["items"]
        assert FIELDS <= set(item)
        assert item["id"] == outbreak.id and item["name"] == "Novel coronavirus outbreak"
        assert item["starts_on"] == "2020-01-24" and item["baseline_date"] == "2020-01-19" and item["ends_on"] is None
        assert item["categories"] == ["protective_supplies", "meat"]


def test_no_token_or_a_bad_one_is_401(county, client):
    problem(client.get(URL), 401)
    problem(client.get(URL, headers={"Authorization": "Bearer not-a-token"}), 401)
    problem(client.post(URL, json=DECLARATION), 401)
    assert count() == 0


def test_an_administrator_declares_an_emergency(county, client):
    response = client.post(URL, json=DECLARATION, headers=bearer(county.admin))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert FIELDS <= set(body)
    assert {k: body[k] for k in DECLARATION} == DECLARATION
    listed = client.get(URL, headers=bearer(county.officer)).get_json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


@pytest.mark.parametrize("role", ["officer", "supervisor", "auditor"])
def test_only_administrators_declare(county, client, role):
    user = {"officer": county.officer, "supervisor": county.supervisor, "auditor": county.auditor}[role]
    problem(client.post(URL, json=DECLARATION, headers=bearer(user)), 403)
    assert count() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"categories": ["toys"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"starts_on": "2021-02-30"}, "starts_on"),
        ({"starts_on": "20210720"}, "starts_on"),
        ({"ends_on": "2021-07-01"}, "ends_on"),  # before the start: the service's rule
        ({"baseline_date": "2021-07-21"}, "baseline_date"),  # after the start
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"name": 12}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_refused_declarations_write_nothing(county, client, change, field):
    body = problem(client.post(URL, json={**DECLARATION, **change}, headers=bearer(county.admin)), 422)
    assert any(key.split(".")[0] == field for key in body["errors"]), body
    assert count() == 0


def test_malformed_json_is_400(county, client):
    response = client.post(
        URL, data='{"name": ', headers={**bearer(county.admin), "Content-Type": "application/json"}
    )
    problem(response, 400)
    assert count() == 0


def test_a_retry_with_the_same_key_declares_once(county, client):
    headers = {**bearer(county.admin), "Idempotency-Key": "flood-1"}
    first = client.post(URL, json=DECLARATION, headers=headers)
    again = client.post(URL, json=DECLARATION, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert count() == 1
    problem(client.post(URL, json={**DECLARATION, "name": "Other"}, headers=headers), 422)
    assert count() == 1


def test_pages_walk_every_emergency_once(county, client):
    ids = {emergency().id for _ in range(5)}
    headers = bearer(county.auditor)
    seen, cursor = [], None
    while True:
        page = client.get(URL, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert page.status_code == 200
        body = page.get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    problem(client.get(URL, query_string={"limit": 0}, headers=headers), 422)
    problem(client.get(URL, query_string={"limit": 201}, headers=headers), 422)

"""/api/v1/premises: the registry through the same services as the web UI, scoped to the caller's unit."""
import pytest
import sqlalchemy as sa

from tests.factories import County, premises
from tracker.domain.credit_code import check_character
from tracker.extensions import db
from tracker.models import Premises
from tests.api.helpers import bearer, problem

URL = "/api/v1/premises"
FIELDS = {"id", "name", "kind", "operator_name", "operator_type", "credit_code", "address", "phone", "unit", "status"}
GOOD_CODE = "91110108" + "MA01234567"[:9]  # 17 characters; the check character is added below
GOOD_CODE += check_character(GOOD_CODE)
NEW = {"name": "Huimin Supermarket", "kind": "supermarket", "operator_type": "organisation"}


@pytest.fixture
def county(app):
    return County()



def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Premises.id)))



def walk(client, headers, **filters) -> list[int]:
    """Every id of a list, page by page."""
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **filters, **({"cursor": cursor} if cursor else {})}
        body = client.get(URL, query_string=query, headers=headers).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


# ------------------------------------------------------------------------------------------ create


def test_an_officer_registers_premises_in_the_own_unit(county, client):
    response = client.post(
        URL,
        json={**NEW, "operator_name": "Huimin Trading Co.", "credit_code": GOOD_CODE.lower(), "address": "1 Main St",
              "phone": "0931-1234567", "unit": "CG"},
        headers=bearer(county.officer),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert FIELDS <= set(body)
    assert body["name"] == "Huimin Supermarket" and body["kind"] == "supermarket"
    assert body["operator_type"] == "organisation" and body["operator_name"] == "Huimin Trading Co."
    assert body["credit_code"] == GOOD_CODE  # normalised
    assert body["unit"] == "CG" and body["status"] == "active"
    stored = db.session.get(Premises, body["id"])
    assert stored.unit_id == county.unit.id
    assert client.get(f"{URL}/{body['id']}", headers=bearer(county.officer)).get_json()["name"] == body["name"]


def test_optional_fields_default_to_empty(county, client):
    body = client.post(URL, json=NEW, headers=bearer(county.supervisor)).get_json()
    assert body["credit_code"] is None and body["operator_name"] == "" and body["address"] == "" and body["phone"] == ""


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "supermarket", "operator_type": "organisation"}, "name"),
        ({"name": "A", "operator_type": "organisation"}, "kind"),
        ({"name": "A", "kind": "supermarket"}, "operator_type"),
        ({**NEW, "kind": "casino"}, "kind"),
        ({**NEW, "operator_type": "company"}, "operator_type"),
        ({**NEW, "credit_code": GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")}, "credit_code"),
        ({**NEW, "credit_code": "123"}, "credit_code"),
        ({**NEW, "unit": "XZ"}, "unit"),
        ({**NEW, "unit": "NOPE"}, "unit"),
        ({**NEW, "name": "   "}, "name"),
        ({**NEW, "name": "n" * 201}, "name"),
        ({**NEW, "name": "nul\x00"}, "name"),
        ({**NEW, "name": ["list"]}, "name"),
        ({**NEW, "phone": "1" * 41}, "phone"),
        # Finding 8 of issue 15: characters that make a name display other than it is.
        ({**NEW, "name": "Noodles \u202eshop"}, "name"),  # right-to-left override
        ({**NEW, "name": "Kang\u200bjian Pharmacy"}, "name"),  # zero-width space
        ({**NEW, "operator_name": "Li\u2066 Na"}, "operator_name"),  # left-to-right isolate
        ({**NEW, "address": "3 Station Road\n4th floor"}, "address"),
        ({**NEW, "phone": "\ufeff13800000000"}, "phone"),  # byte-order mark
        ({**NEW, "status": "closed"}, "status"),  # the status is changed later, never at registration
        ({**NEW, "id": 5}, "id"),
    ],
)
def test_refused_registrations_write_nothing(county, client, payload, field):
    body = problem(client.post(URL, json=payload, headers=bearer(county.officer)), 422)
    assert field in body["errors"], body
    assert count() == 0


def test_a_bad_check_character_names_the_right_one(county, client):
    wrong = "0" if GOOD_CODE[-1] != "0" else "1"
    body = problem(client.post(URL, json={**NEW, "credit_code": GOOD_CODE[:-1] + wrong}, headers=bearer(county.officer)), 422)
    assert body["errors"]["credit_code"] == [f"Check character should be {GOOD_CODE[-1]}, not {wrong}."]


def test_malformed_json_and_a_non_object_body(county, client):
    headers = {**bearer(county.officer), "Content-Type": "application/json"}
    problem(client.post(URL, data="{not json", headers=headers), 400)
    problem(client.post(URL, data="[1, 2]", headers=headers), 422)
    assert count() == 0


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_auditors_and_admins_register_nothing(county, client, role):
    problem(client.post(URL, json=NEW, headers=bearer(getattr(county, role))), 403)
    assert count() == 0


def test_no_token_or_a_bad_one_is_401(county, client):
    problem(client.get(URL), 401)
    problem(client.post(URL, json=NEW), 401)
    problem(client.get(URL, headers={"Authorization": "Bearer revoked-or-never-issued"}), 401)
    assert count() == 0


# ------------------------------------------------------------------------------------------ read


def test_records_of_another_unit_answer_404(county, client):
    theirs = premises(county.other_officer, name="Xizhen Meat")
    ours = premises(county.officer)
    headers = bearer(county.officer)
    problem(client.get(f"{URL}/{theirs.id}", headers=headers), 404)
    problem(client.patch(f"{URL}/{theirs.id}", json={"phone": "1"}, headers=headers), 404)
    for unknown in (ours.id + 100, 0, 2**31, 99999999999999999999):
        problem(client.get(f"{URL}/{unknown}", headers=headers), 404)
    assert client.get(f"{URL}/{ours.id}", headers=headers).status_code == 200
    assert db.session.get(Premises, theirs.id).phone == ""


def test_lists_are_scoped_and_filtered(county, client):
    pharmacy = premises(county.officer, name="Kangjian Pharmacy", operator_name="Kang Jian")
    market = premises(county.officer, name="East Market stall 4", kind="market_stall", operator_type="individual")
    theirs = premises(county.other_officer, name="Xizhen Pharmacy")
    officer = bearer(county.officer)
    assert walk(client, officer) == [market.id, pharmacy.id]
    assert walk(client, officer, kind="pharmacy") == [pharmacy.id]
    assert walk(client, officer, q="kang jian") == [pharmacy.id]
    assert walk(client, officer, status="closed") == []
    assert walk(client, officer, unit="XZ") == []  # another unit's records stay out of sight
    auditor = bearer(county.auditor)
    assert walk(client, auditor) == [theirs.id, market.id, pharmacy.id]
    assert walk(client, auditor, unit="XZ") == [theirs.id]
    assert walk(client, auditor, q="pharmacy") == [theirs.id, pharmacy.id]
    assert walk(client, auditor, unit="NOPE") == []
    problem(client.get(URL, query_string={"kind": "casino"}, headers=auditor), 422)
    problem(client.get(URL, query_string={"cursor": "abc"}, headers=auditor), 422)
    problem(client.get(URL, query_string={"limit": 500}, headers=auditor), 422)
    problem(client.get(URL, headers=bearer(county.admin)), 403)
    problem(client.get(f"{URL}/{pharmacy.id}", headers=bearer(county.admin)), 403)
    assert client.get(f"{URL}/{theirs.id}", headers=auditor).get_json()["unit"] == "XZ"


def test_pages_hold_every_row_once_even_when_one_is_added_between_pages(county, client):
    made = [premises(county.officer, name=f"Stall {n}", kind="market_stall").id for n in range(7)]
    headers = bearer(county.officer)
    first = client.get(URL, query_string={"limit": 3}, headers=headers).get_json()
    assert [item["id"] for item in first["items"]] == made[::-1][:3]
    added = premises(county.officer, name="Late stall", kind="market_stall").id
    seen, cursor = [item["id"] for item in first["items"]], first["next_cursor"]
    while cursor:
        body = client.get(URL, query_string={"limit": 3, "cursor": cursor}, headers=headers).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert seen == made[::-1] and len(set(seen)) == len(seen)
    assert walk(client, headers)[0] == added  # the newcomer heads a fresh walk


# ------------------------------------------------------------------------------------------ change


def test_patch_changes_only_the_fields_given(county, client):
    shop = premises(county.officer, name="Golden KTV", kind="entertainment", operator_name="Jin Ltd", address="2 Road")
    response = client.patch(f"{URL}/{shop.id}", json={"phone": "0931-7654321", "status": "ordered_closed"},
                            headers=bearer(county.officer2))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["phone"] == "0931-7654321" and body["status"] == "ordered_closed"
    assert body["name"] == "Golden KTV" and body["kind"] == "entertainment" and body["operator_name"] == "Jin Ltd"
    assert body["address"] == "2 Road" and body["operator_type"] == "organisation" and body["unit"] == "CG"
    cleared = client.patch(f"{URL}/{shop.id}", json={"credit_code": GOOD_CODE}, headers=bearer(county.officer)).get_json()
    assert cleared["credit_code"] == GOOD_CODE and cleared["phone"] == "0931-7654321"
    cleared = client.patch(f"{URL}/{shop.id}", json={"credit_code": None}, headers=bearer(county.officer)).get_json()
    assert cleared["credit_code"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"status": "demolished"}, "status"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"credit_code": "91110108MA0123456X"}, "credit_code"),
        ({"unit": "XZ"}, "unit"),
    ],
)
def test_a_refused_patch_changes_nothing(county, client, change, field):
    shop = premises(county.officer, name="Golden KTV", kind="entertainment")
    body = problem(client.patch(f"{URL}/{shop.id}", json=change, headers=bearer(county.officer)), 422)
    assert field in body["errors"], body
    db.session.expire_all()
    stored = db.session.get(Premises, shop.id)
    assert stored.name == "Golden KTV" and stored.status.value == "active" and stored.credit_code is None


def test_patch_needs_a_json_object(county, client):
    shop = premises(county.officer)
    problem(client.patch(f"{URL}/{shop.id}", headers=bearer(county.officer)), 422)
    problem(client.patch(f"{URL}/{shop.id}", data="{", headers={**bearer(county.officer), "Content-Type": "application/json"}), 400)


def test_auditors_change_nothing(county, client):
    shop = premises(county.officer)
    problem(client.patch(f"{URL}/{shop.id}", json={"phone": "1"}, headers=bearer(county.auditor)), 403)
    assert db.session.get(Premises, shop.id).phone == ""

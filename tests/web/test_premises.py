"""Premises registry through the browser forms: CSRF on, field messages, unit scoping."""
import sqlalchemy as sa

from tests.conftest import post_form
from tests.factories import County, premises
from tracker.extensions import db
from tracker.models import Premises

VALID_CODE = "91350100M000100Y43"


def _form(**overrides):
    data = {
        "name": "Kangjian Pharmacy",
        "kind": "pharmacy",
        "credit_code": VALID_CODE,
        "operator_name": "Kangjian Pharmaceutical Co.",
        "operator_type": "organisation",
        "address": "12 Renmin Road",
        "phone": "0311-5550101",
    }
    data.update(overrides)
    return data


def test_officer_registers_premises_in_own_unit(app, client, as_user):
    county = County()
    as_user(county.officer)
    response = post_form(client, "/premises/new", data=_form())
    assert response.status_code == 302
    saved = db.session.scalars(sa.select(Premises)).one()
    assert saved.unit_id == county.unit.id
    assert saved.credit_code == VALID_CODE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kangjian Pharmacy" in page


def test_wrong_credit_code_blocks_saving_with_field_message(app, client, as_user):
    county = County()
    as_user(county.officer)
    response = post_form(client, "/premises/new", data=_form(credit_code="91310115MA1G4L1WXK"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check character" in html
    assert "invalid-feedback" in html  # shown next to the field
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 0


def test_operator_type_taken_from_credit_code_entity_type(app, client, as_user):
    county = County()
    as_user(county.officer)
    # Position 2 = "2": an individual business.
    from tracker.domain.credit_code import check_character

    code17 = "92350100MA0000001"
    code = code17 + check_character(code17)
    response = post_form(client, "/premises/new", data=_form(credit_code=code, operator_type=""))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Premises)).one().operator_type.value == "individual"


def test_missing_name_and_unknown_kind_are_field_errors(app, client, as_user):
    county = County()
    as_user(county.officer)
    response = post_form(client, "/premises/new", data=_form(name="", kind="spaceship"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 0


def test_other_units_premises_answer_404(app, client, as_user):
    county = County()
    theirs = premises(county.other_officer, name="Xizhen Pharmacy")
    as_user(county.officer)
    assert client.get(f"/premises/{theirs.id}").status_code == 404
    assert client.get(f"/premises/{theirs.id}/edit").status_code == 404
    assert client.get("/premises/999999").status_code == 404
    assert "Xizhen Pharmacy" not in client.get("/premises/").get_data(as_text=True)


def test_auditor_reads_every_unit_but_cannot_post(app, client, as_user):
    county = County()
    theirs = premises(county.other_officer, name="Xizhen Pharmacy")
    as_user(county.auditor)
    assert client.get(f"/premises/{theirs.id}").status_code == 200
    assert "Xizhen Pharmacy" in client.get("/premises/").get_data(as_text=True)
    token_page = client.get(f"/premises/{theirs.id}")
    assert token_page.status_code == 200
    response = post_form(client, "/premises/", f"/premises/{theirs.id}/edit", data=_form(name="Changed"))
    assert response.status_code == 403
    assert post_form(client, "/premises/", "/premises/new", data=_form()).status_code == 403
    db.session.expire_all()
    assert db.session.get(Premises, theirs.id).name == "Xizhen Pharmacy"


def test_list_searches_filters_and_paginates(app, client, as_user):
    county = County()
    for i in range(23):
        premises(county.officer, name=f"Stall {i:02d}", kind="market_stall", operator_type="individual")
    premises(county.officer, name="Kangjian Pharmacy", credit_code=VALID_CODE)
    as_user(county.officer)
    first = client.get("/premises/").get_data(as_text=True)
    assert "24 in all, page 1 of 3" in first
    assert "Kangjian Pharmacy" in client.get("/premises/?q=M000100").get_data(as_text=True)
    pharmacies = client.get("/premises/?kind=pharmacy").get_data(as_text=True)
    assert "Kangjian Pharmacy" in pharmacies and "Stall 00" not in pharmacies
    third = client.get("/premises/?kind=market_stall&page=3").get_data(as_text=True)
    assert "Stall 22" in third and "page 3 of 3" in third
    assert client.get("/premises/?kind=bogus&page=abc").status_code == 200


def test_edit_premises_status(app, client, as_user):
    county = County()
    venue = premises(county.officer, name="Golden KTV", kind="entertainment")
    as_user(county.supervisor)
    response = post_form(client, f"/premises/{venue.id}/edit", data=_form(name="Golden KTV", kind="entertainment", status="ordered_closed", credit_code=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Premises, venue.id).status.value == "ordered_closed"


def test_nul_character_in_a_form_is_a_bad_request(app, client, as_user):
    county = County()
    as_user(county.officer)
    response = post_form(client, "/premises/new", data=_form(name="Kang\x00jian"))
    assert response.status_code == 400
    assert client.get("/premises/?q=%00").status_code == 400

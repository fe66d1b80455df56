"""The Conflicts pages and the premises' position, version and history in the browser: the supervisor resolves a
conflict field by field on a page showing both versions side by side; the officer who raised it reads it."""
import html as entities
import re

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, page_queries, post_form, signed_in
from tests.factories import County, premises, user
from tracker.extensions import db
from tracker.models import Premises, PremisesChange, SyncConflict
from tracker.services.conflicts import raise_conflict
from tracker.services.premises import patch_premises


@pytest.fixture
def county(app):
    world = County()
    world.other_supervisor = user("supervisor", world.other_unit, "xu.qiang")
    return world


def device_conflict(county, phone="0931-2222", address="9 Device Road") -> SyncConflict:
    """Two officers edit the same premises: the second's phone cannot merge, its address can."""
    shop = premises(county.officer, name="Golden KTV", kind="entertainment", phone="0931-0", address="1 Road")
    patch_premises(county.officer, shop, {"phone": "0931-1111"}, source="device", expected_version=1,
                   base={"phone": "0931-0"})
    saved = patch_premises(county.officer2, shop, {"phone": phone, "address": address}, source="device",
                           expected_version=1, base={"phone": "0931-0", "address": "1 Road"})
    assert saved.conflict is not None
    return saved.conflict


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_supervisor_resolves_a_conflict_on_its_page(app, county):
    conflict = device_conflict(county)
    client = signed_in(app, county.supervisor)
    listing = client.get("/conflicts/").get_data(as_text=True)
    assert f"/conflicts/{conflict.id}" in listing and "Golden KTV" in listing
    waiting = client.get(f"/premises/{conflict.record_id}").get_data(as_text=True)
    assert "waits for the supervisor" in _text(waiting) and f"/conflicts/{conflict.id}" in waiting
    assert 'href="/conflicts/"' in listing  # the supervisor's menu entry
    page = client.get(f"/conflicts/{conflict.id}").get_data(as_text=True)
    text = _text(page)
    assert "0931-2222" in text and "0931-1111" in text  # both versions of the phone, side by side
    assert "9 Device Road" in text  # the merged address is shown too
    assert page.count('type="radio"') == 2 and 'value="device"' in page and 'value="server"' in page
    response = post_form(client, f"/conflicts/{conflict.id}", data={"choice_0": "device"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SyncConflict, conflict.id).choice == {"phone": "device"}
    shop = db.session.get(Premises, conflict.record_id)
    assert shop.phone == "0931-2222" and shop.address == "9 Device Road"
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'type="radio"' not in after
    assert "resolved" in _text(after) and "Kept the device's version." in _text(after)
    history = _text(client.get(f"/premises/{shop.id}").get_data(as_text=True))
    assert f"Conflict {conflict.id}" in history and "kept the device's version" in history
    assert "waits for the supervisor" not in history


def test_a_choice_left_out_is_shown_on_the_field(app, county):
    conflict = device_conflict(county)
    client = signed_in(app, county.supervisor)
    response = post_form(client, f"/conflicts/{conflict.id}", data={})
    assert response.status_code == 422
    assert "Choose one version." in response.get_data(as_text=True)
    assert db.session.get(SyncConflict, conflict.id).status == "open"


def test_the_officer_who_raised_it_reads_it_without_a_choice(app, county):
    conflict = device_conflict(county)
    client = signed_in(app, county.officer2)
    listing = client.get("/conflicts/")
    assert listing.status_code == 200 and f"/conflicts/{conflict.id}" in listing.get_data(as_text=True)
    page = client.get(f"/conflicts/{conflict.id}").get_data(as_text=True)
    assert "0931-2222" in page and "0931-1111" in page and 'type="radio"' not in page
    token = csrf_token(client, "/premises/")
    assert client.post(f"/conflicts/{conflict.id}", data={"csrf_token": token, "choice_0": "device"}).status_code == 403
    other = signed_in(app, county.other_supervisor)
    assert other.get(f"/conflicts/{conflict.id}").status_code == 404
    token = csrf_token(other, "/premises/")
    assert other.post(f"/conflicts/{conflict.id}", data={"csrf_token": token, "choice_0": "device"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(SyncConflict, conflict.id).status == "open"


def test_the_conflict_list_and_the_history_run_a_fixed_number_of_queries(app, county):
    device_conflict(county)
    client = signed_in(app, county.supervisor)
    shop_id = db.session.scalar(sa.select(Premises.id))
    few = (page_queries(client, "/conflicts/?status=all"), page_queries(client, f"/premises/{shop_id}/history"),
           page_queries(client, f"/premises/{shop_id}"))
    for n in range(8):
        device_conflict(county, phone=f"0931-{n}", address=f"{n} Road")
        shop = db.session.get(Premises, shop_id)
        patch_premises(county.officer, shop, {"phone": f"0931-9{n}"})
    many = (page_queries(client, "/conflicts/?status=all"), page_queries(client, f"/premises/{shop_id}/history"),
            page_queries(client, f"/premises/{shop_id}"))
    assert many == few
    assert db.session.scalar(sa.select(sa.func.count(PremisesChange.id)).where(
        PremisesChange.premises_id == shop_id)) > app.config["PER_PAGE"]  # more than one page of history


def test_the_premises_form_takes_a_position_and_refuses_a_half_one(app, county, client, as_user):
    as_user(county.officer)
    form = {"name": "Anping Pharmacy", "kind": "pharmacy", "operator_type": "organisation"}
    bad = post_form(client, "/premises/new", data={**form, "latitude": "31.2"})
    assert bad.status_code == 200 and "Give the longitude with the latitude, or neither." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 0
    good = post_form(client, "/premises/new", data={**form, "latitude": "31.2304167", "longitude": "104.0665"})
    assert good.status_code == 302
    shop = db.session.scalars(sa.select(Premises)).one()
    assert (str(shop.latitude), str(shop.longitude), shop.version) == ("31.230417", "104.066500", 1)
    page = client.get(f"/premises/{shop.id}").get_data(as_text=True)
    assert "31.230417" in page and "Version 1" in page


def test_a_save_over_a_change_made_meanwhile_is_refused_and_shows_it(app, county, client, as_user):
    shop = premises(county.officer, name="Golden KTV", kind="entertainment", phone="0931-0")
    as_user(county.officer)
    form_page = client.get(f"/premises/{shop.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form_page
    patch_premises(county.officer2, db.session.get(Premises, shop.id), {"phone": "0931-7777"})  # someone else saves
    data = {"name": "Golden KTV", "kind": "entertainment", "operator_type": "organisation", "phone": "0931-5555",
            "status": "active", "version": "1"}
    response = post_form(client, f"/premises/{shop.id}/edit", data=data)
    assert response.status_code == 409
    html = _text(response.get_data(as_text=True))
    assert "changed meanwhile" in html and "0931-7777" in html  # what changed, by whom
    db.session.expire_all()
    assert db.session.get(Premises, shop.id).phone == "0931-7777"
    again = post_form(client, f"/premises/{shop.id}/edit", data={**data, "version": "2"})  # a deliberate save
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Premises, shop.id).phone == "0931-5555"
    sources = db.session.scalars(sa.select(PremisesChange.source).order_by(PremisesChange.version)).all()
    assert sources == ["web", "api", "web"]


def test_an_inspection_conflict_shows_the_devices_record_in_words(app, county):
    from tests.factories import inspection

    shop = premises(county.officer)
    visit = inspection(county.officer, county.officer2, shop)
    device = {"client_id": "3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f", "commodity": "mask_n95", "price": "3.50",
              "recorded_by": "li.na"}
    conflict = raise_conflict(county.officer2, "inspection", visit.id, visit.unit_id,
                              device={"observation": device, "checklist.prices_marked": "no"},
                              server={"observation": None, "checklist.prices_marked": None},
                              fields=["observation", "checklist.prices_marked"], made_with={"rulebook": "cn-samr@1"})
    db.session.commit()
    page = _text(signed_in(app, county.supervisor).get(f"/conflicts/{conflict.id}").get_data(as_text=True))
    assert "A price observation" in page and "N95" in page and "3.50" in page and "recorded by li.na" in page
    assert "Checklist: Prices of all goods on sale are clearly marked" in page
    assert "recorded with rulebook cn-samr@1" in page

"""Complaints and reports from the public on the web (issue 18, DOMAIN.md §11): the public form in Chinese and
English on a phone, the receipt with its tracking code, the tracking page (an unknown code 404 like any other),
bad input refused on the form, and the per-address limit shared with the API."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, page_queries, signed_in
from tests.factories import County, emergency, premises
from tracker.extensions import db
from tracker.models.complaints import Complaint
from tracker.services import complaints as service

TODAY = date(2020, 2, 10)
NEW = "/complaints/new"
TRACK = "/complaints/track"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
PERSON_NAME = "Qzxperson Liu"
PERSON_PHONE = "13912345678"


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    with app.app_context():
        county = County()
        county.outbreak = emergency()
        county.pharmacy = premises(county.officer)
        yield county


def form(**changes) -> dict:
    return {"kind": "report", "description": "N95 口罩每只 18 元。", "premises_name": "Jiankang Pharmacy",
            "address": "12 Renmin Road", "town": "CG", "commodity": "mask_n95", "price_seen": "18.00",
            "seen_on": "2020-02-08", "anonymous": "no", "person_name": PERSON_NAME, "person_phone": PERSON_PHONE,
            **changes}


def file(client, headers=None, **changes):
    token = csrf_token(client, NEW)
    return client.post(NEW, data={"csrf_token": token, **form(**changes)}, headers=headers or {})


def receipt_of(html: str) -> tuple[str, str]:
    number = re.search(r'id="complaint-number">([^<]+)<', html).group(1)
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    return number, code


def track(client, code, headers=None):
    token = csrf_token(client, TRACK)
    return client.post(TRACK, data={"csrf_token": token, "code": code}, headers=headers or {})


def test_the_public_files_in_chinese_and_follows_it_to_a_reply(client, world):
    page = client.get(NEW, headers=ZH)
    assert page.status_code == 200 and 'lang="zh' in page.get_data(as_text=True)
    response = file(client, ZH)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    number, code = receipt_of(html)
    assert number == "CG-C-2020-0001" and len(code) >= 10
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.channel == "web" and complaint.person_name == PERSON_NAME and complaint.created_by_id is None
    assert complaint.kind == "report" and complaint.price_seen is not None and complaint.seen_on == date(2020, 2, 8)
    assert code not in complaint.tracking_hash
    service.run_action(world.supervisor, complaint, "accept", {})
    service.run_action(world.supervisor, service.reload(complaint.id), "reply",
                       {"text": "我们已派员检查。"})
    tracked = track(client, code.lower(), ZH)
    assert tracked.status_code == 200
    text = tracked.get_data(as_text=True)
    assert number in text and "我们已派员检查。" in text
    assert PERSON_NAME not in text and PERSON_PHONE not in text and "Jiankang" not in text


def test_the_receipt_and_tracking_in_english_anonymous(client, world):
    response = file(client, anonymous="yes", kind="complaint")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Keep this tracking code" in html
    _number, code = receipt_of(html)
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.person_name is None and complaint.person_phone is None
    tracked = track(client, code)
    assert tracked.status_code == 200 and "No reply yet." in tracked.get_data(as_text=True)


@pytest.mark.parametrize("code", ["ABCDEFGHJKMN", "nonsense", "x" * 64, "'; drop table complaints; --"])
def test_an_unknown_code_is_the_same_404(client, world, code):
    response = track(client, code)
    assert response.status_code == 404
    assert "No complaint has this tracking code." in response.get_data(as_text=True)


@pytest.mark.parametrize("changes, field", [
    ({"description": ""}, "description"),
    ({"town": "NOPE"}, "town"),
    ({"price_seen": "-3"}, "price_seen"),
    ({"price_seen": "abc"}, "price_seen"),
    ({"seen_on": "2020-03-01"}, "seen_on"),
    ({"commodity": "", "price_seen": "18.00"}, "commodity"),
    ({"anonymous": "no", "person_name": "", "person_phone": ""}, "person_name"),
    ({"kind": "praise"}, "kind"),
])
def test_bad_input_is_refused_on_the_form_and_nothing_is_written(client, world, changes, field):
    response = file(client, **changes)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="tracking-code"' not in html and 'name="description"' in html
    assert "is-invalid" in html or "alert-danger" in html or "Not a valid choice" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_without_the_csrf_token_nothing_is_filed(client, world):
    response = client.post(NEW, data=form())
    assert response.status_code in (200, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_the_form_shares_the_intake_limit_with_the_api(app, client, world):
    app.config["COMPLAINT_INTAKE_LIMIT"] = "2 per hour"
    assert file(client).status_code == 200
    assert client.post("/api/v1/complaints", json={
        "kind": "report", "premises_id": world.pharmacy.id, "description": "again"}).status_code == 201
    refused = file(client)
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 2


def test_signed_out_pages_link_to_the_form(client, world):
    html = client.get("/outcomes/").get_data(as_text=True)
    assert 'href="/complaints/new"' in html


# ------------------------------------------------------------------------------------------ the staff's pages


def filed(world, person=True, **changes) -> Complaint:
    data = {"kind": "report", "premises_id": world.pharmacy.id, "commodity": "mask_n95", "price_seen": "18.00",
            "seen_on": "2020-02-08", "description": "N95 masks at 18 yuan each.",
            "person": {"name": PERSON_NAME, "phone": PERSON_PHONE} if person else None, **changes}
    return service.file_complaint(None, data).complaint


def test_a_supervisor_triages_on_the_page_and_replies(app, world, as_user):
    complaint = filed(world)
    client = as_user(world.supervisor)
    listing = client.get("/complaints/")
    assert listing.status_code == 200 and complaint.number in listing.get_data(as_text=True)
    page = client.get(f"/complaints/{complaint.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and PERSON_NAME in html and PERSON_PHONE in html
    assert 'id="action-accept"' in html and 'id="action-decline"' in html
    # A decline without a reason: refused on the form, nothing written.
    token = csrf_token(client, f"/complaints/{complaint.id}")
    refused = client.post(f"/complaints/{complaint.id}/actions/decline",
                          data={"csrf_token": token, "decline-reason": ""})
    assert refused.status_code == 422 and db.session.get(Complaint, complaint.id).status == "received"
    accepted = client.post(f"/complaints/{complaint.id}/actions/accept", data={"csrf_token": token})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == "accepted"
    # Accepting twice: the service's refusal shown on the form, never a 500.
    again = client.post(f"/complaints/{complaint.id}/actions/accept", data={"csrf_token": token})
    assert again.status_code == 422
    replied = client.post(f"/complaints/{complaint.id}/actions/reply",
                          data={"csrf_token": token, "reply-text": "An officer will inspect the pharmacy."})
    assert replied.status_code == 302
    assert "An officer will inspect the pharmacy." in client.get(f"/complaints/{complaint.id}").get_data(as_text=True)


def test_filters_and_an_unknown_filter_value(world, as_user):
    filed(world)
    filed(world, kind="complaint", commodity=None, price_seen=None)
    client = as_user(world.officer)
    assert client.get("/complaints/?kind=complaint").status_code == 200
    assert client.get("/complaints/?status=nonsense&priority=x").status_code == 200


def test_another_units_officer_gets_404_and_no_list_entry(world, as_user):
    complaint = filed(world)
    client = as_user(world.other_officer)
    assert client.get(f"/complaints/{complaint.id}").status_code == 404
    assert complaint.number not in client.get("/complaints/").get_data(as_text=True)
    token = csrf_token(client, NEW)
    assert client.post(f"/complaints/{complaint.id}/actions/accept",
                       data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("who, sees", [("officer", True), ("supervisor", True), ("auditor", True)])
def test_the_person_is_shown_to_the_handling_unit_and_auditors(world, as_user, who, sees):
    complaint = filed(world)
    html = as_user(getattr(world, who)).get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert (PERSON_NAME in html and PERSON_PHONE in html) is sees


def test_the_person_appears_nowhere_for_the_public_or_another_unit(client, world, as_user):
    complaint = filed(world)
    for url in ("/outcomes/", "/complaints/track", "/complaints/new"):
        assert PERSON_NAME not in client.get(url).get_data(as_text=True)
    other = as_user(world.other_officer)
    for url in ("/complaints/", f"/complaints/{complaint.id}"):
        assert PERSON_NAME not in other.get(url).get_data(as_text=True)


def test_an_anonymous_complaint_reads_anonymous(world, as_user):
    complaint = filed(world, person=False)
    html = as_user(world.supervisor).get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Anonymous" in html


def test_the_menu_has_complaints_for_readers(world, as_user):
    html = as_user(world.auditor).get("/").get_data(as_text=True)
    assert 'href="/complaints/"' in html


def test_the_list_reads_a_fixed_number_of_queries(world, as_user):
    client = as_user(world.supervisor)
    filed(world)
    few = page_queries(client, "/complaints/")
    for n in range(6):
        filed(world, premises_id=None, premises_name=f"Stall {n}", address=f"{n} Market Street", town="CG")
    assert page_queries(client, "/complaints/") == few


def test_an_officer_records_a_hotline_call_in_the_same_form(world, as_user):
    client = as_user(world.officer)
    assert 'name="channel"' in client.get(NEW).get_data(as_text=True)
    response = file(client, channel="hotline", received_on="2020-02-09", seen_on="2020-02-08")
    assert response.status_code == 200, response.get_data(as_text=True)
    complaint = db.session.scalar(sa.select(Complaint))
    assert (complaint.channel, complaint.received_on, complaint.created_by_id) == (
        "hotline", date(2020, 2, 9), world.officer.id)
    assert f'href="/complaints/{complaint.id}"' in response.get_data(as_text=True)
    future = file(client, channel="letter", received_on="2020-03-01")
    assert future.status_code == 200 and 'id="tracking-code"' not in future.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1


def test_the_public_form_has_no_channel(client, world, as_user):
    assert 'name="channel"' not in client.get(NEW).get_data(as_text=True)
    assert 'name="channel"' not in as_user(world.auditor).get(NEW).get_data(as_text=True)


def test_duplicates_are_linked_merged_and_a_transfer_leaves_the_unit(app, world, as_user):
    first = filed(world)
    second = filed(world, person=False)
    client = as_user(world.supervisor)
    html = client.get(f"/complaints/{second.id}").get_data(as_text=True)
    assert f'href="/complaints/{first.id}"' in html and first.number in html
    token = csrf_token(client, f"/complaints/{second.id}")
    wrong = client.post(f"/complaints/{second.id}/actions/merge", data={"csrf_token": token, "merge-into": "abc"})
    assert wrong.status_code == 422
    merged = client.post(f"/complaints/{second.id}/actions/merge",
                         data={"csrf_token": token, "merge-into": str(first.id)})
    assert merged.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, second.id).duplicate_of_id == first.id
    moved = client.post(f"/complaints/{first.id}/actions/transfer",
                        data={"csrf_token": token, "transfer-to": "XZ", "transfer-reason": "Their town."})
    assert moved.status_code == 302 and moved.location.endswith("/complaints/")
    assert client.get(f"/complaints/{first.id}").status_code == 404
    html = signed_in(app, world.other_officer).get(f"/complaints/{first.id}").get_data(as_text=True)
    assert PERSON_NAME in html  # now the handling unit's

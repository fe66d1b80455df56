"""The inspection page's evidence upload in Chromium on a phone: the script computes the SHA-256 in the browser
and, for a photo just taken, adds the capture time and the position the officer allowed; a file from the gallery
goes with its hash only and the server reads its EXIF; the hash the browser computed is the one the server checks.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.helpers import new_page
from tests.evidence_helpers import PHARMACY, jpeg, north_of
from tests.factories import premises
from tracker.extensions import db
from tracker.models import Evidence, User
from tracker.services import inspections as inspection_service

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
GALLERY = jpeg(taken="2020:04:28 10:20:00", offset="+08:00", position=north_of(PHARMACY, 900), accuracy=5)

# A file chosen from the gallery: last changed an hour ago (Playwright's set_input_files dates files now).
CHOOSE_OLD_FILE_JS = """
([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const file = new File([bytes], name, {type: 'image/jpeg', lastModified: Date.now() - 3600 * 1000});
  const chosen = new DataTransfer();
  chosen.items.add(file);
  const input = document.querySelector('input[type=file][name=file]');
  input.files = chosen.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
}
"""


@pytest.fixture(scope="module")
def draft(live_server) -> int:
    """A draft inspection (begun 2020-04-28 10:00 in Shanghai) of a pharmacy whose position is recorded."""
    world = live_server.world
    with live_server.app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == world.officer))
        pharmacy = premises(lead, name="Tongren Pharmacy (evidence capture)")
        pharmacy.latitude, pharmacy.longitude = PHARMACY
        db.session.commit()
        record = inspection_service.start_inspection(lead, inspection_service.InspectionData(
            premises_id=pharmacy.id, started_at=datetime(2020, 4, 28, 2, 0, tzinfo=timezone.utc),
            lead_officer=world.officer, second_officer=world.officer2, type="routine",
        ))
        draft_id = record.id
        db.session.remove()
    return draft_id


def _evidence(live_server, inspection_id: int) -> list[Evidence]:
    with live_server.app.app_context():
        rows = db.session.scalars(
            sa.select(Evidence).where(Evidence.inspection_id == inspection_id).order_by(Evidence.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _sign_in(context, live_server):
    page = new_page(context)
    page.goto("/auth/login")
    page.get_by_label("Username", exact=True).fill(live_server.world.officer)
    page.get_by_label("Password", exact=True).fill(live_server.world.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


def test_a_photo_just_taken_goes_with_its_hash_time_and_place(new_context, live_server, draft, screenshot):
    place = north_of(PHARMACY, 350)
    context = new_context(**PHONE, geolocation={"latitude": float(place[0]), "longitude": float(place[1]),
                                                "accuracy": 12}, permissions=["geolocation"])
    page = _sign_in(context, live_server)
    page.goto(f"/inspections/{draft}#step-evidence")
    photo = jpeg(colour="orange")
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "counter.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.locator("#evidence-status")).to_have_text(
        "A photo just taken: its time, position and SHA-256 go with it.")
    assert page.locator("#evidence-sha256").input_value() == hashlib.sha256(photo).hexdigest()
    upload = page.get_by_role("button", name="Upload")
    expect(upload).to_be_enabled()
    with page.expect_navigation():
        upload.click()
    expect(page.locator("#flagged-evidence")).to_contain_text("Taken far from the premises")
    expect(page.locator(".alert-success")).to_contain_text("Its time or place of capture is flagged")
    screenshot(page, "evidence-capture-phone")

    (stored,) = _evidence(live_server, draft)
    assert (stored.provenance, stored.sha256, stored.sha256_sent) == (
        "device", hashlib.sha256(photo).hexdigest(), hashlib.sha256(photo).hexdigest())
    assert (stored.latitude, stored.longitude, stored.accuracy_m) == (place[0], place[1], Decimal("12.0"))
    assert before <= stored.taken_at <= datetime.now(timezone.utc) + timedelta(seconds=2)
    assert [flag["test"] for flag in stored.flags] == ["far_from_premises"]
    assert "Taken 350 m from the premises' recorded position (accuracy ±12 m)" in stored.flags[0]["explanation"]


def test_a_gallery_photo_goes_with_its_hash_only_and_the_server_reads_its_exif(new_context, live_server, draft):
    context = new_context(**PHONE, geolocation={"latitude": 0.0, "longitude": 0.0}, permissions=["geolocation"])
    page = _sign_in(context, live_server)
    page.goto(f"/inspections/{draft}#step-evidence")
    page.evaluate(CHOOSE_OLD_FILE_JS, [base64.b64encode(GALLERY).decode(), "gallery.jpg"])
    expect(page.locator("#evidence-status")).to_have_text(
        "A file from the gallery: its SHA-256 goes with it; the server reads its own time and place (EXIF).")
    assert page.locator("#evidence-taken-at").input_value() == ""
    assert page.locator("#evidence-latitude").input_value() == ""
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    stored = _evidence(live_server, draft)[-1]
    assert (stored.original_name, stored.provenance, stored.sha256_sent) == (
        "gallery.jpg", "exif", hashlib.sha256(GALLERY).hexdigest())
    assert stored.taken_at == datetime(2020, 4, 28, 2, 20, tzinfo=timezone.utc)
    assert [flag["test"] for flag in stored.flags] == ["far_from_premises"]


def test_without_javascript_the_upload_still_works(new_context, live_server, draft):
    page = _sign_in(new_context(**PHONE, java_script_enabled=False), live_server)
    page.goto(f"/inspections/{draft}#step-evidence")
    photo = jpeg(colour="navy")
    page.locator("input[type=file][name=file]").set_input_files(
        {"name": "plain.jpg", "mimeType": "image/jpeg", "buffer": photo})
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    stored = _evidence(live_server, draft)[-1]
    assert (stored.original_name, stored.provenance, stored.sha256_sent, stored.sha256) == (
        "plain.jpg", "", None, hashlib.sha256(photo).hexdigest())

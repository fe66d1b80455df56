"""The inspection page's evidence: provenance and flags shown per photo, flagged photos listed at the top, the
upload with or without the device's script (hash, time and place), refusals as form errors with nothing written."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import post_form
from tests.evidence_helpers import PHARMACY, jpeg, north_of, sha256, stored_files
from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import Evidence


class World(County):
    def __init__(self):
        super().__init__()
        self.pharmacy = premises(self.officer, name="Kangjian Pharmacy")
        self.pharmacy.latitude, self.pharmacy.longitude = PHARMACY
        db.session.commit()
        # Began 2020-02-05 10:30 in Shanghai.
        self.inspection = inspection(self.officer, self.officer2, self.pharmacy, emergency())
        self.page = f"/inspections/{self.inspection.id}"


@pytest.fixture
def world(app, as_user):
    world = World()
    as_user(world.officer)
    return world


def upload(client, world, content: bytes, name: str = "shelf.jpg", **fields):
    data = {"file": (io.BytesIO(content), name), **fields}
    return post_form(client, world.page, f"{world.page}/evidence", data=data, content_type="multipart/form-data")


def test_without_javascript_a_gallery_photo_has_its_exif_read_and_is_flagged_on_the_page(world, client):
    photo = jpeg(taken="2020:02:05 10:36:00", offset="+08:00", position=north_of(PHARMACY, 412), accuracy=15)
    response = upload(client, world, photo, description="Mask shelf")
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = db.session.scalars(sa.select(Evidence)).one()
    assert (evidence.provenance, evidence.sha256, evidence.sha256_sent) == ("exif", sha256(photo), None)
    page = client.get(world.page).get_data(as_text=True)
    assert "Its time or place of capture is flagged" in page  # the flash after the upload
    assert 'id="flagged-evidence"' in page and f'href="#evidence-{evidence.id}"' in page
    assert "Taken far from the premises" in page
    assert ("Taken 412 m from the premises&#39; recorded position (accuracy ±15 m); the limit is 200 m." in page)
    assert "read from the photo (EXIF)" in page and "computed on receipt (none sent)" in page
    assert "2020-02-05 10:36" in page and f"{north_of(PHARMACY, 412)[0]}, 121.473701" in page


def test_with_the_script_the_device_declares_hash_time_and_place(world, client, app):
    photo = jpeg()
    place = north_of(PHARMACY, 25)
    response = upload(client, world, photo, sha256=sha256(photo).upper(), taken_at="2020-02-05T10:44:10+08:00",
                      latitude=str(place[0]), longitude=str(place[1]), accuracy_m="9.6")
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = db.session.scalars(sa.select(Evidence)).one()
    assert (evidence.provenance, evidence.flags, evidence.sha256_sent) == ("device", [], sha256(photo))
    assert (evidence.latitude, evidence.accuracy_m) == (place[0], Decimal("9.6"))
    page = client.get(world.page).get_data(as_text=True)
    assert 'id="flagged-evidence"' not in page
    assert "declared by the device" in page and "as computed on the device and checked on receipt" in page
    assert "(±9.6 m)" in page
    assert stored_files(app.config["UPLOAD_FOLDER"]) == {evidence.stored_name}


@pytest.mark.parametrize(("fields", "message"), [
    ({"sha256": "0" * 64}, "not the 0000"),
    ({"latitude": "31.2304"}, "Give the longitude with the latitude, or neither."),
    ({"latitude": "95", "longitude": "121.47"}, "The latitude lies between -90 and 90 degrees."),
    ({"taken_at": "5 Feb"}, "Give the capture time in ISO 8601 with its offset"),
])
def test_bad_device_values_are_form_errors_and_nothing_is_written(world, client, app, fields, message):
    response = upload(client, world, jpeg(), **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0
    assert stored_files(app.config["UPLOAD_FOLDER"]) == set()


def test_the_page_may_ask_for_the_position_and_loads_the_script(world, client):
    response = client.get(world.page)
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    html = response.get_data(as_text=True)
    assert '<script src="/static/evidence.js" defer></script>' in html
    assert 'name="sha256"' in html and 'data-evidence=""' in html and 'id="evidence-status"' in html
    script = client.get("/static/evidence.js")
    assert script.status_code == 200 and b"crypto.subtle" in script.data
    script.close()
    # Elsewhere the position stays off.
    assert "geolocation=()" in client.get("/premises/").headers["Permissions-Policy"]

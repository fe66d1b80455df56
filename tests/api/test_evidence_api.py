"""POST /api/v1/inspections/{id}/evidence: a photo from a device with its SHA-256, capture time and position
(docs/API.md, "Evidence from a device"); the server recomputes the hash, reads EXIF, flags, and writes nothing
half."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.api.helpers import problem
from tests.api.test_inspections_api import World
from tests.evidence_helpers import PHARMACY, jpeg, north_of, sha256, stored_files
from tracker.extensions import db
from tracker.models import Evidence
from tracker.services import inspections as inspection_service

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
FIELDS = {"id", "sha256", "media_type", "size", "taken_at", "latitude", "longitude", "accuracy_m", "provenance",
          "flags", "client_id", "description"}


class EvidenceWorld(World):
    def __init__(self):
        super().__init__()
        self.pharmacy.latitude, self.pharmacy.longitude = PHARMACY
        db.session.commit()
        self.inspection = self.draft()  # began 2020-02-05 10:30 in Shanghai (02:30 UTC)
        self.url = f"/api/v1/inspections/{self.inspection.id}/evidence"


@pytest.fixture
def world(app):
    return EvidenceWorld()


def send(client, world, content: bytes, who: str = "officer", url: str | None = None, headers=None, name="shelf.jpg",
         **fields):
    fields.setdefault("sha256", sha256(content))
    data = {key: value for key, value in fields.items() if value is not None}
    data["file"] = (io.BytesIO(content), name)
    return client.post(url or world.url, data=data, content_type="multipart/form-data",
                       headers={**world.headers(who), **(headers or {})})


def evidence_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Evidence.id)))


# ------------------------------------------------------------------------------------------ the field story


def test_a_photo_from_the_phone_in_time_and_place(world, client, app):
    photo = jpeg()
    place = north_of(PHARMACY, 40)
    response = send(client, world, photo, taken_at="2020-02-05T10:41:07+08:00", latitude=str(place[0]),
                    longitude=str(place[1]), accuracy_m="12.5", description="Mask shelf, price tags")
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert FIELDS <= set(record)
    assert record["sha256"] == record["sha256_sent"] == sha256(photo)
    assert (record["media_type"], record["size"]) == ("image/jpeg", len(photo))
    assert record["taken_at"] == "2020-02-05T02:41:07+00:00"
    assert (record["latitude"], record["longitude"], record["accuracy_m"]) == (str(place[0]), "121.473701", "12.5")
    assert record["provenance"] == "device" and record["flags"] == [] and record["client_id"] is None
    assert record["description"] == "Mask shelf, price tags"
    stored = db.session.get(Evidence, record["id"])
    folder = app.config["UPLOAD_FOLDER"]
    assert stored_files(folder) == {stored.stored_name}  # no temporary file left beside it
    assert (Path(folder) / stored.stored_name).read_bytes() == photo

    detail = client.get(f"/api/v1/inspections/{world.inspection.id}", headers=world.headers("officer")).get_json()
    assert [item["id"] for item in detail["evidence"]] == [record["id"]]
    assert detail["evidence"][0]["provenance"] == "device"


def test_a_photo_taken_far_away_and_before_the_inspection_is_flagged(world, client):
    place = north_of(PHARMACY, 412)
    response = send(client, world, jpeg(), taken_at="2020-02-05T10:17:00+08:00", latitude=str(place[0]),
                    longitude=str(place[1]), accuracy_m="15")
    assert response.status_code == 201, response.get_data(as_text=True)
    flags = response.get_json()["flags"]
    assert [flag["test"] for flag in flags] == ["outside_inspection_time", "far_from_premises"]
    assert flags[0]["explanation"] == ("Taken at 2020-02-05 10:17:00 +08:00, 13 min before the inspection began at "
                                       "2020-02-05 10:30:00 +08:00; the limit is 5 min.")
    assert flags[1]["explanation"] == ("Taken 412 m from the premises' recorded position (accuracy ±15 m); the limit "
                                       "is 200 m.")


def test_a_clock_running_ahead_is_flagged(world, client):
    ahead = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(microsecond=0)
    response = send(client, world, jpeg(), taken_at=ahead.isoformat())
    assert response.status_code == 201, response.get_data(as_text=True)
    (flag,) = response.get_json()["flags"]
    assert flag["test"] == "outside_inspection_time" and "after the server received it" in flag["explanation"]
    assert flag["params"]["side"] == "after"


def test_a_gallery_photo_has_its_exif_time_and_position_read(world, client):
    place = north_of(PHARMACY, 300)
    photo = jpeg(taken="2020:02:05 10:35:00", offset="+08:00", position=place, accuracy=8)
    response = send(client, world, photo)
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert record["provenance"] == "exif"
    assert record["taken_at"] == "2020-02-05T02:35:00+00:00"
    assert (record["latitude"], record["longitude"], record["accuracy_m"]) == (str(place[0]), "121.473701", "8.0")
    assert [flag["test"] for flag in record["flags"]] == ["far_from_premises"]
    assert "(accuracy ±8 m)" in record["flags"][0]["explanation"]


def test_exif_without_an_offset_is_read_in_the_units_time_zone(world, client):
    response = send(client, world, jpeg(taken="2020:02:05 10:20:00"))
    record = response.get_json()
    assert record["taken_at"] == "2020-02-05T02:20:00+00:00"  # Shanghai time, 10 min before the start
    assert [flag["test"] for flag in record["flags"]] == ["outside_inspection_time"]


def test_what_the_device_declares_wins_over_exif(world, client):
    photo = jpeg(taken="2019:12:31 23:59:00", offset="+08:00", position=north_of(PHARMACY, 5000))
    response = send(client, world, photo, taken_at="2020-02-05T10:40:00+08:00")
    record = response.get_json()
    assert record["provenance"] == "device" and record["flags"] == []
    assert record["taken_at"] == "2020-02-05T02:40:00+00:00"
    assert record["latitude"] is None  # never mixed with the file's position


def test_a_pdf_or_a_photo_without_exif_has_no_provenance(world, client):
    response = send(client, world, PDF, name="invoice.pdf")
    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert (record["media_type"], record["provenance"], record["taken_at"], record["flags"]) == (
        "application/pdf", "", None, [])
    assert send(client, world, jpeg(colour="red")).get_json()["provenance"] == ""


def test_premises_without_a_position_flag_no_distance(world, client):
    world.pharmacy.latitude = world.pharmacy.longitude = None
    db.session.commit()
    place = north_of(PHARMACY, 9000)
    response = send(client, world, jpeg(), latitude=str(place[0]), longitude=str(place[1]))
    assert response.get_json()["flags"] == []


# ------------------------------------------------------------------------------------------ refused, nothing written


def test_a_forged_hash_is_refused_and_nothing_is_written(world, client, app):
    photo = jpeg()
    body = problem(send(client, world, photo, sha256=sha256(photo + b"tampered")), 422)
    assert list(body["errors"]) == ["sha256"]
    assert sha256(photo) in body["detail"]
    assert evidence_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == set()


@pytest.mark.parametrize(("content", "name"), [(b"<html><script>alert(1)</script></html>", "shelf.jpg"),
                                               (b"MZ\x90\x00" + b"\x00" * 200, "shelf.png"), (b"", "empty.jpg")])
def test_a_file_that_is_not_a_photo_or_pdf_is_refused(world, client, app, content, name):
    body = problem(send(client, world, content, name=name), 422)
    assert list(body["errors"]) == ["file"]
    assert evidence_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == set()


def test_a_file_over_the_limit_is_413(world, client, app):
    app.config["MAX_UPLOAD_BYTES"] = 2000
    body = problem(send(client, world, jpeg() + b"\x00" * 3000), 413)
    assert list(body["errors"]) == ["file"]
    assert evidence_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == set()
    # A body over the request limit is refused before it is read, as a problem too.
    app.config["MAX_CONTENT_LENGTH"] = 4000
    problem(send(client, world, jpeg() + b"\x00" * 5000), 413)
    assert evidence_count() == 0


@pytest.mark.parametrize(("fields", "errors"), [
    ({"latitude": "31.23"}, {"longitude"}),
    ({"longitude": "121.47"}, {"latitude"}),
    ({"latitude": "91", "longitude": "121.47"}, {"latitude"}),
    ({"latitude": "31.23", "longitude": "-180.01"}, {"longitude"}),
    ({"latitude": "thirty", "longitude": "121.47"}, {"latitude"}),
    ({"taken_at": "2020-02-05T10:41:07"}, {"taken_at"}),
    ({"accuracy_m": "-5", "latitude": "31.23", "longitude": "121.47"}, {"accuracy_m"}),
    ({"sha256": "abc"}, {"sha256"}),
    ({"sha256": ""}, {"sha256"}),
    ({"client_id": "not-a-uuid"}, {"client_id"}),
    ({"colour": "red"}, {"colour"}),
    ({"description": "x" * 301}, {"description"}),
])
def test_bad_fields_are_refused_with_their_names(world, client, app, fields, errors):
    body = problem(send(client, world, jpeg(), **fields), 422)
    assert set(body["errors"]) == errors
    assert evidence_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == set()


def test_a_missing_file_or_hash_is_refused(world, client):
    officer = world.headers("officer")
    body = problem(client.post(world.url, data={"sha256": "0" * 64}, content_type="multipart/form-data",
                               headers=officer), 422)
    assert set(body["errors"]) == {"file"}
    body = problem(client.post(world.url, data={"file": (io.BytesIO(PDF), "a.pdf")},
                               content_type="multipart/form-data", headers=officer), 422)
    assert set(body["errors"]) == {"sha256"}
    body = problem(client.post(world.url, data={"file": "not a file part", "sha256": sha256(PDF)},
                               content_type="multipart/form-data", headers=officer), 422)
    assert set(body["errors"]) == {"file"}
    problem(client.post(world.url, json={"sha256": sha256(PDF)}, headers=officer), 422)


def test_evidence_only_while_the_inspection_is_a_draft(world, client, app):
    inspection_service.submit_inspection(world.officer, world.inspection, "no_action")
    body = problem(send(client, world, jpeg()), 409)
    assert "read-only" in body["detail"]
    assert evidence_count() == 0 and stored_files(app.config["UPLOAD_FOLDER"]) == set()


def test_scope_and_roles(world, client):
    theirs = world.draft()
    problem(send(client, world, jpeg(), who="other_officer", url=f"/api/v1/inspections/{theirs.id}/evidence"), 404)
    problem(send(client, world, jpeg(), url="/api/v1/inspections/999999/evidence"), 404)
    problem(send(client, world, jpeg(), who="auditor"), 403)
    problem(client.post(world.url, data={"file": (io.BytesIO(PDF), "a.pdf"), "sha256": sha256(PDF)},
                        content_type="multipart/form-data"), 401)
    assert evidence_count() == 0


# ------------------------------------------------------------------------------------------ sent again


def test_the_same_client_id_answers_the_record_and_creates_nothing(world, client, app):
    photo, client_id = jpeg(), str(uuid.uuid4())
    first = send(client, world, photo, client_id=client_id.upper(), taken_at="2020-02-05T10:41:07+08:00")
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["client_id"] == client_id
    # The answer was lost; the device sends it again, the time in another offset (the same instant).
    again = send(client, world, photo, client_id=client_id, taken_at="2020-02-05T02:41:07Z")
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json() == first.get_json()
    # The other officer's device, holding the same record, gets it too.
    assert send(client, world, photo, who="officer2", client_id=client_id,
                taken_at="2020-02-05T10:41:07+08:00").status_code == 200
    assert evidence_count() == 1 and len(stored_files(app.config["UPLOAD_FOLDER"])) == 1


def test_the_same_client_id_with_other_content_is_409_with_the_record(world, client, app):
    client_id = str(uuid.uuid4())
    first = send(client, world, jpeg(), client_id=client_id).get_json()
    body = problem(send(client, world, jpeg(colour="blue"), client_id=client_id, description="another"), 409)
    assert body["current"] == first
    assert set(body["errors"]) == {"sha256", "description"}
    assert evidence_count() == 1 and len(stored_files(app.config["UPLOAD_FOLDER"])) == 1


def test_a_client_id_of_another_inspection_is_refused(world, client):
    client_id = str(uuid.uuid4())
    assert send(client, world, jpeg(), client_id=client_id).status_code == 201
    other = world.draft(started_at=datetime(2020, 2, 6, 2, 30, tzinfo=timezone.utc))
    body = problem(send(client, world, jpeg(), client_id=client_id, url=f"/api/v1/inspections/{other.id}/evidence"), 422)
    assert set(body["errors"]) == {"client_id"}
    assert evidence_count() == 1


def test_a_repeat_is_answered_even_after_the_submission(world, client):
    photo, client_id = jpeg(), str(uuid.uuid4())
    first = send(client, world, photo, client_id=client_id)
    inspection_service.submit_inspection(world.officer, world.inspection, "no_action")
    again = send(client, world, photo, client_id=client_id)
    assert (again.status_code, again.get_json()) == (200, first.get_json())


def test_an_idempotency_key_replays_even_with_another_multipart_boundary(world, client):
    photo = jpeg()
    key = {"Idempotency-Key": "photo-1"}
    first = send(client, world, photo, headers=key, description="Shelf")
    assert first.status_code == 201
    # The test client picks a new boundary for every request: the same fields and file are the same request.
    again = send(client, world, photo, headers=key, description="Shelf")
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    other = send(client, world, jpeg(colour="green"), headers=key, description="Shelf")
    assert set(problem(other, 422)["errors"]) == {"Idempotency-Key"}
    assert evidence_count() == 1


# ------------------------------------------------------------------------------------------ the document


def test_the_openapi_document_describes_the_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/inspections/{inspection_id}/evidence"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    if "$ref" in body:
        body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert {"file", "sha256", "taken_at", "latitude", "longitude", "accuracy_m", "description", "client_id"} <= set(body["properties"])
    assert set(body["required"]) == {"file", "sha256"}
    assert body["properties"]["file"]["format"] == "binary"
    assert {"200", "201", "401", "403", "404", "409", "413", "422"} <= set(operation["responses"])
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert FIELDS <= set(spec["components"]["schemas"][created]["properties"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])

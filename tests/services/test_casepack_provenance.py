"""The case-file pack carries the provenance of every photo, uploaded through the real services: capture time,
position, accuracy, source, the SHA-256 as sent and as computed, and the flags; flagged photos are marked."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from unittest import mock

import pytest

from tests.casepack_helpers import members
from tests.cases_helpers import CaseWorld
from tests.evidence_helpers import PHARMACY, jpeg, north_of, sha256
from tracker.domain import casepack as layout
from tracker.domain.casepack import verify_pack
from tracker.services import evidence as evidence_service, inspections as inspection_service
from tracker.services.casepack import build_case_pack
from tracker.services.caserecord import case_record
from tracker.services.cases import load_case

MADE = datetime(2020, 12, 31, 8, 30, tzinfo=timezone.utc)
FAR = north_of(PHARMACY, 412)
FAR_PHOTO = jpeg(colour="red")
GALLERY_PHOTO = jpeg(taken="2020:02:05 10:40:00", offset="+08:00", position=north_of(PHARMACY, 30), accuracy=6)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


class ProvenanceWorld(CaseWorld):
    """A case whose inspection (began 2020-02-05 10:30 in Shanghai) had, before it was submitted, a photo sent from
    a phone 412 m away, a gallery photo with EXIF, and a PDF uploaded through the web without a hash."""

    def __init__(self):
        submit = inspection_service.submit_inspection

        def attach_then_submit(actor, inspection, *args, **kwargs):
            inspection.premises.latitude, inspection.premises.longitude = PHARMACY
            self.far = evidence_service.upload_evidence(actor, inspection, evidence_service.EvidenceUpload(
                io.BytesIO(FAR_PHOTO), "far.jpg", sha256=sha256(FAR_PHOTO), taken_at="2020-02-05T10:45:00+08:00",
                latitude=str(FAR[0]), longitude=str(FAR[1]), accuracy_m="15")).record
            self.gallery = evidence_service.attach_evidence(actor, inspection, io.BytesIO(GALLERY_PHOTO), "gallery.jpg")
            self.invoice = evidence_service.attach_evidence(actor, inspection, io.BytesIO(PDF), "invoice.pdf")
            return submit(actor, inspection, *args, **kwargs)

        with mock.patch.object(inspection_service, "submit_inspection", attach_then_submit):
            super().__init__()


@pytest.fixture
def world(app):
    return ProvenanceWorld()


def test_the_pack_carries_every_photos_provenance_and_marks_the_flagged(world):
    case = load_case(world.to_state("decided").id, world.auditor)
    pack = build_case_pack(case, world.auditor, case_record(case, world.auditor), now=MADE)
    data = pack.read()
    assert verify_pack(data).problems == []
    manifest = json.loads(members(data)[layout.MANIFEST])
    entries = {entry["id"]: entry for entry in manifest["evidence"]}
    assert manifest["flagged_evidence"] == [world.far.id]

    far = entries[world.far.id]
    assert far["flagged"] is True
    assert far["provenance"] == {
        "source": "device", "taken_at": "2020-02-05T02:45:00+00:00", "latitude": str(FAR[0]),
        "longitude": "121.473701", "accuracy_m": "15.0", "sha256_sent": sha256(FAR_PHOTO),
        "sha256_computed": sha256(FAR_PHOTO),
        "flags": [{"test": "far_from_premises",
                   "explanation": "Taken 412 m from the premises' recorded position (accuracy ±15 m); the limit is "
                                  "200 m."}],
    }
    gallery = entries[world.gallery.id]
    assert gallery["flagged"] is False
    assert gallery["provenance"] == {
        "source": "exif", "taken_at": "2020-02-05T02:40:00+00:00", "latitude": str(north_of(PHARMACY, 30)[0]),
        "longitude": "121.473701", "accuracy_m": "6.0", "sha256_sent": None,
        "sha256_computed": sha256(GALLERY_PHOTO), "flags": [],
    }
    invoice = entries[world.invoice.id]
    assert invoice["provenance"]["source"] == "" and invoice["provenance"]["taken_at"] is None
    assert invoice["flagged"] is False and invoice["provenance"]["sha256_computed"] == invoice["recorded_sha256"]
    assert members(data)[far["path"]] == FAR_PHOTO

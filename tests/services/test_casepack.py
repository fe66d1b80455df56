"""Building the case-file pack of a real case, with evidence uploaded through the inspection service."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.api.helpers import bearer
from tests.casepack_helpers import flip, members, zip_of
from tests.casepack_world import BIG_PDF, PNG, PackWorld
from tracker.domain import casepack as layout
from tracker.domain.casepack import verify_pack
from tracker.extensions import db
from tracker.models import CaseEvent
from tracker.services.casepack import build_case_pack
from tracker.services.caserecord import case_record
from tracker.services.cases import load_case
from tracker.services.evidence import evidence_path

MADE = datetime(2020, 12, 31, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def world(app):
    return PackWorld()


def _build(world, state="decided", who=None):
    who = who or world.auditor
    case = world.to_state(state)
    case = load_case(case.id, who)
    with_record = case_record(case, who)
    return case, build_case_pack(case, who, with_record, now=MADE)


def test_a_decided_case_with_evidence_packs_and_verifies(world):
    case, pack = _build(world)
    data = pack.read()
    report = verify_pack(data)
    assert report.problems == []
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert (report.number, report.case_id, report.events) == (case.number, case.id, len(events))
    assert report.chain_head == events[-1].hash == pack.manifest["chain"]["head"]
    assert pack.filename == f"case-pack-{case.number}.zip"
    contents = members(data)
    photo = layout.evidence_member(world.inspection.id, world.photo.id, "shelf tag 价签.png", "image/png")
    invoice = layout.evidence_member(world.inspection.id, world.invoice.id, "invoice.pdf", "application/pdf")
    assert photo.endswith("-shelf_tag_价签.png") and invoice.endswith("-invoice.pdf")
    assert list(contents) == [layout.CASE, layout.HISTORY, photo, invoice, layout.MANIFEST]
    assert contents[photo] == PNG and contents[invoice] == BIG_PDF
    assert json.loads(contents[layout.HISTORY]) == {"items": [event.as_item() for event in events]}


def test_the_manifest_says_who_when_which_rulebook_and_every_file(world):
    _case, pack = _build(world)
    contents = members(pack.read())
    manifest = json.loads(contents[layout.MANIFEST])
    assert manifest["created_at"] == "2020-12-31T08:30:00Z"
    assert manifest["created_by"] == {"username": "audit.liu", "role": "auditor"}
    assert manifest["rulebook"] == "cn-samr@2025.1"
    assert manifest["files"] == [
        {"path": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in contents.items() if name != layout.MANIFEST
    ]
    recorded = {entry["id"]: entry["recorded_sha256"] for entry in manifest["evidence"]}
    assert recorded == {world.photo.id: hashlib.sha256(PNG).hexdigest(), world.invoice.id: hashlib.sha256(BIG_PDF).hexdigest()}


def test_the_case_record_is_what_the_api_answers(world, client):
    case, pack = _build(world)
    answer = client.get(f"/api/v1/cases/{case.id}", headers=bearer(world.auditor))
    assert answer.status_code == 200
    assert json.loads(members(pack.read())[layout.CASE]) == answer.get_json()


@pytest.mark.parametrize("member_index", [0, 1, 2, 3, 4])
def test_a_changed_byte_in_any_member_of_a_real_pack_is_caught(world, member_index):
    _case, pack = _build(world)
    contents = members(pack.read())
    name = list(contents)[member_index]
    for position in (0, len(contents[name]) // 2, len(contents[name]) - 2):
        changed = dict(contents, **{name: flip(contents[name], position)})
        problems = verify_pack(zip_of(changed)).problems
        assert any(problem.member == name for problem in problems), (name, position, problems)


def test_an_added_or_removed_member_of_a_real_pack_is_caught(world):
    _case, pack = _build(world)
    contents = members(pack.read())
    added = zip_of({**contents, "evidence/planted.jpg": b"\xff\xd8\xff"})
    assert [str(p) for p in verify_pack(added).problems] == [
        "evidence/planted.jpg: is in the ZIP but not listed in the manifest (added)"
    ]
    removed = {name: content for name, content in contents.items() if name != layout.HISTORY}
    assert [str(p) for p in verify_pack(zip_of(removed)).problems] == [
        "history.json: is listed in the manifest but missing from the ZIP"
    ]


def test_evidence_altered_in_storage_after_upload_is_flagged_in_the_pack(world):
    evidence_path(world.photo).write_bytes(PNG + b"retouched")
    _case, pack = _build(world)
    photo = layout.evidence_member(world.inspection.id, world.photo.id, world.photo.original_name, "image/png")
    assert [str(p) for p in verify_pack(pack.read()).problems] == [
        f"{photo}: differs from the SHA-256 the tracker recorded at upload"
    ]


def test_evidence_gone_from_storage_is_described_as_missing(world):
    evidence_path(world.invoice).unlink()
    _case, pack = _build(world)
    problems = [str(p) for p in verify_pack(pack.read()).problems]
    assert problems == [f"evidence #{world.invoice.id} (invoice.pdf): was missing from the tracker's storage when the pack was made"]


def test_a_case_without_inspection_packs_its_record_and_history(world):
    from tracker.services.cases import open_case

    case = open_case(world.officer, premises_id=world.pharmacy.id, complaint="Masks at 35 yuan",
                     received_on=date(2020, 2, 20), today=date(2020, 12, 31))
    case = load_case(case.id, world.supervisor)
    pack = build_case_pack(case, world.supervisor, case_record(case, world.supervisor), now=MADE)
    data = pack.read()
    assert verify_pack(data).intact
    assert list(members(data)) == [layout.CASE, layout.HISTORY, layout.MANIFEST]
    assert pack.manifest["evidence"] == [] and pack.manifest["chain"]["events"] == 1

"""The case-file pack verifier, from bytes alone: no app, no database (docs/AUDIT.md)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.casepack_helpers import flip, forge, history_items, members, set_history, zip_of
from tracker.domain import casepack as layout
from tracker.domain.casepack import PackUnreadable, verify_pack
from tracker.domain.history import GENESIS, link

PHOTO = "evidence/inspection-3/7-shelf.png"
PHOTO_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _items(n: int = 4) -> list[dict]:
    states = ["clue", "investigating", "penalty_proposed", "penalty_approved", "notice_served", "decided"]
    items, prev = [], GENESIS
    for seq in range(1, n + 1):
        item = link({
            "seq": seq, "at": f"2020-02-0{seq}T09:00:00Z", "on": f"2020-02-0{seq}", "actor": "wang.fang",
            "role": "supervisor", "action": f"step{seq}", "from_state": states[seq - 1] if seq > 1 else None,
            "to_state": states[seq], "data": {"note": "价格", "n": seq}, "reason": None,
        }, prev)
        items.append(item)
        prev = item["hash"]
    return items


def _pack(items=None, evidence_bytes=PHOTO_BYTES, recorded=None) -> bytes:
    """A pack as the tracker writes it, for a case in the state of its last event."""
    items = _items() if items is None else items
    contents = {
        layout.CASE: layout.json_bytes({"id": 12, "number": "CG-2020-0012", "state": items[-1]["to_state"]}),
        layout.HISTORY: layout.json_bytes({"items": items}),
        PHOTO: evidence_bytes,
    }
    files = [{"path": p, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()} for p, c in contents.items()]
    manifest = {
        "format": layout.FORMAT, "format_version": layout.FORMAT_VERSION,
        "case": {"id": 12, "number": "CG-2020-0012"},
        "created_at": "2020-12-31T08:00:00Z", "created_by": {"username": "dong.xiaoyan", "role": "auditor"},
        "rulebook": "cn-samr@2025.1", "files": files,
        "evidence": [{"id": 7, "inspection_id": 3, "original_name": "shelf.png", "content_type": "image/png",
                      "recorded_size": len(PHOTO_BYTES),
                      "recorded_sha256": recorded or hashlib.sha256(PHOTO_BYTES).hexdigest(),
                      "uploaded_at": "2020-02-05T02:40:00+00:00", "path": PHOTO}],
        "chain": {"events": len(items), "head": layout.chain_head(items)},
    }
    contents[layout.MANIFEST] = layout.manifest_bytes(manifest)
    return zip_of(contents)


def _problems(data: bytes) -> list[str]:
    return [str(p) for p in verify_pack(data).problems]


def test_an_intact_pack_verifies_and_reports_what_it_holds():
    items = _items()
    report = verify_pack(_pack(items))
    assert report.problems == []
    assert report.intact
    assert (report.case_id, report.number, report.events, report.files) == (12, "CG-2020-0012", 4, 3)
    assert report.chain_head == items[-1]["hash"]


def test_a_path_or_an_open_file_works_as_well_as_bytes(tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(_pack())
    assert verify_pack(path).intact and verify_pack(str(path)).intact
    with path.open("rb") as stream:
        assert verify_pack(stream).intact


@pytest.mark.parametrize("member", [layout.CASE, layout.HISTORY, PHOTO])
def test_any_changed_byte_of_a_member_is_caught(member):
    original = _pack()
    contents = members(original)
    for position in range(len(contents[member])):
        changed = dict(contents, **{member: flip(contents[member], position)})
        problems = _problems(zip_of(changed))
        assert any(p.startswith(f"{member}: its SHA-256 does not match") for p in problems), (position, problems)


def test_any_changed_byte_of_the_manifest_is_caught():
    contents = members(_pack())
    manifest = contents[layout.MANIFEST]
    for position in range(len(manifest)):
        changed = dict(contents, **{layout.MANIFEST: flip(manifest, position)})
        assert any(p.startswith(layout.MANIFEST) for p in _problems(zip_of(changed))), position


def test_a_reformatted_manifest_with_the_same_values_is_caught():
    contents = members(_pack())
    manifest = json.loads(contents[layout.MANIFEST])
    contents[layout.MANIFEST] = json.dumps(manifest, ensure_ascii=False).encode()
    assert _problems(zip_of(contents)) == [f"{layout.MANIFEST}: is not byte for byte as written (altered layout)"]


def test_an_added_member_is_caught():
    contents = members(_pack())
    contents["evidence/inspection-3/8-extra.png"] = b"\x89PNG planted"
    assert _problems(zip_of(contents)) == [
        "evidence/inspection-3/8-extra.png: is in the ZIP but not listed in the manifest (added)"
    ]


@pytest.mark.parametrize("member", [layout.CASE, layout.HISTORY, PHOTO])
def test_a_removed_member_is_caught(member):
    contents = members(_pack())
    del contents[member]
    assert f"{member}: is listed in the manifest but missing from the ZIP" in _problems(zip_of(contents))


def test_a_missing_manifest_is_caught():
    contents = members(_pack())
    del contents[layout.MANIFEST]
    assert _problems(zip_of(contents)) == [f"{layout.MANIFEST}: is missing"]


def test_a_member_twice_in_the_zip_is_caught():
    contents = members(_pack())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(PHOTO, b"another photo")
    assert f"{PHOTO}: appears 2 times in the ZIP" in _problems(out.getvalue())


def test_a_removed_member_with_a_matching_manifest_is_still_caught_by_the_evidence_record():
    def drop(contents):
        del contents[PHOTO]

    problems = _problems(forge(_pack(), drop))
    assert problems == ["evidence #7 (shelf.png): evidence/inspection-3/7-shelf.png is not listed in the manifest's files"]


def test_reordered_events_are_caught_even_with_a_resealed_manifest():
    def swap(contents):
        items = history_items(zip_of(contents))
        items[1], items[2] = items[2], items[1]
        set_history(contents, items)

    problems = _problems(forge(_pack(), swap))
    assert "history.json: event 2: sequence number 3 where 2 was expected" in problems
    assert "history.json: event 2: prev_hash does not match the previous event's hash" in problems


def test_an_edited_event_rehashed_but_not_relinked_is_caught():
    def rewrite(contents):
        items = history_items(zip_of(contents))
        edited = {**items[1], "reason": "nothing happened"}
        items[1] = link({k: v for k, v in edited.items() if k not in ("hash", "prev_hash")}, edited["prev_hash"])
        set_history(contents, items)

    problems = _problems(forge(_pack(), rewrite))
    assert problems == ["history.json: event 3: prev_hash does not match the previous event's hash"]


def test_an_edited_last_event_is_caught_by_the_manifests_chain_head():
    def rewrite(contents):
        items = history_items(zip_of(contents))
        last = {k: v for k, v in items[-1].items() if k not in ("hash", "prev_hash")}
        items[-1] = link({**last, "reason": "nothing happened"}, items[-2]["hash"])
        set_history(contents, items)

    assert _problems(forge(_pack(), rewrite)) == ["manifest.json: its chain head is not the hash of the last event"]


def test_a_fully_rechained_forgery_passes_offline_but_shows_another_chain_head():
    """What AUDIT.md says: offline checks prove consistency; only the tracker's own head proves the chain."""
    genuine = _items()
    forged_items, prev = [], GENESIS
    for item in genuine:
        body = {k: v for k, v in item.items() if k not in ("hash", "prev_hash")}
        forged = link({**body, "reason": "rewritten"} if body["seq"] == 2 else body, prev)
        forged_items.append(forged)
        prev = forged["hash"]
    report = verify_pack(_pack(forged_items))
    assert report.intact
    assert report.chain_head != genuine[-1]["hash"]


def test_an_event_missing_a_hashed_key_is_reported_not_raised():
    def strip(contents):
        items = history_items(zip_of(contents))
        del items[0]["actor"]
        set_history(contents, items)

    problems = _problems(forge(_pack(), strip))
    assert any(p.startswith("history.json: event 1: cannot be hashed") for p in problems)


def test_the_case_record_must_be_the_manifests_case():
    def renumber(contents):
        record = json.loads(contents[layout.CASE])
        contents[layout.CASE] = layout.json_bytes({**record, "number": "CG-2020-0099"})

    assert _problems(forge(_pack(), renumber)) == [
        "case.json: its number 'CG-2020-0099' differs from the manifest's 'CG-2020-0012'"
    ]


def test_the_case_record_must_be_in_the_state_the_history_leads_to():
    def restate(contents):
        record = json.loads(contents[layout.CASE])
        contents[layout.CASE] = layout.json_bytes({**record, "state": "closed"})

    assert _problems(forge(_pack(), restate)) == [
        "case.json: its state 'closed' is not the state the last event leads to"
    ]


def test_evidence_that_differs_from_its_upload_hash_is_caught():
    problems = _problems(_pack(recorded="ab" * 32))
    assert problems == [f"{PHOTO}: differs from the SHA-256 the tracker recorded at upload"]


def test_evidence_missing_from_storage_when_packed_is_reported():
    def missing(manifest):
        manifest["evidence"][0]["path"] = None

    problems = _problems(forge(_pack(), lambda contents: contents.pop(PHOTO), missing))
    assert problems == ["evidence #7 (shelf.png): was missing from the tracker's storage when the pack was made"]


def test_an_unknown_format_version_is_refused():
    problems = _problems(forge(_pack(), lambda contents: None, lambda m: m.update(format_version=2)))
    assert problems == ["manifest.json: is format 'tracker-case-pack' version 2, not 'tracker-case-pack' version 1"]


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04 truncated", "价格".encode()])
def test_a_file_that_is_no_zip_is_unreadable(data):
    with pytest.raises(PackUnreadable, match="not a ZIP archive"):
        verify_pack(data)


def test_a_zip_that_is_no_pack_reports_its_missing_manifest():
    assert _problems(zip_of({"notes.txt": b"hello"})) == ["manifest.json: is missing"]


def test_evidence_member_names_are_unique_and_safe_and_end_in_the_detected_type():
    assert layout.evidence_member(3, 7, "../../etc/passwd", "image/png") == "evidence/inspection-3/7-passwd.png"
    assert layout.evidence_member(3, 8, "价签 photo.png", "image/png") == "evidence/inspection-3/8-价签_photo.png"
    assert layout.evidence_member(3, 9, "...", "application/pdf") == "evidence/inspection-3/9-evidence.pdf"
    # Finding 2 of issue 15: a JPEG named as a page is packed as a JPEG, never as something a browser runs.
    assert layout.evidence_member(3, 1, "../../evil.html", "image/jpeg") == "evidence/inspection-3/1-evil.jpg"


def test_the_module_checks_a_pack_from_the_command_line_without_the_app(tmp_path):
    """`python -m tracker.domain.casepack` needs no configuration, secret key or database."""
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "TRACKER_DEV", "DATABASE_URL")}
    items = _items()
    good, bad, junk = tmp_path / "good.zip", tmp_path / "bad.zip", tmp_path / "junk.zip"
    good.write_bytes(_pack(items))
    bad.write_bytes(zip_of({**members(_pack(items)), "extra.txt": b"planted"}))
    junk.write_bytes(b"hello")

    def run(path):
        return subprocess.run([sys.executable, "-m", "tracker.domain.casepack", str(path)], cwd=root, env=env,
                              capture_output=True, text=True, timeout=60)

    intact = run(good)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.startswith("Pack intact: case CG-2020-0012 (id 12), 3 files, 4 events")
    assert items[-1]["hash"] in intact.stdout
    tampered = run(bad)
    assert tampered.returncode == 1
    assert tampered.stdout == "PROBLEM extra.txt: is in the ZIP but not listed in the manifest (added)\n"
    unreadable = run(junk)
    assert unreadable.returncode == 2 and "is not a case-file pack" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr

"""A photo's provenance in the case-file pack's manifest, and what the offline verifier checks of it."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.casepack_helpers import forge, members
from tests.domain.test_casepack import PHOTO_BYTES, _pack
from tracker.domain import casepack as layout
from tracker.domain.casepack import verify_pack

COMPUTED = hashlib.sha256(PHOTO_BYTES).hexdigest()
FAR = {"test": "far_from_premises", "explanation": "Taken 412 m from the premises' recorded position (accuracy ±15 m); "
       "the limit is 200 m.", "params": {"distance_m": "412.0"}}


def test_the_provenance_entry_records_capture_source_hashes_and_flags():
    entry = layout.provenance_entry(
        source="device", taken_at=datetime(2020, 2, 5, 10, 41, 7, tzinfo=timezone(timedelta(hours=8))),
        latitude=Decimal("31.234121"), longitude=Decimal("121.473701"), accuracy_m=Decimal("15.0"),
        sha256_sent=COMPUTED, sha256=COMPUTED, flags=[FAR],
    )
    assert entry == {
        "source": "device", "taken_at": "2020-02-05T02:41:07+00:00", "latitude": "31.234121",
        "longitude": "121.473701", "accuracy_m": "15.0", "sha256_sent": COMPUTED, "sha256_computed": COMPUTED,
        "flags": [{"test": "far_from_premises", "explanation": FAR["explanation"]}],
    }
    bare = layout.provenance_entry(source="", taken_at=None, latitude=None, longitude=None, accuracy_m=None,
                                   sha256_sent=None, sha256=COMPUTED, flags=[])
    assert (bare["taken_at"], bare["latitude"], bare["sha256_sent"], bare["flags"]) == (None, None, None, [])


def _with_provenance(**changes):
    def change(manifest):
        entry = manifest["evidence"][0]
        entry["provenance"] = layout.provenance_entry(
            source="device", taken_at=None, latitude=None, longitude=None, accuracy_m=None, sha256_sent=COMPUTED,
            sha256=COMPUTED, flags=[FAR])
        entry["flagged"] = True
        provenance = changes.get("provenance", {})
        if isinstance(provenance, dict):
            entry["provenance"].update(provenance)
        else:
            entry["provenance"] = provenance
        entry.update({key: value for key, value in changes.items() if key != "provenance"})
    return change


def test_a_pack_whose_provenance_agrees_with_itself_verifies():
    data = forge(_pack(), lambda contents: None, _with_provenance())
    assert verify_pack(data).problems == []
    assert json.loads(members(data)[layout.MANIFEST])["evidence"][0]["flagged"] is True


def test_a_pack_made_before_provenance_still_verifies():
    assert verify_pack(_pack()).problems == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"provenance": {"sha256_sent": "0" * 64}}, "the SHA-256 the device sent is not the one computed"),
    ({"provenance": {"sha256_computed": "1" * 64, "sha256_sent": None}},
     "its provenance's computed SHA-256 is not the one recorded at upload"),
    ({"flagged": False}, "is marked flagged or not against its own flags"),
    ({"provenance": {"flags": []}}, "is marked flagged or not against its own flags"),
    ({"provenance": "device"}, "its provenance is not an object"),
])
def test_a_provenance_that_contradicts_itself_is_reported(changes, message):
    report = verify_pack(forge(_pack(), lambda contents: None, _with_provenance(**changes)))
    assert [str(problem) for problem in report.problems] == [f"evidence #7 (shelf.png): {message}"]

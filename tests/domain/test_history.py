"""The history chain, checked exactly as an outside auditor would (API.md)."""
import hashlib
import json

from tracker.domain.history import GENESIS, event_hash, link, verify_chain


def _event(seq, action="file", data=None):
    return {
        "seq": seq, "at": "2020-02-03T09:00:00+08:00", "on": "2020-02-03", "actor": "wang.fang",
        "role": "supervisor", "action": action, "from_state": "clue", "to_state": "investigating",
        "data": data or {"officers": ["zhang.wei", "li.na"]}, "reason": None,
    }


def _chain(n):
    items, prev = [], GENESIS
    for seq in range(1, n + 1):
        item = link(_event(seq, data={"n": seq, "note": "价格"}), prev)
        items.append(item)
        prev = item["hash"]
    return items


def test_hash_is_the_documented_recipe():
    item = link(_event(1), GENESIS)
    keys = ("seq", "at", "on", "actor", "role", "action", "from_state", "to_state", "data", "reason", "prev_hash")
    body = json.dumps({k: item[k] for k in keys}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert item["hash"] == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert item["prev_hash"] == "0" * 64


def test_intact_chain_verifies():
    assert verify_chain(_chain(5)) == []


def test_altered_event_is_caught():
    items = _chain(4)
    items[2] = {**items[2], "data": {"n": 99}}
    breaks = verify_chain(items)
    assert [b.seq for b in breaks] == [3]
    assert "altered" in breaks[0].problem


def test_rehashed_event_breaks_the_next_link():
    items = _chain(4)
    forged = {**items[1], "reason": "forged"}
    forged["hash"] = event_hash(forged)
    items[1] = forged
    assert [b.seq for b in verify_chain(items)] == [3]


def test_deleted_or_reordered_events_are_caught():
    items = _chain(4)
    assert verify_chain(items[:1] + items[2:])
    assert verify_chain([items[1], items[0]] + items[2:])

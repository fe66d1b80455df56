"""The tamper-evident history: each event carries the SHA-256 of the previous one (API.md "History chain").

Anyone holding a case's history can check it without the tracker: the hash of an item is the SHA-256
of the canonical JSON of exactly the keys in HASHED_KEYS, and each prev_hash is the previous hash.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tracker.domain.text import N_, Text

GENESIS = "0" * 64
HASHED_KEYS = ("seq", "at", "on", "actor", "role", "action", "from_state", "to_state", "data", "reason", "prev_hash")


def canonical(item: Mapping) -> bytes:
    """The exact bytes that are hashed: the hashed keys, sorted, compact, non-ASCII kept."""
    payload = {key: item[key] for key in HASHED_KEYS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(item: Mapping) -> str:
    """Lower-case hex SHA-256 of the item's canonical form."""
    return hashlib.sha256(canonical(item)).hexdigest()


def link(item: Mapping, prev_hash: str) -> dict:
    """The item with its prev_hash and hash set, ready to append."""
    linked = {**item, "prev_hash": prev_hash}
    linked["hash"] = event_hash(linked)
    return linked


@dataclass(frozen=True)
class Break:
    """Where a chain fails to verify."""

    seq: int
    problem: str  # a Text: English as a string, the reader's language when rendered


def verify_chain(items: Sequence[Mapping]) -> list[Break]:
    """Every place where the chain is broken (an empty list means intact)."""
    breaks: list[Break] = []
    expected_prev = GENESIS
    for position, item in enumerate(items, start=1):
        seq = item.get("seq")
        if seq != position:
            breaks.append(Break(position, Text(N_("sequence number %(seq)s where %(position)s was expected"),
                                               seq=repr(seq), position=position)))
        if item.get("prev_hash") != expected_prev:
            breaks.append(Break(position, Text(N_("prev_hash does not match the previous event's hash"))))
        try:
            recomputed = event_hash(item)
        except (KeyError, TypeError, ValueError) as error:
            breaks.append(Break(position, Text(N_("cannot be hashed: %(error)s"), error=error)))
            recomputed = None
        if recomputed is not None and item.get("hash") != recomputed:
            breaks.append(Break(position, Text(N_("content does not match its hash (altered)"))))
        expected_prev = item.get("hash") or ""
    return breaks

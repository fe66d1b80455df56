"""Sync conflicts: a device's version of a record the server changed meanwhile, kept until a supervisor chooses.

Nothing a device sent is lost and nothing on the server is overwritten silently: what could not be merged field
by field is kept here, both versions side by side, until the unit's supervisor chooses per field.
"""
from __future__ import annotations

from tracker.extensions import db
from tracker.models import SyncConflict, User


def raise_conflict(
    actor: User,
    kind: str,
    record_id: int,
    unit_id: int,
    device: dict,
    server: dict,
    fields: list[str],
    base_version: int | None = None,
    server_version: int | None = None,
    client_id: str | None = None,
    made_with: dict | None = None,
) -> SyncConflict:
    """Keep the device's version of a record as an open conflict (``kind`` "premises" or "inspection").

    ``device`` and ``server`` map field names to JSON-ready values; ``fields`` names those that could not be
    merged. The conflict is added to the session, not committed: the caller commits it with its own change.
    """
    if kind not in ("premises", "inspection"):
        raise ValueError(f"unknown conflict kind {kind!r}")
    conflict = SyncConflict(
        unit_id=unit_id,
        kind=kind,
        record_id=record_id,
        client_id=client_id,
        base_version=base_version,
        server_version=server_version,
        made_with=dict(made_with or {}),
        device=dict(device),
        server=dict(server),
        fields=list(fields),
        status="open",
        raised_by_id=actor.id,
    )
    db.session.add(conflict)
    return conflict

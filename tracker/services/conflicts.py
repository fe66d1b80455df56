"""Sync conflicts: a device's version of a record the server changed meanwhile, kept until a supervisor chooses.

Nothing a device sent is lost and nothing on the server is overwritten silently: what could not be merged field
by field is kept here, both versions side by side, until the unit's supervisor chooses per field
(``tracker.services.resolutions``). Officers and supervisors see their unit's conflicts, auditors every unit's.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Inspection, Premises, SyncConflict, User
from tracker.services.errors import NotFound
from tracker.services.scope import get_visible, scoped

KINDS = ("premises", "inspection")
STATUSES = ("open", "resolved")
# What a list or a page of conflicts shows beside each one, loaded with it (a fixed number of queries).
DETAIL = (joinedload(SyncConflict.unit), joinedload(SyncConflict.raised_by), joinedload(SyncConflict.resolved_by))


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
    merged (each must be a key of ``device``: a supervisor chooses, per field, the device's value or the
    server's). The conflict is added to the session, not committed: the caller commits it with its own change.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown conflict kind {kind!r}")
    missing = [field for field in fields if field not in device]
    if missing:
        raise ValueError(f"conflicting fields without the device's value: {missing}")
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


def conflicts(actor: User, status: str | None = None, kind: str | None = None,
              record_id: int | None = None) -> sa.Select:
    """The conflicts ``actor`` may see (their unit's; an auditor's: all), newest first, optionally only those of
    one status, kind or record."""
    stmt = scoped(sa.select(SyncConflict), SyncConflict, actor).options(*DETAIL)
    if status:
        stmt = stmt.where(SyncConflict.status == status)
    if kind:
        stmt = stmt.where(SyncConflict.kind == kind)
    if record_id is not None:
        stmt = stmt.where(SyncConflict.record_id == record_id)
    return stmt.order_by(SyncConflict.id.desc())


def get_conflict(actor: User, conflict_id: int) -> SyncConflict:
    """One conflict ``actor`` may see; any other is 'not found'."""
    try:
        return get_visible(SyncConflict, conflict_id, actor, *DETAIL)
    except NotFound:
        raise NotFound(_("No such conflict.")) from None


def open_count(actor: User) -> int:
    """How many open conflicts of the actor's unit wait for a choice (0 for those who see no unit's)."""
    if actor.unit_id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(SyncConflict.id)).where(
            SyncConflict.unit_id == actor.unit_id, SyncConflict.status == "open")
    ) or 0


def record_names(items) -> dict[tuple[str, int], str]:
    """The name of each conflict's record, {(kind, record_id): name}: a premises' name, an inspection's premises'
    name; at most one query per kind, however many conflicts."""
    wanted: dict[str, set[int]] = {}
    for conflict in items:
        wanted.setdefault(conflict.kind, set()).add(conflict.record_id)
    names: dict[tuple[str, int], str] = {}
    if wanted.get("premises"):
        rows = db.session.execute(sa.select(Premises.id, Premises.name).where(Premises.id.in_(wanted["premises"])))
        names.update({("premises", row.id): row.name for row in rows})
    if wanted.get("inspection"):
        rows = db.session.execute(
            sa.select(Inspection.id, Premises.name).join(Premises, Premises.id == Inspection.premises_id)
            .where(Inspection.id.in_(wanted["inspection"]))
        )
        names.update({("inspection", row.id): row.name for row in rows})
    return names

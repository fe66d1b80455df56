"""Resolving a sync conflict: the unit's supervisor chooses, per field, the device's version or the server's.

The choice is applied to the record in one transaction with the conflict's resolution, through the record's own
change path: a premises through ``tracker.services.premises`` (a change of source "conflict", linked to the
conflict, in the premises' history); an inspection through its amendments (each field's old and new value, with
a reason naming the conflict). Both versions and the choice stay in the conflict row.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.merging import choice_errors
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Premises, SyncConflict, User
from tracker.models.types import utcnow
from tracker.services import inspectionconflicts
from tracker.services.conflicts import get_conflict
from tracker.services.errors import Conflict, Forbidden, Invalid
from tracker.services.premises import apply_resolution


def may_resolve(actor: User, conflict: SyncConflict) -> bool:
    """Only a supervisor of the conflict's unit chooses between the versions."""
    return actor.role is Role.SUPERVISOR and actor.unit_id == conflict.unit_id


def resolve_conflict(actor: User, conflict_id: int, choice: dict) -> SyncConflict:
    """Apply a supervisor's ``choice`` ({field: "device" | "server"} for every field that could not be merged) to
    the conflict's record and mark the conflict resolved, in one transaction. 404 outside the actor's sight, 403
    for anyone but a supervisor of its unit, 409 when it is already resolved, 422 for a missing, unknown or bad
    choice (or a device value the record can no longer take)."""
    conflict = get_conflict(actor, conflict_id)
    if not may_resolve(actor, conflict):
        raise Forbidden(_("Only a supervisor of the conflict's unit chooses between the versions."))
    # One resolution at a time: hold the row (PostgreSQL; SQLite's writers queue), then read its state again.
    db.session.execute(sa.select(SyncConflict.id).where(SyncConflict.id == conflict.id).with_for_update())
    db.session.refresh(conflict)
    if conflict.status != "open":
        raise Conflict(_("This conflict was already resolved."))
    errors = choice_errors(conflict.fields, choice if isinstance(choice, dict) else {})
    if errors:
        raise Invalid(_("Choose the device's or the server's version of every field in conflict, and only those."),
                      {field: [str(message) for message in messages] for field, messages in errors.items()})
    conflict.status = "resolved"
    conflict.resolved_by_id = actor.id
    conflict.resolved_at = utcnow()
    conflict.choice = {field: choice[field] for field in conflict.fields}
    chosen = {field: conflict.device[field] for field in conflict.fields if choice[field] == "device"}
    if conflict.kind == "premises":
        premises = db.session.get(Premises, conflict.record_id)
        apply_resolution(actor, premises, conflict, chosen)
    else:
        inspectionconflicts.apply_resolution(actor, conflict, chosen)
    db.session.commit()
    return conflict

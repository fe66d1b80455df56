"""Ids made on field devices (``client_id``): which record holds one, and the answers a repeated one gets.

A ``client_id`` is a UUID: it names one record of one kind, for good. The inspection services (and the
evidence service) ask ``holder`` before creating a record that carries one: nobody holds it, create; the same
kind in the caller's unit (and, for a record inside an inspection, the same inspection) holds it, answer that
record (``Synced(record, created=False)``) or, when the values differ, refuse with ``DifferentContent``
holding it; anything else holds it (another kind, another unit, another inspection): ``reused``, a 422 on
``client_id``, nothing written. The rules of comparison are ``tracker.domain.sync``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.sync import canonical_client_id
from tracker.extensions import db
from tracker.models import Evidence, Inspection, PriceObservation, SyncConflict, Violation
from tracker.services.errors import Conflict, Invalid

T = TypeVar("T")

# The kinds of record a device makes offline, each with its table (evidence: tracker.services.evidence).
KINDS = ("inspection", "observation", "violation", "evidence")


@dataclass(frozen=True)
class Holder:
    """The record a client id names: its kind, id, unit and the inspection it belongs to (itself for one)."""

    kind: str
    id: int
    unit_id: int
    inspection_id: int


@dataclass
class Synced(Generic[T]):
    """What a device's POST came to: the record, and whether this request created it (201) or found it (200)."""

    record: T
    created: bool


class DifferentContent(Conflict):
    """The client id names a record of this kind whose values differ from what was sent (409, with the record)."""

    def __init__(self, message: str, current: object, fields: list[str]):
        super().__init__(message)
        self.current = current
        self.fields = fields
        self.errors = {name: [_("Differs from the record this client_id names.")] for name in fields}


class KeptAsConflict(Conflict):
    """The server could not take what a device sent (the inspection was submitted meanwhile, or the rulebook
    changed): it is kept, whole, as an open sync conflict for the supervisor (409, with ``conflict_id``).
    Raised after the commit that keeps it: a retry finds the same conflict, never a second one."""

    def __init__(self, message: str, conflict: SyncConflict):
        super().__init__(message)
        self.conflict = conflict


def client_id_of(raw: str | None) -> str | None:
    """The client id in its stored form, None when none was sent; 422 on ``client_id`` when it is not a UUID."""
    if raw is None:
        return None
    value = canonical_client_id(raw)
    if value is None:
        raise Invalid.field("client_id", _("Give the client_id as a UUID made on the device, such as %(example)s.",
                                           example="3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f"))
    return value


def holder(client_id: str) -> Holder | None:
    """The record that holds ``client_id``, of whatever kind and unit, in one query; None when none does."""
    inspection = sa.select(
        sa.literal("inspection").label("kind"), Inspection.id, Inspection.unit_id, Inspection.id.label("inspection_id")
    ).where(Inspection.client_id == client_id)
    parts = [inspection]
    for kind, model in (("observation", PriceObservation), ("violation", Violation), ("evidence", Evidence)):
        parts.append(
            sa.select(sa.literal(kind).label("kind"), model.id, Inspection.unit_id, model.inspection_id)
            .join(Inspection, Inspection.id == model.inspection_id)
            .where(model.client_id == client_id)
        )
    row = db.session.execute(sa.union_all(*parts).limit(1)).first()
    return Holder(*row) if row is not None else None


def reused() -> Invalid:
    """The refusal of a client id that already names another record (another kind, unit or inspection)."""
    return Invalid.field(
        "client_id",
        _("This client_id already names another record (of another kind, unit or inspection): a device makes a "
          "new UUID for every record it creates."),
    )


def kept_conflict(unit_id: int, record_id: int, client_id: str) -> SyncConflict | None:
    """The sync conflict already kept for this device record (inspection conflicts), if any."""
    return db.session.scalar(
        sa.select(SyncConflict)
        .where(
            SyncConflict.unit_id == unit_id,
            SyncConflict.kind == "inspection",
            SyncConflict.record_id == record_id,
            SyncConflict.client_id == client_id,
        )
        .order_by(SyncConflict.id)
        .limit(1)
    )

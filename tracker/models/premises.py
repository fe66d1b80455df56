"""Premises: the shops, stalls, pharmacies and venues that officers inspect."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.extensions import db
from tracker.models.accounts import Unit, User
from tracker.models.sync import SyncConflict
from tracker.models.types import AppendOnly, UTCDateTime, append_only, enum_column, utcnow


class Premises(db.Model):
    __tablename__ = "premises"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[PremisesKind] = mapped_column(enum_column(PremisesKind, "premises_kind"))
    operator_name: Mapped[str] = mapped_column(sa.String(200), default="")
    operator_type: Mapped[OperatorType] = mapped_column(enum_column(OperatorType, "operator_type"))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # WGS 84 degrees: where the premises are, so a photo taken far from them can be flagged.
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    status: Mapped[PremisesStatus] = mapped_column(
        enum_column(PremisesStatus, "premises_status"), default=PremisesStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Bumped by every change: a device that edited an older version raises a conflict instead of overwriting.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    unit: Mapped[Unit] = relationship()

    # SQLAlchemy bumps the version with every UPDATE of the row, whoever makes it, and refuses (StaleDataError) an
    # update of a row another transaction changed since it was read: no change is lost between read and write.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_premises_unit_name", "unit_id", "name"),
        # Few premises are closed or ordered closed: the dashboard counts them without reading the others.
        sa.Index("ix_premises_status", "status"),
        # The list across units pages by name: walking this index finds a page of matches without sorting them all.
        sa.Index("ix_premises_name_id", "name", "id"),
    )

    def __repr__(self) -> str:
        return f"<Premises {self.id} {self.name}>"


class PremisesChange(db.Model):
    """One change to a premises record: who, when, from where, each field's old and new value. Append-only."""

    __tablename__ = "premises_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    version: Mapped[int]  # the premises' version this change produced
    changes: Mapped[dict] = mapped_column(sa.JSON)  # {field: [old, new]}
    source: Mapped[str] = mapped_column(sa.String(20))  # web, api, device, conflict
    conflict_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sync_conflicts.id"))
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    premises: Mapped[Premises] = relationship()
    changed_by: Mapped[User] = relationship()
    conflict: Mapped[SyncConflict | None] = relationship()


class PremisesHistoryIsAppendOnly(AppendOnly):
    """Raised when code tries to change or remove a premises change."""


append_only(PremisesChange, PremisesHistoryIsAppendOnly,
            lambda change: f"change {change.version} of premises {change.premises_id}")

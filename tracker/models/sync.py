"""Sync conflicts: a device's version of a record that the server changed meanwhile, kept until resolved."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.accounts import Unit, User
from tracker.models.types import UTCDateTime, utcnow


class SyncConflict(db.Model):
    """Both versions of a record, side by side: nothing a device sent is lost, nothing on the server overwritten."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # premises or inspection
    record_id: Mapped[int]
    client_id: Mapped[str | None] = mapped_column(sa.String(36))
    base_version: Mapped[int | None]  # the record's version the device had edited
    server_version: Mapped[int | None]  # the record's version when the conflict was raised
    made_with: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # rulebook and checklist versions on the device
    device: Mapped[dict] = mapped_column(sa.JSON)  # the device's values {field: value}
    server: Mapped[dict] = mapped_column(sa.JSON)  # the server's values of the same fields
    fields: Mapped[list[str]] = mapped_column(sa.JSON)  # the fields that could not be merged
    status: Mapped[str] = mapped_column(sa.String(12), default="open")  # open or resolved
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    choice: Mapped[dict | None] = mapped_column(sa.JSON)  # {field: "device" | "server"}

    unit: Mapped[Unit] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        sa.Index("ix_sync_conflicts_record", "kind", "record_id"),
        sa.Index("ix_sync_conflicts_unit_status", "unit_id", "status"),
    )

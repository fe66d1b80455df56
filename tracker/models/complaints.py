"""Complaints and reports from the public (DOMAIN.md §11), their replies and their history. Data only: the
rules are tracker.domain.complaints, the workflow tracker.services.complaints."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.accounts import Unit, User
from tracker.models.premises import Premises
from tracker.models.types import AppendOnly, Money, UTCDateTime, append_only, utcnow


class Complaint(db.Model):
    """One complaint (投诉) or report (举报). The person's name and phone are confidential (null: anonymous)."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)  # the handling unit
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    tracking_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # SHA-256 of the tracking code
    kind: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(12))
    received_on: Mapped[date]
    premises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    premises_name: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    address_key: Mapped[str] = mapped_column(sa.String(300), default="")  # normalised, for duplicates
    town: Mapped[str] = mapped_column(sa.String(16), default="")  # the unit code a free address was routed by
    commodity: Mapped[str | None] = mapped_column(sa.String(64))
    price_seen: Mapped[Decimal | None] = mapped_column(Money)
    seen_on: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.Text)
    person_name: Mapped[str | None] = mapped_column(sa.String(200))
    person_phone: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(12), default="received")
    priority: Mapped[str] = mapped_column(sa.String(8), default="normal")
    priority_reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"))
    transferred_to: Mapped[str | None] = mapped_column(sa.String(16))  # a unit code or 'agency'
    triage_from: Mapped[date | None]  # the receiving unit's start after a transfer
    triaged_on: Mapped[date | None]
    accepted_on: Mapped[date | None]
    declined_on: Mapped[date | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    transferred_on: Mapped[date | None]
    transfer_reason: Mapped[str | None] = mapped_column(sa.Text)
    merged_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    close_result: Mapped[str | None] = mapped_column(sa.Text)
    # The case opened from it. No foreign key: cases -> inspections -> complaints -> cases would be a cycle that no
    # order of deletion or creation satisfies; services.complaints.case_opened sets it, in the case's transaction.
    case_id: Mapped[int | None] = mapped_column(index=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: filed by the public
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()
    premises: Mapped[Premises | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    duplicate_of: Mapped[Complaint | None] = relationship(remote_side=[id])
    replies: Mapped[list[ComplaintReply]] = relationship(
        back_populates="complaint", order_by="ComplaintReply.id"
    )
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", "sequence", name="uq_complaints_unit_year_sequence"),
        sa.CheckConstraint("kind IN ('complaint', 'report')", name="complaint_kind"),
        sa.CheckConstraint(
            "status IN ('received', 'accepted', 'declined', 'transferred', 'merged', 'closed')",
            name="complaint_status",
        ),
        sa.CheckConstraint("priority IN ('high', 'normal')", name="complaint_priority"),
        sa.Index("ix_complaints_unit_received", "unit_id", "received_on"),
    )


class ComplaintReply(db.Model):
    """What the person reads on the tracking page (written for them, never the internal notes)."""

    __tablename__ = "complaint_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    on: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="replies")
    by: Mapped[User] = relationship()


class ComplaintEvent(db.Model):
    """One step of a complaint's history: who, when, what, with what and why. Appended, never changed."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    on: Mapped[date]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the public
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str] = mapped_column(sa.String(12))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    late: Mapped[bool] = mapped_column(default=False)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ComplaintHistoryIsAppendOnly(AppendOnly):
    """Raised when code tries to change or remove a complaint's history event."""


append_only(ComplaintEvent, ComplaintHistoryIsAppendOnly,
            lambda event: f"history event {event.id} of complaint {event.complaint_id}")

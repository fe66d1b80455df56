"""Inspections and what officers record during them: observations, evidence, violations."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType
from tracker.extensions import db
from tracker.models.accounts import Unit, User
from tracker.models.emergencies import PriceEmergency
from tracker.models.premises import Premises
from tracker.models.types import Money, Quantity, Rate, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from tracker.models.cases import Case

violation_observations = sa.Table(
    "violation_observations",
    db.metadata,
    sa.Column("violation_id", sa.ForeignKey("violations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("observation_id", sa.ForeignKey("price_observations.id"), primary_key=True),
)

violation_evidence = sa.Table(
    "violation_evidence",
    db.metadata,
    sa.Column("violation_id", sa.ForeignKey("violations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True),
)


class Inspection(db.Model):
    """One visit to a premises by two officers. Read-only once submitted."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    premises_id: Mapped[int] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The local date of started_at in the unit's time zone, kept by tracker.services.figures on every flush, so
    # that reports group inspections by the day the officers saw on their watches with plain SQL.
    day: Mapped[date | None] = mapped_column(sa.Date)  # None only before the first flush
    lead_officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    second_officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    type: Mapped[InspectionType] = mapped_column(enum_column(InspectionType, "inspection_type"))
    emergency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_emergencies.id"))
    # The complaint an inspection of type 'complaint' answers (DOMAIN.md §11); accepted, of the same unit.
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    checklist: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[InspectionStatus] = mapped_column(
        enum_column(InspectionStatus, "inspection_status"), default=InspectionStatus.DRAFT
    )
    outcome: Mapped[InspectionOutcome | None] = mapped_column(
        enum_column(InspectionOutcome, "inspection_outcome")
    )
    reinspect_on: Mapped[date | None]
    rulebook: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    # Made on the officer's device when recorded offline: a retried or second device's upload finds this record.
    client_id: Mapped[str | None] = mapped_column(sa.String(36))

    unit: Mapped[Unit] = relationship()
    premises: Mapped[Premises] = relationship()
    lead_officer: Mapped[User] = relationship(foreign_keys=[lead_officer_id])
    second_officer: Mapped[User] = relationship(foreign_keys=[second_officer_id])
    emergency: Mapped[PriceEmergency | None] = relationship()
    observations: Mapped[list[PriceObservation]] = relationship(
        back_populates="inspection", order_by="PriceObservation.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(back_populates="inspection", order_by="Evidence.id")
    violations: Mapped[list[Violation]] = relationship(
        back_populates="inspection", order_by="Violation.id"
    )
    amendments: Mapped[list[InspectionAmendment]] = relationship(
        back_populates="inspection", order_by="InspectionAmendment.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("lead_officer_id <> second_officer_id", name="two_officers"),
        sa.CheckConstraint(
            "(status = 'draft' AND outcome IS NULL) OR (status = 'submitted' AND outcome IS NOT NULL)",
            name="outcome_when_submitted",
        ),
        sa.Index("ix_inspections_unit_started", "unit_id", "started_at"),
        sa.Index("ix_inspections_premises_started", "premises_id", "started_at"),
        # Lists and exports across units page newest first; without it PostgreSQL sorts every inspection.
        sa.Index("ix_inspections_started_at_id", "started_at", "id"),
        # Daily figures are refreshed one unit-day at a time (tracker.services.figures).
        sa.Index("ix_inspections_unit_day", "unit_id", "day"),
        # A device's id names one inspection in its unit, whichever officer's device sends it.
        sa.Index("uq_inspections_unit_client", "unit_id", "client_id", unique=True),
    )

    @property
    def is_draft(self) -> bool:
        return self.status is InspectionStatus.DRAFT

    @property
    def officer_ids(self) -> set[int]:
        return {self.lead_officer_id, self.second_officer_id}

    def __repr__(self) -> str:
        return f"<Inspection {self.id}>"


class InspectionAmendment(db.Model):
    """A correction to a submitted inspection: the record keeps the old value and the reason."""

    __tablename__ = "inspection_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(64))
    old_value: Mapped[str] = mapped_column(sa.Text, default="")
    new_value: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text)
    amended_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship()


class Evidence(db.Model):
    """An uploaded photo or PDF; the file lives outside static/, its SHA-256 is fixed at upload."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    sha256_sent: Mapped[str | None] = mapped_column(sa.String(64))  # as the device declared it; None if it sent none
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True, index=True)
    # Provenance: when and where the photo was taken (from the device or the file's EXIF), and what that shows.
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    accuracy_m: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 1))
    provenance: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")  # device, exif or ""
    flags: Mapped[list[dict]] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))

    inspection: Mapped[Inspection] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User] = relationship()


class PriceObservation(db.Model):
    """A price seen at the premises, with the figures the price tests ran on and their findings."""

    __tablename__ = "price_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    commodity: Mapped[str] = mapped_column(sa.String(64))
    unit_of_sale: Mapped[str] = mapped_column(sa.String(40), default="")
    price: Mapped[Decimal] = mapped_column(Money)
    marked_price: Mapped[Decimal | None] = mapped_column(Money)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    cost_invoice: Mapped[str] = mapped_column(sa.String(120), default="")
    baseline_price: Mapped[Decimal | None] = mapped_column(Money)
    baseline_cost: Mapped[Decimal | None] = mapped_column(Money)
    quantity_sold: Mapped[Decimal | None] = mapped_column(Quantity)
    fees: Mapped[Decimal | None] = mapped_column(Money)
    baseline_fees: Mapped[Decimal | None] = mapped_column(Money)
    bundled: Mapped[bool] = mapped_column(default=False)
    # Findings, computed once by the rulebook named here and kept as evidence of what was shown.
    margin_rate: Mapped[Decimal | None] = mapped_column(Rate)
    baseline_margin_rate: Mapped[Decimal | None] = mapped_column(Rate)
    highest_lawful_price: Mapped[Decimal | None] = mapped_column(Money)
    estimated_illegal_gains: Mapped[Decimal | None] = mapped_column(Money)
    flags: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    flagged: Mapped[bool] = mapped_column(default=False, index=True)
    rulebook: Mapped[str] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True, index=True)

    inspection: Mapped[Inspection] = relationship(back_populates="observations")

    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
    )

    @property
    def flag_tests(self) -> list[str]:
        return [flag["test"] for flag in self.flags]


class Violation(db.Model):
    """A breach found during an inspection, under one of the rulebook's violation codes."""

    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Each violation belongs to at most one case.
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True, index=True)

    inspection: Mapped[Inspection] = relationship(back_populates="violations")
    case: Mapped[Case | None] = relationship(back_populates="violations")
    observations: Mapped[list[PriceObservation]] = relationship(secondary=violation_observations)
    evidence: Mapped[list[Evidence]] = relationship(secondary=violation_evidence)

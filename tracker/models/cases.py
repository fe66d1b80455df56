"""Enforcement cases, their officers, payments, appeals, deadline extensions and history events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.deadlines import overdue
from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import OperatorType
from tracker.extensions import db
from tracker.models.accounts import Unit, User
from tracker.models.inspections import Inspection, Violation
from tracker.models.premises import Premises
from tracker.models.types import AppendOnly, Money, UTCDateTime, append_only, enum_column, utcnow


class Case(db.Model):
    """An enforcement case, from clue to closing. Changed only through the case service."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    premises_id: Mapped[int] = mapped_column(sa.ForeignKey("premises.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    complaint: Mapped[str] = mapped_column(sa.Text, default="")
    clue_on: Mapped[date]
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState, "case_state"), default=CaseState.CLUE)
    simplified: Mapped[bool] = mapped_column(default=False)
    major: Mapped[bool] = mapped_column(default=False)
    act_on: Mapped[date | None]
    harm_to_safety: Mapped[bool] = mapped_column(default=False)
    # The party as it stood when the case was opened; later premises edits cannot rewrite it.
    operator_type: Mapped[OperatorType] = mapped_column(enum_column(OperatorType, "case_operator_type"))
    premises_snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Penalty at each stage, as lists of {"kind", "amount"} with money as strings.
    proposed_lines: Mapped[list | None] = mapped_column(sa.JSON)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_lines: Mapped[list | None] = mapped_column(sa.JSON)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_lines: Mapped[list | None] = mapped_column(sa.JSON)
    severity: Mapped[str | None] = mapped_column(sa.String(16))
    illegal_gains: Mapped[Decimal | None] = mapped_column(Money)
    departure_reason: Mapped[str | None] = mapped_column(sa.Text)
    flagged_for_audit: Mapped[bool] = mapped_column(default=False)
    hearing_right: Mapped[bool] = mapped_column(default=False)
    waived: Mapped[bool] = mapped_column(default=False)
    # The dates the steps happened ('on' dates), kept for deadlines and lists.
    last_step_on: Mapped[date]
    filed_on: Mapped[date | None]
    declined_on: Mapped[date | None]
    proposed_on: Mapped[date | None]
    reviewed_on: Mapped[date | None]
    notice_served_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    decision_served_on: Mapped[date | None]
    payment_due_on: Mapped[date | None]
    settled_on: Mapped[date | None]
    closable_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    published_on: Mapped[date | None]
    # The last day in the public register (None: never in it), kept from published_on, the decided lines
    # and the operator type on every flush by tracker.services.outcomes.keep_register_dates (registered by the
    # app factory, tracker.services.keepers), so the register is read in SQL.
    public_until: Mapped[date | None]
    withdrawn_on: Mapped[date | None]
    # The nearest open deadline, recomputed by every action, so work queues can filter and sort.
    next_deadline: Mapped[str | None] = mapped_column(sa.String(32))
    next_due_on: Mapped[date | None] = mapped_column(index=True)
    # The first day the nearest deadline counts as due soon (past 80 % of its span, domain.deadlines);
    # due soon on day d when next_due_soon_on <= d <= next_due_on. Set with next_due_on by every action.
    next_due_soon_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()
    premises: Mapped[Premises] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    officers: Mapped[list[CaseOfficer]] = relationship(back_populates="case", order_by="CaseOfficer.id")
    violations: Mapped[list[Violation]] = relationship(back_populates="case", order_by="Violation.id")
    payments: Mapped[list[Payment]] = relationship(back_populates="case", order_by="Payment.id")
    appeals: Mapped[list[Appeal]] = relationship(back_populates="case", order_by="Appeal.id")
    extensions: Mapped[list[DeadlineExtension]] = relationship(back_populates="case", order_by="DeadlineExtension.id")
    pauses: Mapped[list[CasePause]] = relationship(back_populates="case", order_by="CasePause.id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.seq")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year", "sequence", name="uq_cases_unit_year_sequence"),
        sa.Index("ix_cases_unit_state", "unit_id", "state"),
        # The case list pages newest clue first, across units, within a unit, or in one state.
        sa.Index("ix_cases_clue_on_id", "clue_on", "id"),
        sa.Index("ix_cases_unit_clue_on_id", "unit_id", "clue_on", "id"),
        sa.Index("ix_cases_state_clue_on_id", "state", "clue_on", "id"),
        # The public register pages newest publication first.
        sa.Index("ix_cases_published_on_id", "published_on", "id"),
        # ... and counts the entries still public from the index alone (on PostgreSQL).
        sa.Index("ix_cases_public_until", "public_until", postgresql_include=["published_on", "withdrawn_on"]),
    )

    def overdue_on(self, today: date) -> bool:
        """True when the nearest agency deadline has passed on ``today``."""
        return overdue(self.next_due_on, today)

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.state}>"


class CaseOfficer(db.Model):
    """An officer of the case: one of the two inspecting officers, or named at filing."""

    __tablename__ = "case_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    inspected: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="officers")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("case_id", "user_id", name="uq_case_officers_case_user"),)


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    receipt: Mapped[str] = mapped_column(sa.String(120), default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="payments")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class Appeal(db.Model):
    """A reconsideration or lawsuit against the decision, and its outcome."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    lodged_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(sa.String(20), default="pending")
    outcome_on: Mapped[date | None]
    lines: Mapped[list | None] = mapped_column(sa.JSON)
    # The appeal body's decision number, cited when it varied or annulled the decision.
    reference: Mapped[str | None] = mapped_column(sa.String(120))

    case: Mapped[Case] = relationship(back_populates="appeals")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('reconsideration', 'lawsuit')", name="kind"),
        sa.CheckConstraint("outcome IN ('pending', 'upheld', 'varied', 'annulled', 'withdrawn')", name="outcome"),
    )


class DeadlineExtension(db.Model):
    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    deadline: Mapped[str] = mapped_column(sa.String(32))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    on: Mapped[date]

    case: Mapped[Case] = relationship(back_populates="extensions")


class CasePause(db.Model):
    """Time the decision clock does not run: a suspension, or a hearing (requested to held)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="pauses")


class CaseEvent(db.Model):
    """One entry of a case's history. Appended, never updated or deleted; chained by SHA-256.

    The hashed values are stored exactly as the API returns them, so a chain can be checked outside.
    """

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    seq: Mapped[int]
    at: Mapped[str] = mapped_column(sa.String(40))
    on: Mapped[str] = mapped_column(sa.String(10))
    actor: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    def as_item(self) -> dict:
        """The event as the API returns it (the hashed keys plus the hash)."""
        return {
            "seq": self.seq, "at": self.at, "on": self.on, "actor": self.actor, "role": self.role,
            "action": self.action, "from_state": self.from_state, "to_state": self.to_state,
            "data": self.data, "reason": self.reason, "prev_hash": self.prev_hash, "hash": self.hash,
        }


class HistoryIsAppendOnly(AppendOnly):
    """Raised when code tries to change or remove a history event."""


append_only(CaseEvent, HistoryIsAppendOnly, lambda event: f"history event {event.seq} of case {event.case_id}")

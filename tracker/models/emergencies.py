"""Declared price emergencies, under which the gouging tests apply."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.domain.emergencies import in_force
from tracker.extensions import db
from tracker.models.types import UTCDateTime, utcnow


class PriceEmergency(db.Model):
    __tablename__ = "price_emergencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    jurisdiction: Mapped[str] = mapped_column(sa.String(120), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    baseline_date: Mapped[date]
    # Category codes of the rulebook; a small list, read whole, never queried inside.
    categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("baseline_date <= starts_on", name="baseline_before_start"),
    )

    def in_force_on(self, on: date) -> bool:
        """True when the emergency is in force on ``on`` (tracker.domain.emergencies.in_force)."""
        return in_force(self.starts_on, self.ends_on, on)

    def covers(self, category: str, on: date) -> bool:
        """True when the emergency is in force on ``on`` and covers the commodity category."""
        return self.in_force_on(on) and category in self.categories

    def __repr__(self) -> str:
        return f"<PriceEmergency {self.name}>"

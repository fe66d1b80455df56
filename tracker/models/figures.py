"""The dashboard's summary tables: daily figures per unit and local day, premises-days, monthly sums and decision
figures. Data only: ``tracker.services.figures`` computes and keeps them in step with the records (its session
listeners are registered by the app factory, see ``tracker.services.keepers``).

The figures of a unit-day (``daily_figures.figure`` and ``key``) are:

- ``inspections``: inspections that started that day, keyed by outcome (``draft`` for drafts);
- ``observations`` and ``flagged``: their price observations, and those a price test flagged;
- ``flag_test``: flagged observations by the test that flagged them (an observation counts once per test);
- ``violations``: violations recorded during them, keyed by code;
- ``premises_new_year`` and ``premises_new_month``: premises inspected that day and not earlier in the same
  calendar year, or month (from ``premises_days``, below: a period from 1 January, or from the 1st of a month
  to a day of it, sums these to count its distinct premises);

and ``premises_days`` lists the premises inspected that day, so that a period's distinct premises (which do
not add up across days) are counted exactly, with whether a submitted follow-up found a closure obeyed.
``monthly_figures`` holds the daily figures summed per unit and calendar month, and ``decision_figures`` one
row per decided case with what the dashboard counts of it and its money account.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.cases import Case, Payment


class DailyFigure(db.Model):
    """One count of one unit-day (see the module's docstring for the figures and their keys)."""

    __tablename__ = "daily_figures"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    figure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]

    # The dashboard sums a year's figures from the index alone (PostgreSQL: an index-only scan).
    __table_args__ = (
        sa.Index("ix_daily_figures_day_cover", "day", postgresql_include=["unit_id", "figure", "key", "count"]),
    )


class PremisesDay(db.Model):
    """A premises inspected by a unit on a day (for counting distinct premises over any period)."""

    __tablename__ = "premises_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    premises_id: Mapped[int] = mapped_column(sa.ForeignKey("premises.id"), primary_key=True)
    # A submitted follow-up that day answered the rulebook's closure-obeyed checklist item "yes".
    closure_confirmed: Mapped[bool] = mapped_column(default=False)
    # The premises' previous inspection day (None for its first). A period's distinct premises are then its
    # premises-days whose previous day falls before the period: a count, not a DISTINCT over every row.
    # (A premises belongs to one unit for good, and only its unit inspects it.)
    previous_day: Mapped[date | None] = mapped_column(sa.Date)

    __table_args__ = (
        sa.Index("ix_premises_days_premises_day", "premises_id", "day"),
        # The dashboard reads a period's premises-days from the index alone (PostgreSQL: an index-only scan),
        # when no daily "premises new" figure answers the period (domain.figures.first_inspected_figure).
        sa.Index("ix_premises_days_day_cover", "day",
                 postgresql_include=["previous_day", "unit_id", "premises_id", "closure_confirmed"]),
        # Confirmed closures are a few rows among hundreds of thousands: counted from a partial index.
        sa.Index("ix_premises_days_confirmed", "day", "unit_id", "premises_id",
                 postgresql_where=sa.text("closure_confirmed"), sqlite_where=sa.text("closure_confirmed")),
    )


class MonthlyFigure(db.Model):
    """The daily figures of one unit summed over a calendar month (``month``: its first day)."""

    __tablename__ = "monthly_figures"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    figure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]

    __table_args__ = (
        sa.Index("ix_monthly_figures_month_cover", "month", postgresql_include=["unit_id", "figure", "key", "count"]),
    )


class DecisionFigure(db.Model):
    """What the dashboard counts of one decided case (a case with a decision date), from its records.

    Money is in cents (sums of integers are exact in SQL on every database). The account columns hold
    ``domain.penalties.account`` of the decision as of ``settles_on`` and every day after (its fine and
    confiscation; the surcharge, paid towards each, and still due), computed with the late-payment ``rate``;
    ``due_on``, ``payments`` and ``appeals`` are that account's inputs, for the decisions whose account still
    changes on the day asked for (``today`` before ``settles_on``)."""

    __tablename__ = "decision_figures"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    decided_on: Mapped[date]
    days_to_decision: Mapped[int]  # calendar days from the clue to the decision
    in_force: Mapped[bool]  # a decided penalty, not withdrawn (services.cases.account_of is not None)
    closure: Mapped[bool]  # the decided penalty orders a closure ...
    suspension: Mapped[bool]  # ... or a suspension of business
    rate: Mapped[str] = mapped_column(sa.String(24))  # the daily late-payment rate the account used
    due_on: Mapped[date | None]
    # [["YYYY-MM-DD", "amount"], ...] in the order recorded, and [["lodged", "outcome day" or null while pending],
    # ...]; null for none (most decisions: nothing to parse).
    payments: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    appeals: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    settles_on: Mapped[date]
    fine: Mapped[int] = mapped_column(sa.BigInteger)
    confiscation: Mapped[int] = mapped_column(sa.BigInteger)
    surcharge: Mapped[int] = mapped_column(sa.BigInteger)
    paid_fine: Mapped[int] = mapped_column(sa.BigInteger)
    paid_surcharge: Mapped[int] = mapped_column(sa.BigInteger)
    paid_confiscation: Mapped[int] = mapped_column(sa.BigInteger)
    due: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (
        sa.Index("ix_decision_figures_decided_on", "decided_on", "unit_id"),
        # The accounts still changing on a day are those settling after it: a few dozen at a province's scale.
        sa.Index("ix_decision_figures_settles_on", "settles_on"),
    )


# Indexes on the records for the dashboard's other figures (declared here, with the figures they serve).
# Deadlines as of today, whatever the period: a count over the cases with a deadline, from the index alone.
_cases = Case.__table__.c
sa.Index("ix_cases_next_due_cover", _cases.next_due_on, _cases.next_deadline, _cases.next_due_soon_on, _cases.unit_id,
         postgresql_where=_cases.next_due_on.is_not(None), sqlite_where=_cases.next_due_on.is_not(None))
# Cases opened in the period by their state now, from the index alone.
sa.Index("ix_cases_clue_on_cover", _cases.clue_on, postgresql_include=["state", "unit_id"])
# Payments received in the period.
sa.Index("ix_payments_on", Payment.__table__.c.on, postgresql_include=["amount", "case_id"])

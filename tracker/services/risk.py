"""Repeat offenders and the risk ranking of a unit's premises, computed in SQL.

The score of ``tracker.domain.risk`` is written here as one SQL expression over three aggregate
subqueries (violations and flagged observations in the window, last inspection), so the database
orders thousands of premises by score and returns one page; the pure module then explains each row
of the page. Only submitted inspections count: a draft is still being written. Dates are the
unit's local dates, compared as UTC instants (local midnights) so the indexes on
``inspections(unit_id, started_at)`` serve the aggregates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination

from tracker.domain.risk import RiskFacts, RiskScore, month_cutoffs, score, window_start
from tracker.domain.rulebook import RiskRule
from tracker.domain.vocabulary import InspectionStatus, PremisesStatus
from tracker.extensions import db
from tracker.models import Inspection, Premises, PriceObservation, Unit, Violation
from tracker.services import clock
from tracker.services.rulebooks import current_rulebook


@dataclass(frozen=True)
class RiskRow:
    """One premises of the ranking: the facts, the score SQL computed and its explanation."""

    premises: Premises
    facts: RiskFacts
    sql_score: int
    score: RiskScore


def _midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` begins in the time zone ``tz``."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _rule() -> RiskRule:
    return current_rulebook().risk


def _unit_today(unit: Unit, today: date | None) -> date:
    return today or clock.today(unit.timezone)


def _in_window(rule: RiskRule, tz: str, today: date):
    """Submitted inspections whose local date lies in the window ending ``today``."""
    return sa.and_(
        Inspection.status == InspectionStatus.SUBMITTED,
        Inspection.started_at >= _midnight_utc(window_start(today, rule.window_months), tz),
        Inspection.started_at < _midnight_utc(today + timedelta(days=1), tz),
    )


def _window_by_unit(rule: RiskRule, today: date | None = None):
    """The window condition for inspections of any unit, each in its own time zone (one small query)."""
    zones: dict[str, list[int]] = {}
    for unit_id, tz in db.session.execute(sa.select(Unit.id, Unit.timezone)):
        zones.setdefault(tz, []).append(unit_id)
    if not zones:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(Inspection.unit_id.in_(ids), _in_window(rule, tz, today or clock.today(tz)))
            for tz, ids in zones.items()
        )
    )


def repeat_offenders(today: date | None = None) -> sa.Select:
    """Ids of premises with at least the rulebook's number of violations in the window (a subquery)."""
    rule = _rule()
    return (
        sa.select(Inspection.premises_id)
        .join(Violation, Violation.inspection_id == Inspection.id)
        .where(_window_by_unit(rule, today))
        .group_by(Inspection.premises_id)
        .having(sa.func.count(Violation.id) >= rule.repeat_offender_violations)
    )


def repeat_offender_ids(premises_ids, today: date | None = None) -> set[int]:
    """Which of ``premises_ids`` are repeat offenders (for badges on a page: two queries at most)."""
    premises_ids = list(premises_ids)
    if not premises_ids:
        return set()
    stmt = repeat_offenders(today).where(Inspection.premises_id.in_(premises_ids))
    return set(db.session.scalars(stmt))


def _scored(unit: Unit, rule: RiskRule, today: date) -> sa.Select:
    """Premises of ``unit`` with their facts and score, as columns of one statement."""
    tz = unit.timezone
    in_unit = Inspection.unit_id == unit.id
    violations = (
        sa.select(Inspection.premises_id, sa.func.count(Violation.id).label("n"))
        .join(Violation, Violation.inspection_id == Inspection.id)
        .where(in_unit, _in_window(rule, tz, today))
        .group_by(Inspection.premises_id)
        .subquery("risk_violations")
    )
    flagged = (
        sa.select(Inspection.premises_id, sa.func.count(PriceObservation.id).label("n"))
        .join(PriceObservation, PriceObservation.inspection_id == Inspection.id)
        .where(in_unit, _in_window(rule, tz, today), PriceObservation.flagged.is_(True))
        .group_by(Inspection.premises_id)
        .subquery("risk_flagged")
    )
    last = (
        sa.select(Inspection.premises_id, sa.func.max(Inspection.started_at).label("at"))
        .where(
            in_unit,
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.started_at < _midnight_utc(today + timedelta(days=1), tz),
        )
        .group_by(Inspection.premises_id)
        .subquery("risk_last")
    )
    n_violations = sa.func.coalesce(violations.c.n, 0)
    n_flagged = sa.func.coalesce(flagged.c.n, 0)
    # Last inspected on or before today − k months (local date) <=> before the next local midnight.
    cutoffs = month_cutoffs(today, rule.max_months_uninspected)
    months_points = sa.case(
        (last.c.at.is_(None), rule.never_inspected_points),
        *(
            (last.c.at < _midnight_utc(cutoff + timedelta(days=1), tz), k * rule.points_per_month_uninspected)
            for k, cutoff in reversed(list(enumerate(cutoffs, start=1)))
        ),
        else_=0,
    )
    total = (
        n_violations * rule.points_per_violation + n_flagged * rule.points_per_flagged_observation + months_points
    ).label("score")
    return (
        sa.select(Premises, n_violations.label("violations"), n_flagged.label("flagged"), last.c.at, total)
        .outerjoin(violations, violations.c.premises_id == Premises.id)
        .outerjoin(flagged, flagged.c.premises_id == Premises.id)
        .outerjoin(last, last.c.premises_id == Premises.id)
        .where(Premises.unit_id == unit.id)
    )


def _row(unit: Unit, rule: RiskRule, today: date, row) -> RiskRow:
    premises, n_violations, n_flagged, last_at, sql_score = row
    last_on = last_at.astimezone(ZoneInfo(unit.timezone)).date() if last_at is not None else None
    facts = RiskFacts(int(n_violations), int(n_flagged), last_on)
    return RiskRow(premises, facts, int(sql_score), score(facts, rule, today))


class _RowPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination of a select, keeping whole rows instead of the first column."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def ranking(unit: Unit, page: int = 1, per_page: int | None = None, today: date | None = None):
    """One page of the unit's premises (closed ones left out), highest score first, each explained.

    Two queries whatever the unit's size: a count and the page."""
    rule = _rule()
    today = _unit_today(unit, today)
    stmt = _scored(unit, rule, today).where(Premises.status != PremisesStatus.CLOSED)
    stmt = stmt.order_by(sa.desc("score"), Premises.name, Premises.id)
    pagination = _RowPagination(
        select=stmt, session=db.session, page=page,
        per_page=per_page or current_app.config["PER_PAGE"], max_per_page=200, error_out=False,
    )
    pagination.items = [_row(unit, rule, today, row) for row in pagination.items]
    return pagination


def premises_risk(premises: Premises, today: date | None = None) -> RiskRow:
    """The score of one premises, explained (one query)."""
    rule = _rule()
    unit = premises.unit
    today = _unit_today(unit, today)
    row = db.session.execute(_scored(unit, rule, today).where(Premises.id == premises.id)).one()
    return _row(unit, rule, today, row)

"""Daily figures: the dashboard's counts summed per unit and local day, kept in step with the records.

A year's dashboard at a province's scale would otherwise aggregate a quarter of a million inspections and
twice as many price observations on every request (seconds). Instead every flush that adds, changes or
removes an inspection, an observation or a violation recomputes the figures of the unit-days it touched, in
the same transaction, from the records themselves (so the figures cannot drift from them by construction, and
``verify_figures`` proves it). Bulk loads that bypass the ORM (``flask seed-scale``) call ``rebuild_figures``.

The figures of a unit-day are:

- ``inspections``: inspections that started that day, keyed by outcome (``draft`` for drafts);
- ``observations`` and ``flagged``: their price observations, and those a price test flagged;
- ``flag_test``: flagged observations by the test that flagged them (an observation counts once per test);
- ``violations``: violations recorded during them, keyed by code;

and ``premises_days`` lists the premises inspected that day, so that a period's distinct premises (which do
not add up across days) are counted exactly, with whether a submitted follow-up found a closure obeyed.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.domain.vocabulary import InspectionStatus, InspectionType
from tracker.extensions import db
from tracker.models.accounts import Unit
from tracker.models.inspections import Inspection, PriceObservation, Violation

INSPECTIONS = "inspections"
OBSERVATIONS = "observations"
FLAGGED = "flagged"
FLAG_TEST = "flag_test"
VIOLATIONS = "violations"
DRAFT_KEY = "draft"

UnitDay = tuple[int, date]


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
        # The dashboard reads a year's premises-days from the index alone (PostgreSQL: an index-only scan).
        sa.Index("ix_premises_days_day_cover", "day",
                 postgresql_include=["previous_day", "unit_id", "premises_id", "closure_confirmed"]),
    )


# ------------------------------------------------------------------------------------------ computing


def local_day(started_at: datetime, zone: str) -> date:
    """The date an inspection started on, in its unit's time zone."""
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=timezone.utc)
    return started_at.astimezone(ZoneInfo(zone)).date()


def _label(text: str) -> sa.ColumnElement:
    # A literal rather than a bound parameter, so that PostgreSQL sees the same expression wherever it appears.
    return sa.literal_column(f"'{text}'", sa.String)


def _flag_test(dialect: str):
    """A lateral table of an observation's flags and the expression naming each flag's test."""
    if dialect == "postgresql":
        element = sa.func.json_array_elements(PriceObservation.flags).table_valued(
            sa.column("value", sa.JSON)
        ).lateral()
        return element, element.c.value.op("->>")(_label("test"))
    element = sa.func.json_each(PriceObservation.flags).table_valued("value")
    return element, sa.func.json_extract(element.c.value, _label("$.test"))


def figure_selects(dialect: str, where: sa.ColumnElement[bool]) -> list[sa.Select]:
    """SELECTs of (day, unit_id, figure, key, count) for the inspections matching ``where``."""
    i = Inspection
    by_day = (i.day, i.unit_id)
    outcome = sa.type_coerce(i.outcome, sa.String)
    element, test = _flag_test(dialect)
    test = test.label("test")
    return [
        sa.select(i.day, i.unit_id, _label(INSPECTIONS), _label(DRAFT_KEY), sa.func.count())
        .where(where, i.status == InspectionStatus.DRAFT).group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(INSPECTIONS), outcome, sa.func.count())
        .where(where, i.status != InspectionStatus.DRAFT).group_by(*by_day, i.outcome),
        sa.select(i.day, i.unit_id, _label(OBSERVATIONS), _label(""), sa.func.count(PriceObservation.id))
        .join(i, i.id == PriceObservation.inspection_id).where(where).group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(FLAGGED), _label(""), sa.func.count(PriceObservation.id))
        .join(i, i.id == PriceObservation.inspection_id)
        .where(where, PriceObservation.flagged.is_(True)).group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(FLAG_TEST), test, sa.func.count(sa.distinct(PriceObservation.id)))
        .select_from(PriceObservation).join(i, i.id == PriceObservation.inspection_id).join(element, sa.true())
        .where(where, PriceObservation.flagged.is_(True)).group_by(*by_day, test),
        sa.select(i.day, i.unit_id, _label(VIOLATIONS), Violation.code, sa.func.count(Violation.id))
        .join(i, i.id == Violation.inspection_id).where(where).group_by(*by_day, Violation.code),
    ]


def premises_select(where: sa.ColumnElement[bool], closure_item: str | None) -> sa.Select:
    """SELECT of (day, unit_id, premises_id, closure_confirmed) for the inspections matching ``where``."""
    i = Inspection
    if closure_item is None:
        confirmed = sa.false()
    else:
        obeyed = sa.and_(
            i.checklist[closure_item].as_string() == "yes",
            i.type == InspectionType.FOLLOW_UP,
            i.status == InspectionStatus.SUBMITTED,
        )
        confirmed = sa.func.max(sa.case((obeyed, 1), else_=0)) == 1
    return sa.select(i.day, i.unit_id, i.premises_id, confirmed).where(where).group_by(i.day, i.unit_id, i.premises_id)


FIGURE_COLUMNS = ("day", "unit_id", "figure", "key", "count")
PREMISES_COLUMNS = ("day", "unit_id", "premises_id", "closure_confirmed")


def _closure_item() -> str | None:
    # The rulebook lives with the app (imported late: models load before the services).
    from tracker.services.rulebooks import current_rulebook

    return current_rulebook().inspections.closure_obeyed_item


def _keys_filter(columns, keys: Iterable[UnitDay]) -> sa.ColumnElement[bool]:
    unit_column, day_column = columns
    return sa.or_(*(sa.and_(unit_column == unit_id, day_column == day) for unit_id, day in keys))


def refresh_figures(connection: sa.Connection, keys: set[UnitDay], closure_item: str | None) -> None:
    """Recompute the figures of ``keys`` (unit-days) from the records, in the caller's transaction."""
    if not keys:
        return
    dialect = connection.dialect.name
    ordered = sorted(keys)
    for start in range(0, len(ordered), 200):  # keep each statement's OR list short
        chunk = ordered[start:start + 200]
        where = _keys_filter((Inspection.unit_id, Inspection.day), chunk)
        days_of_chunk = _keys_filter((PremisesDay.unit_id, PremisesDay.day), chunk)
        premises_ids = set(connection.scalars(sa.select(PremisesDay.premises_id).where(days_of_chunk)))
        connection.execute(sa.delete(DailyFigure).where(_keys_filter((DailyFigure.unit_id, DailyFigure.day), chunk)))
        connection.execute(sa.delete(PremisesDay).where(days_of_chunk))
        _insert(connection, dialect, where, closure_item)
        premises_ids.update(connection.scalars(sa.select(PremisesDay.premises_id).where(days_of_chunk)))
        _link_previous_days(connection, premises_ids)


def rebuild_figures(connection: sa.Connection, closure_item: str | None) -> None:
    """Recompute every unit-day's figures (after a bulk load, or a change of the rulebook's closure item)."""
    connection.execute(sa.delete(DailyFigure))
    connection.execute(sa.delete(PremisesDay))
    _insert(connection, connection.dialect.name, sa.true(), closure_item, link_days=True)


def _link_previous_days(connection: sa.Connection, premises_ids: set[int]) -> None:
    """Set the previous inspection day of every premises-day of ``premises_ids`` (a few rows each)."""
    days = PremisesDay.__table__
    earlier = days.alias("earlier")
    previous = (
        sa.select(sa.func.max(earlier.c.day))
        .where(earlier.c.premises_id == days.c.premises_id, earlier.c.day < days.c.day)
        .scalar_subquery()
    )
    ordered = sorted(premises_ids)
    for start in range(0, len(ordered), 500):
        connection.execute(
            sa.update(days).values(previous_day=previous).where(days.c.premises_id.in_(ordered[start:start + 500]))
        )


def _insert(connection: sa.Connection, dialect: str, where, closure_item: str | None, link_days: bool = False) -> None:
    """Insert the figures of the inspections matching ``where``; ``link_days`` when they are all of them, so
    that each premises-day's previous day comes from the same SELECT (a window over every premises-day)."""
    for select in figure_selects(dialect, where):
        connection.execute(sa.insert(DailyFigure).from_select(FIGURE_COLUMNS, select))
    days = premises_select(where, closure_item)
    if not link_days:
        connection.execute(sa.insert(PremisesDay).from_select(PREMISES_COLUMNS, days))
        return
    grouped = days.subquery()
    day, unit_id, premises_id, confirmed = grouped.c
    linked = sa.select(
        day, unit_id, premises_id, confirmed,
        sa.func.lag(day).over(partition_by=premises_id, order_by=day),
    )
    connection.execute(sa.insert(PremisesDay).from_select((*PREMISES_COLUMNS, "previous_day"), linked))


def figure_differences(connection: sa.Connection, closure_item: str | None, limit: int = 20) -> list[str]:
    """Where the stored figures differ from the records (empty when they agree): at most ``limit`` lines."""
    dialect = connection.dialect.name
    expected: dict[tuple, int] = {}
    for select in figure_selects(dialect, sa.true()):
        for day, unit_id, figure, key, count in connection.execute(select):
            expected[(day, unit_id, figure, key or "")] = int(count)
    stored = {
        (day, unit_id, figure, key): int(count)
        for day, unit_id, figure, key, count in connection.execute(sa.select(*DailyFigure.__table__.c))
    }
    lines = [
        f"unit {key[1]} {key[0]}: {key[2]} {key[3]!r} stored {stored.get(key, 0)}, records {expected.get(key, 0)}"
        for key in sorted(set(expected) | set(stored), key=repr)
        if stored.get(key, 0) != expected.get(key, 0)
    ]
    expected_days = {
        (day, unit_id, premises_id, bool(confirmed))
        for day, unit_id, premises_id, confirmed in connection.execute(premises_select(sa.true(), closure_item))
    }
    previous: dict[int, date] = {}
    expected_links = {}
    for day, _unit, premises_id, _confirmed in sorted(expected_days, key=lambda row: (row[2], row[0])):
        expected_links[(day, premises_id)] = previous.get(premises_id)
        previous[premises_id] = day
    stored_days, stored_links = set(), {}
    for day, unit_id, premises_id, confirmed, previous_day in connection.execute(
        sa.select(PremisesDay.day, PremisesDay.unit_id, PremisesDay.premises_id, PremisesDay.closure_confirmed,
                  PremisesDay.previous_day)
    ):
        stored_days.add((day, unit_id, premises_id, bool(confirmed)))
        stored_links[(day, premises_id)] = previous_day
    for row in sorted(expected_days ^ stored_days, key=repr):
        side = "missing" if row in expected_days else "stale"
        lines.append(f"unit {row[1]} {row[0]}: premises {row[2]} {side} (closure confirmed {row[3]})")
    for key in sorted(set(expected_links) & set(stored_links), key=repr):
        if expected_links[key] != stored_links[key]:
            lines.append(f"premises {key[1]} {key[0]}: previous day stored {stored_links[key]}, "
                         f"records {expected_links[key]}")
    return lines[:limit]


# ------------------------------------------------------------------------------------------ keeping in step

_OLD_KEYS = "figures_old_unit_days"


@sa.event.listens_for(Session, "before_flush")
def _stamp_days(session: Session, _context, _instances) -> None:
    """Give new and moved inspections their local day, remembering the unit-day they leave."""
    zones: dict[int, str] = {}
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Inspection) or obj.started_at is None:
            continue
        unit = obj.__dict__.get("unit")  # set or loaded already; never lazy-loaded here
        unit_id = unit.id if unit is not None and unit.id is not None else obj.unit_id
        if unit is not None:
            zone = unit.timezone
        elif unit_id is None:
            continue  # no unit: the NOT NULL constraint will say so
        else:
            zone = zones.get(unit_id)
            if zone is None:
                with session.no_autoflush:
                    zone = zones[unit_id] = session.get(Unit, unit_id).timezone
        day = local_day(obj.started_at, zone)
        state = sa.inspect(obj)
        if state.persistent:
            unit_history = state.attrs.unit_id.history
            old_unit = unit_history.deleted[0] if unit_history.deleted else obj.unit_id
            if obj.day is not None and (obj.day != day or old_unit != unit_id):
                session.info.setdefault(_OLD_KEYS, set()).add((old_unit, obj.day))
        if obj.day != day:
            obj.day = day


@sa.event.listens_for(Session, "after_flush")
def _refresh_touched_days(session: Session, _context) -> None:
    """Recompute the figures of every unit-day whose records this flush changed."""
    keys: set[UnitDay] = set(session.info.pop(_OLD_KEYS, set()))
    inspection_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Inspection):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            if obj.unit_id is not None and obj.day is not None:
                keys.add((obj.unit_id, obj.day))
        elif isinstance(obj, (PriceObservation, Violation)):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            if obj.inspection_id is not None:
                inspection_ids.add(obj.inspection_id)
    connection = session.connection()
    if inspection_ids:
        keys.update(
            (unit_id, day) for unit_id, day in connection.execute(
                sa.select(Inspection.unit_id, Inspection.day).where(Inspection.id.in_(inspection_ids))
            )
        )
    if keys:
        refresh_figures(connection, keys, _closure_item())

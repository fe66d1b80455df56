"""Keeping the dashboard's summary tables (tracker.models.figures) in step with the records.

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
- ``premises_new_year`` and ``premises_new_month``: premises inspected that day and not earlier in the same
  calendar year, or month (from ``premises_days``, below: a period from 1 January, or from the 1st of a month
  to a day of it, sums these to count its distinct premises);

and ``premises_days`` lists the premises inspected that day, so that a period's distinct premises (which do
not add up across days) are counted exactly, with whether a submitted follow-up found a closure obeyed.

Two more tables keep the dashboard's work the same whatever the size of the data:

- ``monthly_figures``: the daily figures summed per unit and calendar month, so that a period is read as its
  whole months plus or minus a few days (the year to date: its months less the days after today), not day by
  day. A refresh adds the change of the days it recomputed to their months' sums (UPDATE ... + change), so
  writers of different days of a month do not overwrite each other's sums;
- ``decision_figures``: one row per decided case with what the dashboard counts of it (decision date, days
  from clue to decision, in force, closure or suspension ordered) and its money account
  (``domain.penalties.account``) from the day that account stops changing (``settles_on``: every payment made
  and the late-payment surcharge paid off, capped or frozen), with the account's inputs for the few decisions
  whose account still changes as of the day the dashboard is asked for. Every flush that adds or changes a
  case, a payment or an appeal recomputes the rows of the cases it touched, in the same transaction (a case's
  actions are serialised by its version). The account uses the rulebook's late-payment rate and stores it:
  the dashboard recomputes the accounts stored with another rate, and ``figures rebuild`` stores them anew.

``figure_differences`` recomputes all of them from the records and lists every row that differs.

The session listeners at the end (``stamp_inspection_days``, ``refresh_touched_days``, ``drop_deleted_decisions``,
``refresh_touched_decisions``) are registered by the app factory through ``tracker.services.keepers``, which
lists every derived table and what keeps it.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker.domain import figures as rules
from tracker.domain.penalties import PaymentIn, parse_penalty
from tracker.domain.vocabulary import InspectionStatus, InspectionType
from tracker.models.accounts import Unit
from tracker.models.cases import Appeal, Case, Payment
from tracker.models.figures import DailyFigure, DecisionFigure, MonthlyFigure, PremisesDay
from tracker.models.inspections import Inspection, PriceObservation, Violation
from tracker.services.rulebooks import current_rulebook

INSPECTIONS = "inspections"
OBSERVATIONS = "observations"
FLAGGED = "flagged"
FLAG_TEST = "flag_test"
VIOLATIONS = "violations"
DRAFT_KEY = "draft"
# Premises inspected on a day and not earlier in the same year / month (keyed by domain.figures' names).
PREMISES_NEW = {rules.FIRST_IN_YEAR: "premises_new_year", rules.FIRST_IN_MONTH: "premises_new_month"}

UnitDay = tuple[int, date]


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
MONTH_COLUMNS = ("month", "unit_id", "figure", "key", "count")
MONEY_COLUMNS = ("fine", "confiscation", "surcharge", "paid_fine", "paid_surcharge", "paid_confiscation", "due")


def closure_item() -> str | None:
    """The rulebook's checklist item that says whether a closure was obeyed (the premises-days' figure)."""
    return current_rulebook().inspections.closure_obeyed_item


def late_payment_rate() -> Decimal:
    """The rulebook's daily late-payment rate (0 when it has none), as the case page uses it."""
    return current_rulebook().late_payment_daily_rate or Decimal("0")


def rate_key(rate: Decimal) -> str:
    """A rate as ``decision_figures.rate`` stores it: '0.03' for 0.0300."""
    return format(Decimal(rate).normalize(), "f")


def _keys_filter(columns, keys: Iterable[UnitDay]) -> sa.ColumnElement[bool]:
    unit_column, day_column = columns
    return sa.or_(*(sa.and_(unit_column == unit_id, day_column == day) for unit_id, day in keys))


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    ordered = sorted(items)
    for start in range(0, len(ordered), size):  # keep each statement's OR or IN list short
        yield ordered[start:start + size]


def new_premises_selects(where: sa.ColumnElement[bool]) -> list[sa.Select]:
    """SELECTs of (day, unit_id, figure, '', count) for the premises-days matching ``where``: how many were the
    premises' first inspection day of the calendar year (no previous day, or one in an earlier year), and of
    the month."""
    d = PremisesDay
    first_ever = d.previous_day.is_(None)
    new_year = sa.or_(first_ever, sa.extract("year", d.previous_day) != sa.extract("year", d.day))
    new_month = sa.or_(new_year, sa.extract("month", d.previous_day) != sa.extract("month", d.day))
    return [
        sa.select(d.day, d.unit_id, _label(PREMISES_NEW[name]), _label(""), sa.func.count())
        .where(where, condition).group_by(d.day, d.unit_id)
        for name, condition in ((rules.FIRST_IN_YEAR, new_year), (rules.FIRST_IN_MONTH, new_month))
    ]


def _month_of(dialect: str, column) -> sa.ColumnElement:
    """The first day of the month of a date column, in SQL."""
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc(_label("month"), column), sa.Date)
    return sa.func.date(column, _label("start of month"))


def monthly_select(dialect: str, where: sa.ColumnElement[bool]) -> sa.Select:
    """SELECT of (month, unit_id, figure, key, count): the daily figures matching ``where`` summed per month."""
    f = DailyFigure
    month = _month_of(dialect, f.day)
    return (sa.select(month, f.unit_id, f.figure, f.key, sa.func.sum(f.count))
            .where(where).group_by(month, f.unit_id, f.figure, f.key))


def refresh_figures(connection: sa.Connection, keys: set[UnitDay], closure_item: str | None) -> None:
    """Recompute the figures of ``keys`` (unit-days) from the records, in the caller's transaction: their daily
    figures and premises-days, the previous day of their premises' other days (and the "premises new" figures
    of the days whose previous day changed), and the monthly sums, by the change in those days' figures (so
    that writers of different days of a unit-month do not overwrite each other's sums)."""
    if not keys:
        return
    dialect = connection.dialect.name
    changes: dict[tuple, int] = {}

    def count(days: Iterable[UnitDay], sign: int, only: Iterable[str] | None = None) -> None:
        for month_key, amount in _monthly_counts(connection, days, only).items():
            changes[month_key] = changes.get(month_key, 0) + sign * amount

    new_figures = list(PREMISES_NEW.values())
    for chunk in _chunks(keys, 200):
        count(chunk, -1)
        where = _keys_filter((Inspection.unit_id, Inspection.day), chunk)
        days_of_chunk = _keys_filter((PremisesDay.unit_id, PremisesDay.day), chunk)
        premises_ids = set(connection.scalars(sa.select(PremisesDay.premises_id).where(days_of_chunk)))
        connection.execute(sa.delete(DailyFigure).where(_keys_filter((DailyFigure.unit_id, DailyFigure.day), chunk)))
        connection.execute(sa.delete(PremisesDay).where(days_of_chunk))
        _insert(connection, dialect, where, closure_item)
        premises_ids.update(connection.scalars(sa.select(PremisesDay.premises_id).where(days_of_chunk)))
        relinked = _link_previous_days(connection, premises_ids) - set(chunk)
        count(relinked, -1, new_figures)
        _refresh_new_premises(connection, set(chunk) | relinked)
        count(chunk, 1)
        count(relinked, 1, new_figures)
    _add_to_months(connection, {key: amount for key, amount in changes.items() if amount})


def _monthly_counts(connection: sa.Connection, keys: Iterable[UnitDay], only: Iterable[str] | None) -> dict[tuple, int]:
    """The stored daily figures of ``keys`` (of the figures ``only``, or all), summed per (month, unit, figure,
    key)."""
    counts: dict[tuple, int] = {}
    for chunk in _chunks(keys, 200):
        query = sa.select(DailyFigure.day, DailyFigure.unit_id, DailyFigure.figure, DailyFigure.key, DailyFigure.count)
        query = query.where(_keys_filter((DailyFigure.unit_id, DailyFigure.day), chunk))
        if only is not None:
            query = query.where(DailyFigure.figure.in_(list(only)))
        for day, unit_id, figure, key, amount in connection.execute(query):
            month_key = (rules.month_start(day), unit_id, figure, key)
            counts[month_key] = counts.get(month_key, 0) + amount
    return counts


def _add_to_months(connection: sa.Connection, changes: dict[tuple, int]) -> None:
    """Add ``changes`` ((month, unit, figure, key) -> amount) to the monthly sums: an UPDATE adding to the
    committed sum (an INSERT for a new key), so concurrent writers of one unit-month add up rather than
    overwrite each other; sums that fall to zero are removed."""
    if not changes:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = MonthlyFigure.__table__
    upsert = insert(table)
    upsert = upsert.on_conflict_do_update(
        index_elements=["month", "unit_id", "figure", "key"],
        set_={"count": table.c["count"] + upsert.excluded["count"]},
    )
    connection.execute(upsert, [
        {"month": month, "unit_id": unit_id, "figure": figure, "key": key, "count": amount}
        for (month, unit_id, figure, key), amount in sorted(changes.items())
    ])
    for chunk in _chunks({(unit_id, month) for month, unit_id, _figure, _key in changes}, 200):
        connection.execute(sa.delete(table).where(
            table.c["count"] == 0, _keys_filter((table.c.unit_id, table.c.month), chunk)))


def rebuild_figures(connection: sa.Connection, closure_item: str | None, daily_rate: Decimal | None = None) -> None:
    """Recompute every figure from the records (after a bulk load, or a change of the rulebook's closure item or
    late-payment rate; ``daily_rate``: the rulebook's, when not given).

    A summary table the database does not have yet (not migrated to the head) is left alone. Migrations do not
    call it: they run frozen copies of the code as it was when they were written (migrations/frozen/)."""
    dialect = connection.dialect.name
    connection.execute(sa.delete(DailyFigure))
    connection.execute(sa.delete(PremisesDay))
    _insert(connection, dialect, sa.true(), closure_item, link_days=True)
    for select in new_premises_selects(sa.true()):
        connection.execute(sa.insert(DailyFigure).from_select(FIGURE_COLUMNS, select))
    tables = set(sa.inspect(connection).get_table_names())
    if MonthlyFigure.__tablename__ in tables:
        connection.execute(sa.delete(MonthlyFigure))
        connection.execute(sa.insert(MonthlyFigure).from_select(MONTH_COLUMNS, monthly_select(dialect, sa.true())))
    if DecisionFigure.__tablename__ in tables:
        rebuild_decisions(connection, late_payment_rate() if daily_rate is None else daily_rate)


def _link_previous_days(connection: sa.Connection, premises_ids: set[int]) -> set[UnitDay]:
    """Set the previous inspection day of every premises-day of ``premises_ids`` (a few rows each); returns the
    unit-days of the premises-days whose previous day changed."""
    days = PremisesDay.__table__
    changed: set[UnitDay] = set()
    for chunk in _chunks(premises_ids, 500):
        rows = connection.execute(
            sa.select(days.c.premises_id, days.c.day, days.c.unit_id, days.c.previous_day)
            .where(days.c.premises_id.in_(chunk)).order_by(days.c.premises_id, days.c.day)
        ).all()
        updates = []
        premises, day_before, last_day = None, None, None
        for premises_id, day, unit_id, previous_day in rows:
            if premises_id != premises:
                premises, day_before, last_day = premises_id, None, None
            elif day != last_day:
                day_before = last_day  # the latest day strictly before this one
            last_day = day
            if previous_day != day_before:
                updates.append({"p": premises_id, "d": day, "u": unit_id, "previous": day_before})
                changed.add((unit_id, day))
        if updates:
            connection.execute(
                sa.update(days).values(previous_day=sa.bindparam("previous")).where(
                    days.c.premises_id == sa.bindparam("p"), days.c.day == sa.bindparam("d"),
                    days.c.unit_id == sa.bindparam("u"),
                ),
                updates,
            )
    return changed


def _refresh_new_premises(connection: sa.Connection, keys: set[UnitDay]) -> None:
    """Recompute the "premises new this year / month" figures of ``keys`` from their premises-days."""
    for chunk in _chunks(keys, 200):
        connection.execute(sa.delete(DailyFigure).where(
            DailyFigure.figure.in_(list(PREMISES_NEW.values())),
            _keys_filter((DailyFigure.unit_id, DailyFigure.day), chunk),
        ))
        for select in new_premises_selects(_keys_filter((PremisesDay.unit_id, PremisesDay.day), chunk)):
            connection.execute(sa.insert(DailyFigure).from_select(FIGURE_COLUMNS, select))


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


# ------------------------------------------------------------------------------------------ decisions


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def decision_rows(connection: sa.Connection, where: sa.ColumnElement[bool], daily_rate: Decimal) -> list[dict]:
    """The ``decision_figures`` rows of the decided cases matching ``where`` (on ``Case``), from the records:
    the cases, their payments and their appeals (three queries), and the domain's account of each."""
    decided = sa.and_(Case.decided_on.is_not(None), where)
    cases = connection.execute(
        sa.select(Case.id, Case.unit_id, Case.clue_on, Case.decided_on, Case.decided_lines, Case.withdrawn_on,
                  Case.payment_due_on).where(decided).order_by(Case.id)
    ).all()
    payments: dict[int, list[PaymentIn]] = {}
    for case_id, on, amount in connection.execute(
        sa.select(Payment.case_id, Payment.on, Payment.amount).join(Case, Case.id == Payment.case_id)
        .where(decided).order_by(Payment.id)
    ):
        payments.setdefault(case_id, []).append(PaymentIn(on, Decimal(amount).quantize(Decimal("0.01"))))
    appeals: dict[int, list[tuple[date, date | None]]] = {}
    for case_id, lodged_on, outcome, outcome_on in connection.execute(
        sa.select(Appeal.case_id, Appeal.lodged_on, Appeal.outcome, Appeal.outcome_on)
        .join(Case, Case.id == Appeal.case_id).where(decided).order_by(Appeal.id)
    ):
        appeals.setdefault(case_id, []).append((lodged_on, outcome_on if outcome != "pending" else None))
    rate = rate_key(daily_rate)
    rows = []
    for case in cases:
        penalty = parse_penalty(case.decided_lines) if case.decided_lines else None
        in_force = penalty is not None and case.withdrawn_on is None
        sanctions = penalty.sanctions if penalty is not None else frozenset()
        row = {
            "case_id": case.id, "unit_id": case.unit_id, "decided_on": case.decided_on,
            "days_to_decision": (case.decided_on - case.clue_on).days, "in_force": in_force,
            "closure": "closure" in sanctions, "suspension": "suspension" in sanctions, "rate": rate,
            "due_on": None, "payments": None, "appeals": None, "settles_on": case.decided_on,
            **dict.fromkeys(MONEY_COLUMNS, 0),
        }
        if in_force:
            paid, frozen = payments.get(case.id, []), appeals.get(case.id, [])
            settles_on, balance = rules.account_settles(
                penalty.fine, penalty.confiscation, case.payment_due_on, paid, daily_rate, frozen, case.decided_on)
            row.update(
                due_on=case.payment_due_on,
                payments=[[payment.on.isoformat(), str(payment.amount)] for payment in paid] or None,
                appeals=[[lodged.isoformat(), outcome_on.isoformat() if outcome_on else None]
                         for lodged, outcome_on in frozen] or None,
                settles_on=settles_on,
                fine=_cents(balance.fine), confiscation=_cents(balance.confiscation),
                surcharge=_cents(balance.surcharge), paid_fine=_cents(balance.paid_fine),
                paid_surcharge=_cents(balance.paid_surcharge), paid_confiscation=_cents(balance.paid_confiscation),
                due=_cents(balance.due),
            )
        rows.append(row)
    return rows


def decision_inputs(row) -> tuple[Decimal, Decimal, date | None, list[PaymentIn], list[tuple[date, date | None]]]:
    """A ``decision_figures`` row's account inputs: fine, confiscation, due date, payments, appeal periods."""
    return (
        Decimal(row.fine).scaleb(-2), Decimal(row.confiscation).scaleb(-2), row.due_on,
        [PaymentIn(date.fromisoformat(on), Decimal(amount)) for on, amount in row.payments or ()],
        [(date.fromisoformat(lodged), date.fromisoformat(until) if until else None)
         for lodged, until in row.appeals or ()],
    )


def refresh_decisions(connection: sa.Connection, case_ids: set[int], daily_rate: Decimal) -> None:
    """Recompute the ``decision_figures`` rows of ``case_ids`` from the records, in the caller's transaction."""
    for chunk in _chunks(case_ids, 500):
        connection.execute(sa.delete(DecisionFigure).where(DecisionFigure.case_id.in_(chunk)))
        rows = decision_rows(connection, Case.id.in_(chunk), daily_rate)
        if rows:
            connection.execute(sa.insert(DecisionFigure), rows)


def rebuild_decisions(connection: sa.Connection, daily_rate: Decimal) -> None:
    """Recompute every ``decision_figures`` row (after a bulk load, or a change of the late-payment rate)."""
    connection.execute(sa.delete(DecisionFigure))
    rows = decision_rows(connection, sa.true(), daily_rate)
    for start in range(0, len(rows), 2000):
        connection.execute(sa.insert(DecisionFigure), rows[start:start + 2000])


# ------------------------------------------------------------------------------------------ verifying


def figure_differences(connection: sa.Connection, closure_item: str | None, limit: int = 20,
                       daily_rate: Decimal | None = None) -> list[str]:
    """Where the stored figures differ from the records (empty when they agree): at most ``limit`` lines.

    Every summary table is recomputed from the records and compared row by row: the daily figures (the
    "premises new" ones from the premises-days the records give), the premises-days and their previous days,
    the monthly sums, and the decisions (with ``daily_rate``, by default the rulebook's)."""
    dialect = connection.dialect.name
    expected: dict[tuple, int] = {}
    for select in figure_selects(dialect, sa.true()):
        for day, unit_id, figure, key, count in connection.execute(select):
            expected[(day, unit_id, figure, key or "")] = int(count)
    expected_days = {
        (day, unit_id, premises_id, bool(confirmed))
        for day, unit_id, premises_id, confirmed in connection.execute(premises_select(sa.true(), closure_item))
    }
    previous: dict[int, date] = {}
    expected_links = {}
    for day, _unit, premises_id, _confirmed in sorted(expected_days, key=lambda row: (row[2], row[0])):
        expected_links[(day, premises_id)] = previous.get(premises_id)
        previous[premises_id] = day
    for day, unit_id, premises_id, _confirmed in expected_days:
        before = expected_links[(day, premises_id)]
        for name, new in ((rules.FIRST_IN_YEAR, before is None or before.year != day.year),
                          (rules.FIRST_IN_MONTH, before is None or (before.year, before.month) != (day.year, day.month))):
            if new:
                key = (day, unit_id, PREMISES_NEW[name], "")
                expected[key] = expected.get(key, 0) + 1
    stored = {
        (day, unit_id, figure, key): int(count)
        for day, unit_id, figure, key, count in connection.execute(sa.select(*DailyFigure.__table__.c))
    }
    lines = [
        f"unit {key[1]} {key[0]}: {key[2]} {key[3]!r} stored {stored.get(key, 0)}, records {expected.get(key, 0)}"
        for key in sorted(set(expected) | set(stored), key=repr)
        if stored.get(key, 0) != expected.get(key, 0)
    ]
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
    # The monthly sums, from the daily figures the records give.
    expected_months: dict[tuple, int] = {}
    for (day, unit_id, figure, key), count in expected.items():
        month_key = (rules.month_start(day), unit_id, figure, key)
        expected_months[month_key] = expected_months.get(month_key, 0) + count
    stored_months = {
        (month, unit_id, figure, key): int(count)
        for month, unit_id, figure, key, count in connection.execute(sa.select(*MonthlyFigure.__table__.c))
    }
    lines.extend(
        f"unit {key[1]} month {key[0]:%Y-%m}: {key[2]} {key[3]!r} stored {stored_months.get(key, 0)}, "
        f"records {expected_months.get(key, 0)}"
        for key in sorted(set(expected_months) | set(stored_months), key=repr)
        if stored_months.get(key, 0) != expected_months.get(key, 0)
    )
    # The decisions, recomputed by the domain's account.
    rate = late_payment_rate() if daily_rate is None else daily_rate
    expected_decisions = {row["case_id"]: row for row in decision_rows(connection, sa.true(), rate)}
    stored_decisions = {
        row.case_id: dict(row._mapping) for row in connection.execute(sa.select(*DecisionFigure.__table__.c))
    }
    for case_id in sorted(set(expected_decisions) | set(stored_decisions)):
        want, have = expected_decisions.get(case_id), stored_decisions.get(case_id)
        if want is None or have is None:
            side = "stale" if want is None else "missing"
            lines.append(f"case {case_id}: decision figures {side}")
            continue
        wrong = [name for name in want if want[name] != have[name]]
        if wrong:
            lines.append(f"case {case_id}: decision figures differ in " + ", ".join(
                f"{name} (stored {have[name]!r}, records {want[name]!r})" for name in wrong))
    return lines[:limit]

# ------------------------------------------------------------------------------------------ keeping in step
# Session listeners (before_flush / after_flush), registered by tracker.services.keepers.

_OLD_KEYS = "figures_old_unit_days"


def stamp_inspection_days(session: Session, _context, _instances) -> None:
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


def refresh_touched_days(session: Session, _context) -> None:
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
        refresh_figures(connection, keys, closure_item())


def _moved_from(obj, attribute: str) -> list:
    """The former values of a foreign key this flush changed (a record moved to another parent)."""
    history = sa.inspect(obj).attrs[attribute].history
    return [value for value in history.deleted if value is not None]


def drop_deleted_decisions(session: Session, _context, _instances) -> None:
    """A case deleted takes its decision figures with it (they reference it)."""
    case_ids = [obj.id for obj in session.deleted if isinstance(obj, Case) and obj.id is not None]
    if case_ids:
        session.connection().execute(sa.delete(DecisionFigure).where(DecisionFigure.case_id.in_(case_ids)))


def refresh_touched_decisions(session: Session, _context) -> None:
    """Recompute the decision figures of every decided case whose case row, payments or appeals this flush
    changed."""
    case_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Case):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            if obj.decided_on is not None or _moved_from(obj, "decided_on"):
                case_ids.add(obj.id)
        elif isinstance(obj, (Payment, Appeal)):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            case_ids.update([obj.case_id, *_moved_from(obj, "case_id")])
    for obj in session.deleted:
        if isinstance(obj, (Payment, Appeal)):
            case_ids.update([obj.case_id, *_moved_from(obj, "case_id")])
    case_ids.discard(None)
    if case_ids:
        refresh_decisions(session.connection(), case_ids, late_payment_rate())

"""A frozen copy of the code that migrations e4f1a6b2c901 (daily figures) and f3a8d5c1e702 (flat dashboard
figures) run to fill the summary tables and the register dates of the records already there.

Copied (issue 16) from the app as those migrations ran it: ``tracker.models.figures.rebuild_figures`` and
``late_payment_rate``, ``tracker.services.outcomes.refresh_register_dates`` and ``register_until_of``, and the
domain code they call (``tracker.domain.figures.account_settles``, ``tracker.domain.penalties.parse_penalty``
and ``account``, ``tracker.domain.publication.register_until``, ``tracker.domain.money``). The tables are
declared here with the columns this code reads and writes, as those revisions have them.

Never change it to follow the app: an old migration must do tomorrow exactly what it does today. A later
migration that needs other code gets a frozen copy of its own (``figures_v2.py``, ...). It imports nothing of
the tracker: only the app's rulebook, a value the app loads at start-up, is read (``current_app.extensions``).
The migrations load it by path (it is not in a package): see their ``_frozen()``.
"""
from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

import sqlalchemy as sa

# ------------------------------------------------------------------------------------------ tables

inspections = sa.table(
    "inspections",
    sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("premises_id", sa.Integer),
    sa.column("day", sa.Date), sa.column("type", sa.String), sa.column("status", sa.String),
    sa.column("outcome", sa.String), sa.column("checklist", sa.JSON),
)
price_observations = sa.table(
    "price_observations",
    sa.column("id", sa.Integer), sa.column("inspection_id", sa.Integer), sa.column("flags", sa.JSON),
    sa.column("flagged", sa.Boolean),
)
violations = sa.table(
    "violations", sa.column("id", sa.Integer), sa.column("inspection_id", sa.Integer), sa.column("code", sa.String),
)
daily_figures = sa.table(
    "daily_figures",
    sa.column("day", sa.Date), sa.column("unit_id", sa.Integer), sa.column("figure", sa.String),
    sa.column("key", sa.String), sa.column("count", sa.Integer),
)
premises_days = sa.table(
    "premises_days",
    sa.column("day", sa.Date), sa.column("unit_id", sa.Integer), sa.column("premises_id", sa.Integer),
    sa.column("closure_confirmed", sa.Boolean), sa.column("previous_day", sa.Date),
)
monthly_figures = sa.table(
    "monthly_figures",
    sa.column("month", sa.Date), sa.column("unit_id", sa.Integer), sa.column("figure", sa.String),
    sa.column("key", sa.String), sa.column("count", sa.Integer),
)
decision_figures = sa.table(
    "decision_figures",
    sa.column("case_id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("decided_on", sa.Date),
    sa.column("days_to_decision", sa.Integer), sa.column("in_force", sa.Boolean), sa.column("closure", sa.Boolean),
    sa.column("suspension", sa.Boolean), sa.column("rate", sa.String), sa.column("due_on", sa.Date),
    sa.column("payments", sa.JSON(none_as_null=True)), sa.column("appeals", sa.JSON(none_as_null=True)),
    sa.column("settles_on", sa.Date), sa.column("fine", sa.BigInteger), sa.column("confiscation", sa.BigInteger),
    sa.column("surcharge", sa.BigInteger), sa.column("paid_fine", sa.BigInteger),
    sa.column("paid_surcharge", sa.BigInteger), sa.column("paid_confiscation", sa.BigInteger),
    sa.column("due", sa.BigInteger),
)
cases = sa.table(
    "cases",
    sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("clue_on", sa.Date),
    sa.column("decided_on", sa.Date), sa.column("decided_lines", sa.JSON), sa.column("withdrawn_on", sa.Date),
    sa.column("payment_due_on", sa.Date), sa.column("published_on", sa.Date),
    sa.column("operator_type", sa.String), sa.column("public_until", sa.Date),
)
payments = sa.table(
    "payments",
    sa.column("id", sa.Integer), sa.column("case_id", sa.Integer), sa.column("on", sa.Date),
    sa.column("amount", sa.Numeric(14, 2)),
)
appeals = sa.table(
    "appeals",
    sa.column("id", sa.Integer), sa.column("case_id", sa.Integer), sa.column("lodged_on", sa.Date),
    sa.column("outcome", sa.String), sa.column("outcome_on", sa.Date),
)

INSPECTIONS = "inspections"
OBSERVATIONS = "observations"
FLAGGED = "flagged"
FLAG_TEST = "flag_test"
VIOLATIONS = "violations"
DRAFT_KEY = "draft"
PREMISES_NEW_YEAR = "premises_new_year"
PREMISES_NEW_MONTH = "premises_new_month"

FIGURE_COLUMNS = ("day", "unit_id", "figure", "key", "count")
PREMISES_COLUMNS = ("day", "unit_id", "premises_id", "closure_confirmed")
MONTH_COLUMNS = ("month", "unit_id", "figure", "key", "count")
MONEY_COLUMNS = ("fine", "confiscation", "surcharge", "paid_fine", "paid_surcharge", "paid_confiscation", "due")


# ------------------------------------------------------------------------------------------ the rulebook


def rulebook():
    """The app's rulebook (RuntimeError without an app context)."""
    from flask import current_app

    return current_app.extensions["tracker.rulebook"]


def late_payment_rate() -> Decimal:
    """The rulebook's daily late-payment rate (0 when it has none)."""
    return rulebook().late_payment_daily_rate or Decimal("0")


def rate_key(rate: Decimal) -> str:
    """A rate as ``decision_figures.rate`` stores it: '0.03' for 0.0300."""
    return format(Decimal(rate).normalize(), "f")


# ------------------------------------------------------------------------------------------ daily figures


def _label(text: str) -> sa.ColumnElement:
    # A literal rather than a bound parameter, so that PostgreSQL sees the same expression wherever it appears.
    return sa.literal_column(f"'{text}'", sa.String)


def _flag_test(dialect: str):
    """A lateral table of an observation's flags and the expression naming each flag's test."""
    o = price_observations.c
    if dialect == "postgresql":
        element = sa.func.json_array_elements(o.flags).table_valued(sa.column("value", sa.JSON)).lateral()
        return element, element.c.value.op("->>")(_label("test"))
    element = sa.func.json_each(o.flags).table_valued("value")
    return element, sa.func.json_extract(element.c.value, _label("$.test"))


def figure_selects(dialect: str, where: sa.ColumnElement[bool]) -> list[sa.Select]:
    """SELECTs of (day, unit_id, figure, key, count) for the inspections matching ``where``."""
    i, o, v = inspections.c, price_observations.c, violations.c
    by_day = (i.day, i.unit_id)
    element, test = _flag_test(dialect)
    test = test.label("test")
    return [
        sa.select(i.day, i.unit_id, _label(INSPECTIONS), _label(DRAFT_KEY), sa.func.count())
        .select_from(inspections).where(where, i.status == "draft").group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(INSPECTIONS), i.outcome, sa.func.count())
        .select_from(inspections).where(where, i.status != "draft").group_by(*by_day, i.outcome),
        sa.select(i.day, i.unit_id, _label(OBSERVATIONS), _label(""), sa.func.count(o.id))
        .select_from(price_observations).join(inspections, i.id == o.inspection_id).where(where).group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(FLAGGED), _label(""), sa.func.count(o.id))
        .select_from(price_observations).join(inspections, i.id == o.inspection_id)
        .where(where, o.flagged.is_(True)).group_by(*by_day),
        sa.select(i.day, i.unit_id, _label(FLAG_TEST), test, sa.func.count(sa.distinct(o.id)))
        .select_from(price_observations).join(inspections, i.id == o.inspection_id).join(element, sa.true())
        .where(where, o.flagged.is_(True)).group_by(*by_day, test),
        sa.select(i.day, i.unit_id, _label(VIOLATIONS), v.code, sa.func.count(v.id))
        .select_from(violations).join(inspections, i.id == v.inspection_id).where(where).group_by(*by_day, v.code),
    ]


def premises_select(where: sa.ColumnElement[bool], closure_item: str | None) -> sa.Select:
    """SELECT of (day, unit_id, premises_id, closure_confirmed) for the inspections matching ``where``."""
    i = inspections.c
    if closure_item is None:
        confirmed = sa.false()
    else:
        obeyed = sa.and_(i.checklist[closure_item].as_string() == "yes", i.type == "follow_up", i.status == "submitted")
        confirmed = sa.func.max(sa.case((obeyed, 1), else_=0)) == 1
    return sa.select(i.day, i.unit_id, i.premises_id, confirmed).where(where).group_by(i.day, i.unit_id, i.premises_id)


def new_premises_selects(where: sa.ColumnElement[bool]) -> list[sa.Select]:
    """SELECTs of (day, unit_id, figure, '', count) for the premises-days matching ``where``: how many were the
    premises' first inspection day of the calendar year, and of the month."""
    d = premises_days.c
    first_ever = d.previous_day.is_(None)
    new_year = sa.or_(first_ever, sa.extract("year", d.previous_day) != sa.extract("year", d.day))
    new_month = sa.or_(new_year, sa.extract("month", d.previous_day) != sa.extract("month", d.day))
    return [
        sa.select(d.day, d.unit_id, _label(name), _label(""), sa.func.count())
        .where(where, condition).group_by(d.day, d.unit_id)
        for name, condition in ((PREMISES_NEW_YEAR, new_year), (PREMISES_NEW_MONTH, new_month))
    ]


def _month_of(dialect: str, column) -> sa.ColumnElement:
    """The first day of the month of a date column, in SQL."""
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc(_label("month"), column), sa.Date)
    return sa.func.date(column, _label("start of month"))


def monthly_select(dialect: str, where: sa.ColumnElement[bool]) -> sa.Select:
    """SELECT of (month, unit_id, figure, key, count): the daily figures matching ``where`` summed per month."""
    f = daily_figures.c
    month = _month_of(dialect, f.day)
    return (sa.select(month, f.unit_id, f.figure, f.key, sa.func.sum(f["count"]))
            .where(where).group_by(month, f.unit_id, f.figure, f.key))


def _insert_all(connection: sa.Connection, dialect: str, closure_item: str | None) -> None:
    """Insert the figures and premises-days of every inspection, each premises-day's previous day from the same
    SELECT (a window over every premises-day)."""
    for select in figure_selects(dialect, sa.true()):
        connection.execute(sa.insert(daily_figures).from_select(FIGURE_COLUMNS, select))
    grouped = premises_select(sa.true(), closure_item).subquery()
    day, unit_id, premises_id, confirmed = grouped.c
    linked = sa.select(
        day, unit_id, premises_id, confirmed,
        sa.func.lag(day).over(partition_by=premises_id, order_by=day),
    )
    connection.execute(sa.insert(premises_days).from_select((*PREMISES_COLUMNS, "previous_day"), linked))


def rebuild_figures(connection: sa.Connection, closure_item: str | None, daily_rate: Decimal | None = None) -> None:
    """Recompute every figure from the records (``daily_rate``: the rulebook's, when not given). The summary
    tables a later migration introduces are left alone while they do not exist yet (that migration fills them)."""
    dialect = connection.dialect.name
    connection.execute(sa.delete(daily_figures))
    connection.execute(sa.delete(premises_days))
    _insert_all(connection, dialect, closure_item)
    for select in new_premises_selects(sa.true()):
        connection.execute(sa.insert(daily_figures).from_select(FIGURE_COLUMNS, select))
    tables = set(sa.inspect(connection).get_table_names())
    if "monthly_figures" in tables:
        connection.execute(sa.delete(monthly_figures))
        connection.execute(sa.insert(monthly_figures).from_select(MONTH_COLUMNS, monthly_select(dialect, sa.true())))
    if "decision_figures" in tables:
        rebuild_decisions(connection, late_payment_rate() if daily_rate is None else daily_rate)


# ------------------------------------------------------------------------------------------ decisions


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def decision_rows(connection: sa.Connection, daily_rate: Decimal) -> list[dict]:
    """The ``decision_figures`` rows of every decided case, from the cases, their payments and their appeals."""
    c, p, a = cases.c, payments.c, appeals.c
    decided = c.decided_on.is_not(None)
    rows_of_cases = connection.execute(
        sa.select(c.id, c.unit_id, c.clue_on, c.decided_on, c.decided_lines, c.withdrawn_on, c.payment_due_on)
        .where(decided).order_by(c.id)
    ).all()
    paid_of: dict[int, list[PaymentIn]] = {}
    for case_id, on, amount in connection.execute(
        sa.select(p.case_id, p.on, p.amount).select_from(payments).join(cases, c.id == p.case_id)
        .where(decided).order_by(p.id)
    ):
        paid_of.setdefault(case_id, []).append(PaymentIn(on, Decimal(amount).quantize(Decimal("0.01"))))
    appeals_of: dict[int, list[tuple[date, date | None]]] = {}
    for case_id, lodged_on, outcome, outcome_on in connection.execute(
        sa.select(a.case_id, a.lodged_on, a.outcome, a.outcome_on).select_from(appeals)
        .join(cases, c.id == a.case_id).where(decided).order_by(a.id)
    ):
        appeals_of.setdefault(case_id, []).append((lodged_on, outcome_on if outcome != "pending" else None))
    rate = rate_key(daily_rate)
    rows = []
    for case in rows_of_cases:
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
            paid, frozen = paid_of.get(case.id, []), appeals_of.get(case.id, [])
            settles_on, balance = account_settles(
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


def rebuild_decisions(connection: sa.Connection, daily_rate: Decimal) -> None:
    """Recompute every ``decision_figures`` row."""
    connection.execute(sa.delete(decision_figures))
    rows = decision_rows(connection, daily_rate)
    for start in range(0, len(rows), 2000):
        connection.execute(sa.insert(decision_figures), rows[start:start + 2000])


# ------------------------------------------------------------------------------------------ register dates


def refresh_register_dates(connection: sa.Connection) -> int:
    """Recompute ``public_until`` for every published case; returns how many changed."""
    c = cases.c
    rows = connection.execute(
        sa.select(c.id, c.published_on, c.decided_lines, c.operator_type, c.public_until)
        .where(c.published_on.is_not(None))
    ).all()
    updates = []
    for case_id, published_on, lines, operator_type, stored in rows:
        until = register_until(published_on, parse_penalty(lines) if lines else None, operator_type == "individual",
                               rulebook().publication)
        if until != stored:
            updates.append({"case_id": case_id, "until": until})
    if updates:
        connection.execute(
            cases.update().where(c.id == sa.bindparam("case_id")).values(public_until=sa.bindparam("until")),
            updates,
        )
    return len(updates)


def is_publishable(penalty: Penalty | None) -> bool:
    return penalty is not None and not penalty.warning_only


def is_minor(penalty: Penalty, individual: bool, publication) -> bool:
    if not penalty.lines or any(line.kind != "fine" for line in penalty.lines):
        return False
    limit = publication.minor_individual_max_fine if individual else publication.minor_organisation_max_fine
    return penalty.fine <= limit


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def published_until(published_on: date, minor: bool, publication) -> date:
    months = publication.minor_months if minor else publication.years * 12
    return add_months(published_on, months) - timedelta(days=1)


def register_until(published_on: date | None, penalty: Penalty | None, individual: bool, publication) -> date | None:
    if published_on is None or not is_publishable(penalty):
        return None
    return published_until(published_on, is_minor(penalty, individual, publication), publication)


# ------------------------------------------------------------------------------------------ money


CENT = Decimal("0.01")
ZERO = Decimal("0")


def round_money(x: Decimal | int) -> Decimal:
    """Round an amount half up to 0.01."""
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """A str, int or Decimal as a finite Decimal; anything else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f"{value!r} is not an exact number")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


PENALTY_KINDS = ("warning", "fine", "confiscation", "suspension", "closure", "licence_revocation")
MONEY_KINDS = ("fine", "confiscation")
SANCTION_KINDS = ("suspension", "closure", "licence_revocation")
MAX_LINES = 10


class PenaltyLine(NamedTuple):
    kind: str
    amount: Decimal = ZERO


class Penalty(NamedTuple):
    lines: tuple[PenaltyLine, ...]

    @property
    def fine(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind == "fine"), ZERO)

    @property
    def confiscation(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind == "confiscation"), ZERO)

    @property
    def sanctions(self) -> frozenset[str]:
        return frozenset(line.kind for line in self.lines if line.kind in SANCTION_KINDS)

    @property
    def warning_only(self) -> bool:
        return self.fine + self.confiscation == 0 and not self.sanctions


def parse_penalty(raw: object) -> Penalty:
    """Stored penalty lines ([{"kind", "amount"}, ...]) as a Penalty; ValueError names a bad line."""
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence) or not raw or len(raw) > MAX_LINES:
        raise ValueError(f"not a list of 1 to {MAX_LINES} penalty lines: {raw!r}")
    lines: list[PenaltyLine] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or any(key not in ("kind", "amount") for key in item):
            raise ValueError(f"lines[{index}]: not a penalty line: {item!r}")
        kind, value = item.get("kind"), item.get("amount")
        if not isinstance(kind, str) or kind not in PENALTY_KINDS:
            raise ValueError(f"lines[{index}].kind: unknown penalty kind {kind!r}")
        if kind in MONEY_KINDS:
            if value is None or value == "" or isinstance(value, float):
                raise ValueError(f"lines[{index}].amount: {value!r}")
            amount = to_decimal(value)
            if amount <= 0 or amount != amount.quantize(CENT):
                raise ValueError(f"lines[{index}].amount: {value!r}")
            amount = amount.quantize(CENT)
        else:
            if value is not None and value != "":
                if isinstance(value, (float, bool)):
                    raise ValueError(f"lines[{index}].amount: {kind} takes no amount")
                try:
                    nothing = to_decimal(value) == 0
                except ValueError:
                    nothing = False
                if not nothing:
                    raise ValueError(f"lines[{index}].amount: {kind} takes no amount")
            if kind in seen:
                raise ValueError(f"lines[{index}].kind: {kind} listed twice")
            seen.add(kind)
            amount = ZERO
        lines.append(PenaltyLine(kind, amount))
    return Penalty(tuple(lines))


class PaymentIn(NamedTuple):
    on: date
    amount: Decimal


class Account(NamedTuple):
    fine: Decimal
    confiscation: Decimal
    surcharge: Decimal
    paid_fine: Decimal
    paid_surcharge: Decimal
    paid_confiscation: Decimal
    overpaid: Decimal
    due: Decimal
    settled: bool
    days_late: int


def _merged(periods: Sequence[tuple[date, date | None]]) -> list[tuple[date, date]]:
    """Appeal periods [lodged, outcome) merged and sorted; an open period runs to date.max."""
    spans = []
    for index, (lodged, outcome) in enumerate(periods):
        end = outcome if outcome is not None else date.max
        if end < lodged:
            raise ValueError(f"appeal_periods[{index}]: the outcome comes before the appeal was lodged")
        spans.append((lodged, end))
    merged: list[tuple[date, date]] = []
    for lodged, end in sorted(spans):
        if merged and lodged <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((lodged, end))
    return merged


def _accruing_days(after: date, until: date, frozen: list[tuple[date, date]]) -> int:
    """The days d with after < d <= until that lie outside every frozen period [lodged, outcome)."""
    if until <= after:
        return 0
    first, stop = after + timedelta(days=1), until + timedelta(days=1)
    days = (stop - first).days
    for lodged, end in frozen:
        overlap = (min(stop, end) - max(first, lodged)).days
        days -= max(0, overlap)
    return days


def account(
    fine: Decimal,
    confiscation: Decimal,
    due_on: date | None,
    payments_made: Sequence[PaymentIn],
    daily_rate: Decimal,
    today: date,
    appeal_periods: Sequence[tuple[date, date | None]] = (),
) -> Account:
    """The money owed on a decision as of ``today``: payments apply in date order to the fine, then the surcharge
    accrued so far, then the confiscation; the surcharge accrues after ``due_on`` at ``daily_rate`` times the fine
    unpaid at the start of each day, outside appeal periods, capped at the fine."""
    fine, confiscation, daily_rate = to_decimal(fine), to_decimal(confiscation), to_decimal(daily_rate)
    for name, value in (("fine", fine), ("confiscation", confiscation), ("daily_rate", daily_rate)):
        if value < 0:
            raise ValueError(f"{name}: negative")
    frozen = _merged(appeal_periods)
    unpaid_fine = fine
    surcharge = ZERO
    paid_fine = paid_surcharge = paid_confiscation = overpaid = ZERO
    accrued_to = due_on
    fine_paid_on: date | None = today if fine == 0 else None

    def accrue(until: date) -> None:
        nonlocal surcharge, accrued_to
        if accrued_to is None or until <= accrued_to:
            return
        if unpaid_fine > 0:
            surcharge = min(fine, surcharge + daily_rate * unpaid_fine * _accruing_days(accrued_to, until, frozen))
        accrued_to = until

    ordered = sorted(enumerate(payments_made), key=lambda pair: pair[1].on)
    for index, payment in ordered:
        amount = to_decimal(payment.amount)
        if amount <= 0:
            raise ValueError(f"payments[{index}].amount: not greater than zero")
        if payment.on > today:
            continue
        accrue(payment.on)
        to_fine = min(amount, unpaid_fine)
        unpaid_fine -= to_fine
        paid_fine += to_fine
        amount -= to_fine
        if unpaid_fine == 0 and fine_paid_on is None:
            fine_paid_on = payment.on
        to_surcharge = min(amount, round_money(surcharge) - paid_surcharge)
        paid_surcharge += to_surcharge
        amount -= to_surcharge
        to_confiscation = min(amount, confiscation - paid_confiscation)
        paid_confiscation += to_confiscation
        overpaid += amount - to_confiscation
    accrue(today)

    surcharge_due = round_money(surcharge)
    owed = fine + surcharge_due + confiscation
    due = round_money(owed - paid_fine - paid_surcharge - paid_confiscation)
    late_until = fine_paid_on or today
    days_late = max(0, (late_until - due_on).days) if due_on is not None else 0
    return Account(
        fine=round_money(fine),
        confiscation=round_money(confiscation),
        surcharge=surcharge_due,
        paid_fine=round_money(paid_fine),
        paid_surcharge=round_money(paid_surcharge),
        paid_confiscation=round_money(paid_confiscation),
        overpaid=round_money(overpaid),
        due=due,
        settled=due == 0,
        days_late=days_late if fine > 0 else 0,
    )


# The account as of this day is the account for good (every payment made, the surcharge run out).
FAR_DAY = date(9999, 12, 30)


def _settled_fields(acc: Account) -> tuple:
    return (acc.fine, acc.confiscation, acc.surcharge, acc.paid_fine, acc.paid_surcharge, acc.paid_confiscation,
            acc.overpaid, acc.due)


def account_settles(
    fine: Decimal,
    confiscation: Decimal,
    due_on: date | None,
    payments_made: Sequence[PaymentIn],
    daily_rate: Decimal,
    appeal_periods: Sequence[tuple[date, date | None]],
    not_before: date,
) -> tuple[date, Account]:
    """The first day (not before ``not_before``) from which a decision's account no longer changes, and that
    account: found by trying days further and further apart from the last payment (or the due date), then
    halving the gap."""

    def as_of(day: date) -> Account:
        return account(fine, confiscation, due_on, payments_made, daily_rate, day, appeal_periods)

    final = as_of(FAR_DAY)
    settled = _settled_fields(final)
    low = max([not_before, *(payment.on for payment in payments_made)])
    if _settled_fields(as_of(low)) == settled:
        return low, final
    if due_on is not None and due_on > low:
        low = due_on
    step = 1
    while True:
        high = min(FAR_DAY, low + timedelta(days=step))
        if high == FAR_DAY or _settled_fields(as_of(high)) == settled:
            break
        low, step = high, step * 2
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if _settled_fields(as_of(middle)) == settled:
            high = middle
        else:
            low = middle
    return high, final

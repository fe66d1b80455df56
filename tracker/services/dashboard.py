"""The oversight dashboard: what a unit (or every unit) did in a period, counted in SQL.

Each figure is an aggregate query (GROUP BY, COUNT, SUM) over summary tables kept in step with the records
(tracker.models.figures, kept by tracker.services.figures), so a dashboard costs the same number of queries,
and about the same time, whatever the size of the data:

- inspections, observations, flags, violations and the premises checked: the daily figures of the period,
  read as whole months (``monthly_figures``) plus the days left over at either end;
- decisions, closures ordered, the median days to decision and the money: ``decision_figures``, one row per
  decided case holding its money account from the day that account stops changing. The decisions whose
  account still changes as of today (the late-payment surcharge still accruing, a payment dated after today,
  or an account computed with another late-payment rate) are recomputed here by the domain's computation
  (``domain.penalties.account``, the one the case page shows), from the inputs stored with them.

docs/OVERSIGHT.md says exactly what each figure counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.figures import (
    Period, first_inspected_figure, median_of_counts, split_period, unpaid_surcharge_cents,
)
from tracker.domain.lifecycle import CaseState
from tracker.domain.penalties import account
from tracker.domain.vocabulary import PremisesStatus, Role
from tracker.extensions import db
from tracker.models import Case, DailyFigure, Payment, Premises, PremisesDay, Unit, User
from tracker.models.figures import DecisionFigure, MonthlyFigure
from tracker.services import figures
from tracker.services.errors import Forbidden, Invalid
from tracker.services.figures import decision_inputs, late_payment_rate, rate_key
from tracker.services.listings import due_soon_on, overdue_on

ZERO = Decimal("0.00")
CLOSING_SANCTIONS = ("closure", "suspension")


# ------------------------------------------------------------------------------------------ scope


def dashboard_unit(actor: User, code: str | None) -> Unit | None:
    """The unit whose figures ``actor`` sees: supervisors always their own (whatever they ask for),
    auditors the unit named by ``code`` or every unit (None). Raises Invalid for an unknown code."""
    if actor.role is Role.SUPERVISOR or actor.role is Role.OFFICER:
        return actor.unit
    if actor.role is not Role.AUDITOR:
        raise Forbidden(_("Your role does not read field records."))
    code = (code or "").strip()
    if not code:
        return None
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code.upper()))
    if unit is None:
        raise Invalid.field("unit", _("No unit has the code %(code)s.", code=repr(code)))
    return unit


def units_for(actor: User) -> list[Unit]:
    """The units ``actor`` may choose between on the dashboard."""
    if actor.role is Role.AUDITOR:
        return list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    return [actor.unit] if actor.unit is not None else []


def _unit_filter(column, unit: Unit | None):
    return sa.true() if unit is None else column == unit.id


def _between(column, period: Period):
    return column.between(period.date_from, period.date_to)


# ------------------------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class Count:
    """A figure broken down by a key (an outcome, a test, a code, a state, a deadline)."""

    key: str
    count: int


@dataclass
class Money:
    """Decisions in force decided in the period, and what has been paid on them up to today."""

    decisions: int = 0
    fines_imposed: Decimal = ZERO
    fines_collected: Decimal = ZERO
    confiscation_imposed: Decimal = ZERO
    confiscation_collected: Decimal = ZERO
    surcharges_accrued: Decimal = ZERO
    surcharges_collected: Decimal = ZERO
    outstanding: Decimal = ZERO


@dataclass
class Dashboard:
    unit: Unit | None
    period: Period
    today: date
    inspections: int = 0
    drafts: int = 0
    by_outcome: list[Count] = field(default_factory=list)
    premises_checked: int = 0
    observations: int = 0
    flagged_observations: int = 0
    flagged_by_test: list[Count] = field(default_factory=list)
    violations: int = 0
    violations_by_code: list[Count] = field(default_factory=list)
    cases_opened: int = 0
    cases_by_state: list[Count] = field(default_factory=list)
    money: Money = field(default_factory=Money)
    payments_received: Decimal = ZERO
    payments_count: int = 0
    decisions_made: int = 0
    decisions_withdrawn: int = 0
    closures_ordered: int = 0
    closures_ordered_by_kind: list[Count] = field(default_factory=list)
    closures_confirmed: int = 0
    premises_ordered_closed_now: int = 0
    premises_closed_now: int = 0
    median_days_to_decision: Decimal | None = None
    overdue_cases: int = 0
    overdue_by_deadline: list[Count] = field(default_factory=list)
    due_soon_cases: int = 0

    @property
    def link_args(self) -> dict[str, str]:
        """The period and unit as the list pages' query parameters (shared list-filter contract)."""
        args = self.period.as_args()
        if self.unit is not None:
            args["unit"] = self.unit.code
        return args

    @property
    def unit_args(self) -> dict[str, str]:
        """The unit alone, for snapshot figures that do not depend on the period."""
        return {"unit": self.unit.code} if self.unit is not None else {}


def _ranked(counts: dict[str, int]) -> list[Count]:
    """Keys by count, largest first, then by key."""
    return [Count(key, count) for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if count]


def build_dashboard(unit: Unit | None, period: Period, today: date) -> Dashboard:
    """Every figure of the dashboard for ``unit`` (None: all units) and ``period``, as of ``today``."""
    board = Dashboard(unit=unit, period=period, today=today)
    session = db.session

    # Inspections, observations, flags, violations and new premises: the summary tables' sums over the period,
    # so the year to date costs its monthly sums per unit and figure (less the days after today), not 365 days.
    totals = _figure_totals(unit, period)
    outcomes = totals.get(figures.INSPECTIONS, {})
    board.inspections = sum(outcomes.values())
    board.drafts = outcomes.get(figures.DRAFT_KEY, 0)
    board.by_outcome = [Count(key, outcomes[key]) for key in sorted(outcomes) if key != figures.DRAFT_KEY]
    board.observations = totals.get(figures.OBSERVATIONS, {}).get("", 0)
    board.flagged_observations = totals.get(figures.FLAGGED, {}).get("", 0)
    board.flagged_by_test = _ranked(totals.get(figures.FLAG_TEST, {}))
    board.violations_by_code = _ranked(totals.get(figures.VIOLATIONS, {}))
    board.violations = sum(c.count for c in board.violations_by_code)

    # Distinct premises do not add up across days: a premises counts on its first day in the period, the one
    # whose previous inspection day falls before the period. For a period from 1 January (or from the 1st of a
    # month to a day of that month) those are the days' "new in the year" (or month) figures, summed above.
    # Other periods count their premises-days. Confirmed closures are few: a partial index holds them.
    in_days = sa.and_(_between(PremisesDay.day, period), _unit_filter(PremisesDay.unit_id, unit))
    new_premises = first_inspected_figure(period)
    if new_premises is not None:
        board.premises_checked = totals.get(figures.PREMISES_NEW[new_premises], {}).get("", 0)
        closures = session.scalar(
            sa.select(sa.func.count(sa.distinct(PremisesDay.premises_id))).where(PremisesDay.closure_confirmed, in_days)
        )
        board.closures_confirmed = int(closures or 0)
    else:
        first_in_period = sa.or_(PremisesDay.previous_day.is_(None), PremisesDay.previous_day < period.date_from)
        confirmed = sa.case((PremisesDay.closure_confirmed.is_(True), PremisesDay.premises_id))
        checked, closures = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(sa.case((first_in_period, 1), else_=0)), 0),
                      sa.func.count(sa.distinct(confirmed)))
            .where(in_days)
        ).one()
        board.premises_checked, board.closures_confirmed = int(checked or 0), int(closures or 0)

    # Cases opened in the period (clue date), by the state they are in now.
    state_rows = session.execute(
        sa.select(Case.state, sa.func.count())
        .where(_between(Case.clue_on, period), _unit_filter(Case.unit_id, unit)).group_by(Case.state)
    ).all()
    by_state = {state: count for state, count in state_rows}
    board.cases_by_state = [Count(state.value, by_state[state]) for state in CaseState if state in by_state]
    board.cases_opened = sum(by_state.values())

    _decisions(board, unit, period, today)

    # Payments received in the period, whatever the decision's date.
    received = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
        _between(Payment.on, period))
    if unit is not None:  # (all units: from the index on payment dates alone)
        received = received.join(Case, Case.id == Payment.case_id).where(Case.unit_id == unit.id)
    count, amount = session.execute(received).one()
    board.payments_count, board.payments_received = int(count), Decimal(amount).quantize(ZERO)

    # Premises under a closure order or recorded closed now (a snapshot, not the period).
    for status, count in session.execute(
        sa.select(Premises.status, sa.func.count(Premises.id))
        .where(Premises.status.in_([PremisesStatus.ORDERED_CLOSED, PremisesStatus.CLOSED]),
               _unit_filter(Premises.unit_id, unit))
        .group_by(Premises.status)
    ):
        if status is PremisesStatus.CLOSED:
            board.premises_closed_now = count
        else:
            board.premises_ordered_closed_now = count

    # Deadlines as of today, whatever the period: overdue by deadline name, and due soon.
    overdue, due_soon = overdue_on(today), due_soon_on(today)
    deadline_rows = session.execute(
        sa.select(Case.next_deadline,
                  sa.func.sum(sa.case((overdue, 1), else_=0)), sa.func.sum(sa.case((due_soon, 1), else_=0)))
        .where(Case.next_due_on.is_not(None), _unit_filter(Case.unit_id, unit))
        .group_by(Case.next_deadline).order_by(Case.next_deadline)
    ).all()
    board.overdue_by_deadline = [Count(name, int(o)) for name, o, _ in deadline_rows if name and o]
    board.overdue_cases = sum(c.count for c in board.overdue_by_deadline)
    board.due_soon_cases = sum(int(s) for name, _, s in deadline_rows if name)
    return board


def _figure_totals(unit: Unit | None, period: Period) -> dict[str, dict[str, int]]:
    """The period's sums of the daily figures, by figure and key (one query): whole months from
    ``monthly_figures``, plus or minus the days of the months the period covers in part (domain.figures.
    split_period: the year to date is its months less the days after today)."""
    parts = split_period(period)
    d, m = DailyFigure, MonthlyFigure
    selects = [
        sa.select(d.figure, d.key, (d.count if sign > 0 else -d.count).label("count"))
        .where(d.day.between(first, last), _unit_filter(d.unit_id, unit))
        for spans, sign in ((parts.added, 1), (parts.subtracted, -1)) for first, last in spans
    ]
    if parts.months is not None:
        selects.append(sa.select(m.figure, m.key, m.count).where(m.month.between(*parts.months),
                                                                 _unit_filter(m.unit_id, unit)))
    rows = sa.union_all(*selects).subquery() if len(selects) > 1 else selects[0].subquery()
    totals: dict[str, dict[str, int]] = {}
    for figure, key, count in db.session.execute(
        sa.select(rows.c.figure, rows.c.key, sa.func.sum(rows.c.count)).group_by(rows.c.figure, rows.c.key)
    ):
        if count:  # a key whose days were all subtracted again
            totals.setdefault(figure, {})[key] = int(count)
    return totals


def _cents(total) -> Decimal:
    return Decimal(int(total or 0)).scaleb(-2)


def _decisions(board: Dashboard, unit: Unit | None, period: Period, today: date) -> None:
    """Decisions made in the period: median days from clue, closures ordered, and the money."""
    # From decision_figures (one row per decided case): counts, days to decision and the settled accounts summed
    # in SQL, and the accounts still changing as of today recomputed in Python.
    session = db.session
    d = DecisionFigure
    in_period = sa.and_(_between(d.decided_on, period), _unit_filter(d.unit_id, unit))
    rate = late_payment_rate()
    same_rate = d.rate == rate_key(rate)
    settled = sa.and_(d.in_force, d.settles_on <= today, same_rate).label("settled")
    same = same_rate.label("same_rate")
    # One pass over the period's rows, grouped by what the figures tell apart (a few hundred groups a year).
    groups = session.execute(
        sa.select(d.days_to_decision, d.in_force, d.closure, d.suspension, settled, same, sa.func.count(),
                  *(sa.func.sum(getattr(d, name)) for name in figures.MONEY_COLUMNS))
        .where(in_period).group_by(d.days_to_decision, d.in_force, d.closure, d.suspension, settled, same)
    ).all()
    days: dict[int, int] = {}
    settled_cents = [0] * len(figures.MONEY_COLUMNS)
    made = withdrawn = closing = closures = suspensions = 0
    for days_to_decision, in_force, closure, suspension, is_settled, _same, count, *cents in groups:
        days[days_to_decision] = days.get(days_to_decision, 0) + count
        made += count
        if not in_force:
            withdrawn += count
            continue
        closing += count if closure or suspension else 0
        closures += count if closure else 0
        suspensions += count if suspension else 0
        if is_settled:
            settled_cents = list(map(sum, zip(settled_cents, map(int, cents))))
    fine, confiscation, surcharge, paid_fine, paid_surcharge, paid_confiscation, due = map(_cents, settled_cents)
    board.decisions_made, board.decisions_withdrawn = made, withdrawn
    board.closures_ordered = closing
    board.closures_ordered_by_kind = [
        Count(kind, count) for kind, count in zip(CLOSING_SANCTIONS, (closures, suspensions)) if count
    ]
    board.median_days_to_decision = median_of_counts(days.items())
    # Accounts that still change as of today: the same computation as the case page, from the stored inputs
    # (the surcharge worked out directly for a decision with no payment and no appeal). They are the few
    # decisions whose settling day is after today (read through the index on that day), and any stored with
    # another rate.
    other_rate = any(not same and in_force for _days, in_force, _c, _s, _settled, same, *_rest in groups)
    changing = sa.or_(d.settles_on > today, sa.not_(same_rate)) if other_rate else d.settles_on > today
    unpaid = [0, 0, 0]  # fine, confiscation, surcharge of the decisions with nothing paid and no appeal (cents)
    for row in session.execute(
        sa.select(d.fine, d.confiscation, d.due_on, d.payments, d.appeals).where(in_period, d.in_force, changing)
    ):
        if row.payments is None and row.appeals is None:
            unpaid[0] += row.fine
            unpaid[1] += row.confiscation
            unpaid[2] += unpaid_surcharge_cents(row.fine, row.due_on, rate, today)
            continue
        decided_fine, decided_confiscation, due_on, payments, appeals = decision_inputs(row)
        balance = account(decided_fine, decided_confiscation, due_on, payments, rate, today, appeals)
        fine += balance.fine
        confiscation += balance.confiscation
        surcharge += balance.surcharge
        paid_fine += balance.paid_fine
        paid_surcharge += balance.paid_surcharge
        paid_confiscation += balance.paid_confiscation
        due += balance.due
    fine += _cents(unpaid[0])
    confiscation += _cents(unpaid[1])
    surcharge += _cents(unpaid[2])
    due += _cents(sum(unpaid))
    money = board.money
    money.decisions = made - withdrawn
    money.fines_imposed, money.fines_collected = fine, paid_fine
    money.confiscation_imposed, money.confiscation_collected = confiscation, paid_confiscation
    money.surcharges_accrued, money.surcharges_collected = surcharge, paid_surcharge
    money.outstanding = due

"""The oversight dashboard: what a unit (or every unit) did in a period, counted in SQL.

Each figure is an aggregate query (GROUP BY, COUNT, SUM), so a dashboard costs the same number of
queries whatever the size of the data. The figures about inspections, observations and violations are
read from the daily figures the records keep (tracker.models.figures), not from the records. Two figures need the period's decided cases one by one: the
median time from clue to decision, and the money, because the late-payment surcharge (payments apply
to the fine, then the surcharge, then the confiscation; the surcharge is frozen during an appeal and
capped at the fine) is the domain's computation (``domain.penalties.account``), the same one the case
page shows. Those cases are read as plain rows in three queries (cases, payments, appeals). docs/OVERSIGHT.md says
exactly what each figure counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.figures import Period, median_days
from tracker.domain.lifecycle import CaseState
from tracker.domain.penalties import PaymentIn
from tracker.domain.vocabulary import PremisesStatus, Role
from tracker.extensions import db
from tracker.models import Appeal, Case, DailyFigure, Payment, Premises, PremisesDay, Unit, User
from tracker.models import figures
from tracker.services.cases import account_of, penalty_of
from tracker.services.errors import Forbidden, Invalid
from tracker.services.rulebooks import current_rulebook

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

    # Inspections, observations, flags and violations: the daily figures of the period's unit-days, which
    # the records keep up to date (tracker.models.figures), so a year costs a few thousand rows, not millions.
    rows = session.execute(
        sa.select(DailyFigure.figure, DailyFigure.key, sa.func.sum(DailyFigure.count))
        .where(_between(DailyFigure.day, period), _unit_filter(DailyFigure.unit_id, unit))
        .group_by(DailyFigure.figure, DailyFigure.key)
    ).all()
    totals: dict[str, dict[str, int]] = {}
    for figure, key, count in rows:
        totals.setdefault(figure, {})[key] = int(count)
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
    # whose previous inspection day falls before the period. Confirmed closures are few: DISTINCT is cheap.
    first_in_period = sa.or_(PremisesDay.previous_day.is_(None), PremisesDay.previous_day < period.date_from)
    confirmed = sa.case((PremisesDay.closure_confirmed.is_(True), PremisesDay.premises_id))
    checked, closures = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((first_in_period, 1), else_=0)), 0),
                  sa.func.count(sa.distinct(confirmed)))
        .where(_between(PremisesDay.day, period), _unit_filter(PremisesDay.unit_id, unit))
    ).one()
    board.premises_checked, board.closures_confirmed = int(checked or 0), int(closures or 0)

    # Cases opened in the period (clue date), by the state they are in now.
    state_rows = session.execute(
        sa.select(Case.state, sa.func.count(Case.id))
        .where(_between(Case.clue_on, period), _unit_filter(Case.unit_id, unit)).group_by(Case.state)
    ).all()
    by_state = {state: count for state, count in state_rows}
    board.cases_by_state = [Count(state.value, by_state[state]) for state in CaseState if state in by_state]
    board.cases_opened = sum(by_state.values())

    _decisions(board, unit, period, today)

    # Payments received in the period, whatever the decision's date.
    count, amount = session.execute(
        sa.select(sa.func.count(Payment.id), sa.func.coalesce(sa.func.sum(Payment.amount), 0))
        .join(Case, Case.id == Payment.case_id)
        .where(_between(Payment.on, period), _unit_filter(Case.unit_id, unit))
    ).one()
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
    overdue = Case.next_due_on < today
    due_soon = sa.and_(Case.next_due_soon_on <= today, Case.next_due_on >= today)
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


def _decisions(board: Dashboard, unit: Unit | None, period: Period, today: date) -> None:
    """Decisions made in the period: median days from clue, closures ordered, and the money."""
    # Plain rows, not ORM objects: a year holds thousands of decisions at a province's scale, and building
    # objects for them cost more than the money itself. Three queries: cases, their payments, their appeals.
    in_period = sa.and_(_between(Case.decided_on, period), _unit_filter(Case.unit_id, unit))
    session = db.session
    decided = session.execute(
        sa.select(Case.id, Case.clue_on, Case.decided_on, Case.decided_lines, Case.withdrawn_on, Case.payment_due_on)
        .where(in_period).order_by(Case.id)
    ).all()
    payments: dict[int, list[PaymentIn]] = {}
    for case_id, on, amount in session.execute(
        sa.select(Payment.case_id, Payment.on, Payment.amount).join(Case, Case.id == Payment.case_id)
        .where(in_period).order_by(Payment.id)
    ):
        payments.setdefault(case_id, []).append(PaymentIn(on, amount))
    appeals: dict[int, list[tuple[date, date | None]]] = {}
    for case_id, lodged_on, outcome, outcome_on in session.execute(
        sa.select(Appeal.case_id, Appeal.lodged_on, Appeal.outcome, Appeal.outcome_on).join(Case, Case.id == Appeal.case_id)
        .where(in_period).order_by(Appeal.id)
    ):
        appeals.setdefault(case_id, []).append((lodged_on, outcome_on if outcome != "pending" else None))
    board.decisions_made = len(decided)
    board.median_days_to_decision = median_days((case.clue_on, case.decided_on) for case in decided)
    money = board.money
    kinds: dict[str, int] = {}
    rate = current_rulebook().late_payment_daily_rate or ZERO
    for case in decided:
        penalty = penalty_of(case.decided_lines)
        balance = account_of(penalty, case.withdrawn_on, case.payment_due_on,
                             payments.get(case.id, []), appeals.get(case.id, []), today, rate)
        if balance is None:  # withdrawn after an appeal annulled it, or its penalty varied away
            board.decisions_withdrawn += 1
            continue
        money.decisions += 1
        money.fines_imposed += balance.fine
        money.fines_collected += balance.paid_fine
        money.confiscation_imposed += balance.confiscation
        money.confiscation_collected += balance.paid_confiscation
        money.surcharges_accrued += balance.surcharge
        money.surcharges_collected += balance.paid_surcharge
        money.outstanding += balance.due
        sanctions = penalty.sanctions & set(CLOSING_SANCTIONS)
        if sanctions:
            board.closures_ordered += 1
        for kind in sanctions:
            kinds[kind] = kinds.get(kind, 0) + 1
    board.closures_ordered_by_kind = [Count(kind, kinds[kind]) for kind in CLOSING_SANCTIONS if kind in kinds]

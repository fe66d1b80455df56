"""The oversight dashboard: what a unit (or every unit) did in a period, counted in SQL.

Each figure is one aggregate query (GROUP BY, COUNT, SUM), so a dashboard costs the same number of
queries whatever the size of the data. Two figures need the period's decided cases one by one: the
median time from clue to decision, and the money, because the late-payment surcharge (payments apply
to the fine, then the surcharge, then the confiscation; the surcharge is frozen during an appeal and
capped at the fine) is the domain's computation (``domain.penalties.account``), the same one the case
page shows. Those cases are loaded in three queries (cases, payments, appeals). docs/OVERSIGHT.md says
exactly what each figure counts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import subqueryload

from tracker.domain.figures import Period, median_days
from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import InspectionStatus, InspectionType, PremisesStatus, Role
from tracker.extensions import db
from tracker.models import Case, Inspection, Payment, Premises, PriceObservation, Unit, User, Violation
from tracker.services.cases import money_account, penalty_of
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
        raise Forbidden("Your role does not read field records.")
    code = (code or "").strip()
    if not code:
        return None
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code.upper()))
    if unit is None:
        raise Invalid.field("unit", f"No unit has the code {code!r}.")
    return unit


def units_for(actor: User) -> list[Unit]:
    """The units ``actor`` may choose between on the dashboard."""
    if actor.role is Role.AUDITOR:
        return list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    return [actor.unit] if actor.unit is not None else []


def _unit_filter(column, unit: Unit | None):
    return sa.true() if unit is None else column == unit.id


def _zones(unit: Unit | None) -> list[str]:
    if unit is not None:
        return [unit.timezone]
    return sorted(db.session.scalars(sa.select(Unit.timezone).distinct()))


def started_in(period: Period, zones: Sequence[str], unit: Unit | None):
    """Inspections that started on a day of the period in their unit's time zone (any unit's zone)."""
    conditions = []
    for zone in zones:
        tz = ZoneInfo(zone)
        low = datetime.combine(period.date_from, time.min, tz).astimezone(timezone.utc)
        high = datetime.combine(period.date_to + timedelta(days=1), time.min, tz).astimezone(timezone.utc)
        in_zone = Inspection.started_at >= low
        if unit is None and len(zones) > 1:
            in_zone = sa.and_(Inspection.unit_id.in_(sa.select(Unit.id).where(Unit.timezone == zone)), in_zone)
        conditions.append(sa.and_(in_zone, Inspection.started_at < high))
    condition = sa.or_(*conditions) if conditions else sa.false()
    return sa.and_(condition, _unit_filter(Inspection.unit_id, unit))


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


def _counts(rows) -> list[Count]:
    return [Count(str(key), int(count)) for key, count in rows if key is not None]


def _flag_tests(inspection_filter):
    """(test, observations flagged by it) for the flagged observations of the period's inspections."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        element = sa.func.json_array_elements(PriceObservation.flags).table_valued(
            sa.column("value", sa.JSON)
        ).lateral()
        test = element.c.value.op("->>")("test")
    else:
        element = sa.func.json_each(PriceObservation.flags).table_valued("value")
        test = sa.func.json_extract(element.c.value, "$.test")
    test = test.label("test")
    stmt = (
        sa.select(test, sa.func.count(sa.distinct(PriceObservation.id)))
        .select_from(PriceObservation)
        .join(Inspection, Inspection.id == PriceObservation.inspection_id)
        .join(element, sa.true())
        .where(inspection_filter, PriceObservation.flagged.is_(True))
        .group_by(test)
        .order_by(sa.func.count(sa.distinct(PriceObservation.id)).desc(), test)
    )
    return _counts(db.session.execute(stmt))


def build_dashboard(unit: Unit | None, period: Period, today: date) -> Dashboard:
    """Every figure of the dashboard for ``unit`` (None: all units) and ``period``, as of ``today``."""
    board = Dashboard(unit=unit, period=period, today=today)
    in_period = started_in(period, _zones(unit), unit)
    session = db.session

    # Inspections: every inspection that started in the period, drafts included, by outcome.
    rows = session.execute(
        sa.select(Inspection.status, Inspection.outcome, sa.func.count())
        .where(in_period).group_by(Inspection.status, Inspection.outcome)
    ).all()
    outcomes: dict[str, int] = {}
    for status, outcome, count in rows:
        board.inspections += count
        if status is InspectionStatus.DRAFT:
            board.drafts += count
        elif outcome is not None:
            outcomes[outcome.value] = outcomes.get(outcome.value, 0) + count
    board.by_outcome = [Count(key, outcomes[key]) for key in sorted(outcomes)]
    board.premises_checked = session.scalar(
        sa.select(sa.func.count(sa.distinct(Inspection.premises_id))).where(in_period)
    ) or 0

    # Price observations and their flags.
    total, flagged = session.execute(
        sa.select(sa.func.count(PriceObservation.id),
                  sa.func.coalesce(sa.func.sum(sa.case((PriceObservation.flagged.is_(True), 1), else_=0)), 0))
        .join(Inspection, Inspection.id == PriceObservation.inspection_id).where(in_period)
    ).one()
    board.observations, board.flagged_observations = int(total), int(flagged)
    board.flagged_by_test = _flag_tests(in_period)

    # Violations by code.
    code_count = sa.func.count(Violation.id)
    board.violations_by_code = _counts(session.execute(
        sa.select(Violation.code, code_count).join(Inspection, Inspection.id == Violation.inspection_id)
        .where(in_period).group_by(Violation.code).order_by(code_count.desc(), Violation.code)
    ))
    board.violations = sum(c.count for c in board.violations_by_code)

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

    # Closures confirmed: premises a submitted follow-up of the period found obeying the closure notice.
    item = current_rulebook().inspections.closure_obeyed_item
    if item is not None:
        board.closures_confirmed = session.scalar(
            sa.select(sa.func.count(sa.distinct(Inspection.premises_id))).where(
                in_period, Inspection.checklist[item].as_string() == "yes",
                Inspection.type == InspectionType.FOLLOW_UP, Inspection.status == InspectionStatus.SUBMITTED,
            )
        ) or 0
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
    decided = db.session.scalars(
        sa.select(Case)
        # One query per collection however many decisions (selectinload would batch them 500 ids at a time).
        .options(subqueryload(Case.payments), subqueryload(Case.appeals))
        .where(_between(Case.decided_on, period), _unit_filter(Case.unit_id, unit))
        .order_by(Case.id)
    ).all()
    board.decisions_made = len(decided)
    board.median_days_to_decision = median_days((case.clue_on, case.decided_on) for case in decided)
    money = board.money
    kinds: dict[str, int] = {}
    for case in decided:
        balance = money_account(case, today)
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
        sanctions = penalty_of(case.decided_lines).sanctions & set(CLOSING_SANCTIONS)
        if sanctions:
            board.closures_ordered += 1
        for kind in sanctions:
            kinds[kind] = kinds.get(kind, 0) + 1
    board.closures_ordered_by_kind = [Count(kind, kinds[kind]) for kind in CLOSING_SANCTIONS if kind in kinds]

"""Filtered lists, one definition per dataset, shared by the list pages and the exports.

Each dataset turns validated filters (plain values: the contract of the list query parameters) and the
current user into a scoped ``Select`` with its eager loading, and names the columns an export writes
(header, value getter, kind). The list pages paginate the same statement the exports stream, so a list
and its download always agree.

The JSON API's lists (tracker.api) build on the same datasets' filters and page them by id. Two filters
are the API's: ``unit_code`` (exactly this unit's code, whatever the caller's role, so one outside the unit
sees nothing; the pages' ``unit`` lets only an auditor narrow and leaves the others in their own unit), and
``per_unit_today`` (overdue and due soon judged on each case's own unit's date, not on the date in the filter's
time zone that a page shows). ``overdue`` and ``flagged`` may be False there (without), where the pages only
ever pass True.

The large datasets also say how to read each column from a plain row (``Column.sql`` and ``convert``):
their CSV export runs the same WHERE and ORDER BY as a Core select of exactly those columns, with no ORM
objects, which is several times faster and lighter at a million rows (``Dataset.plain_select``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType, PremisesKind, Role
from tracker.extensions import db
from tracker.models import Case, CaseOfficer, Inspection, Payment, Premises, PriceObservation, Unit, User, Violation
from tracker.services import clock
from tracker.services.localisation import lazy_gettext as _l
from tracker.services.premises import search_premises
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import scoped

DEFAULT_TIMEZONE = "Asia/Shanghai"
PENALTY_KINDS = ("fine", "confiscation", "warning", "suspension", "closure", "licence_revocation")

Filters = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    """One exported column: its header, how to read it from a row, and what kind of value it is.

    ``kind`` is text, enum (a vocabulary value: a code in files, a label on pages), int, date,
    datetime (naive, in the unit's time zone), money or rate; or one of the rulebook's codes, written as codes in
    files and named in the reader's language on pages (tracker.web.labels): commodity, tests (price tests),
    violations (violation codes), lines (a penalty's lines), unit_of_sale and legal_basis (recorded texts, shown
    in the reader's language when they are the rulebook's)."""

    header: Any
    value: Callable[[Any], Any]
    kind: str = "text"
    #: The SQL expressions a plain row holds for this column, and how to turn their values into what
    #: ``value`` gives for the record (None: the one value as it is).
    sql: tuple = ()
    convert: Callable[..., Any] | None = None
    #: What a list page names for the record when it is not ``value`` (files keep ``value``): the codes as a
    #: list rather than joined, a penalty's lines rather than their description, the record itself.
    shown: Callable[[Any], Any] | None = None

    def page_value(self, record) -> Any:
        """The value a list page renders for ``record`` (by ``kind``)."""
        return (self.shown or self.value)(record)


@dataclass(frozen=True)
class Dataset:
    """A filtered list: ``build`` gives the scoped, filtered, ordered statement (no loader options),
    ``options`` the eager loading its page needs, ``export_options`` what an export of whole records
    adds (collections the page does not show), and ``joins`` (when every column has ``sql``) the joins a
    plain select of the columns needs."""

    name: str
    title: Any
    build: Callable[[User, Filters], sa.Select]
    columns: tuple[Column, ...] = field(repr=False)
    options: tuple = field(default=(), repr=False)
    export_options: tuple = field(default=(), repr=False)
    joins: Callable[[sa.Select], sa.Select] | None = field(default=None, repr=False)
    # The list page's loading when it differs from ``options``: never used for exports. () when the page reads
    # plain rows of a few columns instead (paginate(stmt, rows=...)).
    page_options: tuple | None = field(default=None, repr=False)

    def select(self, actor: User, filters: Filters) -> sa.Select:
        """The scoped, filtered, ordered statement with its eager loading."""
        return self.build(actor, filters).options(*self.options)

    def page_select(self, actor: User, filters: Filters) -> sa.Select:
        """``select`` with the list page's loading."""
        if self.page_options is None:
            return self.select(actor, filters)
        return self.build(actor, filters).options(*self.page_options)

    def plain_select(self, actor: User, filters: Filters) -> sa.Select | None:
        """The same rows, filters and order as ``select`` as a Core select of the columns' expressions
        (read them with ``plain_values``); None when the dataset has no plain form."""
        if self.joins is None:
            return None
        expressions = [_raw_enum(expression) for column in self.columns for expression in column.sql]
        return self.joins(self.build(actor, filters).with_only_columns(*expressions))

    def plain_values(self, rows: Iterable[sa.Row]) -> Iterator[list]:
        """Each plain row's export values, in column order: the same values ``row_values`` gives."""
        plan, start = [], 0
        for column in self.columns:
            plan.append((start, len(column.sql), column.convert))
            start += len(column.sql)
        for row in rows:
            values = []
            for first, count, convert in plan:
                if convert is None:
                    values.append(row[first])
                elif count == 1:
                    values.append(convert(row[first]))
                else:
                    values.append(convert(*row[first:first + count]))
            yield values


# -- helpers -----------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime | None, tz: str) -> datetime | None:
    """An aware UTC moment as a naive local date and time in ``tz``."""
    if moment is None:
        return None
    return moment.astimezone(zone(tz)).replace(tzinfo=None, second=0, microsecond=0)


def _is_auditor(actor: User) -> bool:
    return actor.role is Role.AUDITOR


def filter_timezone(actor: User, filters: Filters) -> str:
    """The time zone a period is read in: the chosen unit's, else the user's unit's, else the agency's."""
    code = filters.get("unit")
    if code and _is_auditor(actor):
        tz = db.session.scalar(sa.select(Unit.timezone).where(_unit_named(code)).limit(1))
        if tz:
            return tz
    if actor.unit is not None:
        return actor.unit.timezone
    return current_app.config.get("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)


def _unit(stmt: sa.Select, model, actor: User, filters: Filters) -> sa.Select:
    """Scope to what the actor may see; an auditor may narrow to one unit by its code. Officers and
    supervisors stay in their own unit whatever they pass. ``unit_code`` (the API's) narrows whatever the role:
    the scope still applies, so a unit other than one's own shows nothing."""
    stmt = scoped(stmt, model, actor)
    code = filters.get("unit")
    if code and _is_auditor(actor):
        stmt = stmt.where(model.unit_id == sa.select(Unit.id).where(_unit_named(code)).scalar_subquery())
    if filters.get("unit_code") is not None:
        stmt = stmt.where(model.unit_id.in_(sa.select(Unit.id).where(Unit.code == filters["unit_code"])))
    return stmt


def _unit_named(code: str):
    """The unit with this code (a page that still passes a unit's numeric id finds it too)."""
    if code.isdigit() and len(code) < 10:
        return sa.or_(Unit.code == code, Unit.id == int(code))
    return Unit.code == code


def _started_between(stmt: sa.Select, actor: User, filters: Filters) -> sa.Select:
    """Inspections started within the period, dates read in the unit's time zone (a day beyond the calendar's
    ends, in UTC, bounds nothing)."""
    start, end = filters.get("date_from"), filters.get("date_to")
    if not start and not end:
        return stmt
    tz = zone(filter_timezone(actor, filters))
    if start and (moment := _utc(start, time.min, tz)):
        stmt = stmt.where(Inspection.started_at >= moment)
    if end and (moment := _utc(end, time.max, tz)):
        stmt = stmt.where(Inspection.started_at <= moment)
    return stmt


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """A local date and time as UTC, or None beyond the calendar's ends."""
    try:
        return datetime.combine(day, at, tz).astimezone(timezone.utc)
    except OverflowError:
        return None


def _between(stmt: sa.Select, column, filters: Filters) -> sa.Select:
    if filters.get("date_from"):
        stmt = stmt.where(column >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(column <= filters["date_to"])
    return stmt


def _json_has(column, key: str, value: str):
    """A JSON list of objects holds one whose ``key`` is ``value`` (portable: matches the stored text).

    ``value`` comes from a closed vocabulary (validated by the filter forms), never free text."""
    text = sa.cast(column, sa.Text)
    return sa.or_(text.like(f'%"{key}": "{value}"%'), text.like(f'%"{key}":"{value}"%'))


def _user_id(username: str):
    return sa.select(User.id).where(User.username == username).scalar_subquery()


def _money(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def line_total(lines: list | None, kind: str) -> Decimal | None:
    """The total of a penalty's lines of one kind (money as Decimal), or None when there is none."""
    amounts = [Decimal(line["amount"]) for line in lines or () if line.get("kind") == kind and line.get("amount")]
    return sum(amounts, Decimal("0.00")) if amounts else None


def describe_lines(lines: list | None) -> str:
    """A penalty's lines in one line of text: 'confiscation 2060.00; fine 6000.00'."""
    parts = []
    for line in lines or ():
        parts.append(f"{line['kind']} {line['amount']}" if line.get("amount") else line["kind"])
    return "; ".join(parts)


def _enum(value) -> str:
    """A vocabulary value as its code: from the member a record holds, or the code a plain row holds."""
    if value is None:
        return ""
    return value if isinstance(value, str) and not isinstance(value, Enum) else value.value


def _raw_enum(expression):
    """A vocabulary column read as the code it stores, skipping the conversion to a member and back."""
    if isinstance(getattr(expression, "type", None), sa.Enum):
        return sa.type_coerce(expression, sa.String).label(None)
    return expression


def _text(value) -> str:
    return value if value is not None else ""


def _credit_code(value) -> str:
    return value or ""


def _flag_tests(flags: list | None) -> str:
    return "; ".join(flag["test"] for flag in flags or ())


# Aliases for the plain selects' joins: a filter's subquery on Unit, Premises or User never correlates
# to them (the ORM's joined eager loading aliases its joins the same way).
_UNIT, _PREMISES, _LEAD, _SECOND, _CASE = (
    aliased(Unit), aliased(Premises), aliased(User), aliased(User), aliased(Case)
)


# -- inspections -------------------------------------------------------------------------------------


def _inspections(actor: User, f: Filters) -> sa.Select:
    stmt = sa.select(Inspection)
    stmt = _started_between(_unit(stmt, Inspection, actor, f), actor, f)
    if f.get("status"):
        stmt = stmt.where(Inspection.status == InspectionStatus(f["status"]))
    if f.get("outcome"):
        stmt = stmt.where(Inspection.outcome == InspectionOutcome(f["outcome"]))
    if f.get("type"):
        stmt = stmt.where(Inspection.type == InspectionType(f["type"]))
    if f.get("flagged") is not None:  # True: with a flagged observation; False (the API): without
        flagged = (
            sa.select(PriceObservation.id)
            .where(PriceObservation.inspection_id == Inspection.id, PriceObservation.flagged.is_(True))
            .exists()
        )
        stmt = stmt.where(flagged if f["flagged"] else ~flagged)
    if f.get("officer"):
        officer = _user_id(f["officer"])
        stmt = stmt.where(sa.or_(Inspection.lead_officer_id == officer, Inspection.second_officer_id == officer))
    if f.get("premises_id"):
        stmt = stmt.where(Inspection.premises_id == f["premises_id"])
    if f.get("premises_kind"):
        stmt = stmt.where(
            Inspection.premises_id.in_(sa.select(Premises.id).where(Premises.kind == PremisesKind(f["premises_kind"])))
        )
    return stmt.order_by(Inspection.started_at.desc(), Inspection.id.desc())


INSPECTIONS = Dataset(
    "inspections",
    _l("Inspections"),
    _inspections,
    (
        Column(_l("Inspection"), lambda i: i.id, "int", (Inspection.id,)),
        Column(_l("Unit"), lambda i: i.unit.code, "text", (_UNIT.code,)),
        Column(_l("Started"), lambda i: local(i.started_at, i.unit.timezone), "datetime",
               (Inspection.started_at, _UNIT.timezone), local),
        Column(_l("Premises ID"), lambda i: i.premises_id, "int", (Inspection.premises_id,)),
        Column(_l("Premises"), lambda i: i.premises.name, "text", (_PREMISES.name,)),
        Column(_l("Premises kind"), lambda i: _enum(i.premises.kind), "enum", (_PREMISES.kind,), _enum),
        Column(_l("Type"), lambda i: _enum(i.type), "enum", (Inspection.type,), _enum),
        Column(_l("Lead officer"), lambda i: i.lead_officer.username, "text", (_LEAD.username,)),
        Column(_l("Second officer"), lambda i: i.second_officer.username, "text", (_SECOND.username,)),
        Column(_l("Status"), lambda i: _enum(i.status), "enum", (Inspection.status,), _enum),
        Column(_l("Outcome"), lambda i: _enum(i.outcome), "enum", (Inspection.outcome,), _enum),
        Column(_l("Re-inspection date"), lambda i: i.reinspect_on, "date", (Inspection.reinspect_on,)),
    ),
    options=(
        joinedload(Inspection.premises),
        joinedload(Inspection.unit),
        joinedload(Inspection.lead_officer),
        joinedload(Inspection.second_officer),
    ),
    joins=lambda stmt: stmt.join_from(Inspection, _UNIT, Inspection.unit_id == _UNIT.id)
    .join_from(Inspection, _PREMISES, Inspection.premises_id == _PREMISES.id)
    .join_from(Inspection, _LEAD, Inspection.lead_officer_id == _LEAD.id)
    .join_from(Inspection, _SECOND, Inspection.second_officer_id == _SECOND.id),
)


# -- observations and violations (the inspection's date and unit) -------------------------------------


def _observations(actor: User, f: Filters) -> sa.Select:
    stmt = (
        sa.select(PriceObservation)
        .join(PriceObservation.inspection)
    )
    stmt = _started_between(_unit(stmt, Inspection, actor, f), actor, f)
    if f.get("test"):
        stmt = stmt.where(PriceObservation.flagged.is_(True), _json_has(PriceObservation.flags, "test", f["test"]))
    if f.get("flagged"):
        stmt = stmt.where(PriceObservation.flagged.is_(True))
    if f.get("commodity"):
        stmt = stmt.where(PriceObservation.commodity == f["commodity"])
    if f.get("category"):
        codes = [c.code for c in current_rulebook().commodities.values() if c.category == f["category"]]
        stmt = stmt.where(PriceObservation.commodity.in_(codes))
    return stmt.order_by(Inspection.started_at.desc(), PriceObservation.id.desc())


OBSERVATIONS = Dataset(
    "observations",
    _l("Price observations"),
    _observations,
    (
        Column(_l("Observation"), lambda o: o.id, "int", (PriceObservation.id,)),
        Column(_l("Inspection"), lambda o: o.inspection_id, "int", (PriceObservation.inspection_id,)),
        Column(_l("Unit"), lambda o: o.inspection.unit.code, "text", (_UNIT.code,)),
        Column(_l("Inspected"), lambda o: local(o.inspection.started_at, o.inspection.unit.timezone), "datetime",
               (Inspection.started_at, _UNIT.timezone), local),
        Column(_l("Premises"), lambda o: o.inspection.premises.name, "text", (_PREMISES.name,)),
        Column(_l("Commodity"), lambda o: o.commodity, "commodity", (PriceObservation.commodity,)),
        Column(_l("Unit of sale"), lambda o: o.unit_of_sale, "unit_of_sale", (PriceObservation.unit_of_sale,),
               shown=lambda o: o),
        Column(_l("Price"), lambda o: o.price, "money", (PriceObservation.price,)),
        Column(_l("Marked price"), lambda o: o.marked_price, "money", (PriceObservation.marked_price,)),
        Column(_l("Cost"), lambda o: o.cost, "money", (PriceObservation.cost,)),
        Column(_l("Baseline price"), lambda o: o.baseline_price, "money", (PriceObservation.baseline_price,)),
        Column(_l("Baseline cost"), lambda o: o.baseline_cost, "money", (PriceObservation.baseline_cost,)),
        Column(_l("Margin on cost"), lambda o: o.margin_rate, "rate", (PriceObservation.margin_rate,)),
        Column(_l("Baseline margin"), lambda o: o.baseline_margin_rate, "rate",
               (PriceObservation.baseline_margin_rate,)),
        Column(_l("Flags"), lambda o: "; ".join(o.flag_tests), "tests", (PriceObservation.flags,), _flag_tests,
               shown=lambda o: o.flag_tests),
        Column(_l("Estimated illegal gains"), lambda o: o.estimated_illegal_gains, "money",
               (PriceObservation.estimated_illegal_gains,)),
    ),
    options=(
        joinedload(PriceObservation.inspection).joinedload(Inspection.premises),
        joinedload(PriceObservation.inspection).joinedload(Inspection.unit),
    ),
    joins=lambda stmt: stmt.join_from(Inspection, _UNIT, Inspection.unit_id == _UNIT.id)
    .join_from(Inspection, _PREMISES, Inspection.premises_id == _PREMISES.id),
)


def _violations(actor: User, f: Filters) -> sa.Select:
    stmt = (
        sa.select(Violation)
        .join(Violation.inspection)
    )
    stmt = _started_between(_unit(stmt, Inspection, actor, f), actor, f)
    if f.get("code"):
        stmt = stmt.where(Violation.code == f["code"])
    return stmt.order_by(Inspection.started_at.desc(), Violation.id.desc())


VIOLATIONS = Dataset(
    "violations",
    _l("Violations"),
    _violations,
    (
        Column(_l("Violation"), lambda v: v.id, "int", (Violation.id,)),
        Column(_l("Inspection"), lambda v: v.inspection_id, "int", (Violation.inspection_id,)),
        Column(_l("Unit"), lambda v: v.inspection.unit.code, "text", (_UNIT.code,)),
        Column(_l("Inspected"), lambda v: local(v.inspection.started_at, v.inspection.unit.timezone), "datetime",
               (Inspection.started_at, _UNIT.timezone), local),
        Column(_l("Premises"), lambda v: v.inspection.premises.name, "text", (_PREMISES.name,)),
        Column(_l("Code"), lambda v: v.code, "violations", (Violation.code,)),
        Column(_l("Legal basis"), lambda v: v.legal_basis, "legal_basis", (Violation.legal_basis,), shown=lambda v: v),
        Column(_l("Description"), lambda v: v.description, "text", (Violation.description,)),
        Column(_l("Case"), lambda v: v.case.number if v.case is not None else "", "text", (_CASE.number,), _text),
    ),
    options=(
        joinedload(Violation.inspection).joinedload(Inspection.premises),
        joinedload(Violation.inspection).joinedload(Inspection.unit),
        joinedload(Violation.case),
    ),
    joins=lambda stmt: stmt.join_from(Inspection, _UNIT, Inspection.unit_id == _UNIT.id)
    .join_from(Inspection, _PREMISES, Inspection.premises_id == _PREMISES.id)
    .outerjoin_from(Violation, _CASE, Violation.case_id == _CASE.id),
)


# -- cases, penalties, payments ------------------------------------------------------------------------


def _case_filters(stmt: sa.Select, actor: User, f: Filters) -> sa.Select:
    """Filters common to the case lists: state and violation code."""
    if f.get("state"):
        stmt = stmt.where(Case.state == CaseState(f["state"]))
    if f.get("code"):
        stmt = stmt.where(
            sa.select(Violation.id).where(Violation.case_id == Case.id, Violation.code == f["code"]).exists()
        )
    return stmt


def filters_today(actor: User, filters: Filters) -> date:
    """'Today' for overdue and due-soon: the business date in the filter's time zone."""
    return clock.today(filter_timezone(actor, filters))


# A case's nearest open agency deadline is stored on it (next_deadline, next_due_on, next_due_soon_on, set by
# every action): these say, in SQL, what tracker.domain.deadlines says of plain values. Every list, queue and
# count of overdue or due-soon cases uses them.


def overdue_on(today: date) -> sa.ColumnElement[bool]:
    """SQL: the case's nearest deadline has passed on ``today`` (domain.deadlines.overdue: its last day is still
    in time); never true for a case with no open deadline."""
    return Case.next_due_on < today


def due_soon_on(today: date) -> sa.ColumnElement[bool]:
    """SQL: the case's nearest deadline is due soon on ``today`` (past 80 % of its span: domain.deadlines
    .deadline_status, stored as next_due_soon_on by domain.figures.due_soon_from) and has not passed."""
    return sa.and_(Case.next_due_soon_on <= today, Case.next_due_on >= today)


def on_each_units_today(predicate: Callable[[date], sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    """``predicate`` judged on each case's own unit's today: one clause per time zone the units use (one query)."""
    zones: dict[str, list[int]] = {}
    for unit_id, tz in db.session.execute(sa.select(Unit.id, Unit.timezone)):
        zones.setdefault(tz, []).append(unit_id)
    clauses = [sa.and_(Case.unit_id.in_(ids), predicate(clock.today(tz))) for tz, ids in zones.items()]
    return sa.or_(*clauses) if clauses else sa.false()


def _deadline_filters(stmt: sa.Select, actor: User, f: Filters) -> sa.Select:
    """``overdue`` (True; False: not overdue, with no open deadline too) and ``due_soon`` (True), as of the
    filter's today, or of each case's unit's today with ``per_unit_today``."""
    overdue, due_soon = f.get("overdue"), f.get("due_soon")
    if overdue is None and not due_soon:
        return stmt
    if f.get("per_unit_today"):
        judged = on_each_units_today
    else:
        today = filters_today(actor, f)

        def judged(predicate):
            return predicate(today)

    if overdue is not None:
        late = judged(overdue_on)
        stmt = stmt.where(late if overdue else sa.or_(Case.next_due_on.is_(None), sa.not_(late)))
    if due_soon:
        stmt = stmt.where(judged(due_soon_on))
    return stmt


# What a case table shows (templates/cases/_row.html). Built once: an alias and its join cost more to make than
# the query takes to run.
_PARTY = aliased(Premises, name="party")
_PARTY_JOIN = _PARTY.id == Case.premises_id
_CASE_TABLE_COLUMNS = (Case.id, Case.number, Case.major, Case.state, Case.clue_on, Case.next_deadline,
                       Case.next_due_on, _PARTY.name.label("premises_name"))


def case_table_rows(stmt: sa.Select) -> sa.Select:
    """A select of cases (filtered and ordered, without loader options) narrowed to what a case table shows:
    number, state, dates and the party's name, as plain rows, which load in a third of the time Case objects
    take. The party comes through an alias of its own, so a statement already joined to premises (a search by
    party name) keeps its join."""
    return stmt.outerjoin(_PARTY, _PARTY_JOIN).with_only_columns(*_CASE_TABLE_COLUMNS)


def _cases(actor: User, f: Filters) -> sa.Select:
    stmt = sa.select(Case)
    stmt = _between(_case_filters(_unit(stmt, Case, actor, f), actor, f), Case.clue_on, f)
    stmt = _deadline_filters(stmt, actor, f)
    if f.get("premises_id"):
        stmt = stmt.where(Case.premises_id == f["premises_id"])
    if f.get("deadline"):
        stmt = stmt.where(Case.next_deadline == f["deadline"])
    if f.get("officer"):
        stmt = stmt.where(
            sa.select(CaseOfficer.id)
            .where(CaseOfficer.case_id == Case.id, CaseOfficer.user_id == _user_id(f["officer"]))
            .exists()
        )
    if f.get("q"):
        pattern = f"%{f['q'].strip().lower()}%"
        party = sa.select(Premises.id).where(
            sa.or_(sa.func.lower(Premises.name).like(pattern), sa.func.lower(Premises.operator_name).like(pattern))
        )
        stmt = stmt.where(sa.or_(sa.func.lower(Case.number).like(pattern), Case.premises_id.in_(party)))
    return stmt.order_by(Case.clue_on.desc(), Case.id.desc())


def _codes(case: Case) -> str:
    return "; ".join(v.code for v in case.violations)


CASES = Dataset(
    "cases",
    _l("Cases"),
    _cases,
    (
        Column(_l("Number"), lambda c: c.number),
        Column(_l("Unit"), lambda c: c.unit.code),
        Column(_l("Party"), lambda c: c.premises.name),
        Column(_l("Operator type"), lambda c: _enum(c.operator_type), "enum"),
        Column(_l("State"), lambda c: _enum(c.state), "enum"),
        Column(_l("Clue date"), lambda c: c.clue_on, "date"),
        Column(_l("Violations"), _codes, "violations", shown=lambda c: [v.code for v in c.violations]),
        Column(_l("Officers"), lambda c: "; ".join(o.user.username for o in c.officers)),
        Column(_l("Next deadline"), lambda c: c.next_deadline or ""),
        Column(_l("Due on"), lambda c: c.next_due_on, "date"),
        Column(_l("Major"), lambda c: "yes" if c.major else ""),
    ),
    # The list page shows neither officers nor violations: only the exports load them.
    options=(joinedload(Case.premises), joinedload(Case.unit)),
    export_options=(selectinload(Case.officers).joinedload(CaseOfficer.user), selectinload(Case.violations)),
    page_options=(),  # the case list reads plain rows: case_table_rows
)


def _penalties(actor: User, f: Filters) -> sa.Select:
    stmt = sa.select(Case).where(Case.decided_on.is_not(None))
    stmt = _between(_case_filters(_unit(stmt, Case, actor, f), actor, f), Case.decided_on, f)
    if f.get("kind"):
        stmt = stmt.where(_json_has(Case.decided_lines, "kind", f["kind"]))
    return stmt.order_by(Case.decided_on.desc(), Case.id.desc())


PENALTIES = Dataset(
    "penalties",
    _l("Penalties decided"),
    _penalties,
    (
        Column(_l("Number"), lambda c: c.number),
        Column(_l("Unit"), lambda c: c.unit.code),
        Column(_l("Party"), lambda c: c.premises.name),
        Column(_l("Operator type"), lambda c: _enum(c.operator_type), "enum"),
        Column(_l("Violations"), _codes, "violations", shown=lambda c: [v.code for v in c.violations]),
        Column(_l("Decided on"), lambda c: c.decided_on, "date"),
        Column(_l("State"), lambda c: _enum(c.state), "enum"),
        Column(_l("Penalty"), lambda c: describe_lines(c.decided_lines), "lines", shown=lambda c: c.decided_lines),
        Column(_l("Fine"), lambda c: line_total(c.decided_lines, "fine"), "money"),
        Column(_l("Confiscation"), lambda c: line_total(c.decided_lines, "confiscation"), "money"),
        Column(_l("Illegal gains"), lambda c: c.illegal_gains, "money"),
    ),
    options=(joinedload(Case.premises), joinedload(Case.unit), selectinload(Case.violations)),
)


def _payments(actor: User, f: Filters) -> sa.Select:
    stmt = sa.select(Payment).join(Payment.case)
    stmt = _between(_unit(stmt, Case, actor, f), Payment.on, f)
    return stmt.order_by(Payment.on.desc(), Payment.id.desc())


PAYMENTS = Dataset(
    "payments",
    _l("Payments"),
    _payments,
    (
        Column(_l("Payment"), lambda p: p.id, "int", (Payment.id,)),
        Column(_l("Case"), lambda p: p.case.number, "text", (Case.number,)),
        Column(_l("Unit"), lambda p: p.case.unit.code, "text", (_UNIT.code,)),
        Column(_l("Party"), lambda p: p.case.premises.name, "text", (_PREMISES.name,)),
        Column(_l("Paid on"), lambda p: p.on, "date", (Payment.on,)),
        Column(_l("Amount"), lambda p: p.amount, "money", (Payment.amount,)),
        Column(_l("Receipt"), lambda p: p.receipt, "text", (Payment.receipt,)),
    ),
    options=(joinedload(Payment.case).joinedload(Case.premises), joinedload(Payment.case).joinedload(Case.unit)),
    joins=lambda stmt: stmt.join_from(Case, _UNIT, Case.unit_id == _UNIT.id)
    .join_from(Case, _PREMISES, Case.premises_id == _PREMISES.id),
)


# -- premises ----------------------------------------------------------------------------------------


def _premises(actor: User, f: Filters) -> sa.Select:
    stmt = _unit(sa.select(Premises), Premises, actor, f)
    extra = {"repeat": True} if f.get("repeat") else {}
    stmt = search_premises(stmt, f.get("q"), f.get("kind"), f.get("status"), None, **extra)
    return stmt.order_by(Premises.name, Premises.id)


PREMISES = Dataset(
    "premises",
    _l("Premises"),
    _premises,
    (
        Column(_l("Premises ID"), lambda p: p.id, "int", (Premises.id,)),
        Column(_l("Unit"), lambda p: p.unit.code, "text", (_UNIT.code,)),
        Column(_l("Name"), lambda p: p.name, "text", (Premises.name,)),
        Column(_l("Kind"), lambda p: _enum(p.kind), "enum", (Premises.kind,), _enum),
        Column(_l("Operator"), lambda p: p.operator_name, "text", (Premises.operator_name,)),
        Column(_l("Operator type"), lambda p: _enum(p.operator_type), "enum", (Premises.operator_type,), _enum),
        Column(_l("Credit code"), lambda p: p.credit_code or "", "text", (Premises.credit_code,), _credit_code),
        Column(_l("Address"), lambda p: p.address, "text", (Premises.address,)),
        Column(_l("Phone"), lambda p: p.phone, "text", (Premises.phone,)),
        Column(_l("Status"), lambda p: _enum(p.status), "enum", (Premises.status,), _enum),
    ),
    options=(joinedload(Premises.unit),),
    joins=lambda stmt: stmt.join_from(Premises, _UNIT, Premises.unit_id == _UNIT.id),
)


DATASETS: dict[str, Dataset] = {
    d.name: d for d in (INSPECTIONS, OBSERVATIONS, VIOLATIONS, CASES, PENALTIES, PAYMENTS, PREMISES)
}


def dataset(name: str) -> Dataset:
    """The dataset with this name (KeyError if unknown)."""
    return DATASETS[name]


def row_values(ds: Dataset, record) -> list:
    """One record's export values, in column order."""
    return [column.value(record) for column in ds.columns]


# -- LIVES open data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LivesQueries:
    """The three statements behind a LIVES feed: submitted inspections in scope and period, the premises
    they visited, and the violations they found; each ordered for a stable file."""

    businesses: sa.Select
    inspections: sa.Select
    violations: sa.Select
    timezone: str


def lives_queries(actor: User, filters: Filters) -> LivesQueries:
    """Only submitted inspections are open data (drafts are never published)."""

    def submitted(stmt: sa.Select) -> sa.Select:
        stmt = _started_between(_unit(stmt, Inspection, actor, filters), actor, filters)
        return stmt.where(Inspection.status == InspectionStatus.SUBMITTED)

    visited = submitted(sa.select(Inspection.premises_id))
    businesses = sa.select(Premises).where(Premises.id.in_(visited)).order_by(Premises.id)
    inspections = submitted(
        sa.select(Inspection).options(joinedload(Inspection.unit))
    ).order_by(Inspection.started_at, Inspection.id)
    violations = submitted(
        sa.select(Violation).join(Violation.inspection).options(
            joinedload(Violation.inspection).joinedload(Inspection.unit)
        )
    ).order_by(Inspection.started_at, Violation.id)
    return LivesQueries(businesses, inspections, violations, filter_timezone(actor, filters))

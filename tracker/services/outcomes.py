"""The public register of enforcement outcomes (DOMAIN.md §8, docs/PUBLICATION.md), read by the web
page, the Atom feed and the API alike.

Whether a decision is in the register on a day depends on its penalty lines (a warning alone, a
minor decision's shorter period), which SQL cannot read portably from JSON. So each case keeps the last
day it is in the register (``Case.public_until``), computed by ``tracker.domain.publication`` whenever
its publication, decided penalty or operator type changes (``keep_register_dates``, below), with
the rulebook in force then: the period announced when the decision was published. A page is then one
SQL count and one page query, plus one query per eager-loaded collection, whatever the register's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import Session, joinedload, selectinload

from tracker.domain.publication import INDIVIDUAL, PublicParty, is_minor, public_party, published_until, register_until
from tracker.domain.vocabulary import OperatorType
from tracker.extensions import db
from tracker.models import Case, Unit, Violation
from tracker.services import clock
from tracker.services.cases import penalty_of
from tracker.services.rulebooks import current_rulebook
from tracker.services.units import unit_list_knowing


@dataclass(frozen=True, slots=True)
class OutcomeFilters:
    """What a reader narrows the register to; every field optional.

    :param unit: a unit's code; :param violation: a violation code; :param premises_kind: a
    premises kind as it stood at the decision; :param date_from, date_to: decision dates, inclusive.
    """

    unit: str | None = None
    violation: str | None = None
    premises_kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class PublishedViolation:
    code: str
    title: str
    legal_basis: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """One entry of the public register: nothing in it is unpublished or unmasked."""

    case_id: int
    number: str
    party: PublicParty
    violations: tuple[PublishedViolation, ...]
    legal_basis: tuple[str, ...]
    penalty: tuple[dict, ...]
    agency: str
    unit_code: str
    decided_on: date
    published_on: date
    published_until: date
    varied_on: date | None
    minor: bool


def register_today() -> date:
    """The business date the register is read on, in the rulebook's time zone."""
    return clock.today(current_rulebook().timezone)


def register_until_of(published_on: date | None, decided_lines: list | None, operator_type) -> date | None:
    """``Case.public_until`` from a case's columns, under the current rulebook."""
    return register_until(published_on, penalty_of(decided_lines), operator_type is OperatorType.INDIVIDUAL,
                          current_rulebook().publication)


def keep_register_dates(session: Session, _context, _instances) -> None:
    """Set public_until on cases whose publication, decided penalty or operator type changed (a session's
    ``before_flush`` listener, registered by tracker.services.keepers)."""
    changed = [
        case for case in list(session.new) + list(session.dirty)
        if isinstance(case, Case) and (
            case in session.new
            or any(sa.inspect(case).attrs[name].history.has_changes()
                   for name in ("published_on", "decided_lines", "operator_type"))
        )
    ]
    for case in changed:
        until = register_until_of(case.published_on, case.decided_lines, case.operator_type)
        if case.public_until != until:
            case.public_until = until


def refresh_register_dates(connection: sa.Connection) -> int:
    """Recompute ``public_until`` for every published case (after a bulk load); returns how many changed."""
    rows = connection.execute(
        sa.select(Case.id, Case.published_on, Case.decided_lines, Case.operator_type, Case.public_until)
        .where(Case.published_on.is_not(None))
    ).all()
    updates = []
    for case_id, published_on, lines, operator_type, stored in rows:
        until = register_until_of(published_on, lines, operator_type)
        if until != stored:
            updates.append({"case_id": case_id, "until": until})
    if updates:
        table = Case.__table__
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("case_id")).values(public_until=sa.bindparam("until")),
            updates,
        )
    return len(updates)


def _in_register(filters: OutcomeFilters, today: date) -> sa.Select:
    """Ids of the cases in the register on ``today`` matching ``filters``."""
    stmt = sa.select(Case.id).where(
        Case.published_on <= today,
        Case.public_until >= today,
        sa.or_(Case.withdrawn_on.is_(None), Case.withdrawn_on > today),
    )
    if filters.unit:
        stmt = stmt.where(Case.unit_id.in_(sa.select(Unit.id).where(Unit.code == filters.unit)))
    if filters.violation:
        stmt = stmt.where(Case.violations.any(Violation.code == filters.violation))
    if filters.premises_kind:
        stmt = stmt.where(Case.premises_snapshot["kind"].as_string() == filters.premises_kind)
    if filters.date_from:
        stmt = stmt.where(Case.decided_on >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Case.decided_on <= filters.date_to)
    return stmt


NEWEST_PUBLISHED = (Case.published_on.desc(), Case.id.desc())


def published_ids(filters: OutcomeFilters, today: date, newest_case_first: bool = False,
                  limit: int | None = None, offset: int = 0) -> list[int]:
    """Ids of the cases in the register on ``today`` matching ``filters``, in one query.

    Ordered by publication date, newest first (``newest_case_first``: by case id, for keyset pages)."""
    order = (Case.id.desc(),) if newest_case_first else NEWEST_PUBLISHED
    stmt = _in_register(filters, today).order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def load_outcomes(ids: list[int]) -> list[Outcome]:
    """The register entries of these cases, in the order given, masked (a fixed number of queries)."""
    if not ids:
        return []
    cases = db.session.scalars(
        sa.select(Case)
        .where(Case.id.in_(ids))
        .options(joinedload(Case.unit), selectinload(Case.violations), selectinload(Case.appeals))
    ).unique().all()
    by_id = {case.id: case for case in cases}
    return [outcome_of(by_id[case_id]) for case_id in ids if case_id in by_id]


def outcome_of(case: Case) -> Outcome:
    """A published case as a register entry: the party masked, the penalty in force (varied on appeal)."""
    rulebook = current_rulebook()
    individual = case.operator_type is OperatorType.INDIVIDUAL
    penalty = penalty_of(case.decided_lines)
    minor = is_minor(penalty, individual, rulebook.publication)
    violations = []
    for violation in case.violations:
        rule = rulebook.violations.get(violation.code)
        violations.append(PublishedViolation(
            violation.code, rule.title if rule else violation.code,
            rulebook.recorded_legal_basis(violation.code, violation.legal_basis),
        ))
    varied = [a.outcome_on for a in case.appeals if a.outcome == "varied" and a.outcome_on is not None]
    return Outcome(
        case_id=case.id,
        number=case.number,
        party=public_party(case.premises_snapshot or {}, INDIVIDUAL if individual else case.operator_type.value,
                           rulebook.redaction),
        violations=tuple(violations),
        legal_basis=tuple(dict.fromkeys(v.legal_basis for v in violations if v.legal_basis)),
        penalty=tuple({"kind": line["kind"], "amount": line.get("amount")} for line in case.decided_lines),
        agency=case.unit.name,
        unit_code=case.unit.code,
        decided_on=case.decided_on,
        published_on=case.published_on,
        published_until=case.public_until or published_until(case.published_on, minor, rulebook.publication),
        varied_on=max(varied) if varied else None,
        minor=minor,
    )


class RegisterPage(Pagination):
    """A numbered page of the register, shaped like Flask-SQLAlchemy's (for the pager macro)."""

    def _query_items(self) -> list[Outcome]:
        filters, today = self._query_args["filters"], self._query_args["today"]
        return load_outcomes(published_ids(filters, today, limit=self.per_page, offset=(self.page - 1) * self.per_page))

    def _query_count(self) -> int:
        stmt = _in_register(self._query_args["filters"], self._query_args["today"])
        return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


def register_page(filters: OutcomeFilters, page: int, per_page: int, today: date | None = None) -> RegisterPage:
    """One numbered page of the register on ``today`` (the business date by default), newest first."""
    return RegisterPage(page=page, per_page=per_page, max_per_page=200, error_out=False, filters=filters,
                        today=today or register_today())


def register_keyset(filters: OutcomeFilters, limit: int, highest_id: int | None,
                    today: date | None = None) -> tuple[list[Outcome], int | None]:
    """A keyset page by case id, newest first: the entries with id <= ``highest_id`` and the next
    cursor (the last entry's id) when more follow."""
    stmt = _in_register(filters, today or register_today())
    if highest_id is not None:
        stmt = stmt.where(Case.id <= highest_id)
    ids = list(db.session.scalars(stmt.order_by(Case.id.desc()).limit(limit + 1)))
    items = load_outcomes(ids[:limit])
    return items, (items[-1].case_id if len(ids) > limit and items else None)


def latest_outcomes(filters: OutcomeFilters, limit: int, today: date | None = None) -> list[Outcome]:
    """The most recently published entries (for the Atom feed)."""
    return load_outcomes(published_ids(filters, today or register_today(), limit=limit))


def unit_choices(asked: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every unit, for the register's filter (``asked``: the unit the request names)."""
    return unit_list_knowing(asked)


"""Search across premises, cases and inspection notes, scoped to what the actor may see.

The SQL-dialect choice lives here and nowhere else. Every search is a case-insensitive substring
match, ``lower(column) LIKE '%text%'`` with the LIKE wildcards of the user's text escaped:
- on PostgreSQL the migration ``c5e4a1b2d301`` builds pg_trgm GIN indexes on exactly these
  ``lower(...)`` expressions, so the planner answers from the indexes at a million rows (trigram
  indexes serve ``LIKE '%…%'``; full-text search would change the meaning to whole words and does
  not split Chinese text, so inspection notes use the same trigram match);
- on SQLite the same expressions run as plain LIKE scans (fine for a station's own database).
The party of a case is read from its premises snapshot (JSON) and from the premises as it is now.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Case, Inspection, Premises, User
from tracker.services.errors import Invalid
from tracker.services.scope import scoped

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
GROUP_CAP = 5  # results shown per kind on the overview; a "more" link pages through the rest
ESCAPE = "\\"


class SearchKind(str, Enum):
    PREMISES = "premises"
    CASES = "cases"
    INSPECTIONS = "inspections"


@dataclass(frozen=True)
class SearchGroup:
    """Up to ``GROUP_CAP`` results of one kind, and whether there are more."""

    kind: SearchKind
    items: list
    more: bool


def clean_query(text: str | None) -> str:
    """The search text trimmed, or Invalid when it is too short or too long."""
    text = (text or "").strip()
    if len(text) < MIN_QUERY_LENGTH:
        raise Invalid.field("q", f"Type at least {MIN_QUERY_LENGTH} characters.")
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid.field("q", f"Type at most {MAX_QUERY_LENGTH} characters.")
    return text


def like_pattern(text: str) -> str:
    """``%text%`` in lower case, with the LIKE wildcards (and the escape character) taken literally."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """``lower(column)`` contains ``text`` literally, case-insensitively (index-friendly on PostgreSQL)."""
    return sa.func.lower(column).like(like_pattern(text), escape=ESCAPE)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def snapshot_text(key: str):
    """A text field of a case's premises snapshot, written as the index expression is on PostgreSQL."""
    if _dialect() == "postgresql":
        return Case.premises_snapshot.op("->>", return_type=sa.Text)(sa.literal_column(f"'{key}'"))
    return sa.func.json_extract(Case.premises_snapshot, f"$.{key}", type_=sa.Text)


def premises_query(actor: User, text: str) -> sa.Select:
    """Premises by name, operator or credit code."""
    stmt = sa.select(Premises).options(joinedload(Premises.unit)).where(
        sa.or_(contains(Premises.name, text), contains(Premises.operator_name, text),
               contains(Premises.credit_code, text))
    )
    return scoped(stmt, Premises, actor).order_by(Premises.name, Premises.id)


def case_ids_matching(text: str) -> sa.CompoundSelect:
    """Ids of cases whose number or party (snapshot or current premises) contains ``text``.

    A UNION rather than one OR across two tables, so PostgreSQL can use each table's indexes."""
    own = sa.select(Case.id).where(
        sa.or_(contains(Case.number, text), contains(snapshot_text("name"), text),
               contains(snapshot_text("operator_name"), text))
    )
    current = (
        sa.select(Case.id)
        .join(Premises, Premises.id == Case.premises_id)
        .where(sa.or_(contains(Premises.name, text), contains(Premises.operator_name, text)))
    )
    return sa.union(own, current)


def cases_query(actor: User, text: str) -> sa.Select:
    """Cases by number or party."""
    stmt = (
        sa.select(Case)
        .options(joinedload(Case.unit), joinedload(Case.premises))
        .where(Case.id.in_(case_ids_matching(text)))
    )
    return scoped(stmt, Case, actor).order_by(Case.clue_on.desc(), Case.id.desc())


def inspections_query(actor: User, text: str) -> sa.Select:
    """Inspections whose notes contain ``text``."""
    stmt = (
        sa.select(Inspection)
        .options(joinedload(Inspection.premises), joinedload(Inspection.unit))
        .where(contains(Inspection.notes, text))
    )
    return scoped(stmt, Inspection, actor).order_by(Inspection.started_at.desc(), Inspection.id.desc())


QUERIES = {
    SearchKind.PREMISES: premises_query,
    SearchKind.CASES: cases_query,
    SearchKind.INSPECTIONS: inspections_query,
}


def query_for(actor: User, kind: SearchKind, text: str) -> sa.Select:
    """The full, ordered query of one kind (for paging through all its results)."""
    return QUERIES[kind](actor, clean_query(text))


def search(actor: User, text: str) -> list[SearchGroup]:
    """The first results of every kind: one query per kind, whatever the number of matches."""
    text = clean_query(text)
    groups = []
    for kind, build in QUERIES.items():
        items = list(db.session.scalars(build(actor, text).limit(GROUP_CAP + 1)).unique())
        groups.append(SearchGroup(kind, items[:GROUP_CAP], len(items) > GROUP_CAP))
    return groups

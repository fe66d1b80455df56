"""Search across premises, cases and inspection notes, scoped to what the actor may see.

The SQL-dialect choice lives here and nowhere else. Every search is a case-insensitive substring
match, ``lower(column) LIKE '%text%'`` with the LIKE wildcards of the user's text escaped:
- on PostgreSQL the migration ``c5e4a1b2d301`` builds pg_trgm GIN indexes on exactly these
  ``lower(...)`` expressions, so the planner answers from the indexes at a million rows (trigram
  indexes serve ``LIKE '%…%'``; full-text search would change the meaning to whole words and does
  not split Chinese text, so inspection notes use the same trigram match);
- on SQLite the same expressions run as plain LIKE scans (fine for a station's own database).
The party of a case is read from its premises snapshot (JSON) and from the premises as it is now.

Terms shorter than ``SUBSTRING_MIN`` (one or two characters: a Chinese shop name is often two) match the
start of a name, operator, credit code or case number instead (``lower(column) LIKE 'te%'``): trigrams
cannot serve them, and a substring scan of a province's premises for a rare two-letter term reads every
row. On PostgreSQL btree ``text_pattern_ops`` indexes (migration ``e4f1a6b2c901``) serve those prefixes.
Inspection notes are free text, so they are searched only for terms of ``SUBSTRING_MIN`` characters or more.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Case, Inspection, Premises, User
from tracker.services.errors import Invalid
from tracker.services.scope import scoped

MIN_QUERY_LENGTH = 2
SUBSTRING_MIN = 3  # shorter terms match the start of names and numbers (see the module's docstring)
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
        raise Invalid.field("q", _("Type at least %(count)s characters.", count=MIN_QUERY_LENGTH))
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid.field("q", _("Type at most %(count)s characters.", count=MAX_QUERY_LENGTH))
    return text


def like_pattern(text: str, anywhere: bool = True) -> str:
    """``%text%`` (or ``text%``) in lower case, with the LIKE wildcards (and the escape character) taken literally."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%" if anywhere else f"{escaped}%"


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """``lower(column)`` contains ``text`` literally, case-insensitively (index-friendly on PostgreSQL); a term
    shorter than ``SUBSTRING_MIN`` must start the value."""
    return sa.func.lower(column).like(like_pattern(text, anywhere=len(text) >= SUBSTRING_MIN), escape=ESCAPE)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def snapshot_text(key: str):
    """A text field of a case's premises snapshot, written as the index expression is on PostgreSQL."""
    if _dialect() == "postgresql":
        return Case.premises_snapshot.op("->>", return_type=sa.Text)(sa.literal_column(f"'{key}'"))
    return sa.func.json_extract(Case.premises_snapshot, f"$.{key}", type_=sa.Text)


# Matching premises by name, case-insensitively. Not by ``name`` itself: PostgreSQL would walk the name index
# hoping to meet a page of matches early, and read every premises of the province for a rare term; ordered
# by lower(name) it collects the matches from the search indexes and sorts only those.
MATCH_ORDER = (sa.func.lower(Premises.name), Premises.id)


def _premises_text():
    """Name, operator and credit code as one text, as the trigram index ix_premises_search_trgm has it (literals,
    not bound parameters, so that PostgreSQL sees the indexed expression)."""
    space, empty = sa.literal_column("' '", sa.Text), sa.literal_column("''", sa.Text)
    return Premises.name + space + Premises.operator_name + space + sa.func.coalesce(Premises.credit_code, empty)


def premises_match(text: str) -> sa.ColumnElement[bool]:
    """The premises' name, operator or credit code contains ``text`` (starts with it, for a short term).

    One LIKE over the three joined rather than three ORed: the planner then trusts the one trigram index
    instead of reading every premises with three LIKEs each."""
    if len(text) >= SUBSTRING_MIN:
        return contains(_premises_text(), text)
    return sa.or_(contains(Premises.name, text), contains(Premises.operator_name, text),
                  contains(Premises.credit_code, text))


def premises_query(actor: User, text: str) -> sa.Select:
    """Premises by name, operator or credit code."""
    stmt = sa.select(Premises).options(joinedload(Premises.unit)).where(premises_match(text))
    return scoped(stmt, Premises, actor).order_by(*MATCH_ORDER)


def case_ids_matching(text: str) -> sa.CompoundSelect:
    """Ids of cases whose number or party (snapshot or current premises) contains ``text``.

    A UNION rather than one OR across two tables, so PostgreSQL can use each table's indexes."""
    if len(text) >= SUBSTRING_MIN:
        # One LIKE over the three joined, as the trigram index ix_cases_search_trgm has them (see premises_match).
        space, empty = sa.literal_column("' '", sa.Text), sa.literal_column("''", sa.Text)
        joined = (Case.number + space + sa.func.coalesce(snapshot_text("name"), empty) + space
                  + sa.func.coalesce(snapshot_text("operator_name"), empty))
        own = sa.select(Case.id).where(contains(joined, text))
    else:
        own = sa.select(Case.id).where(
            sa.or_(contains(Case.number, text), contains(snapshot_text("name"), text),
                   contains(snapshot_text("operator_name"), text))
        )
    current = sa.select(Case.id).join(Premises, Premises.id == Case.premises_id).where(premises_match(text))
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
    """Inspections whose notes contain ``text`` (none for a term shorter than ``SUBSTRING_MIN``)."""
    stmt = (
        sa.select(Inspection)
        .options(joinedload(Inspection.premises), joinedload(Inspection.unit))
        .where(contains(Inspection.notes, text) if len(text) >= SUBSTRING_MIN else sa.false())
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

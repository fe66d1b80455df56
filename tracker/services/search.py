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
row. On PostgreSQL btree prefix indexes serve them: ``text_pattern_ops`` for cases (migration
``e4f1a6b2c901``), byte-order ones for premises that also give the results' order (``a9c4e2f7b310``).
Inspection notes are free text, so they are searched only for terms of ``SUBSTRING_MIN`` characters or more.

Queries take a ``window``, the rows the caller will read (offset + page size): a short term's premises and
every term's cases are unions of branches that each stop after the window in the page's order, so that a
page does not grow with the number of matches (docs/PLANNING.md).
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


def in_byte_order(expression):
    """``expression`` compared and sorted byte by byte (code point order), the same on both databases: on
    PostgreSQL ``COLLATE "C"``, as the premises' prefix indexes of migration ``a9c4e2f7b310`` are built, so that
    one btree serves both ``LIKE 'te%'`` and the ORDER BY; SQLite compares bytes already."""
    return sa.collate(expression, "C") if _dialect() == "postgresql" else expression


# The fields a premises matches by, in the order its matches are ranked: by name first, then by operator,
# then by credit code; within a field, in byte order of the lower-cased field, then by id.
RANKED_FIELDS = (Premises.name, Premises.operator_name, Premises.credit_code)


def _field_key(column):
    return in_byte_order(sa.func.lower(column))


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
    return sa.or_(*(_field_key(column).like(like_pattern(text, anywhere=False), escape=ESCAPE)
                    for column in RANKED_FIELDS))


def premises_matches(filtered: sa.Select, text: str, window: int | None = None) -> sa.Subquery:
    """Ids of the premises of ``filtered`` (a select of premises with every filter but the text) matching
    ``text``, with their rank (0 by name, 1 by operator, 2 by credit code; 3 only across two fields, for a
    longer term) and sort key (the matched field, lower-cased, in byte order; the name for rank 3).

    ``window``: the rows the caller will read (offset + page size), or None for all. A short term is answered
    by one branch per field, each an ordered scan of that field's prefix index stopping after ``window`` rows
    (an index-only scan: the indexes of migration ``a9c4e2f7b310`` hold the fields the branches test), so a page
    costs the same whether a term matches thirty premises or thirty thousand. A longer term matches through
    the trigram index, and its matches are sorted."""
    columns = (Premises.id.label("id"),)
    if len(text) >= SUBSTRING_MIN:
        # Ranked alike; a term found only across two fields ("pig wu": name, then operator) comes last, by name.
        hits = [(contains(column, text), _field_key(column)) for column in RANKED_FIELDS]
        rank = sa.case(*((hit, rank) for rank, (hit, _key) in enumerate(hits)), else_=len(hits))
        key = sa.case(*hits, else_=_field_key(RANKED_FIELDS[0]))
        return filtered.with_only_columns(*columns, rank.label("rank"), key.label("key")).where(
            premises_match(text)).subquery("matches")
    pattern = like_pattern(text, anywhere=False)
    branches, earlier = [], []
    for rank, column in enumerate(RANKED_FIELDS):
        key = _field_key(column)
        hit = key.like(pattern, escape=ESCAPE)
        branch = filtered.with_only_columns(
            *columns, sa.literal_column(str(rank), sa.Integer).label("rank"), key.label("key")
        ).where(hit, *(sa.not_(other) for other in earlier))
        if window is not None:
            branch = branch.order_by(key, Premises.id).limit(window)
        branches.append(sa.select(branch.subquery()))  # SQLite allows a member's LIMIT in a subquery only
        earlier.append(hit)
    return sa.union_all(*branches).subquery("matches")


def ranked_premises(filtered: sa.Select, text: str, window: int | None = None) -> sa.Select:
    """The premises of ``filtered`` matching ``text``, ranked: name matches first, then operator matches, then
    credit-code matches, each in byte order of the matched field, then by id (see ``premises_matches``)."""
    matches = premises_matches(filtered, text, window)
    return (sa.select(Premises).join(matches, matches.c.id == Premises.id)
            .order_by(matches.c.rank, matches.c.key, matches.c.id))


def premises_query(actor: User, text: str, window: int | None = None) -> sa.Select:
    """Premises by name, operator or credit code, ranked (see ``ranked_premises``)."""
    stmt = ranked_premises(scoped(sa.select(Premises), Premises, actor), text, window)
    return stmt.options(joinedload(Premises.unit))


NEWEST_CLUE = (Case.clue_on.desc(), Case.id.desc())


def cases_query(actor: User, text: str, window: int | None = None) -> sa.Select:
    """Cases by number or party (its snapshot at filing, or its premises as they are now), newest clue first.

    Two branches in a UNION rather than one OR across two tables, so PostgreSQL can use each table's indexes;
    each branch stops after ``window`` rows (offset + page size; None for all) in the page's order, so a page
    of a term matching thousands of cases reads only the newest of each branch."""
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
    branches = []
    for branch in (own, current):
        branch = scoped(branch, Case, actor)
        if window is not None:
            branch = branch.order_by(*NEWEST_CLUE).limit(window)
        branches.append(sa.select(branch.subquery()))  # as in ranked_premises
    stmt = (
        sa.select(Case)
        .options(joinedload(Case.unit), joinedload(Case.premises))
        .where(Case.id.in_(sa.union(*branches)))
    )
    return stmt.order_by(*NEWEST_CLUE)


def inspections_query(actor: User, text: str, window: int | None = None) -> sa.Select:
    """Inspections whose notes contain ``text`` (none for a term shorter than ``SUBSTRING_MIN``); one index
    serves the match, so ``window`` is not needed."""
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


def query_for(actor: User, kind: SearchKind, text: str, window: int | None = None) -> sa.Select:
    """The ordered query of one kind, for paging through its results (``window``: the rows a page reads,
    offset + page size; None for all)."""
    return QUERIES[kind](actor, clean_query(text), window)


def search(actor: User, text: str) -> list[SearchGroup]:
    """The first results of every kind: one query per kind, whatever the number of matches (none for the notes
    when a short term cannot match them)."""
    text = clean_query(text)
    groups = []
    for kind, build in QUERIES.items():
        if kind is SearchKind.INSPECTIONS and len(text) < SUBSTRING_MIN:
            groups.append(SearchGroup(kind, [], False))
            continue
        items = list(db.session.scalars(build(actor, text, GROUP_CAP + 1).limit(GROUP_CAP + 1)).unique())
        groups.append(SearchGroup(kind, items[:GROUP_CAP], len(items) > GROUP_CAP))
    return groups

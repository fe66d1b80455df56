"""One way to paginate every list page: a count and one page query, whatever the length."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import orm

from tracker.extensions import db

# Searches count their matches up to here: past it the pager says "more than 1,000", as search engines do,
# because counting every match of a common term means reading every row however few are shown.
SEARCH_COUNT_CAP = 1000
# The highest page a query string may ask for: its offset fits the databases' 64-bit integers at any page size
# (up to max_per_page, 200), so ?page=99999999999999999999 shows an empty page instead of failing in SQL.
MAX_PAGE = 2**31 - 1


class CappedPagination(SelectPagination):
    """Pagination whose count stops at ``cap`` + 1 matches (``capped`` says when it did)."""

    def __init__(self, cap: int, **kwargs):
        self.cap = cap
        super().__init__(**kwargs)

    @property
    def capped(self) -> bool:
        return self.total is not None and self.total > self.cap

    @property
    def pages(self) -> int:
        """The pages up to the cap (a page past it would show matches that were not counted)."""
        if not self.total or not self.per_page:
            return 0
        return -(-min(self.total, self.cap) // self.per_page)

    def _query_count(self) -> int:
        return self._count_up_to_cap(self._query_args["select"].options(orm.lazyload("*")).order_by(None))

    def _count_up_to_cap(self, select: sa.Select) -> int:
        """The rows of ``select``, counted up to ``cap`` + 1."""
        select = select.limit(self.cap + 1)
        return self._query_args["session"].execute(sa.select(sa.func.count()).select_from(select.subquery())).scalar()


class WindowPagination(CappedPagination):
    """Capped pagination of a statement built for the rows it will read (``build(window)``, window = offset +
    page size; see tracker.services.search), so that a page of a common term reads only what it shows."""

    def _query_items(self) -> list:
        select = self._query_args["build"](self._query_offset + self.per_page)
        select = select.limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).unique().scalars())

    def _query_count(self) -> int:
        matches = self._query_args["matches"]
        if matches is None:
            return super()._query_count()
        return self._count_up_to_cap(matches(self.cap + 1))


class RowPagination(SelectPagination):
    """Pagination whose items are plain rows (``rows`` of the statement, a few columns of each record), counted
    on the statement itself (without the columns' joins)."""

    def _query_items(self) -> list:
        select = self._query_args["rows"](self._query_args["select"]).limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate(stmt: sa.Select | Callable[[int], sa.Select], count_cap: int | None = None,
             rows: Callable[[sa.Select], sa.Select] | None = None, matches: Callable[[int], sa.Select] | None = None):
    """Flask-SQLAlchemy pagination of ``stmt`` with the page from the query string; ``count_cap`` for searches,
    whose matches are counted only up to the cap (the pages stop there too), and whose ``stmt`` may be a
    function of the rows a page reads (``WindowPagination``; then ``matches``, a like function giving only the
    matching ids, saves the count reading whole records); ``rows`` narrows ``stmt`` to the plain rows a
    page shows (listings.case_table_rows), which are then its items."""
    page = requested_page()
    per_page = current_app.config["PER_PAGE"]
    if rows is not None:
        return RowPagination(select=stmt, rows=rows, session=db.session, page=page, per_page=per_page,
                             max_per_page=200, error_out=False)
    if count_cap is None:
        return db.paginate(stmt, page=page, per_page=per_page, max_per_page=200, error_out=False)
    last_page = -(-count_cap // per_page)
    kind, build = (WindowPagination, stmt) if callable(stmt) else (CappedPagination, None)
    return kind(
        count_cap, select=build(count_cap + 1) if build else stmt, build=build, matches=matches,
        session=db.session,
        page=min(page, last_page), per_page=per_page, max_per_page=200,
        error_out=False,
    )


def requested_page() -> int:
    """The page the query string asks for: 1 when it names none (or no number), else from 1 to MAX_PAGE."""
    return max(1, min(request.args.get("page", 1, type=int), MAX_PAGE))

"""One way to paginate every list page: a count and one page query, whatever the length."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request

from tracker.extensions import db


def paginate(stmt: sa.Select):
    """Flask-SQLAlchemy pagination of ``stmt`` with the page from the query string."""
    return db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        max_per_page=200,
        error_out=False,
    )


def reject_page(args: dict) -> dict:
    """Query arguments without ``page``, for the pager's links to keep the filters."""
    return {key: value for key, value in args.items() if key != "page"}

"""The units as pick lists show them (code and name), kept for a minute in each process.

Every list page's unit filter lists them, and they change perhaps once a year (an administrator adds a unit):
a query on every page for them cost more than some pages' own rows. A change to a unit made in this process
drops the list at once; other processes (gunicorn's other workers) see it within ``UNIT_LIST_SECONDS``, or at
once when someone asks for a code their list does not know yet (``unit_list(refresh=True)``).
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, has_app_context

from tracker.extensions import db
from tracker.models import Unit

UNIT_LIST_SECONDS = 60.0
_KEY = "tracker.unit_list"  # in app.extensions: each app (each test's) keeps its own


def unit_list(refresh: bool = False) -> list[tuple[str, str]]:
    """Every unit's (code, name), by code."""
    store = current_app.extensions
    cached = store.get(_KEY)
    now = time.monotonic()
    if refresh or cached is None or now - cached[0] > UNIT_LIST_SECONDS:
        rows = db.session.execute(sa.select(Unit.code, Unit.name).order_by(Unit.code)).all()
        cached = (now, [(code, name) for code, name in rows])
        store[_KEY] = cached
    return cached[1]


def unit_list_knowing(code: str | None) -> list[tuple[str, str]]:
    """``unit_list()``, read anew first when ``code`` (a unit a request names) is not in it: another process may
    have just added it."""
    units = unit_list()
    if code and code not in {known for known, _name in units}:
        units = unit_list(refresh=True)
    return units


def forget_unit_list() -> None:
    """Drop this process's list (a unit was added, renamed or removed)."""
    if has_app_context():
        current_app.extensions.pop(_KEY, None)


@sa.event.listens_for(Unit, "after_insert")
@sa.event.listens_for(Unit, "after_update")
@sa.event.listens_for(Unit, "after_delete")
def _unit_changed(_mapper, _connection, _unit) -> None:
    forget_unit_list()

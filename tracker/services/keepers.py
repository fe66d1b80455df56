"""What keeps what: the tables and columns derived from the records, and the session listeners that keep them.

The models hold data only. A few tables and columns are derived from the records and recomputed in the flush
that changes those records, in the same transaction, so they cannot drift from them. Every listener doing so is
listed here, and nowhere else registers one: the app factory calls ``register_keepers`` (``tracker.create_app``).

=============================================  ==========================================  =============
derived table or column                        kept by                                     on
=============================================  ==========================================  =============
``cases.public_until`` (the register's dates)  ``outcomes.keep_register_dates``            before_flush
``inspections.day`` (the unit's local day)     ``figures.stamp_inspection_days``           before_flush
``daily_figures``, ``premises_days``,          ``figures.refresh_touched_days``            after_flush
``monthly_figures`` (of the unit-days touched)
``decision_figures`` (of the cases deleted)    ``figures.drop_deleted_decisions``          before_flush
``decision_figures`` (of the cases, payments   ``figures.refresh_touched_decisions``       after_flush
and appeals touched)
=============================================  ==========================================  =============

(``figures`` is ``tracker.services.figures``, ``outcomes`` is ``tracker.services.outcomes``.) They run in this
order within each event. Writes that bypass the ORM (bulk loads, a change of the rulebook) rebuild the same
tables with ``flask figures rebuild`` (``figures.rebuild_figures`` and ``outcomes.refresh_register_dates``);
``flask figures verify`` compares them with the records. Migrations run frozen copies of that code
(migrations/frozen/).

SQLAlchemy's session events are global (listeners on the ``Session`` class serve every session of every app in
the process) and an app factory may run many times (every test builds an app): registering is idempotent, so
each listener runs once per flush however many apps were built.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker.services import figures, outcomes


class Keeper(NamedTuple):
    """One session listener keeping derived data: what it keeps, the ``Session`` event, the function."""

    keeps: str
    event: str
    listener: Callable


KEEPERS: tuple[Keeper, ...] = (
    Keeper("cases.public_until", "before_flush", outcomes.keep_register_dates),
    Keeper("inspections.day", "before_flush", figures.stamp_inspection_days),
    Keeper("daily_figures, premises_days, monthly_figures", "after_flush", figures.refresh_touched_days),
    Keeper("decision_figures (deleted cases)", "before_flush", figures.drop_deleted_decisions),
    Keeper("decision_figures", "after_flush", figures.refresh_touched_decisions),
)


def register_keepers() -> None:
    """Listen to every session's flushes with the ``KEEPERS`` not yet listening (idempotent)."""
    for keeper in KEEPERS:
        if not sa.event.contains(Session, keeper.event, keeper.listener):
            sa.event.listen(Session, keeper.event, keeper.listener)

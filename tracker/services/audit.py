"""Verifying history chains: every case's events, recomputed from their stored values."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

import sqlalchemy as sa
from flask_babel import gettext

from tracker.domain.history import Break, verify_chain
from tracker.extensions import db
from tracker.models import Case, CaseEvent


@dataclass(frozen=True)
class BrokenCase:
    case_id: int
    number: str
    breaks: list[Break]


def verify_case(case: Case) -> list[Break]:
    """Where this case's history chain is broken (empty when intact)."""
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    return verify_chain([event.as_item() for event in events])


def verify_all(batch: int = 5000) -> Iterator[BrokenCase]:
    """Every case whose chain is broken, streaming the events in one ordered pass."""
    numbers = dict(db.session.execute(sa.select(Case.id, Case.number)).all())
    stmt = (
        sa.select(CaseEvent)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
        .execution_options(yield_per=batch)
    )
    seen = set()
    for case_id, events in groupby(db.session.scalars(stmt), key=lambda e: e.case_id):
        seen.add(case_id)
        breaks = verify_chain([event.as_item() for event in events])
        if breaks:
            yield BrokenCase(case_id, numbers.get(case_id, "?"), breaks)
    for case_id, number in numbers.items():
        if case_id not in seen:  # a case whose whole history vanished
            yield BrokenCase(case_id, number, [Break(1, gettext("no history events at all"))])

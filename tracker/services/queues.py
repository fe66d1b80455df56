"""Work queues: the cases whose nearest deadline is due soon or overdue, per unit and per officer.

A case's nearest open agency deadline is stored on the case (``next_deadline``, ``next_due_on`` and
``next_due_soon_on``, recomputed by every action), so the queues are three aggregate queries whatever
the number of cases: the units, the counts per unit and deadline, the counts per officer and deadline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Case, CaseOfficer, Unit, User
from tracker.services.errors import Forbidden
from tracker.services.listings import due_soon_on, overdue_on


@dataclass(frozen=True)
class QueueCount:
    deadline: str
    overdue: int
    due_soon: int


@dataclass
class OfficerQueue:
    username: str
    name: str
    counts: list[QueueCount] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.counts)

    @property
    def due_soon(self) -> int:
        return sum(c.due_soon for c in self.counts)


@dataclass
class UnitQueue:
    unit: Unit
    by_deadline: list[QueueCount] = field(default_factory=list)
    officers: list[OfficerQueue] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.by_deadline)

    @property
    def due_soon(self) -> int:
        return sum(c.due_soon for c in self.by_deadline)


def work_queues(actor: User, today: date) -> list[UnitQueue]:
    """The queues ``actor`` may see as of ``today``: officers and supervisors their unit's, auditors every unit's."""
    if actor.role is Role.AUDITOR:
        units = list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    elif actor.role.works_in_unit:
        units = [actor.unit]
    else:
        raise Forbidden(_("Your role does not read field records."))
    queues = {unit.id: UnitQueue(unit) for unit in units}
    overdue, due_soon = overdue_on(today), due_soon_on(today)
    sums = (sa.func.sum(sa.case((overdue, 1), else_=0)), sa.func.sum(sa.case((due_soon, 1), else_=0)))
    waiting = sa.and_(Case.unit_id.in_(list(queues)), Case.next_deadline.is_not(None), sa.or_(overdue, due_soon))

    for unit_id, deadline, late, soon in db.session.execute(
        sa.select(Case.unit_id, Case.next_deadline, *sums).where(waiting)
        .group_by(Case.unit_id, Case.next_deadline).order_by(Case.unit_id, Case.next_deadline)
    ):
        queues[unit_id].by_deadline.append(QueueCount(deadline, int(late), int(soon)))

    officers: dict[tuple[int, int], OfficerQueue] = {}
    for unit_id, user_id, username, full_name, deadline, late, soon in db.session.execute(
        sa.select(Case.unit_id, User.id, User.username, User.full_name, Case.next_deadline, *sums)
        .join(CaseOfficer, CaseOfficer.case_id == Case.id).join(User, User.id == CaseOfficer.user_id)
        .where(waiting)
        .group_by(Case.unit_id, User.id, User.username, User.full_name, Case.next_deadline)
        .order_by(Case.unit_id, User.username, Case.next_deadline)
    ):
        key = (unit_id, user_id)
        if key not in officers:
            officers[key] = OfficerQueue(username, full_name or username)
            queues[unit_id].officers.append(officers[key])
        officers[key].counts.append(QueueCount(deadline, int(late), int(soon)))
    return [queues[unit.id] for unit in units]

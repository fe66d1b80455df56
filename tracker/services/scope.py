"""Who may see and change which records: one place for unit scoping, used by every entry point."""
from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import User
from tracker.services.access import READERS
from tracker.services.errors import Forbidden, NotFound

T = TypeVar("T")


def can_read(actor: User) -> bool:
    """Officers, supervisors and auditors read records; admins manage the system only."""
    return actor.role in READERS


def scoped(stmt: sa.Select, model: type, actor: User) -> sa.Select:
    """Restrict a query on a unit-owned model to what ``actor`` may see."""
    if not can_read(actor):
        raise Forbidden(_("Your role does not read field records."))
    if actor.role is Role.AUDITOR:
        return stmt
    return stmt.where(model.unit_id == actor.unit_id)


def get_visible(model: type[T], record_id: int, actor: User, *options) -> T:
    """Load one record the actor may see; anything else is 'not found', as if it did not exist."""
    if not can_read(actor):
        raise Forbidden(_("Your role does not read field records."))
    stmt = sa.select(model).where(model.id == record_id).options(*options)
    record = db.session.scalars(scoped(stmt, model, actor)).unique().one_or_none()
    if record is None:
        raise NotFound(_no_such(model))
    return record


def _no_such(model: type) -> str:
    """'No such premises.' for the models looked up here; any other record is a 'record'."""
    messages = {
        "Premises": lambda: _("No such premises."),
        "Inspection": lambda: _("No such inspection."),
        "Case": lambda: _("No such case."),
    }
    return messages.get(model.__name__, lambda: _("No such record."))()


def require_field_role(actor: User, unit_id: int | None = None) -> None:
    """Only officers and supervisors change field records, and only in their own unit."""
    if not actor.role.works_in_unit:
        raise Forbidden(_("Only officers and supervisors may change field records."))
    if unit_id is not None and unit_id != actor.unit_id:
        raise NotFound(_("No such record."))

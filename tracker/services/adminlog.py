"""The log of administrators' actions: recorded with each change, read by auditors and administrators.

``record`` adds the entry to the session of the change it describes, so that both commit together or neither
does; the services that make administrators' changes (accounts, emergencies, tokens) call it before their one
commit. Where the change came from is found here, not passed by each caller, so no entry point can mislabel it:
inside a request it is the client address and browser (the JSON API when the path is under ``/api/``), as the
web layer reads them off the request (``ORIGIN_OF_REQUEST``), anywhere else the command line and the
operating-system user running it.

The log offers no update and no delete. ``contains`` and ``in_period`` are the filters it shares with the
sign-in log (tracker.services.accounts.sign_in_log).
"""
from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext as _

from tracker.domain.adminlog import ActionSource, AdminActionKind, TargetKind, changes
from tracker.extensions import db
from tracker.models import AdminAction, User
from tracker.models.types import utcnow
from tracker.services.errors import Invalid
from tracker.services.search import ESCAPE, like_pattern

IP_LENGTH, AGENT_LENGTH, NAME_LENGTH, LABEL_LENGTH = 45, 200, 64, 200


# The app's reader of a request's origin, () -> (ActionSource, address, browser): create_app files
# tracker.web.security.origin_of_request under this key, so no service reads the request itself.
ORIGIN_OF_REQUEST = "tracker.origin_of_request"


def origin() -> dict:
    """Where the running change comes from: ``source``, ``ip``, ``user_agent`` and ``os_user``."""
    if has_request_context():
        source, ip, user_agent = current_app.extensions[ORIGIN_OF_REQUEST]()
        return {"source": source, "ip": ip[:IP_LENGTH], "user_agent": user_agent[:AGENT_LENGTH], "os_user": ""}
    return {"source": ActionSource.COMMAND_LINE, "ip": "", "user_agent": "", "os_user": _os_user()}


def _os_user() -> str:
    try:
        return getpass.getuser()[:NAME_LENGTH]
    except (KeyError, OSError):  # no login name in the environment nor in the password database
        return ""


def record(actor: User | None, action: AdminActionKind, target_kind: TargetKind, target_id: int | None,
           target_label: str, before: Mapping[str, object] | None = None,
           after: Mapping[str, object] | None = None) -> AdminAction:
    """Add the record of ``actor``'s action (None: the command line) to the session, uncommitted: the caller
    commits it with the change. ``before`` and ``after`` are the values changed; a secret key is refused."""
    entry = AdminAction(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_username=actor.username if actor is not None else "",
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        target_label=(target_label or "")[:LABEL_LENGTH],
        details=changes(before or {}, after or {}),
        **origin(),
    )
    db.session.add(entry)
    return entry


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``text``, case-insensitively, with ``%`` and ``_`` taken literally."""
    return sa.func.lower(column).like(like_pattern(text.strip()), escape=ESCAPE)


def in_period(stmt: sa.Select, column, date_from: date | None, date_to: date | None, tz: str) -> sa.Select:
    """``stmt`` narrowed to ``column`` (a UTC moment) within the days ``date_from`` to ``date_to`` (either may
    be None), read in the time zone ``tz``."""
    zone = ZoneInfo(tz)
    if date_from:
        stmt = stmt.where(column >= datetime.combine(date_from, time.min, zone))
    if date_to:
        stmt = stmt.where(column < datetime.combine(date_to + timedelta(days=1), time.min, zone))
    return stmt


def admin_action_log(
    actor: str | None = None,
    action: str | None = None,
    source: str | None = None,
    target: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tz: str = "UTC",
) -> sa.Select:
    """The administrators' actions matching the filters, newest first (a query for the pager).

    ``actor`` matches a part of the acting account's username, or of the operating-system user of a
    command-line action; ``target`` a part of the target's name; ``action`` and ``source`` are codes; the
    period's days are read in time zone ``tz``.
    """
    stmt = sa.select(AdminAction).order_by(AdminAction.at.desc(), AdminAction.id.desc())
    if actor:
        stmt = stmt.where(sa.or_(contains(AdminAction.actor_username, actor), contains(AdminAction.os_user, actor)))
    if action:
        try:
            stmt = stmt.where(AdminAction.action == AdminActionKind(action))
        except ValueError:
            raise Invalid.field("action", _("Unknown action %(action)s.", action=repr(action))) from None
    if source:
        try:
            stmt = stmt.where(AdminAction.source == ActionSource(source))
        except ValueError:
            raise Invalid.field("source", _("Unknown source %(source)s.", source=repr(source))) from None
    if target:
        stmt = stmt.where(contains(AdminAction.target_label, target))
    return in_period(stmt, AdminAction.at, date_from, date_to, tz)

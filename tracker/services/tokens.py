"""API tokens: issued to a user, stored hashed, revocable; a deactivated account's tokens stop working.

A token issued or revoked by an administrator, or issued from the command line, is recorded in the
administrators' log (tracker.services.adminlog) with the token's id and name, never the token."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.adminlog import AdminActionKind, TargetKind
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.models.types import utcnow
from tracker.services import adminlog
from tracker.services.errors import Invalid, NotFound

TOKEN_BYTES = 32
# Recording every use would write on every read; once a minute is enough to show "last used".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _recorded(actor: User | None) -> bool:
    """Tokens handled by an administrator (their own) or from the command line (anyone's) are logged."""
    return actor is None or actor.role is Role.ADMIN


def _label(record: ApiToken) -> str:
    """A token as the administrators' log names it: its account, and its name when it has one."""
    return f"{record.user.username} ({record.name})" if record.name else record.user.username


def issue_token(user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for the user: the record, and the token itself (shown once, never stored).

    ``actor`` is who asks: the user themselves on their tokens page, None for the command line."""
    name = (name or "").strip()
    if len(name) > 80:
        raise Invalid.field("name", _("At most %(n)s characters.", n=80))
    if not user.is_active:
        raise Invalid.field("username", _("The account is deactivated."))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record = ApiToken(user=user, name=name, token_hash=_digest(token), prefix=token[:8])
    db.session.add(record)
    if _recorded(actor):
        db.session.flush()
        adminlog.record(actor, AdminActionKind.TOKEN_ISSUED, TargetKind.API_TOKEN, record.id, _label(record),
                        after={"account": user.username, "name": name})
    db.session.commit()
    return record, token


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (by the user: an administrator's revocation is recorded)."""
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise NotFound(_("No such token."))
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        if _recorded(user):
            adminlog.record(user, AdminActionKind.TOKEN_REVOKED, TargetKind.API_TOKEN, record.id, _label(record),
                            before={"revoked": False}, after={"revoked": True})
        db.session.commit()
    return record


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, recording its use; None otherwise."""
    if not token or len(token) > 200:
        return None
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None or not record.user.is_active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        record.last_used_at = now
        db.session.commit()
    return record.user

"""Units and accounts: created by administrators or the command line, deactivated, never deleted.

Every change here is recorded in the administrators' log (tracker.services.adminlog) in its own transaction."""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain.adminlog import AdminActionKind, TargetKind
from tracker.domain.signin import SignInReason, locked_until
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import SignInAttempt, Unit, User
from tracker.models.types import utcnow
from tracker.services import adminlog
from tracker.services.errors import Forbidden, Invalid
from tracker.services.wording import refuse_hidden_characters

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
MIN_PASSWORD = 10


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD:
        return _("Use at least %(n)s characters.", n=MIN_PASSWORD)
    if password.isdigit() or password.isalpha():
        return _("Mix letters with digits or symbols.")
    return None


def _require_admin(actor: User | None) -> None:
    # ``None`` is the command line, run by whoever holds the server.
    if actor is not None and actor.role is not Role.ADMIN:
        raise Forbidden(_("Only administrators manage units and accounts."))


def create_unit(code: str, name: str, timezone: str = "Asia/Shanghai", actor: User | None = None) -> Unit:
    """Add an enforcement unit (recorded)."""
    _require_admin(actor)
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not UNIT_CODE.match(code):
        errors["code"] = [_("Use 1-16 capital letters, digits or hyphens.")]
    elif db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
        errors["code"] = [_("A unit with code %(code)s already exists.", code=code)]
    if not name.strip():
        errors["name"] = [_("A name is required.")]
    refuse_hidden_characters(errors, name=name)
    if timezone not in available_timezones():
        errors["timezone"] = [_("Unknown time zone %(zone)s.", zone=repr(timezone))]
    if errors:
        raise Invalid(_("The unit was not created."), errors)
    unit = Unit(code=code, name=name.strip(), timezone=timezone)
    db.session.add(unit)
    db.session.flush()
    adminlog.record(actor, AdminActionKind.UNIT_CREATED, TargetKind.UNIT, unit.id, unit.code,
                    after={"code": unit.code, "name": unit.name, "timezone": unit.timezone})
    db.session.commit()
    return unit


def find_unit(code: str) -> Unit | None:
    """The unit with this code, if any."""
    return db.session.scalar(sa.select(Unit).where(Unit.code == code.strip().upper()))


def create_user(
    username: str,
    role: str,
    password: str,
    unit_code: str | None = None,
    legal_reviewer: bool = False,
    full_name: str = "",
    actor: User | None = None,
) -> User:
    """Add an account, checking role, unit and password rules (recorded, without the password)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    username = username.strip().lower()
    if not USERNAME.match(username):
        errors["username"] = [_("Use 2-64 lower-case letters, digits, dots, hyphens or underscores.")]
    elif db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = [_("The username %(username)s is taken.", username=username)]
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = [_("Unknown role %(role)s.", role=repr(role))]
        role_value = None
    unit = find_unit(unit_code) if unit_code else None
    if unit_code and unit is None:
        errors["unit"] = [_("No unit with code %(code)s.", code=unit_code)]
    elif role_value is not None and role_value.works_in_unit and unit is None:
        errors["unit"] = [_("Officers and supervisors belong to a unit.")]
    if legal_reviewer and role_value is not Role.SUPERVISOR:
        errors["legal_reviewer"] = [_("Only supervisors hold the legal-review qualification.")]
    problem = password_problem(password)
    if problem:
        errors["password"] = [problem]
    refuse_hidden_characters(errors, full_name=full_name)
    if errors:
        raise Invalid(_("The account was not created."), errors)
    user = User(
        username=username,
        role=role_value,
        unit=unit if role_value.works_in_unit else None,
        legal_reviewer=legal_reviewer,
        full_name=full_name.strip(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    adminlog.record(actor, AdminActionKind.ACCOUNT_CREATED, TargetKind.ACCOUNT, user.id, user.username,
                    after=_account_values(user))
    db.session.commit()
    return user


def _account_values(user: User) -> dict:
    """What the administrators' log shows of an account (never its password or hash)."""
    return {"username": user.username, "full_name": user.full_name, "role": user.role,
            "unit": user.unit.code if user.unit else None, "legal_reviewer": user.legal_reviewer,
            "active": user.is_active_account}


def find_user(username: str) -> User | None:
    """The account with this username, if any."""
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    """Deactivate (or reactivate) an account, recorded; an admin cannot lock themselves out. Setting the state
    the account already has changes and records nothing."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id and not active:
        raise Invalid(_("You cannot deactivate your own account."))
    if user.is_active_account == active:
        return
    user.is_active_account = active
    kind = AdminActionKind.ACCOUNT_REACTIVATED if active else AdminActionKind.ACCOUNT_DEACTIVATED
    adminlog.record(actor, kind, TargetKind.ACCOUNT, user.id, user.username,
                    before={"active": not active}, after={"active": active})
    db.session.commit()


def reset_password(user: User, password: str, actor: User | None = None) -> None:
    """Give an account a new password (the reset is recorded, the password never)."""
    _require_admin(actor)
    problem = password_problem(password)
    if problem:
        raise Invalid.field("password", problem)
    user.set_password(password)
    adminlog.record(actor, AdminActionKind.PASSWORD_RESET, TargetKind.ACCOUNT, user.id, user.username)
    db.session.commit()


def authenticate(
    username: str, password: str, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> User | None:
    """The active, unlocked account with these credentials, else None; the attempt is recorded either way.

    Unknown names cost a password check too (against a dummy hash), so timing does not tell which
    accounts exist. A success stamps ``last_login_at`` in the same transaction as its record.
    """
    now = now or utcnow()
    typed = (username or "").strip().lower()[:64]
    user = find_user(typed)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        matches = False
    else:
        matches = user.check_password(password)
    if user is None:
        reason = SignInReason.UNKNOWN_USER
    elif lockout_ends(typed, now) is not None:
        reason = SignInReason.LOCKED
    elif not matches:
        reason = SignInReason.WRONG_PASSWORD
    elif not user.is_active:
        reason = SignInReason.INACTIVE
    else:
        reason = SignInReason.OK
        user.last_login_at = now
    db.session.add(
        SignInAttempt(
            at=now,
            username=typed,
            user_id=user.id if user is not None else None,
            success=reason is SignInReason.OK,
            reason=reason,
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:200],
        )
    )
    db.session.commit()
    return user if reason is SignInReason.OK else None


def lockout_ends(username: str, now: datetime | None = None) -> datetime | None:
    """When the temporary lockout of this account name ends, or None if it is not locked now.

    Thresholds come from the config: LOGIN_LOCKOUT_THRESHOLD failures within LOGIN_LOCKOUT_WINDOW_MINUTES
    lock the name for LOGIN_LOCKOUT_MINUTES (tracker.domain.signin.locked_until). One query.
    """
    config = current_app.config
    now = now or utcnow()
    threshold = int(config["LOGIN_LOCKOUT_THRESHOLD"])
    window = timedelta(minutes=config["LOGIN_LOCKOUT_WINDOW_MINUTES"])
    duration = timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    if threshold <= 0:
        return None
    rows = db.session.execute(
        sa.select(SignInAttempt.at, SignInAttempt.success)
        .where(
            SignInAttempt.username == username.strip().lower()[:64],
            SignInAttempt.reason != SignInReason.LOCKED,
            SignInAttempt.at >= now - window - duration,
        )
        .order_by(SignInAttempt.at.desc(), SignInAttempt.id.desc())
        .limit(threshold)
    ).all()
    ends = locked_until(((row.at, row.success) for row in rows), threshold, window, duration)
    return ends if ends is not None and ends > now else None


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the configured method, checked for unknown names so they take as long as known ones."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def sign_in_log(
    username: str | None = None,
    outcome: str | None = None,
    reason: str | None = None,
    ip: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tz: str = "UTC",
) -> sa.Select:
    """The sign-in attempts matching the filters, newest first (a query for the pager).

    ``username`` matches a part of the name typed (``%`` and ``_`` literal); ``outcome`` is "ok" or
    "failed"; the period's days are read in time zone ``tz``.
    """
    stmt = sa.select(SignInAttempt).order_by(SignInAttempt.at.desc(), SignInAttempt.id.desc())
    if username:
        stmt = stmt.where(adminlog.contains(SignInAttempt.username, username))
    if outcome in ("ok", "failed"):
        stmt = stmt.where(SignInAttempt.success.is_(outcome == "ok"))
    if reason:
        try:
            stmt = stmt.where(SignInAttempt.reason == SignInReason(reason))
        except ValueError:
            raise Invalid.field("reason", _("Unknown reason %(reason)s.", reason=repr(reason))) from None
    if ip:
        stmt = stmt.where(SignInAttempt.ip == ip.strip())
    return adminlog.in_period(stmt, SignInAttempt.at, date_from, date_to, tz)

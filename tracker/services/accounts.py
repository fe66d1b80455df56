"""Units and accounts: created by administrators or the command line, deactivated, never deleted."""
from __future__ import annotations

import re
from zoneinfo import available_timezones

import sqlalchemy as sa

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Unit, User
from tracker.models.types import utcnow
from tracker.services.errors import Forbidden, Invalid

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
MIN_PASSWORD = 10


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if password.isdigit() or password.isalpha():
        return "Mix letters with digits or symbols."
    return None


def _require_admin(actor: User | None) -> None:
    # ``None`` is the command line, run by whoever holds the server.
    if actor is not None and actor.role is not Role.ADMIN:
        raise Forbidden("Only administrators manage units and accounts.")


def create_unit(code: str, name: str, timezone: str = "Asia/Shanghai", actor: User | None = None) -> Unit:
    """Add an enforcement unit."""
    _require_admin(actor)
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not UNIT_CODE.match(code):
        errors["code"] = ["Use 1-16 capital letters, digits or hyphens."]
    elif db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
        errors["code"] = [f"A unit with code {code} already exists."]
    if not name.strip():
        errors["name"] = ["A name is required."]
    if timezone not in available_timezones():
        errors["timezone"] = [f"Unknown time zone {timezone!r}."]
    if errors:
        raise Invalid("The unit was not created.", errors)
    unit = Unit(code=code, name=name.strip(), timezone=timezone)
    db.session.add(unit)
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
    """Add an account, checking role, unit and password rules."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    username = username.strip().lower()
    if not USERNAME.match(username):
        errors["username"] = ["Use 2-64 lower-case letters, digits, dots, hyphens or underscores."]
    elif db.session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = [f"The username {username} is taken."]
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = [f"Unknown role {role!r}."]
        role_value = None
    unit = find_unit(unit_code) if unit_code else None
    if unit_code and unit is None:
        errors["unit"] = [f"No unit with code {unit_code}."]
    elif role_value is not None and role_value.works_in_unit and unit is None:
        errors["unit"] = ["Officers and supervisors belong to a unit."]
    if legal_reviewer and role_value is not Role.SUPERVISOR:
        errors["legal_reviewer"] = ["Only supervisors hold the legal-review qualification."]
    problem = password_problem(password)
    if problem:
        errors["password"] = [problem]
    if errors:
        raise Invalid("The account was not created.", errors)
    user = User(
        username=username,
        role=role_value,
        unit=unit if role_value.works_in_unit else None,
        legal_reviewer=legal_reviewer,
        full_name=full_name.strip(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(username: str) -> User | None:
    """The account with this username, if any."""
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    """Deactivate (or reactivate) an account; an admin cannot lock themselves out."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id and not active:
        raise Invalid("You cannot deactivate your own account.")
    user.is_active_account = active
    db.session.commit()


def reset_password(user: User, password: str, actor: User | None = None) -> None:
    """Give an account a new password."""
    _require_admin(actor)
    problem = password_problem(password)
    if problem:
        raise Invalid.field("password", problem)
    user.set_password(password)
    db.session.commit()


def authenticate(username: str, password: str) -> User | None:
    """The active account with these credentials, recording the sign-in; else None."""
    user = find_user(username)
    if user is None or not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user

"""Administrators' actions: what they are, where they came from, and what their record may say (pure).

Every change an administrator makes (or whoever runs the command line, which holds the server) to units,
accounts, price emergencies and administrators' API tokens is recorded, with the values it changed. A record
never holds a password, a password hash or a token: ``changes`` refuses those keys outright.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum, StrEnum


class AdminActionKind(StrEnum):
    """What was done."""

    UNIT_CREATED = "unit_created"
    ACCOUNT_CREATED = "account_created"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    EMERGENCY_DECLARED = "emergency_declared"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"


class ActionSource(StrEnum):
    """Where it came from: a browser, the JSON API (a bearer token) or the command line on the server."""

    WEB = "web"
    API = "api"
    COMMAND_LINE = "command_line"


class TargetKind(StrEnum):
    """What kind of record the action was done to."""

    ACCOUNT = "account"
    UNIT = "unit"
    EMERGENCY = "emergency"
    API_TOKEN = "api_token"


# Keys a record's details never hold, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})


class SecretInRecord(ValueError):
    """A caller tried to record a password, a hash or a token."""


def plain(value):
    """A value as JSON keeps it: enum members as their value, dates in ISO form, lists element-wise."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def changes(before: Mapping[str, object], after: Mapping[str, object]) -> dict:
    """``{"before": {...}, "after": {...}}`` with only the keys whose value differs (a new record: ``before``
    empty, ``after`` every value); keys in the order first given. Raises ``SecretInRecord`` for a secret key."""
    secret = SECRET_KEYS.intersection(before) | SECRET_KEYS.intersection(after)
    if secret:
        raise SecretInRecord(f"an administrator's action record never holds {sorted(secret)}")
    old, new = {}, {}
    for key in dict.fromkeys([*before, *after]):
        was, now = plain(before.get(key)), plain(after.get(key))
        if key in before and key in after and was == now:
            continue
        if key in before:
            old[key] = was
        if key in after:
            new[key] = now
    return {"before": old, "after": new}

"""Sign-in outcomes and the temporary lockout rule (pure: standard library only).

An account name is locked for ``duration`` after ``threshold`` failed sign-ins in a row (no success in
between) that all fall within ``window``. Attempts refused because the name was locked do not count,
so the lockout ends on time instead of being extended by each attempt made while it lasts.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum


class SignInReason(StrEnum):
    """Why a sign-in succeeded or failed (recorded; never shown to the person signing in)."""

    OK = "ok"
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"
    INACTIVE = "inactive"
    LOCKED = "locked"

    @property
    def counts_towards_lockout(self) -> bool:
        return self in (SignInReason.UNKNOWN_USER, SignInReason.WRONG_PASSWORD, SignInReason.INACTIVE)


def locked_until(
    recent: Iterable[tuple[datetime, bool]], threshold: int, window: timedelta, duration: timedelta
) -> datetime | None:
    """When the lockout that ``recent`` attempts cause ends, or None if they cause none.

    :param recent: (time, succeeded) of the name's attempts that count (locked refusals left out),
        newest first; at least the newest ``threshold`` of them.
    """
    if threshold <= 0:
        return None
    failures: list[datetime] = []
    for at, succeeded in recent:
        if succeeded:
            break
        failures.append(at)
        if len(failures) == threshold:
            break
    if len(failures) < threshold:
        return None
    newest, oldest = failures[0], failures[-1]
    if newest - oldest > window:
        return None
    return newest + duration

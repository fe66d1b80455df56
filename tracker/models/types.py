"""Column types shared by the models: UTC timestamps, money, rates, enums with check constraints."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

Money = sa.Numeric(14, 2)
Rate = sa.Numeric(12, 4)
Quantity = sa.Numeric(14, 3)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable default, evaluated per row)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every backend and always hands back aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def enum_column(enum_cls: type[Enum], name: str) -> sa.Enum:
    """A VARCHAR holding the enum's values, guarded by a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
    )


class AppendOnly(RuntimeError):
    """Raised when code tries to change or remove a row of an append-only table."""


def append_only(model: type, error: type[AppendOnly], describe) -> None:
    """Make the application refuse to update or delete ``model``'s rows through the ORM, raising ``error``
    naming ``describe(row)``. (On PostgreSQL a trigger of the table's migration refuses it in the database too.)"""

    def refuse(_mapper, _connection, target) -> None:
        raise error(f"{describe(target)} cannot be changed or deleted")

    sa.event.listen(model, "before_update", refuse)
    sa.event.listen(model, "before_delete", refuse)

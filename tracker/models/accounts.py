"""Enforcement units and the people who sign in."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain.adminlog import ActionSource, AdminActionKind, TargetKind
from tracker.domain.signin import SignInReason
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models.types import AppendOnly, UTCDateTime, append_only, enum_column, utcnow


class Unit(db.Model):
    """An enforcement unit: a county bureau or one of its stations."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    """An account. Accounts are deactivated, never deleted, so history keeps its actors."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    legal_reviewer: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column("active", default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The interface language chosen in the profile or with the switcher (a catalog name: en, zh_CN);
    # None follows the browser (tracker.web.locale.select_locale).
    locale: Mapped[str | None] = mapped_column(sa.String(16))

    unit: Mapped[Unit | None] = relationship(lazy="joined")

    __table_args__ = (
        # Officers and supervisors always work inside a unit.
        sa.CheckConstraint(
            "role NOT IN ('officer', 'supervisor') OR unit_id IS NOT NULL", name="unit_for_field_roles"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of the password (tests may lower its cost through the config)."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def can_edit_records(self) -> bool:
        """Officers and supervisors change field records; auditors and admins never do."""
        return self.role.works_in_unit

    @property
    def can_read_records(self) -> bool:
        """Admins manage the system but do not read premises, inspections or cases."""
        return self.role is not Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignInAttempt(db.Model):
    """One sign-in through the login form, successful or not: the security log auditors review.

    ``username`` is what was typed (normalised, truncated), so attempts on unknown names are kept too.
    """

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    success: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[SignInReason] = mapped_column(enum_column(SignInReason, "sign_in_reason"))
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    __table_args__ = (sa.Index("ix_sign_in_attempts_username_at", "username", "at"),)

    def __repr__(self) -> str:
        return f"<SignInAttempt {self.username} {self.reason}>"


class AdminAction(db.Model):
    """One change an administrator made, or the command line: the log auditors read (Administration → Actions).

    Who (the account, and its username as it stood; no account for the command line), when, from where (the
    client address and browser, or the command line and the operating-system user running it), what, to which
    record (its kind, id and a readable name as it stood) and the values changed (``details``: ``before`` and
    ``after``, never a password or token). Added in the same transaction as the change it describes
    (tracker.services.adminlog.record); never updated or deleted: the application refuses it, and on
    PostgreSQL a trigger makes the database refuse it too.
    """

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_username: Mapped[str] = mapped_column(sa.String(64), default="")
    source: Mapped[ActionSource] = mapped_column(enum_column(ActionSource, "admin_action_source"))
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    os_user: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[AdminActionKind] = mapped_column(enum_column(AdminActionKind, "admin_action_kind"))
    target_kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind, "admin_action_target_kind"))
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_admin_actions_target", "target_kind", "target_id"),)

    def __repr__(self) -> str:
        return f"<AdminAction {self.action} {self.target_kind} {self.target_label}>"


class AdminLogIsAppendOnly(AppendOnly):
    """Raised when code tries to change or remove the record of an administrator's action."""


append_only(AdminAction, AdminLogIsAppendOnly, lambda entry: f"administrator's action {entry.id}")

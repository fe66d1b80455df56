"""Errors raised by services; the web and API edges turn them into user messages and status codes."""
from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``str(error)`` is a message fit to show the user."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    """Wrong state or a stale version: the user should reload and look again."""

    status = 409


class Invalid(ServiceError):
    """Validation or a legal guard failed; ``errors`` maps field names to messages."""

    status = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}

    @classmethod
    def field(cls, field: str, message: str) -> "Invalid":
        """One message on one field."""
        return cls(message, {field: [message]})


class TooLarge(Invalid):
    """An upload over the size limit (413); a form shows it on the field, as any other invalid input."""

    status = 413

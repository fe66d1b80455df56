"""Declared price emergencies: when one is in force. The gouging tests that apply under one are in
tracker.domain.gouging; which categories it covers is the declaration's own list."""
from __future__ import annotations

from datetime import date


def in_force(starts_on: date, ends_on: date | None, on: date) -> bool:
    """Whether an emergency declared from ``starts_on`` to ``ends_on`` (None: no end date) is in force on ``on``:
    from its first day to its last, both included; not before it starts."""
    return starts_on <= on and (ends_on is None or on <= ends_on)

"""Access to the rulebook loaded at start-up."""
from __future__ import annotations

from flask import current_app

from tracker.domain.rulebook import Rulebook


def current_rulebook() -> Rulebook:
    """The jurisdiction's validated rulebook for this app."""
    return current_app.extensions["tracker.rulebook"]

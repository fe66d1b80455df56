"""Every route declares who may use it; a test walks the URL map to prove none is left open.

The role sets and the rule are tracker.services.access, shared with the API; this is the pages' decorator."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from tracker.extensions import login_manager
from tracker.services.access import FIELD, PUBLIC, READERS, SIGNED_IN, admits, needs_sign_in

__all__ = ["FIELD", "PUBLIC", "READERS", "SIGNED_IN", "allow"]


def allow(*who):
    """Guard a view: ``allow(PUBLIC)``, ``allow(SIGNED_IN)`` or ``allow(Role.X, ...)``."""
    declared = frozenset(who)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if needs_sign_in(declared):
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not admits(declared, current_user.role):
                    abort(403)
            return view(*args, **kwargs)

        guarded.access = declared
        return guarded

    return decorate

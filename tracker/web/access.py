"""Every route declares who may use it; a test walks the URL map to prove none is left open."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from tracker.domain.vocabulary import Role
from tracker.extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"
READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)
FIELD = (Role.OFFICER, Role.SUPERVISOR)


def allow(*who):
    """Guard a view: ``allow(PUBLIC)``, ``allow(SIGNED_IN)`` or ``allow(Role.X, ...)``."""
    declared = frozenset(who)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if PUBLIC not in declared:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if SIGNED_IN not in declared and current_user.role not in declared:
                    abort(403)
            return view(*args, **kwargs)

        guarded.access = declared
        return guarded

    return decorate

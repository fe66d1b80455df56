"""Who may use which entry point: the role sets every page and API endpoint declares, and the rule both
faces apply to them (beside tracker.services.scope, which says which records a permitted user sees).

The web's ``allow`` (tracker.web.access) and the API's ``api_allow`` (tracker.api.core) are thin
decorators over these; a test walks the URL map to prove no route is left undeclared."""
from __future__ import annotations

from collections.abc import Collection

from tracker.domain.vocabulary import Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # anyone signed in, whatever the role
READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)  # read field records (admins manage the system only)
FIELD = (Role.OFFICER, Role.SUPERVISOR)  # change field records, in their own unit


def needs_sign_in(declared: Collection) -> bool:
    """Whether an entry point declared for ``declared`` turns away a caller nobody has signed in as."""
    return PUBLIC not in declared


def admits(declared: Collection, role: Role) -> bool:
    """Whether a signed-in caller of ``role`` may use an entry point declared for ``declared``."""
    return PUBLIC in declared or SIGNED_IN in declared or role in declared

"""Schemathesis fuzzes every operation of the served OpenAPI document in-process: no server errors,
every answer matches its documented status, content type and schema, and requests that break the
schema are refused."""
import os

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, settings

from tests.cases_helpers import CaseWorld
from tracker import create_app
from tracker.services.tokens import issue_token

# Derandomized so CI is repeatable; raise FUZZ_EXAMPLES (and unset FUZZ_DERANDOMIZE) to hunt further.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
DERANDOMIZE = os.environ.get("FUZZ_DERANDOMIZE", "1") == "1"

# The document is read once from an app that never touches a database; each test then calls its own
# app (and database) through case.call_and_validate(app=...).
_document_app = create_app({"SECRET_KEY": "schema-only", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app)


@pytest.fixture
def world(app):
    """A county with a referred inspection and a case in progress, and tokens of each role."""
    world = CaseWorld()
    world.to_state("penalty_proposed")
    world.tokens = {
        "officer": issue_token(world.officer)[1],
        "supervisor": issue_token(world.supervisor2)[1],
        "auditor": issue_token(world.auditor)[1],
        "admin": issue_token(world.admin)[1],
    }
    return world


CURRENT = {}  # the running test's tokens, read by the auth provider below
ANSWERED: dict[str, set[int]] = {}  # operation -> statuses seen


@schema.auth(refresh_interval=None)
class BearerTokens:
    """Schemathesis applies the token itself, so it knows which requests are meant unauthenticated."""

    def get(self, case, context):
        return CURRENT.get(_role_for(case), "no-test-running")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _role_for(case) -> str:
    if case.path.endswith("/emergencies") and case.method == "POST":
        return "admin"
    if "/actions/" in case.path:
        return "supervisor"
    return "officer"


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_holds_its_contract(case, app, world):
    CURRENT.clear()
    CURRENT.update(world.tokens)
    # Schema-valid requests may still be refused by a legal guard (a 422 naming the rule): that is
    # the rulebook speaking, not a contract breach, so "positive data acceptance" is not checked.
    # The in-process transport does not decompress an answer: ask for it plain (the bundle is gzip-compressed
    # for a client that accepts it).
    case.headers = {**(case.headers or {}), "Accept-Encoding": "identity"}
    response = case.call_and_validate(app=app, excluded_checks=[checks.positive_data_acceptance])
    ANSWERED.setdefault(case.operation.label, set()).add(response.status_code)


def test_the_fuzzing_got_past_authentication():
    """Guard against a fuzz run that only ever met 401s: most operations answered with success."""
    succeeded = [operation for operation, statuses in ANSWERED.items() if any(200 <= s < 300 for s in statuses)]
    assert len(ANSWERED) >= 20, sorted(ANSWERED)
    assert len(succeeded) >= len(ANSWERED) // 2, {op: sorted(s) for op, s in ANSWERED.items()}

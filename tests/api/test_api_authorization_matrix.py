"""The authorization matrix over every /api/v1 route: each method, without a token and with the
bearer token of an officer, a supervisor, an auditor and an admin, on the caller's own unit's
records and on another unit's.

Expected answers come from each endpoint's ``@api_allow`` declaration: without a token 401, with
a role outside it 403 (both problem documents, nothing changed in the database); inside it, the
answer, except another unit's record: 404 (or 403), never its data.
"""
from __future__ import annotations

import pytest

from tests.matrix_helpers import (
    Body,
    declared_roles,
    expectation,
    fingerprint,
    judge,
    matrix_rules,
    matrix_site,
    methods_of,
    probes_for,
    READ_METHODS,
    ROLES,
    Verdicts,
)

# A case action's own role and four-eyes table (tracker/domain/lifecycle.py) may refuse a declared role.
FINER_RULES = {"api_cases.act", "api_complaints.act"}  # and a complaint's (tracker/domain/complaints.py)
MINIMUM_COMBINATIONS = 500
# The lists that take ?unit= (the others refuse unknown query parameters with 422).
UNIT_QUERY = {"api_premises.list_premises", "api_cases.list_cases", "api_outcomes.list_outcomes"}


def _inspection(side, caller, world):
    return {"json": {"premises_id": side.premises.id, "started_at": "2020-02-07T10:00:00+08:00",
                     "lead_officer": side.officer.username, "second_officer": side.officer2.username,
                     "type": "routine"}}


# Bodies that pass each endpoint's schema, so a request let through by mistake would change something.
BODIES: dict[str, Body] = {
    "api_premises.create_premises": Body(lambda side, caller, world: {"json": {
        "name": "Matrix stall", "kind": "market_stall", "operator_type": "organisation"}}),
    "api_premises.patch_premises": Body(lambda side, caller, world: {"json": {
        "operator_name": "Changed by the matrix"}}),
    "api_inspections.create_inspection": Body(_inspection, scoped=True),
    "api_inspections.create_observation": Body(lambda side, caller, world: {"json": {
        "commodity": "mask_n95", "price": "9.90", "marked_price": "9.90"}}),
    "api_inspections.create_violation": Body(lambda side, caller, world: {"json": {
        "code": "price_gouging", "description": "matrix violation"}}),
    "api_inspections.submit": Body(lambda side, caller, world: {"json": {"outcome": "no_action"}}),
    "api_cases.create_case": Body(lambda side, caller, world: {"json": {
        "inspection_id": side.referred.id, "violation_ids": [side.violation.id]}}, scoped=True),
    "api_cases.act": Body(lambda side, caller, world: {"json": {}}),
    "api_complaints.file_complaint": Body(lambda side, caller, world: {"json": {
        "kind": "report", "premises_id": side.premises.id, "description": "Filed by the matrix", "person": None}}),
    "api_complaints.act": Body(lambda side, caller, world: {"json": {}}),
    "api_conflicts.resolve": Body(lambda side, caller, world: {"json": {"choice": {"phone": "device"}}}),
    "api_emergencies.create_emergency": Body(lambda side, caller, world: {"json": {
        "name": "Matrix emergency", "starts_on": "2020-05-01", "baseline_date": "2020-04-20",
        "categories": ["meat"]}}),
}


@pytest.fixture(scope="module")
def matrix(test_database, tmp_path_factory):
    """One app, one world and one bearer token per role for the module."""
    with matrix_site(test_database, tmp_path_factory.mktemp("api-matrix")) as (application, world):
        yield application, world, application.test_client()


def test_every_api_route_is_guarded(matrix):
    """Every /api/ view carries a declaration; all but the public ones answer 401 without a token."""
    app = matrix[0]
    rules = matrix_rules(app, api=True)
    assert rules
    assert [r.endpoint for r in rules if not hasattr(app.view_functions[r.endpoint], "access")] == []


def _send(client, probe, world):
    headers = {}
    if probe.role != "anonymous":
        headers["Authorization"] = f"Bearer {world.bearer[probe.role]}"
    kwargs = {"headers": headers}
    if probe.method not in READ_METHODS:
        kwargs["json"] = (probe.body or {}).get("json", {})
    return client.open(probe.url, method=probe.method, buffered=True, **kwargs)


def test_every_api_route_answers_each_role_as_declared(matrix, record_property):
    app, world, client = matrix
    rules = matrix_rules(app, api=True)
    verdicts = Verdicts(baseline=fingerprint())
    for rule in rules:
        declared = declared_roles(app.view_functions[rule.endpoint])
        for method in methods_of(rule):
            for role in ROLES:
                for probe in probes_for(app, rule, method, role, world, BODIES, unit_query=UNIT_QUERY.__contains__):
                    expected = expectation(declared, probe, api=True)
                    judge(verdicts, probe, expected, _send(client, probe, world),
                          lambda twin: _send(client, twin, world), api=True,
                          lenient_403=rule.endpoint in FINER_RULES)
    checked, seen, failures = verdicts.checked, verdicts.seen, verdicts.failures
    record_property("authorization_matrix_api_combinations", checked)
    record_property("authorization_matrix_api_routes", len(rules))
    print(f"\nAPI authorization matrix: {len(rules)} routes, {checked} (route, method, role, unit) combinations:"
          f" {dict(verdicts.tally)}")
    assert not failures, "\n".join(failures)
    assert seen["auditor"] > 0 and seen["officer"] > 0, seen
    assert checked >= MINIMUM_COMBINATIONS

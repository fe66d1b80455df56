"""The authorization matrix over every web route: each method, as anonymous, officer, supervisor,
auditor and admin, on the caller's own unit's records and on another unit's.

The expected answer comes from the route's declaration (``@allow``), never from a list kept here:
outside it, 403 (signed in) or the sign-in page (anonymous), with nothing changed in the database;
inside it, the page, except another unit's record, which answers 404 (or 403) and never shows its data.
"""
from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_token, signed_in
from tests.matrix_helpers import (
    Body,
    declared_roles,
    EXEMPT,
    expectation,
    fingerprint,
    judge,
    matrix_rules,
    matrix_site,
    methods_of,
    PARAMS,
    PNG,
    probes_for,
    READ_METHODS,
    ROLES,
    unfilled,
    UNIT,
    Verdicts,
)
from tracker.domain.vocabulary import Role

# Routes whose declared roles may still be refused by a finer rule of the domain: a case action's
# own role and four-eyes table (tracker/domain/lifecycle.py) answers 403 for, say, an officer filing.
FINER_RULES = {"cases.act"}
# Routes that end the caller's session: each gets a client of its own.
SESSION_ENDING = {"auth.logout"}
MINIMUM_COMBINATIONS = 800


def _inspection_form(side, caller, world):
    return {"premises_id": side.premises.id, "started_at": "2020-02-07T10:00", "lead_officer": side.officer.username,
            "second_officer": side.officer2.username, "type": "routine", "emergency_id": "", "notes": "matrix visit"}


# Realistic bodies, so that a request let through by mistake would change something the fingerprint sees.
BODIES: dict[str, Body] = {
    "auth.tokens": Body(lambda side, caller, world: {"data": {"name": "matrix token"}}),
    "admin.units": Body(lambda side, caller, world: {"data": {"code": "MX", "name": "Matrix unit",
                                                              "timezone": "Asia/Shanghai"}}),
    "admin.users": Body(lambda side, caller, world: {"data": {
        "username": "matrix.user", "full_name": "Matrix User", "role": "officer", "unit": "CG",
        "password": "a long matrix password 2020"}}),
    "admin.reset_password": Body(lambda side, caller, world: {"data": {"password": "another matrix password 2021"}}),
    "admin.emergencies": Body(lambda side, caller, world: {"data": {
        "name": "Matrix emergency", "starts_on": "2020-05-01", "baseline_date": "2020-04-20",
        "categories": ["meat"]}}),
    "premises.create": Body(lambda side, caller, world: {"data": {
        "name": "Matrix stall", "kind": "market_stall", "operator_type": "organisation"}}),
    "premises.edit": Body(lambda side, caller, world: {"data": {
        "name": getattr(side.premises, "name", "Absent"), "kind": "pharmacy", "operator_type": "organisation",
        "operator_name": "Changed by the matrix", "status": "active"}}),
    "inspections.create": Body(lambda side, caller, world: {
        "query": {"premises_id": side.premises.id}, "data": _inspection_form(side, caller, world)}, scoped=True),
    "inspections.edit": Body(lambda side, caller, world: {"data": _inspection_form(side, caller, world)}),
    "inspections.add_observation": Body(lambda side, caller, world: {"data": {
        "commodity": "mask_n95", "price": "9.90", "marked_price": "9.90"}}),
    "inspections.add_evidence": Body(lambda side, caller, world: {"data": {
        "file": (io.BytesIO(PNG), "matrix.png"), "description": "matrix photo"}}),
    "inspections.add_violation": Body(lambda side, caller, world: {"data": {
        "code": "price_gouging", "description": "matrix violation"}}),
    "inspections.submit": Body(lambda side, caller, world: {"data": {"outcome": "no_action"}}),
    "inspections.amend": Body(lambda side, caller, world: {"data": {
        "field": "notes", "new_value": "amended by the matrix", "reason": "matrix"}}),
    "cases.open_from_inspection": Body(lambda side, caller, world: {"data": {
        "inspection_id": side.referred.id, "violation_ids": [side.violation.id]}}, scoped=True),
    "cases.on_the_spot": Body(lambda side, caller, world: {"data": {
        "spot-inspection_id": side.referred.id, "spot-violation_ids": [side.violation.id], "spot-warning": "y",
        "spot-method": "in_person"}}, scoped=True),
    "cases.open_from_complaint": Body(lambda side, caller, world: {"data": {
        "complaint": "matrix complaint", "received_on": "2020-03-02"}}),
    "conflicts.resolve": Body(lambda side, caller, world: {"data": {"choice_0": "device"}}),
}
# Lists probed with a filter: the administrators' actions list both units' accounts as they were created.
QUERIES = {"planning.search": {"q": "Pharmacy"}, "admin.actions": {"action": "account_created", "target": "."}}


def _act_body(url: str) -> dict:
    action = url.rsplit("/", 1)[-1]
    return {f"{action}-reason": "Matrix probe", f"{action}-on": "2020-04-01"}


@pytest.fixture(scope="module")
def matrix(test_database, tmp_path_factory):
    """One app and one world for the module; one signed-in client per role."""
    with matrix_site(test_database, tmp_path_factory.mktemp("matrix")) as (application, world):
        clients = {"anonymous": application.test_client()}
        tokens = {"anonymous": csrf_token(clients["anonymous"], "/auth/login")}
        for role in ROLES[1:]:
            clients[role] = signed_in(application, world.user_of(role))
            tokens[role] = csrf_token(clients[role], "/auth/tokens")
        yield application, world, clients, tokens


def test_every_web_route_declares_its_access(matrix):
    app = matrix[0]
    undeclared = [r.endpoint for r in app.url_map.iter_rules()
                  if r.endpoint not in EXEMPT and not hasattr(app.view_functions[r.endpoint], "access")]
    assert undeclared == []


def test_the_table_fills_every_route_parameter(matrix):
    app = matrix[0]
    assert {rule: problems for rule in app.url_map.iter_rules() if rule.endpoint not in EXEMPT
            for problems in [unfilled(rule)] if problems} == {}


def test_admins_are_never_declared_on_unit_records(matrix):
    """Admins manage the system but do not read field records (User.can_read_records)."""
    app = matrix[0]
    wrong = [rule.rule for rule in matrix_rules(app, api=False) + matrix_rules(app, api=True)
             if any(PARAMS[name].scope == UNIT for name in rule.arguments if name in PARAMS)
             and Role.ADMIN in declared_roles(app.view_functions[rule.endpoint])]
    assert wrong == []


def _send(client, probe, token):
    kwargs = {}
    if probe.method not in READ_METHODS:
        data = dict((probe.body or {}).get("data") or {})
        if probe.endpoint == "cases.act":
            data.update(_act_body(probe.url))
        data["csrf_token"] = token
        kwargs["data"] = data
        if any(isinstance(value, tuple) for value in data.values()):
            kwargs["content_type"] = "multipart/form-data"
    return client.open(probe.url, method=probe.method, buffered=True, **kwargs)


def test_every_route_answers_each_role_as_declared(matrix, record_property):
    app, world, clients, tokens = matrix
    rules = matrix_rules(app, api=False)
    # The session-ending routes go last, so every other request runs signed in.
    rules.sort(key=lambda rule: rule.endpoint in SESSION_ENDING)
    verdicts = Verdicts(baseline=fingerprint())
    for rule in rules:
        declared = declared_roles(app.view_functions[rule.endpoint])
        for method in methods_of(rule):
            for role in ROLES:
                client, token = clients[role], tokens[role]
                if rule.endpoint in SESSION_ENDING and role != "anonymous":
                    client = signed_in(app, world.user_of(role))
                    token = csrf_token(client, "/auth/tokens")
                for probe in probes_for(app, rule, method, role, world, BODIES, QUERIES):
                    expected = expectation(declared, probe, api=False)
                    judge(verdicts, probe, expected, _send(client, probe, token),
                          lambda twin: _send(client, twin, token), api=False,
                          lenient_403=rule.endpoint in FINER_RULES)
    checked, seen, failures = verdicts.checked, verdicts.seen, verdicts.failures
    record_property("authorization_matrix_web_combinations", checked)
    record_property("authorization_matrix_web_routes", len(rules))
    print(f"\nweb authorization matrix: {len(rules)} routes, {checked} (route, method, role, unit) combinations:"
          f" {dict(verdicts.tally)}")
    assert not failures, "\n".join(failures)
    # The checks are not vacuous: auditors do read the other unit, officers their own.
    assert seen["auditor"] > 0 and seen["officer"] > 0, seen
    assert checked >= MINIMUM_COMBINATIONS

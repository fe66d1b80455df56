"""Recording appeals through the API (DOMAIN.md §3; issue 15, finding 1): an appeal's outcome that varies or
annuls the decision changes money, state and publication, so only a supervisor of the unit who is not a case
officer records it, citing the appeal body's decision; a varied penalty is never heavier than the one in force."""
from __future__ import annotations

import pytest

from tests.api.test_cases_api import Api, ok, refused
from tests.api.test_outcomes_api import served_case
from tests.cases_helpers import TODAY, CaseWorld
from tests.factories import user
from tracker.extensions import db
from tracker.models import CaseEvent, CaseOfficer

REFERENCE = "(2020)JF-17"


@pytest.fixture
def world(app, client):
    app.config["TRACKER_TODAY"] = TODAY  # the register and the API's "today" are read as of 2020-12-31
    world = CaseWorld()
    world.plain_officer = user("officer", world.unit, "wu.lei")  # of the unit, not a case officer
    world.officer_supervisor = world.reviewer  # made a case officer of each case below
    for name in ("plain_officer", "officer", "officer_supervisor", "supervisor", "other_officer", "auditor", "admin"):
        setattr(world, f"api_{name}", Api(client, getattr(world, name)))
    return world


DECIDED = [{"kind": "fine", "amount": "6000.00"}, {"kind": "confiscation", "amount": "2060.00"}]


def served(world):
    """A decision served on 2020-03-03 (fine 6,000 and confiscation 2,060), with a supervisor among the case's officers."""
    case = served_case(world, world.pharmacy, "price_gouging", DECIDED)
    case.officers.append(CaseOfficer(user=world.officer_supervisor, inspected=False))
    db.session.commit()
    return case


def paid(world):
    case = served(world)
    world.act(world.officer, case, "record_payment", on="2020-03-10", amount="8060.00", receipt="R-1")
    assert case.state.value == "executed"
    return case


def events(case) -> int:
    return db.session.query(CaseEvent).filter_by(case_id=case.id).count()


def register_fines(client) -> list[str]:
    items = client.get("/api/v1/outcomes").get_json()["items"]
    return [line["amount"] for item in items for line in item["penalty"] if line["kind"] == "fine"]


def test_finding_1_an_officer_cannot_rewrite_a_paid_decision_through_an_appeal(world, client):
    case = paid(world)
    before = ok(world.api_plain_officer.get(f"/cases/{case.id}"))
    history = events(case)
    assert register_fines(client) == ["6000.00"]
    heavier = {"on": "2020-04-01", "kind": "reconsideration", "outcome": "varied", "outcome_on": "2020-04-01",
               "lines": [{"kind": "fine", "amount": "500000.00"}], "reference": REFERENCE}
    body = refused(world.api_plain_officer.act(case.id, "record_appeal", **heavier), 403)
    assert "not one of its case officers" in body["detail"]
    refused(world.api_plain_officer.act(case.id, "record_appeal", **{**heavier, "outcome": "annulled"}), 403)
    refused(world.api_officer.act(case.id, "record_appeal", **heavier), 403)  # a case officer neither
    # A supervisor of the case's own officers may not either (four-eyes), whatever they cite.
    refused(world.api_officer_supervisor.act(case.id, "record_appeal", **{**heavier, "outcome": "annulled"}), 403)
    # The supervisor who may record it still cannot make the penalty heavier (no change to the appellant's detriment).
    body = refused(world.api_supervisor.act(case.id, "record_appeal", **heavier), 422)
    assert "heavier" in body["detail"] and "lines" in body["errors"]
    after = ok(world.api_plain_officer.get(f"/cases/{case.id}"))
    assert after["state"] == "executed" and after["amount_due"] == "0.00"
    assert after["penalty"]["decided"] == before["penalty"]["decided"] and after["version"] == before["version"]
    assert events(case) == history and register_fines(client) == ["6000.00"]


def test_an_independent_supervisor_records_a_lighter_penalty_and_the_excess_is_to_be_refunded(world, client):
    case = paid(world)
    varied = {"on": "2020-04-01", "kind": "reconsideration", "outcome": "varied", "outcome_on": "2020-04-20",
              "lines": [{"kind": "fine", "amount": "3000.00"}, {"kind": "confiscation", "amount": "2060.00"}]}
    body = refused(world.api_supervisor.act(case.id, "record_appeal", **varied), 422)
    assert "reference" in body["errors"]
    answer = ok(world.api_supervisor.act(case.id, "record_appeal", **varied, reference=REFERENCE))
    assert answer["state"] == "executed" and answer["amount_due"] == "0.00" and answer["amount_to_refund"] == "3000.00"
    assert answer["appeals"][0] | {"lines": None} == {"kind": "reconsideration", "lodged_on": "2020-04-01",
                                                     "outcome": "varied", "outcome_on": "2020-04-20",
                                                     "lines": None, "reference": REFERENCE}
    [item] = client.get("/api/v1/outcomes").get_json()["items"]
    assert item["varied_on"] == "2020-04-20" and register_fines(client) == ["3000.00"]
    history = ok(world.api_auditor.get(f"/cases/{case.id}/history"))["items"]
    assert history[-1]["actor"] == world.supervisor.username and history[-1]["data"]["reference"] == REFERENCE
    assert history[-1]["data"]["to_refund"] == "3000.00"


def test_a_varied_penalty_already_paid_executes_the_case(world):
    case = served(world)
    world.act(world.officer, case, "record_payment", on="2020-03-10", amount="5060.00", receipt="R-1")
    assert case.state.value == "decision_served"
    answer = ok(world.api_supervisor.act(case.id, "record_appeal", on="2020-04-01", kind="lawsuit", outcome="varied",
                                          reference=REFERENCE, lines=[{"kind": "fine", "amount": "3000.00"},
                                                                      {"kind": "confiscation", "amount": "2060.00"}]))
    assert answer["state"] == "executed" and answer["amount_due"] == "0.00" and answer["amount_to_refund"] == "0.00"


def test_an_annulment_is_recorded_by_an_independent_supervisor_and_leaves_the_register(world, client):
    case = served(world)
    assert register_fines(client) == ["6000.00"]
    annul = {"on": "2020-04-01", "kind": "reconsideration", "outcome": "annulled", "reference": REFERENCE}
    refused(world.api_officer.act(case.id, "record_appeal", **annul), 403)
    answer = ok(world.api_supervisor.act(case.id, "record_appeal", **annul))
    assert answer["state"] == "terminated" and answer["amount_due"] is None
    assert register_fines(client) == []


# (role, outcome) -> expected status on a served case. Refusals must change nothing.
MATRIX = {
    "plain_officer": {"pending": 200, "upheld": 200, "withdrawn": 200, "varied": 403, "annulled": 403},
    "officer": {"pending": 200, "upheld": 200, "withdrawn": 200, "varied": 403, "annulled": 403},
    "officer_supervisor": {"pending": 200, "upheld": 200, "withdrawn": 200, "varied": 403, "annulled": 403},
    "supervisor": {"pending": 403, "upheld": 403, "withdrawn": 403, "varied": 200, "annulled": 200},
    "other_officer": {"pending": 404, "upheld": 404, "withdrawn": 404, "varied": 404, "annulled": 404},
    "auditor": {"pending": 403, "upheld": 403, "withdrawn": 403, "varied": 403, "annulled": 403},
    "admin": {"pending": 403, "upheld": 403, "withdrawn": 403, "varied": 403, "annulled": 403},
}


def _body(outcome: str) -> dict:
    body = {"on": "2020-04-01", "kind": "reconsideration", "outcome": outcome, "reference": REFERENCE}
    if outcome == "varied":
        body["lines"] = [{"kind": "fine", "amount": "5000.00"}]
    return body


@pytest.mark.parametrize("role", list(MATRIX))
def test_the_appeal_authorization_matrix_through_the_api(world, role):
    case = served(world)
    caller = getattr(world, f"api_{role}")
    for outcome, status in MATRIX[role].items():
        if status != 200:
            version, history = ok(world.api_officer.get(f"/cases/{case.id}"))["version"], events(case)
            refused(caller.act(case.id, "record_appeal", **_body(outcome)), status)
            assert ok(world.api_officer.get(f"/cases/{case.id}"))["version"] == version and events(case) == history
    for outcome, status in MATRIX[role].items():
        if status == 200:
            fresh = served(world) if outcome != "pending" or role == "supervisor" else case
            answer = ok(caller.act(fresh.id, "record_appeal", **_body(outcome)))
            assert answer["appeals"][-1]["outcome"] == outcome
    if any(status == 200 for status in MATRIX[role].values()):
        listed = ok(caller.get(f"/cases/{served(world).id}"))["allowed_actions"]
        assert "record_appeal" in listed

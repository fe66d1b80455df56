"""Published outcomes: public without a token, only decisions in force, personal data masked."""
from datetime import date

import pytest

from tests.cases_helpers import TODAY, CaseWorld
from tests.factories import inspection, premises
from tracker.services import inspections as inspection_service
from tracker.services.cases import open_case
from tracker.services.tokens import issue_token

GAINS_LINES = [{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}]
PERSON = {"operator_name": "Liu Dehua", "phone": "13800138000", "address": "12 Willow Lane, flat 3",
          "credit_code": "92620102MA73K5H2PA"}


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY  # the register is read as of 2020-12-31
    return CaseWorld()


def served_case(world, premises_obj, code, lines, **decide):
    """A case on this premises carried to a served decision through the service."""
    record = inspection(world.officer, world.officer2, premises_obj, world.outbreak)
    inspection_service.record_violation(world.officer, record, code)
    inspection_service.submit_inspection(world.officer, record, "referred")
    case = open_case(world.officer, inspection_id=record.id, today=TODAY)
    world.act(world.supervisor, case, "file", on="2020-02-10", officers=["zhang.wei", "li.na"])
    world.act(world.officer, case, "propose_penalty", on="2020-02-20", lines=lines, departure_reason="Test range")
    world.act(world.supervisor2, case, "approve_penalty", on="2020-02-21")
    world.act(world.officer, case, "serve_notice", on="2020-02-21")
    world.act(world.supervisor2, case, "decide", on="2020-03-02", **decide)
    world.act(world.officer, case, "serve_decision", on="2020-03-03")
    return case


def outcomes(client, query="", **headers):
    response = client.get(f"/api/v1/outcomes{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_published_decisions_are_public_without_a_token(world, client):
    case = world.to_state("decision_served")
    body = outcomes(client).get_json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["number"] == case.number == "CG-2020-0001"
    assert item["party"]["name"] == "Kangjian Pharmacy" and item["party"]["operator_type"] == "organisation"
    assert item["violation"][0]["code"] == "price_gouging" and item["violation"][0]["title"]
    assert item["legal_basis"] == [item["violation"][0]["legal_basis"]] and item["legal_basis"][0]
    assert item["penalty"] == GAINS_LINES
    assert item["agency"] == "Chengguan station"
    assert item["decided_on"] == "2020-03-13" and item["published_on"] == "2020-03-16"
    # A valid token changes nothing; a bad one is refused as everywhere else.
    token = issue_token(world.officer)[1]
    assert outcomes(client, Authorization=f"Bearer {token}").get_json() == body
    assert client.get("/api/v1/outcomes", headers={"Authorization": "Bearer nope"}).status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/api/v1/outcomes"]["get"]["security"] == []


def test_only_decisions_in_force_other_than_warnings(world, client):
    world.to_state("decided")  # decided, not yet served: unpublished
    warning = served_case(world, world.pharmacy, "records_refusal", [{"kind": "warning"}])
    assert warning.state.value == "executed"
    annulled = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "60000.00"}])
    world.act(world.supervisor, annulled, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="reconsideration", outcome="annulled",
              outcome_on="2020-05-20")
    softened = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "60000.00"}])
    world.act(world.supervisor, softened, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "warning"}])
    varied = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "60000.00"}])
    world.act(world.supervisor, varied, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "fine", "amount": "55000.00"}])
    items = outcomes(client).get_json()["items"]
    assert [(i["number"], i["penalty"]) for i in items] == [(varied.number, [{"kind": "fine", "amount": "55000.00"}])]


def test_an_individual_operators_personal_data_never_appears(app, world, client):
    app.config["TRACKER_TODAY"] = date(2020, 4, 1)  # a minor decision: shown for 3 months only
    stall = premises(world.officer, name="Liu Dehua Meat Stall", kind="meat_vendor", operator_type="individual", **PERSON)
    case = served_case(world, stall, "price_gouging", [{"kind": "fine", "amount": "1000.00"}])
    response = outcomes(client)
    text = response.get_data(as_text=True)
    for secret in (*PERSON.values(), "Dehua", "Willow"):
        assert secret not in text
    [item] = response.get_json()["items"]
    assert item["number"] == case.number
    assert item["party"] == {
        "name": "L** Meat Stall", "kind": "meat_vendor", "operator_type": "individual", "operator_name": "L**",
        "credit_code": None, "address": None,
    }


def test_an_organisations_phone_is_not_published_either(world, client):
    shop = premises(world.officer, name="Huamei Supermarket", kind="supermarket", operator_name="Huamei Trading Co.",
                    phone="0931-8888888", address="1 Station Road")
    served_case(world, shop, "price_gouging", [{"kind": "fine", "amount": "60000.00"}])
    response = outcomes(client)
    assert "8888888" not in response.get_data(as_text=True)
    party = response.get_json()["items"][0]["party"]
    assert party["operator_name"] == "Huamei Trading Co." and party["address"] == "1 Station Road"


def test_cursor_pages_skip_what_is_not_published(world, client):
    numbers = []
    for index in range(5):
        lines = [{"kind": "warning"}] if index % 2 else [{"kind": "fine", "amount": "60000.00"}]
        case = served_case(world, world.pharmacy, "price_gouging" if index % 2 == 0 else "records_refusal", lines)
        if index % 2 == 0:
            numbers.append(case.number)
    seen, cursor = [], None
    while True:
        body = outcomes(client, "?limit=1" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))
    two = outcomes(client, "?limit=2").get_json()
    assert [i["number"] for i in two["items"]] == list(reversed(numbers))[:2] and two["next_cursor"]
    for query in ("?limit=0", "?limit=201", "?cursor=abc", "?cursor=-1", "?unpublished=true"):
        response = client.get(f"/api/v1/outcomes{query}")
        assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_filters_by_unit_violation_premises_kind_and_decision_period(world, client):
    gouging = world.to_state("decision_served")  # a pharmacy, decided 2020-03-13
    stall = premises(world.officer, name="Zhao Pork", kind="meat_vendor", operator_name="Zhao Jinbao",
                     operator_type="individual")
    pork = served_case(world, stall, "emergency_measure_breach", [{"kind": "fine", "amount": "60000.00"}])
    for query, expected in [
        ("", [gouging.number, pork.number]),
        ("?unit=CG", [gouging.number, pork.number]),
        ("?unit=XZ", []),
        ("?violation=emergency_measure_breach", [pork.number]),
        ("?premises_kind=pharmacy", [gouging.number]),
        ("?from=2020-03-10", [gouging.number]),
        ("?to=2020-03-02", [pork.number]),
        ("?from=2020-03-03&to=2020-03-12", []),
        ("?premises_kind=meat_vendor&limit=1", [pork.number]),
    ]:
        items = outcomes(client, query).get_json()["items"]
        assert sorted(i["number"] for i in items) == sorted(expected), query
    [item] = outcomes(client, "?premises_kind=pharmacy").get_json()["items"]
    assert item["published_until"] == "2023-03-15" and item["varied_on"] is None
    assert item["party"]["kind"] == "pharmacy"


def test_bad_filters_are_refused(world, client):
    for query in ("?premises_kind=castle", "?from=2020-3-1", "?to=yesterday", "?from=2020-03-10&to=2020-03-01",
                  "?unit=", "?violation=", "?published=true", "?date_from=2020-01-01"):
        response = client.get(f"/api/v1/outcomes{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_a_varied_decision_says_so(world, client):
    varied = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "60000.00"}])
    world.act(world.supervisor, varied, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "fine", "amount": "55000.00"}])
    [item] = outcomes(client).get_json()["items"]
    assert item["varied_on"] == "2020-06-01" and item["penalty"] == [{"kind": "fine", "amount": "55000.00"}]

"""Cases through the JSON API: opening, the whole lifecycle, refusals, history chain, idempotency."""
import hashlib
import json
import re

import pytest

from tests.cases_helpers import CaseWorld
from tracker.domain.deadlines import CASE_DEADLINE_NAMES
from tracker.domain.lifecycle import CaseAction
from tracker.services.tokens import issue_token
from tests.api.helpers import PROBLEM

HASHED = ("seq", "at", "on", "actor", "role", "action", "from_state", "to_state", "data", "reason", "prev_hash")
MONEY = re.compile(r"^[0-9]+\.[0-9]{2}$")


class Api:
    """The test client speaking for one user with a bearer token."""

    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {issue_token(user)[1]}"}

    def get(self, path, **headers):
        return self.client.get(f"/api/v1{path}", headers={**self.headers, **headers})

    def post(self, path, body=None, **headers):
        return self.client.post(f"/api/v1{path}", json=body if body is not None else {}, headers={**self.headers, **headers})

    def act(self, case_id, action, **body):
        return self.post(f"/cases/{case_id}/actions/{action}", body)


@pytest.fixture
def world(app, client):
    world = CaseWorld()
    for name in ("officer", "officer2", "supervisor", "supervisor2", "reviewer", "other_officer", "auditor", "admin"):
        setattr(world, f"api_{name}", Api(client, getattr(world, name)))
    return world


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def refused(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and "detail" in body
    return body


def open_case(world) -> dict:
    return ok(world.api_officer.post("/cases", {"inspection_id": world.inspection.id, "violation_ids": [world.violation.id]}), 201)


def filed(world) -> dict:
    case = open_case(world)
    return ok(world.api_supervisor.act(case["id"], "file", on="2020-02-10", officers=["zhang.wei", "li.na"]))


GAINS_LINES = [{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}]


def test_open_answers_the_case_as_get_does(world):
    created = world.api_officer.post("/cases", {"inspection_id": world.inspection.id, "violation_ids": [world.violation.id]})
    case = ok(created, 201)
    assert created.headers["Location"].endswith(f"/api/v1/cases/{case['id']}")
    assert case == ok(world.api_officer.get(f"/cases/{case['id']}"))
    assert case["state"] == "clue" and case["number"] == "CG-2020-0001" and case["unit"] == "CG"
    assert case["premises_id"] == world.pharmacy.id and case["version"] == 1
    assert sorted(case["officers"]) == ["li.na", "zhang.wei"]
    assert case["penalty"] == {"proposed": None, "approved": None, "decided": None}
    assert case["amount_due"] is None and case["payments"] == [] and case["appeals"] == []
    assert case["hearing_right"] is False
    assert [d["name"] for d in case["deadlines"]] == ["filing"]
    # The same violation cannot open a second case.
    body = refused(world.api_officer.post("/cases", {"inspection_id": world.inspection.id}), 422)
    assert "violation_ids" in body["errors"]


def test_open_from_a_complaint_and_the_shape_of_the_request(world):
    case = ok(world.api_officer.post(
        "/cases", {"premises_id": world.pharmacy.id, "complaint": "Masks at 10 yuan", "received_on": "2020-02-01"}
    ), 201)
    assert case["state"] == "clue" and case["clue_on"] == "2020-02-01" and case["inspection_id"] is None
    refused(world.api_officer.post("/cases", {}), 422)
    refused(world.api_officer.post("/cases", {"inspection_id": world.inspection.id, "premises_id": world.pharmacy.id}), 422)
    refused(world.api_officer.post("/cases", {"premises_id": world.pharmacy.id, "complaint": "x", "received_on": "2020-13-01"}), 422)
    refused(world.api_officer.post("/cases", {"premises_id": world.pharmacy.id, "complaint": "x", "received_on": "2030-01-01"}), 422)
    refused(world.api_officer.post("/cases", {"premises_id": 2**40, "complaint": "x", "received_on": "2020-01-01"}), 422)
    refused(world.api_officer.post("/cases", {"inspection_id": "7"}), 422)
    refused(world.api_officer.post("/cases", [1, 2]), 422)
    refused(world.api_other_officer.post("/cases", {"inspection_id": world.inspection.id}), 422)  # not in their unit
    refused(world.api_auditor.post("/cases", {"inspection_id": world.inspection.id}), 403)
    refused(world.api_admin.post("/cases", {"inspection_id": world.inspection.id}), 403)


def test_whole_case_walked_by_api_to_closed(world):
    officer, supervisor, supervisor2 = world.api_officer, world.api_supervisor, world.api_supervisor2

    def allowed(api, case_id):
        return set(ok(api.get(f"/cases/{case_id}"))["allowed_actions"])

    case = open_case(world)
    cid = case["id"]
    assert allowed(officer, cid) == set()
    assert allowed(supervisor, cid) == {"file", "decline", "mark_major", "extend_deadline"}

    case = ok(supervisor.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], act_on="2020-01-30"))
    assert case["state"] == "investigating" and case["version"] == 2
    assert case["allowed_actions"] == ["mark_major", "suspend", "terminate", "transfer", "extend_deadline"]
    assert allowed(officer, cid) == {"propose_penalty"}

    case = ok(officer.act(cid, "propose_penalty", on="2020-03-02", illegal_gains="2060.00", lines=GAINS_LINES))
    assert case["state"] == "penalty_proposed" and case["illegal_gains"] == "2060.00" and case["severity"] == "ordinary"
    assert case["penalty"]["proposed"] == GAINS_LINES and case["penalty"]["approved"] is None
    assert case["allowed_actions"] == []
    assert allowed(supervisor2, cid) == {"approve_penalty", "return", "extend_deadline"}

    case = ok(supervisor2.act(cid, "approve_penalty", on="2020-03-04"))
    assert case["state"] == "penalty_approved" and case["penalty"]["approved"] == GAINS_LINES
    assert allowed(officer, cid) == {"serve_notice"}

    case = ok(officer.act(cid, "serve_notice", on="2020-03-05", method="in_person"))
    assert case["state"] == "notice_served" and case["hearing_right"] is False
    assert "decide" in allowed(supervisor2, cid) and "decide" not in case["allowed_actions"]

    case = ok(supervisor2.act(cid, "decide", on="2020-03-13"))
    assert case["state"] == "decided" and case["penalty"]["decided"] == GAINS_LINES
    assert allowed(officer, cid) == {"serve_decision"}

    case = ok(officer.act(cid, "serve_decision", on="2020-03-16", method="post"))
    assert case["state"] == "decision_served" and case["published_on"] == "2020-03-16"
    assert case["allowed_actions"] == ["record_payment", "record_appeal"]
    assert allowed(supervisor, cid) == {"apply_enforcement", "extend_deadline", "record_appeal"}  # varied or annulled only
    # Years later, unpaid: the late surcharge has reached its cap (the fine).
    assert MONEY.match(case["amount_due"]) and float(case["amount_due"]) >= 8060
    due_on = case["payment_due_on"]
    assert {d["name"]: d["due_on"] for d in case["deadlines"]}["payment"] == due_on

    case = ok(officer.act(cid, "record_payment", on=due_on, amount="8060.00", receipt="R-2020-17"))
    assert case["state"] == "executed" and case["amount_due"] == "0.00"
    assert case["payments"] == [{"on": due_on, "amount": "8060.00", "receipt": "R-2020-17"}]
    assert allowed(supervisor, cid) == {"close", "extend_deadline", "record_appeal"}

    case = ok(supervisor.act(cid, "close", on=due_on))
    assert case["state"] == "closed" and case["allowed_actions"] == [] and case["version"] == 9
    for api in (officer, supervisor, supervisor2):
        assert allowed(api, cid) == set()
    for deadline in case["deadlines"]:
        assert deadline["name"] in CASE_DEADLINE_NAMES and deadline["status"] == "met"
    history = ok(officer.get(f"/cases/{cid}/history"))["items"]
    assert [e["action"] for e in history] == [
        "open", "file", "propose_penalty", "approve_penalty", "serve_notice", "decide", "serve_decision",
        "record_payment", "close",
    ]


def test_four_eyes_the_proposer_never_approves(world):
    case = open_case(world)
    cid = case["id"]
    # zhou.min (supervisor2) is named a case officer, so may propose, and so may not approve.
    ok(world.api_supervisor.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "zhou.min"]))
    ok(world.api_supervisor2.act(cid, "propose_penalty", on="2020-03-02", illegal_gains="2060.00", lines=GAINS_LINES))
    assert "approve_penalty" not in ok(world.api_supervisor2.get(f"/cases/{cid}"))["allowed_actions"]
    body = refused(world.api_supervisor2.act(cid, "approve_penalty", on="2020-03-04"), 403)
    assert "proposed themselves" in body["detail"]
    refused(world.api_officer.act(cid, "approve_penalty", on="2020-03-04"), 403)  # an officer never approves
    refused(world.api_auditor.act(cid, "approve_penalty", on="2020-03-04"), 403)
    case = ok(world.api_supervisor.act(cid, "approve_penalty", on="2020-03-04"))
    assert case["state"] == "penalty_approved"


def test_wrong_state_and_stale_version_are_409(world):
    case = open_case(world)
    cid = case["id"]
    body = refused(world.api_officer.act(cid, "serve_notice", on="2020-02-10"), 409)
    assert "clue" in body["detail"].lower()
    file_body = {"on": "2020-02-10", "officers": ["zhang.wei", "li.na"]}
    path = f"/cases/{cid}/actions/file"
    refused(world.api_supervisor.post(path, file_body, **{"If-Match": str(case["version"] + 1)}), 409)
    refused(world.api_supervisor.post(path, file_body, **{"If-Match": "99999999999"}), 409)
    body = refused(world.api_supervisor.post(path, file_body, **{"If-Match": "v1; drop table"}), 422)
    assert "If-Match" in body["errors"]
    refused(world.api_supervisor.post(path, file_body, **{"If-Match": "1.5"}), 422)
    answer = world.api_supervisor.post(path, file_body, **{"If-Match": f'"{case["version"]}"'})
    after = ok(answer)
    assert after["version"] == case["version"] + 1 and answer.headers["ETag"] == f'"{after["version"]}"'
    # The old version is now stale: another write with it is refused, and nothing changes.
    stale = world.api_supervisor.post(f"/cases/{cid}/actions/mark_major", {"on": "2020-02-11", "reason": "x"},
                                      **{"If-Match": str(case["version"])})
    refused(stale, 409)
    assert ok(world.api_officer.get(f"/cases/{cid}"))["major"] is False


def test_a_decision_before_the_statement_period_ends_names_the_rule(world):
    case = filed(world)
    cid = case["id"]
    ok(world.api_officer.act(cid, "propose_penalty", on="2020-03-02", illegal_gains="2060.00", lines=GAINS_LINES))
    ok(world.api_supervisor2.act(cid, "approve_penalty", on="2020-03-04"))
    ok(world.api_officer.act(cid, "serve_notice", on="2020-03-05"))
    body = refused(world.api_supervisor2.act(cid, "decide", on="2020-03-12"), 422)
    assert "2020-03-12" in body["detail"] and "waive" in body["detail"] and "on" in body["errors"]
    body = refused(world.api_supervisor2.act(cid, "decide", on="2020-03-13", lines=[
        {"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "9000.00"}]), 422)
    assert "lines" in body["errors"]  # a decision never raises the noticed penalty
    assert ok(world.api_supervisor2.get(f"/cases/{cid}"))["state"] == "notice_served"
    assert ok(world.api_supervisor2.act(cid, "decide", on="2020-03-06", waived=True))["state"] == "decided"


def test_other_units_unknown_ids_and_actions_are_404(world):
    case = open_case(world)
    cid = case["id"]
    refused(world.api_other_officer.get(f"/cases/{cid}"), 404)
    refused(world.api_other_officer.get(f"/cases/{cid}/history"), 404)
    refused(world.api_other_officer.act(cid, "file", on="2020-02-10", officers=["chen.jie", "zhao.lei"]), 404)
    assert ok(world.api_other_officer.get("/cases"))["items"] == []
    refused(world.api_supervisor.act(cid, "fly_away"), 404)
    for path in ("/cases/0", "/cases/99999999999999999999", f"/cases/{2**31}", "/cases/-1", "/cases/abc",
                 f"/cases/{2**31 - 1}", f"/cases/{2**31 - 1}/history"):
        refused(world.api_officer.get(path), 404)
    refused(world.api_supervisor.act(2**31 - 1, "file"), 404)


def test_tokens_and_roles(world, client):
    case = open_case(world)
    cid = case["id"]
    refused(client.get("/api/v1/cases"), 401)
    refused(client.get(f"/api/v1/cases/{cid}"), 401)
    refused(client.post(f"/api/v1/cases/{cid}/actions/file", json={}), 401)
    refused(client.get(f"/api/v1/cases/{cid}", headers={"Authorization": "Bearer not-a-token"}), 401)
    refused(world.api_admin.get("/cases"), 403)
    refused(world.api_admin.get(f"/cases/{cid}"), 403)
    refused(world.api_admin.get(f"/cases/{cid}/history"), 403)
    refused(world.api_admin.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"]), 403)
    refused(world.api_auditor.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"]), 403)
    seen = ok(world.api_auditor.get(f"/cases/{cid}"))
    assert seen["allowed_actions"] == [] and seen["id"] == cid


def test_action_bodies_are_checked_before_the_service(world):
    case = open_case(world)
    cid = case["id"]
    path = f"/cases/{cid}/actions/file"
    sup = world.api_supervisor
    assert "on" in refused(sup.act(cid, "file", on="10/02/2020", officers=["zhang.wei", "li.na"]), 422)["errors"]
    assert refused(sup.act(cid, "file", on="20200210", officers=["zhang.wei", "li.na"]), 422)["errors"]
    refused(sup.act(cid, "file", on="2020-02-10", officers="zhang.wei"), 422)
    refused(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], method="post"), 422)  # not file's
    refused(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], reason="x" * 5001), 422)
    refused(sup.act(cid, "file", on="9999-12-31", officers=["zhang.wei", "li.na"]), 422)
    refused(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"], nonsense=1), 422)
    for not_a_boolean in ("yes", "true", 1, 0, None):  # finding 8 of issue 15: JSON true or false only
        body = refused(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"],
                               harm_to_safety=not_a_boolean), 422)
        assert "harm_to_safety" in body["errors"]
    refused(sup.post(path, [1, 2]), 422)
    refused(sup.post(path, "a string"), 422)
    bad = sup.client.post(f"/api/v1{path}", data="{not json", headers={**sup.headers, "Content-Type": "application/json"})
    refused(bad, 400)
    refused(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei"]), 422)  # the service: two officers
    assert ok(sup.get(f"/cases/{cid}"))["version"] == 1
    ok(sup.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"]))
    officer = world.api_officer
    for lines in ([{"kind": "caning", "amount": "1.00"}], [{"kind": "fine", "amount": 6000.5}],
                  [{"kind": "fine", "amount": "1e5"}], [{"kind": "fine", "amount": "6000.00", "extra": 1}],
                  [{"kind": "fine", "amount": "1.00"}] * 11, [], [{"kind": "fine"}]):
        refused(officer.act(cid, "propose_penalty", on="2020-03-02", lines=lines), 422)
    refused(officer.act(cid, "propose_penalty", on="2020-03-02", lines=GAINS_LINES, severity="grave"), 422)
    refused(officer.act(cid, "propose_penalty", on="2020-03-02", lines=GAINS_LINES, illegal_gains="-5"), 422)
    # Outside the rulebook's range without a departure reason: the service refuses it and says why.
    body = refused(officer.act(cid, "propose_penalty", on="2020-03-02", illegal_gains="2060.00",
                               lines=[{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "50000.00"}]), 422)
    assert "departure_reason" in body["errors"]
    refused(world.api_supervisor.act(cid, "extend_deadline", deadline="decision", days=10**12, reason="x"), 422)
    refused(world.api_supervisor.act(cid, "extend_deadline", deadline="forever", days=10, reason="x"), 422)
    case = ok(world.api_supervisor.act(cid, "extend_deadline", deadline="decision", days=10, reason="Complex"))
    assert any(d["name"] == "decision" and d["extended"] for d in case["deadlines"])


def test_history_chain_can_be_checked_outside_the_tracker(world):
    case = filed(world)
    cid = case["id"]
    ok(world.api_supervisor.act(cid, "mark_major", on="2020-02-11", reason="Großes öffentliches Interesse — 公共利益"))
    raw = world.api_auditor.get(f"/cases/{cid}/history")
    items = json.loads(raw.get_data(as_text=True))["items"]
    assert [i["seq"] for i in items] == [1, 2, 3]
    previous = "0" * 64
    for item in items:
        assert set(item) == set(HASHED) | {"hash"}
        canonical = json.dumps({k: item[k] for k in HASHED}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == item["hash"]
        assert item["prev_hash"] == previous and re.fullmatch(r"[0-9a-f]{64}", item["hash"])
        previous = item["hash"]
    assert items[0]["from_state"] is None and items[0]["to_state"] == "clue" and items[0]["actor"] == "zhang.wei"
    assert items[1]["data"]["officers"] == ["zhang.wei", "li.na"] and items[1]["on"] == "2020-02-10"
    assert items[2]["reason"] == "Großes öffentliches Interesse — 公共利益" and items[2]["role"] == "supervisor"


def test_an_idempotent_retry_returns_the_first_answer_and_records_nothing_new(world):
    case = filed(world)
    cid = case["id"]
    body = {"on": "2020-03-02", "illegal_gains": "2060.00", "lines": GAINS_LINES}
    key = {"Idempotency-Key": "propose-7f3a"}
    first = world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body, **key)
    again = world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body, **key)
    assert ok(first) == ok(again)
    history = ok(world.api_officer.get(f"/cases/{cid}/history"))["items"]
    assert [e["action"] for e in history].count("propose_penalty") == 1
    other = world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", {**body, "severity": "heavier"}, **key)
    refused(other, 422)
    # Without the key, the same body is a second action: the case has moved on, so 409.
    refused(world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body), 409)
    # A refused request does not keep its key: fixed and retried, it runs.
    key2 = {"Idempotency-Key": "approve-1"}
    refused(world.api_supervisor2.post(f"/cases/{cid}/actions/approve_penalty", {"on": "2020-13-01"}, **key2), 422)
    ok(world.api_supervisor2.post(f"/cases/{cid}/actions/approve_penalty", {"on": "2020-03-04"}, **key2))
    created = world.api_officer.post("/cases", {"premises_id": world.pharmacy.id, "complaint": "c", "received_on": "2020-02-01"},
                                     **{"Idempotency-Key": "open-1"})
    replay = world.api_officer.post("/cases", {"premises_id": world.pharmacy.id, "complaint": "c", "received_on": "2020-02-01"},
                                    **{"Idempotency-Key": "open-1"})
    assert ok(created, 201)["id"] == ok(replay, 201)["id"]
    assert len(ok(world.api_officer.get("/cases"))["items"]) == 2


def test_list_filters_and_cursor_pages(world):
    from tests.factories import inspection as make_inspection, premises
    from tracker.services import inspections as svc
    from tracker.services.cases import open_case as service_open

    first = filed(world)
    second = ok(world.api_officer.post(
        "/cases", {"premises_id": world.pharmacy.id, "complaint": "Masks", "received_on": "2020-02-01"}), 201)
    market = premises(world.officer, name="East Market", kind="farmers_market")
    record = make_inspection(world.officer, world.officer2, market, world.outbreak)
    svc.record_violation(world.officer, record, "price_marking")
    svc.submit_inspection(world.officer, record, "referred")
    third = ok(world.api_officer.post("/cases", {"inspection_id": record.id}), 201)
    other_pharmacy = premises(world.other_officer, name="West Pharmacy")
    service_open(world.other_officer, premises_id=other_pharmacy.id, complaint="Gloves", received_on="2020-02-03")

    def ids(api, query=""):
        return [c["id"] for c in ok(api.get(f"/cases{query}"))["items"]]

    everyone = ids(world.api_officer)
    assert everyone == [third["id"], second["id"], first["id"]]  # newest first, own unit only
    assert len(ids(world.api_auditor)) == 4
    assert len(ids(world.api_auditor, "?unit=XZ")) == 1 and ids(world.api_officer, "?unit=XZ") == []
    assert ids(world.api_officer, "?state=investigating") == [first["id"]]
    assert ids(world.api_officer, f"?premises_id={market.id}") == [third["id"]]
    assert ids(world.api_officer, "?violation_code=price_marking") == [third["id"]]
    assert ids(world.api_officer, "?violation_code=price_gouging") == [first["id"]]
    # Clues from 2020 are long past their filing deadline; the filed case is past its decision deadline.
    assert ids(world.api_officer, "?overdue=true") == everyone
    assert ids(world.api_officer, "?overdue=false") == []
    ok(world.api_supervisor.act(first["id"], "terminate", on="2020-03-01", reason="Not established"))
    ok(world.api_supervisor.act(first["id"], "close", on="2020-03-02"))
    assert ids(world.api_officer, "?overdue=false") == [first["id"]]
    page = ok(world.api_officer.get("/cases?limit=2"))
    assert [c["id"] for c in page["items"]] == everyone[:2] and page["next_cursor"]
    rest = ok(world.api_officer.get(f"/cases?limit=2&cursor={page['next_cursor']}"))
    assert [c["id"] for c in rest["items"]] == everyone[2:] and rest["next_cursor"] is None
    item = ok(world.api_officer.get("/cases?limit=1"))["items"][0]
    assert item == ok(world.api_officer.get(f"/cases/{item['id']}"))
    for query in ("?state=flying", "?limit=0", "?limit=201", "?premises_id=0", f"?premises_id={2**40}",
                  "?overdue=perhaps", "?unit=" + "X" * 17, "?cursor=abc", "?stat=clue"):
        refused(world.api_officer.get(f"/cases{query}"), 422)


def test_the_openapi_document_names_every_action_and_header(world, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/cases/{case_id}/actions/{action}"]
    path_params = {p["name"]: p for p in operation.get("parameters", []) + operation["post"].get("parameters", [])}
    assert path_params["action"]["schema"]["enum"] == [a.value for a in CaseAction]
    assert path_params["case_id"]["schema"]["maximum"] == 2**31 - 1
    assert {"If-Match", "Idempotency-Key"} <= set(path_params)
    assert spec["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    history = spec["components"]["schemas"]["HistoryItemOut"]["properties"]
    assert set(history) == set(HASHED) | {"hash"}
    case = spec["components"]["schemas"]["CaseOut"]["properties"]
    for field in ("id", "number", "unit", "premises_id", "state", "version", "officers", "allowed_actions", "deadlines",
                  "penalty", "hearing_right", "amount_due", "payments", "appeals"):
        assert field in case


def test_major_case_hearing_and_appeal_bodies(world):
    case = open_case(world)
    cid = case["id"]
    sup2, officer = world.api_supervisor2, world.api_officer
    ok(sup2.act(cid, "mark_major", on="2020-02-06", reason="Public interest"))
    ok(sup2.act(cid, "file", on="2020-02-10", officers=["zhang.wei", "li.na"]))
    ok(officer.act(cid, "propose_penalty", on="2020-03-02", lines=[{"kind": "fine", "amount": "150000.00"}]))
    assert "legal-review" in refused(sup2.act(cid, "approve_penalty", on="2020-03-04"), 403)["detail"]
    ok(world.api_reviewer.act(cid, "approve_penalty", on="2020-03-04"))
    case = ok(officer.act(cid, "serve_notice", on="2020-03-05", method="electronic"))
    assert case["major"] is True and case["hearing_right"] is True
    ok(officer.act(cid, "request_hearing", on="2020-03-12"))
    refused(officer.act(cid, "hold_hearing", on="2020-03-20", host="zhou.min", report="x" * 20001), 422)
    ok(officer.act(cid, "hold_hearing", on="2020-03-20", host="zhou.min", report="Party heard"))
    discussion = {"on": "2020-03-22", "participants": ["zhou.min", "sun.li"]}
    refused(sup2.act(cid, "decide", on="2020-03-23"), 422)  # a major case needs the collective discussion
    refused(sup2.act(cid, "decide", on="2020-03-23", collective_discussion={**discussion, "minutes": "x"}), 422)
    refused(sup2.act(cid, "decide", on="2020-03-23", collective_discussion={"on": "2020-03-22"}), 422)
    case = ok(sup2.act(cid, "decide", on="2020-03-23", lines=[{"kind": "fine", "amount": "120000.00"}],
                       collective_discussion=discussion))
    assert case["penalty"]["decided"] == [{"kind": "fine", "amount": "120000.00"}]
    ok(officer.act(cid, "serve_decision", on="2020-03-24"))
    refused(officer.act(cid, "record_appeal", on="2020-04-01", kind="petition"), 422)
    case = ok(officer.act(cid, "record_appeal", on="2020-04-01", kind="reconsideration"))
    assert case["appeals"] == [{"kind": "reconsideration", "lodged_on": "2020-04-01", "outcome": "pending",
                                "outcome_on": None, "lines": None, "reference": None}]
    varied = {"on": "2020-05-20", "kind": "reconsideration", "outcome": "varied", "outcome_on": "2020-05-20",
              "lines": [{"kind": "fine", "amount": "100000.00"}], "reference": "(2020)JF-17"}
    refused(officer.act(cid, "record_appeal", **varied), 403)  # a supervisor who is not a case officer records it
    refused(sup2.act(cid, "record_appeal", **{**varied, "reference": ""}), 422)  # citing the appeal body's decision
    heavier = refused(sup2.act(cid, "record_appeal", **{**varied, "lines": [{"kind": "fine", "amount": "130000.00"}]}), 422)
    assert "heavier" in heavier["detail"]
    case = ok(sup2.act(cid, "record_appeal", **varied))
    assert case["appeals"][0]["outcome"] == "varied" and case["penalty"]["decided"][0]["amount"] == "100000.00"
    assert case["appeals"][0]["reference"] == "(2020)JF-17"
    events = ok(world.api_auditor.get(f"/cases/{cid}/history"))["items"]
    assert events[-4]["data"]["collective_discussion"] == {"on": "2020-03-22", "participants": ["sun.li", "zhou.min"]}


def test_an_idempotency_key_lands_with_its_action_so_a_lost_answer_never_runs_it_twice(world, monkeypatch):
    from datetime import timedelta

    import sqlalchemy as sa

    from tracker.api import cases as api_cases
    from tracker.extensions import db
    from tracker.models import IdempotencyRecord

    case = filed(world)
    cid = case["id"]
    body = {"on": "2020-03-02", "illegal_gains": "2060.00", "lines": GAINS_LINES}
    key = {"Idempotency-Key": "propose-lost"}
    real_case_out = api_cases.case_out

    def dies_after_the_commit(*args, **kwargs):  # the worker dies once the action is committed
        raise RuntimeError("worker lost")

    monkeypatch.setattr(api_cases, "case_out", dies_after_the_commit)
    with pytest.raises(RuntimeError):
        world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body, **key)
    monkeypatch.setattr(api_cases, "case_out", real_case_out)
    record = db.session.scalars(sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "propose-lost")).one()
    assert record.status == 0  # committed together with the action: the action did happen
    busy = world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body, **key)
    assert refused(busy, 409)["detail"].endswith("still in progress; retry shortly.")
    record.created_at -= timedelta(minutes=3)
    db.session.commit()
    lost = world.api_officer.post(f"/cases/{cid}/actions/propose_penalty", body, **key)
    assert "its answer was lost" in refused(lost, 409)["detail"]
    history = ok(world.api_officer.get(f"/cases/{cid}/history"))["items"]
    assert [e["action"] for e in history].count("propose_penalty") == 1


def test_a_refused_action_leaves_no_key_behind(world):
    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.models import IdempotencyRecord

    case = filed(world)
    refused(world.api_officer.post(f"/cases/{case['id']}/actions/approve_penalty", {"on": "2020-03-04"},
                                   **{"Idempotency-Key": "approve-too-early"}), 409)
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyRecord.id))) == 0

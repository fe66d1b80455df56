"""Complaints and reports from the public (issue 18, DOMAIN.md §11) through the API: public and officers' intake,
routing, the price check, duplicates and merging, every action with its roles and wrong states, deadlines, the
tracking page (nothing else leaks), confidentiality, the intake limit, and bad input refused whole."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from tests.api.helpers import problem
from tests.factories import County, emergency, inspection, premises, user
from tracker.extensions import db
from tracker.models import Inspection
from tracker.models.complaints import Complaint, ComplaintEvent, ComplaintReply
from tracker.services import inspections as inspection_service
from tracker.services.tokens import issue_token

URL = "/api/v1/complaints"
TODAY = date(2020, 2, 10)
RECEIPT_KEYS = {"number", "tracking_code", "received_on", "status"}
TRACKING_KEYS = {"number", "kind", "received_on", "status", "replies"}
PERSON = {"name": "Qzxperson Liu", "phone": "13912345678"}


class World(County):
    def __init__(self):
        super().__init__()
        self.other_supervisor = user("supervisor", self.other_unit, "sun.li")
        self.outbreak = emergency()
        self.pharmacy = premises(self.officer)
        self.other_pharmacy = premises(self.other_officer, name="Xizhen Pharmacy")
        self.tokens = {}

    def headers(self, who: str) -> dict:
        if who not in self.tokens:
            self.tokens[who] = issue_token(getattr(self, who))[1]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def body(self, **changes) -> dict:
        return {"kind": "report", "premises_id": self.pharmacy.id, "commodity": "mask_n95", "price_seen": "18.00",
                "seen_on": "2020-02-08", "description": "N95 masks at 18 yuan each.", "person": PERSON, **changes}


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    with app.app_context():
        yield World()


def file(client, world, who=None, **changes):
    headers = world.headers(who) if who else {}
    return client.post(URL, json=world.body(**changes), headers=headers)


def act(client, world, who, complaint_id, action, **body):
    return client.post(f"{URL}/{complaint_id}/actions/{action}", json=body, headers=world.headers(who))


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))


def test_the_public_files_without_a_token_and_follows_by_the_code(client, world):
    response = file(client, world)
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    assert set(receipt) == RECEIPT_KEYS
    assert receipt["number"] == "CG-C-2020-0001" and receipt["received_on"] == "2020-02-10"
    assert receipt["status"] == "received" and len(receipt["tracking_code"]) >= 10
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.person_name == PERSON["name"] and complaint.created_by_id is None
    assert complaint.channel == "web" and receipt["tracking_code"] not in complaint.tracking_hash
    [event] = db.session.scalars(sa.select(ComplaintEvent)).all()
    assert (event.action, event.role, event.actor_id) == ("receive", "public", None)
    tracked = client.get(f"{URL}/track/{receipt['tracking_code'].lower()}")
    assert tracked.status_code == 200
    assert tracked.get_json() == {"number": "CG-C-2020-0001", "kind": "report", "received_on": "2020-02-10",
                                  "status": "received", "replies": []}
    second = file(client, world, received_on="2020-01-01").get_json()  # the public's date is always today
    assert second["number"] == "CG-C-2020-0002" and second["received_on"] == "2020-02-10"


def test_an_unknown_code_answers_404_alike(client, world):
    file(client, world)
    answers = [client.get(f"{URL}/track/{code}") for code in ("ABCDEFGHJKMN", "nonsense", "0" * 12, "A" * 64)]
    bodies = [problem(answer, 404) for answer in answers]
    assert len({body["detail"] for body in bodies}) == 1


def test_an_officer_records_a_call_and_gets_the_full_record(client, world):
    response = file(client, world, "officer", kind="complaint", channel="hotline", received_on="2020-02-07", seen_on="2020-02-06",
                    person=None)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert record["received_on"] == "2020-02-07" and record["channel"] == "hotline"
    assert record["person"] is None and record["anonymous"] is True and record["tracking_code"]
    assert record["unit"] == "CG" and record["premises_id"] == world.pharmacy.id
    assert record["deadlines"] == [{"name": "triage", "due_on": "2020-02-18", "status": "open"}]
    assert response.headers["Location"].endswith(f"/complaints/{record['id']}")
    assert set(client.get(f"{URL}/{record['id']}", headers=world.headers("supervisor")).get_json()) >= {
        "id", "number", "kind", "channel", "received_on", "unit", "premises_id", "commodity", "price_seen",
        "seen_on", "description", "status", "priority", "priority_reasons", "possible_duplicates", "duplicate_of",
        "deadlines", "person", "inspection_ids", "case_id", "replies"}


def test_another_units_officer_who_records_a_call_sees_only_the_receipt(client, world):
    response = file(client, world, "other_officer")
    assert response.status_code == 201 and set(response.get_json()) == RECEIPT_KEYS
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.unit_id == world.unit.id  # routed to the premises' unit
    problem(client.get(f"{URL}/{complaint.id}", headers=world.headers("other_officer")), 404)
    listed = client.get(URL, headers=world.headers("other_officer")).get_json()
    assert listed["items"] == []
    for who in ("officer", "supervisor", "auditor"):
        record = client.get(f"{URL}/{complaint.id}", headers=world.headers(who)).get_json()
        assert record["person"] == PERSON
    problem(client.get(f"{URL}/{complaint.id}", headers=world.headers("admin")), 403)
    problem(client.get(f"{URL}/{complaint.id}"), 401)
    tracked = client.get(f"{URL}/track/{response.get_json()['tracking_code']}")
    assert "Qzxperson" not in tracked.get_data(as_text=True)


def test_a_free_address_is_routed_by_its_town(client, world):
    body = {"premises_id": None, "premises_name": "Stall 12", "address": "3 Market Lane", "town": "XZ"}
    response = file(client, world, **body)
    assert response.status_code == 201
    assert response.get_json()["number"] == "XZ-C-2020-0001"
    record = client.get(f"{URL}", headers=world.headers("other_supervisor")).get_json()["items"][0]
    assert record["unit"] == "XZ" and record["address"] == "3 Market Lane" and record["premises_id"] is None


@pytest.mark.parametrize("changes, field, status", [
    ({"premises_id": 2_000_000_000}, "premises_id", 422),
    ({"premises_id": None, "premises_name": "X", "address": "Y", "town": "NOPE"}, "town", 422),
    ({"premises_id": None, "premises_name": "X", "town": "CG"}, "address", 422),
    ({"price_seen": "-1.00"}, "price_seen", 422),
    ({"price_seen": "1.2.3"}, "price_seen", 422),
    ({"price_seen": 18.5}, "price_seen", 422),
    ({"price_seen": "0"}, "price_seen", 422),
    ({"description": ""}, "description", 422),
    ({"description": "   "}, "description", 422),
    ({"kind": "rant"}, "kind", 422),
    ({"commodity": "unobtainium"}, "commodity", 422),
    ({"seen_on": "2020-02-11"}, "seen_on", 422),
    ({"seen_on": "2020-13-01"}, "seen_on", 422),
    ({"person": {"name": "", "phone": ""}}, "person", 422),
    ({"client_id": str(uuid.uuid4())}, "client_id", 422),  # the public sends none
])
def test_bad_input_is_refused_and_nothing_is_written(client, world, changes, field, status):
    body = problem(file(client, world, **changes), status)
    assert field in body.get("errors", {}), body
    assert count() == 0


def test_an_officers_date_in_the_future_is_refused(client, world):
    body = problem(file(client, world, "officer", received_on="2020-02-11"), 422)
    assert "received_on" in body["errors"] and count() == 0
    problem(client.post(URL, data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert count() == 0
    for who in ("admin", "auditor"):  # not an officer's record: filed as anyone from the public files one
        response = file(client, world, who, received_on="2020-01-01")
        assert response.status_code == 201 and set(response.get_json()) == RECEIPT_KEYS
        assert response.get_json()["received_on"] == "2020-02-10"


def _observations(world):
    mine = inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    other = premises(world.officer, name="Yaoshun Pharmacy")
    theirs = inspection(world.officer, world.officer2, other, world.outbreak)
    for visit, price, baseline in ((mine, "3.00", "2.00"), (theirs, "2.50", "1.50"), (theirs, "3.00", None),
                                   (theirs, "2.00", "1.00")):
        inspection_service.record_observation(world.officer, visit, inspection_service.ObservationData(
            commodity="mask_n95", price=price, baseline_price=baseline))


def test_the_price_check_states_its_figures(client, world):
    _observations(world)
    record = file(client, world, "officer").get_json()
    assert record["priority"] == "high"
    reasons = record["priority_reasons"]
    assert reasons[0].startswith("CN¥18.00 for N95 / KN95 respirator is 9.0 times the premises' own baseline price of CN¥2.00 "
                                 "recorded on 2020-02-05")
    assert "baseline median of CN¥1.50 (baseline prices recorded: 3)" in reasons[1]
    assert "median of CN¥2.75 on 2020-02-08 (prices recorded in the 30 days up to that day: 4)" in reasons[2]
    low = file(client, world, "officer", price_seen="3.00").get_json()
    assert low["priority"] == "normal"
    nothing = file(client, world, "officer", commodity="pork_fresh", price_seen="40.00").get_json()
    assert nothing["priority"] == "normal" and "No recorded price" in nothing["priority_reasons"][0]


def test_duplicates_are_offered_and_a_merged_one_follows_its_primary(client, world):
    first = file(client, world).get_json()
    second = file(client, world, person=None).get_json()
    elsewhere = file(client, world, premises_id=world.other_pharmacy.id).get_json()
    ids = {c.number: c.id for c in db.session.scalars(sa.select(Complaint))}
    primary, duplicate = ids[first["number"]], ids[second["number"]]
    record = client.get(f"{URL}/{duplicate}", headers=world.headers("supervisor")).get_json()
    assert record["possible_duplicates"] == [primary]
    assert client.get(f"{URL}/{primary}", headers=world.headers("supervisor")).get_json()["possible_duplicates"] == []
    assert elsewhere["number"].startswith("XZ-")
    problem(act(client, world, "supervisor", primary, "merge", into=duplicate), 422)  # into the earlier one only
    merged = act(client, world, "supervisor", duplicate, "merge", into=primary)
    assert merged.status_code == 200 and merged.get_json()["status"] == "merged"
    assert merged.get_json()["duplicate_of"] == primary
    problem(act(client, world, "officer", duplicate, "reply", text="x"), 409)  # it follows its primary
    act(client, world, "supervisor", primary, "accept")
    act(client, world, "officer", primary, "reply", text="We inspected the pharmacy on your report.")
    tracked = client.get(f"{URL}/track/{second['tracking_code']}").get_json()
    assert tracked["status"] == "accepted"
    assert tracked["replies"] == [{"on": "2020-02-10", "text": "We inspected the pharmacy on your report."}]


def test_the_actions_roles_and_states(client, world):
    complaint_id = file(client, world, "officer", kind="complaint").get_json()["id"]
    problem(act(client, world, "officer", complaint_id, "accept"), 403)
    problem(act(client, world, "other_supervisor", complaint_id, "accept"), 404)
    problem(act(client, world, "auditor", complaint_id, "accept"), 403)
    problem(act(client, world, "supervisor", complaint_id, "close", result="done"), 409)
    problem(act(client, world, "supervisor", complaint_id, "decline"), 422)  # without a reason
    problem(act(client, world, "supervisor", complaint_id, "accept", on="2020-02-11"), 422)  # in the future
    problem(act(client, world, "supervisor", complaint_id, "accept", on="2020-02-01"), 422)  # before receipt
    problem(act(client, world, "supervisor", complaint_id, "accept", text="no"), 422)  # not its field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent)) == 1
    accepted = act(client, world, "supervisor", complaint_id, "accept")
    assert accepted.status_code == 200
    record = accepted.get_json()
    assert record["status"] == "accepted"
    assert {d["name"]: d["status"] for d in record["deadlines"]} == {"triage": "met", "mediation": "open"}
    problem(act(client, world, "supervisor", complaint_id, "accept"), 409)
    problem(act(client, world, "officer", complaint_id, "reply", text=""), 422)
    replied = act(client, world, "officer", complaint_id, "reply", text="We are mediating with the seller.")
    assert replied.get_json()["replies"] == [{"on": "2020-02-10", "text": "We are mediating with the seller."}]
    problem(act(client, world, "officer", complaint_id, "close", result="agreed"), 403)
    problem(act(client, world, "supervisor", complaint_id, "close"), 422)
    closed = act(client, world, "supervisor", complaint_id, "close", result="The seller refunded 15 yuan.")
    assert closed.get_json()["status"] == "closed"
    assert {d["name"]: d["status"] for d in closed.get_json()["deadlines"]} == {
        "triage": "met", "mediation": "met", "reply": "met"}
    actions = db.session.scalars(sa.select(ComplaintEvent.action).order_by(ComplaintEvent.id)).all()
    assert actions == ["receive", "accept", "reply", "close"]
    problem(client.post(f"{URL}/{complaint_id}/actions/explode", json={}, headers=world.headers("supervisor")), 404)


def test_a_decline_tells_the_reply_deadline(client, world):
    complaint_id = file(client, world, "officer").get_json()["id"]
    declined = act(client, world, "supervisor", complaint_id, "decline", reason="Not a price matter.")
    assert declined.get_json()["status"] == "declined"
    assert {d["name"]: (d["due_on"], d["status"]) for d in declined.get_json()["deadlines"]}["reply"] == (
        "2020-02-17", "open")


def test_a_transfer_restarts_triage_in_the_receiving_unit(client, world):
    complaint_id = file(client, world, "officer").get_json()["id"]
    problem(act(client, world, "supervisor", complaint_id, "transfer", to="XZ"), 422)  # needs a reason
    problem(act(client, world, "supervisor", complaint_id, "transfer", to="CG", reason="x"), 422)
    moved = act(client, world, "supervisor", complaint_id, "transfer", to="XZ", reason="Their jurisdiction.")
    assert moved.status_code == 200 and moved.get_json()["status"] == "transferred"
    assert moved.get_json()["person"] is None  # no longer the sender's unit's
    problem(client.get(f"{URL}/{complaint_id}", headers=world.headers("supervisor")), 404)
    theirs = client.get(f"{URL}/{complaint_id}", headers=world.headers("other_supervisor")).get_json()
    assert theirs["unit"] == "XZ" and theirs["person"] == PERSON
    assert theirs["deadlines"][0]["name"] == "triage" and theirs["deadlines"][0]["status"] == "open"
    assert act(client, world, "other_supervisor", complaint_id, "accept").get_json()["status"] == "accepted"


def test_a_transfer_to_another_agency_leaves_only_replies(client, world):
    complaint_id = file(client, world, "officer").get_json()["id"]
    moved = act(client, world, "supervisor", complaint_id, "transfer", to="agency", reason="A food safety matter.")
    assert moved.get_json()["transferred_to"] == "agency"
    problem(act(client, world, "supervisor", complaint_id, "accept"), 409)
    assert act(client, world, "officer", complaint_id, "reply", text="Passed to the health authority.").status_code == 200


def test_a_late_triage_needs_a_reason_and_is_flagged(client, world):
    complaint_id = file(client, world, "officer", received_on="2020-01-02", seen_on="2020-01-01").get_json()["id"]
    record = client.get(f"{URL}/{complaint_id}", headers=world.headers("supervisor")).get_json()
    assert record["deadlines"][0]["status"] == "overdue"
    body = problem(act(client, world, "supervisor", complaint_id, "accept"), 422)
    assert "reason" in body["errors"]
    assert act(client, world, "supervisor", complaint_id, "accept", reason="Holiday backlog.").status_code == 200
    event = db.session.scalars(sa.select(ComplaintEvent).order_by(ComplaintEvent.id.desc())).first()
    assert event.late and event.reason == "Holiday backlog."


def test_lists_page_and_filter(client, world):
    for _ in range(3):
        file(client, world)
    page = client.get(f"{URL}?limit=2", headers=world.headers("officer")).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"{URL}?limit=2&cursor={page['next_cursor']}", headers=world.headers("officer")).get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert client.get(f"{URL}?status=accepted", headers=world.headers("auditor")).get_json()["items"] == []
    problem(client.get(f"{URL}?limit=0", headers=world.headers("officer")), 422)
    problem(client.get(f"{URL}?colour=red", headers=world.headers("officer")), 422)


def test_a_client_id_files_once(client, world):
    client_id = str(uuid.uuid4())
    first = file(client, world, "officer", client_id=client_id)
    again = file(client, world, "officer2", client_id=client_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["tracking_code"] is None
    other = problem(file(client, world, "officer", client_id=client_id, description="Something else."), 409)
    assert other["current"]["id"] == first.get_json()["id"] and "description" in other["errors"]
    assert count() == 1


def test_an_idempotency_key_files_once(client, world):
    headers = {**world.headers("officer"), "Idempotency-Key": "call-1"}
    first = client.post(URL, json=world.body(), headers=headers)
    again = client.post(URL, json=world.body(), headers=headers)
    assert first.get_json() == again.get_json() and count() == 1


def test_public_intake_is_limited_per_address(app, client, world):
    app.config["RATELIMIT_ENABLED"] = True
    app.config["COMPLAINT_INTAKE_LIMIT"] = "2 per hour"
    answers = [file(client, world).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    body = problem(file(client, world), 429)
    assert body["detail"]
    assert count() == 2
    assert file(client, world, "officer").status_code == 201  # officers recording calls are not counted


def test_an_inspection_link_column_exists(world):
    visit = inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    assert db.session.get(Inspection, visit.id).complaint_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintReply)) == 0


def test_an_accepted_complaint_leads_to_an_inspection_and_a_case(client, world):
    complaint_id = file(client, world, "officer", received_on="2020-02-06", seen_on="2020-02-05").get_json()["id"]
    # 07:30 in Shanghai is 23:30 UTC the day before: in the past at any real time of day on the business date.
    visit = {"premises_id": world.pharmacy.id, "started_at": "2020-02-10T07:30:00+08:00",
             "lead_officer": world.officer.username, "second_officer": world.officer2.username, "type": "complaint",
             "complaint_id": complaint_id}
    body = problem(client.post("/api/v1/inspections", json=visit, headers=world.headers("officer")), 422)
    assert "complaint_id" in body["errors"]  # not accepted yet
    problem(client.post("/api/v1/cases", json={"complaint_id": complaint_id}, headers=world.headers("officer")), 422)
    act(client, world, "supervisor", complaint_id, "accept")
    body = problem(client.post("/api/v1/inspections", json={**visit, "type": "routine"},
                               headers=world.headers("officer")), 422)
    assert "complaint_id" in body["errors"]
    problem(client.post("/api/v1/inspections", json=visit, headers=world.headers("other_officer")), 422)
    made = client.post("/api/v1/inspections", json=visit, headers=world.headers("officer"))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["complaint_id"] == complaint_id
    record = client.get(f"{URL}/{complaint_id}", headers=world.headers("officer")).get_json()
    assert record["inspection_ids"] == [made.get_json()["id"]]
    problem(client.post("/api/v1/cases", json={"complaint_id": complaint_id, "violation_ids": [1]},
                        headers=world.headers("officer")), 422)
    problem(client.post("/api/v1/cases", json={"complaint_id": complaint_id}, headers=world.headers("other_officer")),
            422)
    opened = client.post("/api/v1/cases", json={"complaint_id": complaint_id}, headers=world.headers("officer"))
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()
    assert case["state"] == "clue" and case["clue_on"] == "2020-02-06"
    record = client.get(f"{URL}/{complaint_id}", headers=world.headers("officer")).get_json()
    assert record["case_id"] == case["id"]
    problem(client.post("/api/v1/cases", json={"complaint_id": complaint_id}, headers=world.headers("officer")), 422)
    actions = db.session.scalars(sa.select(ComplaintEvent.action).order_by(ComplaintEvent.id)).all()
    assert actions == ["receive", "accept", "open_case"]


def test_the_price_check_speaks_the_readers_language(client, world):
    _observations(world)
    complaint_id = file(client, world, "officer").get_json()["id"]
    headers = {**world.headers("officer"), "Accept-Language": "zh-CN"}
    reasons = client.get(f"{URL}/{complaint_id}", headers=headers).get_json()["priority_reasons"]
    english = client.get(f"{URL}/{complaint_id}", headers=world.headers("officer")).get_json()["priority_reasons"]
    assert len(reasons) == len(english) == 4
    assert "¥18.00" in reasons[0] and "2.00" in reasons[0] and reasons[0] != english[0]  # the zh_CN name, ¥
    stored = db.session.scalar(sa.select(Complaint.priority_reasons))
    assert [fact["code"] for fact in stored] == ["own_baseline", "baseline_median", "recent_median", "high"]
    assert stored[0]["text"] == english[0]


def test_an_oversized_body_is_refused_unread(client, world):
    body = problem(file(client, world, description="x" * 200_000), 413)
    assert body["detail"] and count() == 0

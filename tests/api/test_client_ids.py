"""Sync exactly once (issue 17): records made on a device carry a client_id; sending one again creates nothing.

A repeat answers the record (200), whoever sends it; a repeat with other values answers 409 with the stored
record under ``current``; an id held by another kind, unit or inspection is refused (422 on client_id). A second
officer's device joins the draft of the same visit. What the server cannot take (an inspection submitted
meanwhile, a rulebook changed since the device loaded it) is kept as a sync conflict, never dropped. Races on the
same client_id run with real connections (PostgreSQL when TEST_DATABASE_URL names it, SQLite otherwise)."""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.api.helpers import problem
from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import IdempotencyRecord, Inspection, PriceObservation, SyncConflict, Violation
from tracker.services import inspections as service
from tracker.services.tokens import issue_token

URL = "/api/v1/inspections"
MASK = {"commodity": "mask_n95", "price": "3.50", "marked_price": "3.50", "cost": "1.20",
        "baseline_price": "1.20", "baseline_cost": "1.00", "quantity_sold": "1000"}


class World(County):
    def __init__(self):
        super().__init__()
        self.outbreak = emergency()
        self.pharmacy = premises(self.officer)
        self.theirs = premises(self.other_officer, name="Xizhen Pharmacy")
        self.tokens = {}

    def headers(self, who: str, **extra) -> dict:
        if who not in self.tokens:
            self.tokens[who] = issue_token(getattr(self, who))[1]
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def body(self, **changes) -> dict:
        return {
            "premises_id": self.pharmacy.id,
            "started_at": "2020-02-05T10:30:00+08:00",
            "lead_officer": self.officer.username,
            "second_officer": self.officer2.username,
            "type": "campaign",
            "emergency_id": self.outbreak.id,
            "notes": "Queue at the mask counter.",
            "checklist": {"prices_marked": "yes"},
            "client_id": new_id(),
            **changes,
        }

    def draft(self, **kwargs):
        return inspection(self.officer, self.officer2, self.pharmacy, self.outbreak, **kwargs)


@pytest.fixture
def world(app):
    return World()


def new_id() -> str:
    return str(uuid.uuid4())


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def conflicts() -> list[SyncConflict]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(SyncConflict).order_by(SyncConflict.id)))


# ------------------------------------------------------------------------------------------ inspections


def test_an_inspection_sent_twice_is_recorded_once_whoever_sends_it(world, client):
    body = world.body()
    first = client.post(URL, json=body, headers=world.headers("officer"))
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["client_id"] == body["client_id"]
    again = client.post(URL, json=body, headers=world.headers("officer"))
    by_colleague = client.post(URL, json=body, headers=world.headers("officer2"))
    by_supervisor = client.post(URL, json=body, headers=world.headers("supervisor"))
    for answer in (again, by_colleague, by_supervisor):
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json() == first.get_json()
    assert count(Inspection) == 1


def test_values_compare_as_what_they_mean_not_how_they_are_spelled(world, client):
    body = world.body(client_id=new_id().upper())
    first = client.post(URL, json=body, headers=world.headers("officer"))
    assert first.status_code == 201
    assert first.get_json()["client_id"] == body["client_id"].lower()  # stored in its canonical lower case
    respelled = {
        **body,
        "client_id": body["client_id"].lower(),
        "started_at": "2020-02-05T02:30:00Z",  # the same moment in UTC
        "lead_officer": "Zhang.Wei",
        "second_officer": " li.na ",
        "notes": "Queue at the mask counter.  ",
    }
    again = client.post(URL, json=respelled, headers=world.headers("officer2"))
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(Inspection) == 1


def test_other_values_under_the_same_client_id_answer_409_with_the_stored_record(world, client):
    body = world.body()
    first = client.post(URL, json=body, headers=world.headers("officer")).get_json()
    changed = client.post(URL, json={**body, "notes": "Another story", "type": "routine"}, headers=world.headers("officer"))
    refused = problem(changed, 409)
    assert refused["current"] == first
    assert set(refused["errors"]) == {"notes", "type"}
    assert count(Inspection) == 1
    assert conflicts() == []  # a refusal, not a kept version: the device still holds its own


@pytest.mark.parametrize("client_id", [
    "not-a-uuid", "3f1c2a9e8b4d4c6a9e2f5a7b8c9d0e1f", "{3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f}",
    "urn:uuid:3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f", "3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1", "", 12345,
])
def test_a_client_id_is_a_canonical_uuid(world, client, client_id):
    body = problem(client.post(URL, json=world.body(client_id=client_id), headers=world.headers("officer")), 422)
    assert "client_id" in body["errors"]
    assert count(Inspection) == 0


def test_an_id_held_by_another_kind_unit_or_inspection_is_refused_and_nothing_is_written(world, client):
    officer = world.headers("officer")
    draft = world.draft()
    other = world.draft(started_at=draft.started_at.replace(day=6))
    seen = client.post(f"{URL}/{draft.id}/observations", json={**MASK, "client_id": (obs_id := new_id())}, headers=officer)
    assert seen.status_code == 201
    # an observation's id on a violation, on an inspection, and on an observation of another inspection
    for url, body in (
        (f"{URL}/{draft.id}/violations", {"code": "price_gouging", "client_id": obs_id}),
        (URL, world.body(client_id=obs_id)),
        (f"{URL}/{other.id}/observations", {**MASK, "client_id": obs_id}),
    ):
        refused = problem(client.post(url, json=body, headers=officer), 422)
        assert "client_id" in refused["errors"] and "current" not in refused
    # another unit's inspection id: refused without showing it
    theirs = client.post(URL, json={**world.body(premises_id=world.theirs.id, lead_officer="chen.jie",
                                                  second_officer="zhao.lei")},
                         headers=world.headers("other_officer"))
    assert theirs.status_code == 201
    refused = problem(client.post(URL, json=world.body(client_id=theirs.get_json()["client_id"]), headers=officer), 422)
    assert "client_id" in refused["errors"] and "Xizhen" not in str(refused)
    assert count(Inspection) == 3 and count(PriceObservation) == 1 and count(Violation) == 0


# ------------------------------------------------------------------------------------------ observations, violations


def test_an_observation_sent_twice_is_recorded_once_with_its_amounts_compared_by_value(world, client):
    draft = world.draft()
    body = {**MASK, "client_id": new_id()}
    first = client.post(f"{URL}/{draft.id}/observations", json=body, headers=world.headers("officer"))
    assert first.status_code == 201
    respelled = {**body, "price": "3.5", "cost": "1.2", "quantity_sold": 1000, "bundled": False, "fees": None}
    again = client.post(f"{URL}/{draft.id}/observations", json=respelled, headers=world.headers("officer2"))
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json() == first.get_json()
    changed = problem(client.post(f"{URL}/{draft.id}/observations", json={**body, "price": "3.60"},
                                  headers=world.headers("officer")), 409)
    assert changed["current"] == first.get_json() and list(changed["errors"]) == ["price"]
    assert count(PriceObservation) == 1


def test_a_violation_sent_twice_is_recorded_once_whatever_the_order_of_its_links(world, client):
    draft = world.draft()
    one = service.record_observation(world.officer, draft, service.ObservationData("mask_n95", "3.50"))
    two = service.record_observation(world.officer, draft, service.ObservationData("mask_n95", "3.60"))
    body = {"code": "price_gouging", "observation_ids": [one.id, two.id], "description": "Masks", "client_id": new_id()}
    first = client.post(f"{URL}/{draft.id}/violations", json=body, headers=world.headers("officer"))
    assert first.status_code == 201
    again = client.post(f"{URL}/{draft.id}/violations", json={**body, "observation_ids": [two.id, one.id, one.id]},
                        headers=world.headers("officer"))
    assert again.status_code == 200 and again.get_json() == first.get_json()
    changed = problem(client.post(f"{URL}/{draft.id}/violations", json={**body, "observation_ids": [one.id]},
                                  headers=world.headers("officer")), 409)
    assert changed["current"]["id"] == first.get_json()["id"] and list(changed["errors"]) == ["observation_ids"]
    assert count(Violation) == 1


def test_a_repeat_of_a_record_sent_before_the_submission_still_answers_it(world, client):
    draft = world.draft()
    body = {**MASK, "client_id": new_id()}
    first = client.post(f"{URL}/{draft.id}/observations", json=body, headers=world.headers("officer"))
    service.submit_inspection(world.officer, draft, "no_action")
    again = client.post(f"{URL}/{draft.id}/observations", json=body, headers=world.headers("officer"))
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert conflicts() == []


@pytest.mark.parametrize("kind, body", [
    ("observation", {**MASK}),
    ("violation", {"code": "price_marking", "description": "No tag on the masks"}),
])
def test_a_record_for_an_inspection_submitted_meanwhile_is_kept_as_a_conflict(world, client, kind, body):
    draft = world.draft()
    service.submit_inspection(world.officer, draft, "corrected", draft.started_at.date())
    client_id = new_id()
    url = f"{URL}/{draft.id}/{kind}s"
    kept = problem(client.post(url, json={**body, "client_id": client_id}, headers=world.headers("officer2")), 409)
    (conflict,) = conflicts()
    assert kept["conflict_id"] == conflict.id and "current" not in kept
    assert (conflict.kind, conflict.record_id, conflict.client_id, conflict.status) == (
        "inspection", draft.id, client_id, "open")
    assert conflict.fields == [kind] and conflict.server == {kind: None}
    kept_values = conflict.device[kind]
    assert kept_values["client_id"] == client_id and kept_values["recorded_by"] == "li.na"
    for name, value in body.items():
        assert kept_values[name] == value
    assert conflict.made_with == {"rulebook": draft.rulebook} and conflict.raised_by_id == world.officer2.id
    # sent again, with or without an Idempotency-Key: the same conflict, never a second one
    again = problem(client.post(url, json={**body, "client_id": client_id}, headers=world.headers("officer2")), 409)
    assert again["conflict_id"] == conflict.id
    keyed = world.headers("officer2", **{"Idempotency-Key": "k-1"})
    once = client.post(url, json={**body, "client_id": client_id}, headers=keyed)
    twice = client.post(url, json={**body, "client_id": client_id}, headers=keyed)
    assert problem(once, 409) == problem(twice, 409) and once.get_json()["conflict_id"] == conflict.id
    assert db.session.scalars(sa.select(IdempotencyRecord.status)).all() == [409]  # the key keeps the answer
    assert len(conflicts()) == 1 and count(PriceObservation) == 0 and count(Violation) == 0
    # without a client_id it is a plain refusal: a submitted inspection is read-only
    assert "conflict_id" not in problem(client.post(url, json=body, headers=world.headers("officer")), 409)


# ------------------------------------------------------------------------------------------ a second device joins


def test_a_second_officers_device_joins_the_draft_of_the_same_visit(world, client):
    first = client.post(URL, json=world.body(), headers=world.headers("officer"))
    assert first.status_code == 201
    second_device = world.body(
        client_id=new_id(), lead_officer="li.na", second_officer="zhang.wei",  # the other officer leads on this phone
        started_at="2020-02-05T10:41:00+08:00", notes="", checklist={"prices_marked": "yes"},
    )
    joined = client.post(URL, json=second_device, headers=world.headers("officer2"))
    assert joined.status_code == 200, joined.get_data(as_text=True)
    assert joined.get_json() == first.get_json()
    assert count(Inspection) == 1 and conflicts() == []  # nothing recorded differently: nothing to keep


def test_what_a_joining_device_recorded_differently_is_kept_not_lost(world, client):
    first = client.post(URL, json=world.body(), headers=world.headers("officer")).get_json()
    second_device = world.body(client_id=new_id(), type="routine", notes="",
                               checklist={"prices_marked": "no", "invoices_kept": "yes"})
    for _attempt in range(2):
        joined = client.post(URL, json=second_device, headers=world.headers("officer2"))
        assert joined.status_code == 200 and joined.get_json()["id"] == first["id"]
    (conflict,) = conflicts()
    assert (conflict.kind, conflict.record_id, conflict.client_id) == ("inspection", first["id"], second_device["client_id"])
    assert conflict.device == {"type": "routine", "checklist.prices_marked": "no", "checklist.invoices_kept": "yes"}
    assert conflict.server == {"type": "campaign", "checklist.prices_marked": "yes", "checklist.invoices_kept": None}
    assert sorted(conflict.fields) == sorted(conflict.device)
    shown = client.get(f"{URL}/{first['id']}", headers=world.headers("officer")).get_json()
    assert shown["checklist"] == {"prices_marked": "yes"} and shown["type"] == "campaign"  # nothing overwritten


@pytest.mark.parametrize("changes", [
    {"started_at": "2020-02-06T10:30:00+08:00"},  # another day
    {"second_officer": "wang.fang"},  # another pair of officers
])
def test_another_day_or_another_pair_is_another_inspection(world, client, changes):
    assert client.post(URL, json=world.body(), headers=world.headers("officer")).status_code == 201
    assert client.post(URL, json=world.body(**changes), headers=world.headers("officer")).status_code == 201
    assert count(Inspection) == 2


def test_a_submitted_inspection_is_not_joined_and_the_web_never_joins(world, client):
    first = client.post(URL, json=world.body(), headers=world.headers("officer")).get_json()
    service.submit_inspection(world.officer, db.session.get(Inspection, first["id"]), "no_action")
    late = client.post(URL, json=world.body(), headers=world.headers("officer2"))
    assert late.status_code == 201 and late.get_json()["id"] != first["id"]
    without_id = {key: value for key, value in world.body().items() if key != "client_id"}
    assert client.post(URL, json=without_id, headers=world.headers("officer")).status_code == 201
    assert count(Inspection) == 3


# ------------------------------------------------------------------------------------------ another rulebook version


def test_answers_the_current_checklist_no_longer_has_are_kept_against_the_version_they_were_made_with(world, client):
    body = world.body(rulebook_version="cn-samr@2019.4",
                      checklist={"prices_marked": "yes", "masks_rationed": "no", "queue_managed": "n/a"})
    made = client.post(URL, json=body, headers=world.headers("officer"))
    assert made.status_code == 201, made.get_data(as_text=True)
    record = made.get_json()
    assert record["checklist"] == {"prices_marked": "yes"} and record["rulebook"] == "cn-samr@2019.4"
    (conflict,) = conflicts()
    assert (conflict.kind, conflict.record_id, conflict.client_id) == ("inspection", record["id"], body["client_id"])
    assert conflict.device == {"checklist.masks_rationed": "no", "checklist.queue_managed": "n/a"}
    assert conflict.server == {"checklist.masks_rationed": None, "checklist.queue_managed": None}
    assert conflict.made_with == {"rulebook": "cn-samr@2019.4"}
    again = client.post(URL, json=body, headers=world.headers("officer"))  # the answers kept aside count as held
    assert again.status_code == 200 and again.get_json()["id"] == record["id"]
    assert len(conflicts()) == 1


def test_with_the_current_version_an_unknown_checklist_item_is_a_mistake(world, client):
    from tracker.services.rulebooks import current_rulebook

    for version in (current_rulebook().label, None):
        body = world.body(checklist={"masks_rationed": "no"}, rulebook_version=version)
        refused = problem(client.post(URL, json=body, headers=world.headers("officer")), 422)
        assert "checklist" in refused["errors"]
    assert count(Inspection) == 0 and conflicts() == []


def test_an_observation_of_a_commodity_the_rulebook_dropped_is_kept_as_a_conflict(world, client):
    made = client.post(URL, json=world.body(rulebook_version="cn-samr@2019.4"), headers=world.headers("officer"))
    inspection_id = made.get_json()["id"]
    body = {"commodity": "surgical_gown", "price": "45.00", "client_id": new_id()}
    kept = problem(client.post(f"{URL}/{inspection_id}/observations", json=body, headers=world.headers("officer")), 409)
    (conflict,) = conflicts()
    assert kept["conflict_id"] == conflict.id and conflict.device["observation"]["commodity"] == "surgical_gown"
    # the same inspection made with the current rulebook: an unknown commodity is a mistake (422)
    current = world.draft()
    refused = problem(client.post(f"{URL}/{current.id}/observations", json={**body, "client_id": new_id()},
                                  headers=world.headers("officer")), 422)
    assert "commodity" in refused["errors"]
    assert count(PriceObservation) == 0 and len(conflicts()) == 1


# ------------------------------------------------------------------------------------------ races


def _race(app, count_: int, send) -> list:
    """Run ``send(i)`` in ``count_`` threads at once, each with its own app context (own session and connection)."""
    outcomes: list = [None] * count_

    def run(index: int) -> None:
        with app.app_context():
            try:
                outcomes[index] = send(index)
            except BaseException as error:  # handed back to the test
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


@pytest.fixture
def line_up(app, monkeypatch):
    """On PostgreSQL, hold each racer at ``name`` in tracker.services.inspections until all have reached it, so the
    requests really overlap (SQLite queues writing requests at BEGIN IMMEDIATE: there they simply run in turn)."""
    postgres = db.engine.dialect.name == "postgresql"

    def install(name: str, parties: int, once: bool = True):
        if not postgres:
            return
        barrier = threading.Barrier(parties, timeout=10)
        original = getattr(service, name)
        seen = threading.local()

        def lined_up(*args, **kwargs):
            if not (once and getattr(seen, "done", False)):
                seen.done = True
                barrier.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(service, name, lined_up)

    return install


def test_two_requests_racing_with_one_observation_record_it_once(world, app, line_up):
    draft = world.draft()
    body = {**MASK, "client_id": new_id()}
    headers = [world.headers("officer"), world.headers("officer2")]
    line_up("holder", 2)  # both have looked the id up and found nothing before either inserts
    url = f"{URL}/{draft.id}/observations"  # read here: the racers must not load the main session's objects
    answers = _race(app, 2, lambda i: app.test_client().post(url, json=body, headers=headers[i]))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.get_data(as_text=True) for a in answers]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert count(PriceObservation) == 1


def test_two_requests_racing_with_different_values_under_one_id_give_one_record_and_one_409(world, app, line_up):
    draft = world.draft()
    client_id = new_id()
    bodies = [{**MASK, "client_id": client_id}, {**MASK, "price": "3.90", "client_id": client_id}]
    headers = world.headers("officer")
    line_up("holder", 2)
    url = f"{URL}/{draft.id}/observations"  # read here: the racers must not load the main session's objects
    answers = _race(app, 2, lambda i: app.test_client().post(url, json=bodies[i], headers=headers))
    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status_code == 409).get_json()
    assert refused["current"]["id"] == next(a for a in answers if a.status_code == 201).get_json()["id"]
    assert count(PriceObservation) == 1


def test_two_devices_of_one_visit_racing_make_one_inspection(world, app, line_up):
    bodies = [world.body(), world.body(lead_officer="li.na", second_officer="zhang.wei")]
    headers = [world.headers("officer"), world.headers("officer2")]
    line_up("_lock_premises", 2)  # both are about to lock the premises: the second waits for the first's commit
    answers = _race(app, 2, lambda i: app.test_client().post(URL, json=bodies[i], headers=headers[i]))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.get_data(as_text=True) for a in answers]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert count(Inspection) == 1


def test_two_requests_racing_with_one_inspection_id_record_it_once(world, app, line_up):
    body = world.body()
    headers = [world.headers("officer"), world.headers("supervisor")]
    line_up("_lock_premises", 2)
    answers = _race(app, 2, lambda i: app.test_client().post(URL, json=body, headers=headers[i]))
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert count(Inspection) == 1

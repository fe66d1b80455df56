"""tracker.services.complaints (issue 18): numbering per unit and year, the tracking code kept hashed, routing,
the price check's windows, duplicates by free address, the history kept append-only, and nothing half-written."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models.complaints import Complaint, ComplaintEvent, ComplaintHistoryIsAppendOnly
from tracker.services import complaints as service, inspections as inspection_service
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound

TODAY = date(2020, 3, 2)


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    with app.app_context():
        world = County()
        world.outbreak = emergency()
        world.pharmacy = premises(world.officer)
        yield world


def report(world, actor=None, **changes):
    data = {"kind": "report", "premises_id": world.pharmacy.id, "description": "Masks at 18 yuan.", **changes}
    return service.file_complaint(actor, data)


def test_numbers_count_per_unit_and_year_of_receipt(world):
    first = report(world, world.officer, received_on=date(2019, 12, 30)).complaint
    second = report(world, world.officer).complaint
    third = report(world).complaint
    elsewhere = report(world, premises_id=None, premises_name="Stall", address="1 Lane", town="XZ").complaint
    assert [c.number for c in (first, second, third, elsewhere)] == [
        "CG-C-2019-0001", "CG-C-2020-0001", "CG-C-2020-0002", "XZ-C-2020-0001"]


def test_the_tracking_code_is_kept_hashed_and_found_by_its_hash(world):
    intake = report(world)
    stored = db.session.get(Complaint, intake.complaint.id)
    assert intake.tracking_code not in stored.tracking_hash
    assert service.tracking(intake.tracking_code)["number"] == stored.number
    with pytest.raises(NotFound):
        service.tracking(intake.tracking_code[:-1] + ("2" if intake.tracking_code[-1] != "2" else "3"))


def test_only_field_roles_record_and_nothing_is_half_written(world):
    with pytest.raises(Forbidden):
        service.file_complaint(world.auditor, {"kind": "report", "description": "x", "premises_id": world.pharmacy.id})
    with pytest.raises(Invalid):
        report(world, world.officer, received_on=date(2020, 3, 3))
    with pytest.raises(Invalid):
        report(world, description=" ")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintEvent)) == 0


def test_the_recent_median_counts_the_window_up_to_the_day_seen(world):
    # Observations on 2020-01-31 (31 days before 2 March: outside), 2020-02-01 (inside) and 2020-03-02 (after),
    # local days in Shanghai. The last starts at 00:30 there (16:30 UTC the day before): in the past at any time of
    # day, since the business clock is TODAY at the real time of day (UTC).
    for started, price in ((datetime(2020, 1, 31, 2, tzinfo=timezone.utc), "100.00"),
                           (datetime(2020, 2, 1, 2, tzinfo=timezone.utc), "2.00"),
                           (datetime(2020, 3, 1, 16, 30, tzinfo=timezone.utc), "50.00")):
        visit = inspection(world.officer, world.officer2, world.pharmacy, world.outbreak, started_at=started)
        inspection_service.record_observation(world.officer, visit, inspection_service.ObservationData(
            commodity="mask_n95", price=price))
    complaint = report(world, world.officer, received_on=date(2020, 3, 2), commodity="mask_n95",
                       price_seen="3.10", seen_on=date(2020, 3, 1)).complaint
    assert complaint.priority == "high"
    assert "median of CN¥2.00 on 2020-03-01 (prices recorded in the 30 days up to that day: 1)" in service.priority_reasons(complaint)[0]


def test_free_addresses_that_match_are_offered_as_duplicates(world):
    base = {"premises_id": None, "premises_name": "Stall", "town": "CG"}
    first = report(world, **base, address="12 Dianchi Road").complaint
    second = report(world, **base, address=" 12, dianchi road ").complaint
    other = report(world, **base, address="13 Dianchi Road").complaint
    assert service.possible_duplicates(second) == [first.id]
    assert service.possible_duplicates(other) == []
    assert service.possible_duplicates(first) == []


def test_the_history_is_append_only(world):
    complaint = report(world).complaint
    event = db.session.scalar(sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id))
    event.reason = "rewritten"
    with pytest.raises(ComplaintHistoryIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_actions_check_role_unit_and_state(world):
    complaint = report(world).complaint
    with pytest.raises(Forbidden):
        service.run_action(world.officer, complaint, "accept")
    with pytest.raises(Forbidden):
        service.run_action(world.other_officer, complaint, "reply", {"text": "x"})
    service.run_action(world.supervisor, complaint, "accept", {"on": TODAY})
    with pytest.raises(Conflict):
        service.run_action(world.supervisor, complaint, "merge", {"into": complaint.id})
    events = db.session.scalars(sa.select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == complaint.id)
                                .order_by(ComplaintEvent.id)).all()
    assert events == ["receive", "accept"]

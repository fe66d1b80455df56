"""The inspection services enforce the rules for every entry point (web, API, CLI, seeding)."""
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import Inspection, Premises
from tracker.services import inspections as service
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.services.scope import get_visible


@pytest.fixture
def world(app):
    county = County()
    outbreak = emergency()
    pharmacy = premises(county.officer)
    return county, outbreak, pharmacy


def test_records_stay_in_their_unit(world):
    county, outbreak, pharmacy = world
    with pytest.raises(NotFound):
        get_visible(Premises, pharmacy.id, county.other_officer)
    assert get_visible(Premises, pharmacy.id, county.auditor) == pharmacy
    with pytest.raises(Forbidden):
        get_visible(Premises, pharmacy.id, county.admin)
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    with pytest.raises(NotFound):
        service.record_observation(county.other_officer, record, service.ObservationData("mask_n95", "2"))
    with pytest.raises(Forbidden):
        service.record_observation(county.auditor, record, service.ObservationData("mask_n95", "2"))


def test_inspection_of_another_units_premises_is_refused(world):
    county, outbreak, pharmacy = world
    with pytest.raises(Invalid) as refused:
        inspection(county.other_officer, county.other_officer2, pharmacy, outbreak)
    assert "premises_id" in refused.value.errors
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_emergency_must_be_in_force_on_the_inspection_date(world):
    county, outbreak, pharmacy = world
    with pytest.raises(Invalid) as refused:
        inspection(county.officer, county.officer2, pharmacy, outbreak,
                   started_at=datetime(2020, 1, 10, 2, 0, tzinfo=timezone.utc))
    assert "not in force on 2020-01-10" in refused.value.errors["emergency_id"][0]


def test_gouging_tests_apply_only_to_covered_categories(world):
    county, outbreak, pharmacy = world  # outbreak covers protective supplies and meat
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    rice = service.record_observation(
        county.officer, record,
        service.ObservationData("rice", "9.00", marked_price="9.00", cost="2.00", baseline_price="2.40", baseline_cost="2.00"),
    )
    assert rice.flags == []
    mask = service.record_observation(
        county.officer, record,
        service.ObservationData("mask_n95", "9.00", cost="2.00", baseline_price="2.40", baseline_cost="2.00"),
    )
    assert set(mask.flag_tests) == {"baseline_margin", "cost_unchanged", "unmarked_price"}


def test_money_is_validated_in_the_service_too(world):
    county, outbreak, pharmacy = world
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    for bad in ("0", "-3", "1.001", "NaN", "Infinity", "1e400", 1.5):
        with pytest.raises(Invalid) as refused:
            service.record_observation(county.officer, record, service.ObservationData("mask_n95", bad))
        assert "price" in refused.value.errors, bad


def test_outcome_rules_and_read_only_after_submission(world):
    county, outbreak, pharmacy = world
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    with pytest.raises(Invalid):
        service.submit_inspection(county.officer, record, "referred")  # no violation recorded
    service.record_violation(county.officer, record, "price_marking")
    with pytest.raises(Invalid):
        service.submit_inspection(county.officer, record, "no_action")
    with pytest.raises(Invalid):
        service.submit_inspection(county.officer, record, "corrected", date(2020, 2, 1))  # before the inspection
    service.submit_inspection(county.officer, record, "corrected", date(2020, 2, 12))
    with pytest.raises(Conflict):
        service.record_violation(county.officer, record, "price_gouging")
    with pytest.raises(Conflict):
        service.update_inspection(county.officer, record, None)
    amendment = service.amend_inspection(county.officer, record, "reinspect_on", "2020-02-14", "Vendor away")
    assert amendment.old_value == "2020-02-12" and record.reinspect_on == date(2020, 2, 14)


def test_violation_links_only_this_inspections_observations(world):
    county, outbreak, pharmacy = world
    first = inspection(county.officer, county.officer2, pharmacy, outbreak)
    second = inspection(county.officer, county.officer2, pharmacy, outbreak)
    seen = service.record_observation(county.officer, first, service.ObservationData("mask_n95", "5"))
    with pytest.raises(Invalid) as refused:
        service.record_violation(county.officer, second, "price_gouging", [seen.id])
    assert "observation_ids" in refused.value.errors
    with pytest.raises(Invalid):
        service.record_violation(county.officer, second, "not_a_code")


def test_follow_up_records_closure_compliance(world):
    from tracker.services.premises import PremisesData, update_premises

    county, outbreak, pharmacy = world
    venue = premises(county.officer, name="Golden KTV", kind="entertainment")
    update_premises(county.officer, venue, PremisesData(name="Golden KTV", kind="entertainment",
                                                        operator_type="organisation", status="ordered_closed"))
    reopened = inspection(county.officer, county.officer2, venue, type="follow_up", checklist={"closure_notice_obeyed": "no"})
    service.record_violation(county.officer, reopened, "closure_notice_breach")
    service.submit_inspection(county.officer, reopened, "referred")
    assert venue.status.value == "ordered_closed"
    obeyed = inspection(county.officer, county.officer2, venue, type="follow_up", checklist={"closure_notice_obeyed": "yes"})
    service.submit_inspection(county.officer, obeyed, "no_action")
    assert venue.status.value == "closed"


def test_a_breach_after_compliance_puts_the_closure_order_back(world):
    from tracker.services.premises import PremisesData, update_premises

    county, outbreak, pharmacy = world
    venue = premises(county.officer, name="Lucky Mahjong", kind="entertainment")
    update_premises(county.officer, venue, PremisesData(name="Lucky Mahjong", kind="entertainment",
                                                        operator_type="organisation", status="closed"))
    routine_yes = inspection(county.officer, county.officer2, venue, type="routine", checklist={"closure_notice_obeyed": "yes"})
    service.submit_inspection(county.officer, routine_yes, "no_action")
    assert venue.status.value == "closed"
    reopened = inspection(county.officer, county.officer2, venue, type="campaign", checklist={"closure_notice_obeyed": "no"})
    service.record_violation(county.officer, reopened, "closure_notice_breach")
    service.submit_inspection(county.officer, reopened, "referred")
    assert venue.status.value == "ordered_closed"

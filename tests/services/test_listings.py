"""The listings service: one scoped, filtered statement per dataset, shared by list pages and exports."""
from datetime import date
from decimal import Decimal

import pytest

from tests.listings_helpers import CHINESE, ListWorld
from tracker.extensions import db
from tracker.services import listings
from tracker.services.errors import Forbidden


def rows(name, actor, **filters):
    return db.session.scalars(listings.dataset(name).select(actor, filters)).unique().all()


def test_officers_stay_in_their_unit_whatever_they_pass_and_auditors_narrow_by_code(app):
    world = ListWorld()
    mine = {i.id for i in rows("inspections", world.officer)}
    assert world.their_inspection.id not in mine and world.quiet.id in mine
    assert {i.id for i in rows("inspections", world.officer, unit="XZ")} == mine
    everything = {i.id for i in rows("inspections", world.auditor)}
    assert everything == mine | {world.their_inspection.id}
    assert {i.id for i in rows("inspections", world.auditor, unit="XZ")} == {world.their_inspection.id}
    assert rows("inspections", world.auditor, unit="NOPE") == []
    assert [o.inspection_id for o in rows("observations", world.auditor, unit="XZ")] == [world.their_inspection.id]
    with pytest.raises(Forbidden):
        listings.dataset("cases").select(world.admin, {})


def test_inspection_filters(app):
    world = ListWorld()
    officer = world.officer
    assert {i.id for i in rows("inspections", officer, outcome="no_action")} == {world.quiet.id}
    assert {i.id for i in rows("inspections", officer, type="routine")} == {world.quiet.id}
    assert {i.id for i in rows("inspections", officer, flagged=True)} == {world.inspection.id}
    assert {i.id for i in rows("inspections", officer, premises_kind="pharmacy", premises_id=world.chinese.id)} == {world.quiet.id}
    assert {i.id for i in rows("inspections", officer, officer="li.na")} == {world.inspection.id, world.quiet.id}
    assert rows("inspections", officer, officer="chen.jie") == []
    assert rows("inspections", officer, status="draft") == []


def test_the_period_is_read_in_the_units_time_zone(app):
    world = ListWorld()
    # The quiet inspection started 2020-02-05 17:30 UTC, which is 2020-02-06 in Shanghai.
    assert {i.id for i in rows("inspections", world.officer, date_from=date(2020, 2, 6))} == {world.quiet.id}
    assert world.quiet.id not in {i.id for i in rows("inspections", world.officer, date_to=date(2020, 2, 5))}
    assert {v.id for v in rows("violations", world.officer, date_to=date(2020, 2, 5))} == {world.violation.id}


def test_observation_filters_by_test_commodity_and_category(app):
    world = ListWorld()
    by_test = rows("observations", world.officer, test="baseline_margin")
    assert [o.inspection_id for o in by_test] == [world.inspection.id]
    assert rows("observations", world.officer, test="bundling") == []
    assert [o.commodity for o in rows("observations", world.officer, category="grain_oil")] == ["rice"]
    assert [o.commodity for o in rows("observations", world.officer, category="protective_supplies")] == ["mask_n95"]
    assert [o.commodity for o in rows("observations", world.officer, commodity="rice")] == ["rice"]
    assert [o.commodity for o in rows("observations", world.officer, flagged=True)] == ["mask_n95"]


def test_case_filters(app):
    world = ListWorld()
    officer = world.officer
    assert [c.number for c in rows("cases", officer, code="price_gouging")] == [world.case.number]
    assert rows("cases", officer, code="price_marking") == []
    assert [c.number for c in rows("cases", officer, officer="li.na")] == [world.case.number]
    assert rows("cases", officer, officer="wang.fang") == []
    assert [c.number for c in rows("cases", officer, q="kangjian")] == [world.case.number]
    assert rows("cases", officer, date_from=date(2020, 2, 6)) == []
    assert [c.number for c in rows("cases", officer, deadline=world.case.next_deadline)] == [world.case.number]
    assert rows("cases", officer, state="closed") == []


def test_overdue_and_due_soon_read_the_stored_deadline_dates(app):
    world = ListWorld()
    case = world.case
    case.next_deadline, case.next_due_soon_on, case.next_due_on = "closing", date(2020, 12, 20), date(2099, 1, 1)
    db.session.commit()
    assert [c.id for c in rows("cases", world.officer, due_soon=True)] == [case.id]
    assert rows("cases", world.officer, overdue=True) == []
    case.next_due_soon_on, case.next_due_on = date(2020, 1, 1), date(2020, 1, 10)
    db.session.commit()
    assert rows("cases", world.officer, due_soon=True) == []
    assert [c.id for c in rows("cases", world.officer, overdue=True)] == [case.id]


def test_penalties_and_payments(app):
    world = ListWorld()
    penalties = rows("penalties", world.officer)
    assert [c.number for c in penalties] == [world.case.number]
    assert listings.line_total(penalties[0].decided_lines, "fine") == Decimal("6000.00")
    assert listings.describe_lines(penalties[0].decided_lines) == "confiscation 2060.00; fine 6000.00"
    assert rows("penalties", world.officer, kind="fine") == penalties
    assert rows("penalties", world.officer, kind="warning") == []
    assert rows("penalties", world.officer, date_from=date(2020, 3, 14)) == []
    payments = rows("payments", world.officer)
    assert [(p.on, p.amount) for p in payments] == [(date(2020, 3, 31), Decimal("8060.00"))]
    assert rows("payments", world.officer, date_to=date(2020, 3, 30)) == []
    assert rows("payments", world.other_officer) == []


def test_premises_export_uses_the_premises_search(app):
    world = ListWorld()
    names = [p.name for p in rows("premises", world.officer, q="康健")]
    assert names == [CHINESE]
    assert "Xizhen Pharmacy" not in [p.name for p in rows("premises", world.officer)]
    assert [p.name for p in rows("premises", world.auditor, unit="XZ")] == ["Xizhen Pharmacy"]


def test_lives_queries_take_only_submitted_inspections_in_scope(app):
    world = ListWorld()
    queries = listings.lives_queries(world.officer, {})
    assert {p.id for p in db.session.scalars(queries.businesses)} == {world.pharmacy.id, world.chinese.id}
    assert [i.id for i in db.session.scalars(queries.inspections)] == [world.inspection.id, world.quiet.id]
    assert [v.code for v in db.session.scalars(queries.violations)] == ["price_gouging"]

"""Repeat offenders and the risk ranking in SQL, against hand computations and the pure module."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries
from tests.factories import County, inspection, premises
from tracker.domain.risk import RiskPartKind
from tracker.extensions import db
from tracker.models import Premises
from tracker.services import inspections as inspection_service
from tracker.services.premises import search_premises
from tracker.services.risk import premises_risk, ranking, repeat_offender_ids

TODAY = date(2020, 12, 31)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def visit(lead, second, place, when: datetime, violations: int = 0, flagged: int = 0, plain: int = 0,
          submit: bool = True, notes: str = ""):
    """An inspection of ``place`` at ``when`` with so many violations, flagged and unflagged observations."""
    record = inspection(lead, second, place, started_at=when, type="routine", notes=notes)
    for _ in range(flagged):  # sold above the marked price: flagged whatever the emergency
        obs = inspection_service.record_observation(
            lead, record, inspection_service.ObservationData("mask_n95", "3.50", marked_price="2.00")
        )
        assert obs.flagged
    for _ in range(plain):
        obs = inspection_service.record_observation(
            lead, record, inspection_service.ObservationData("mask_n95", "2.00", marked_price="2.00")
        )
        assert not obs.flagged
    for _ in range(violations):
        inspection_service.record_violation(lead, record, "price_gouging")
    if submit:
        inspection_service.submit_inspection(lead, record, "referred" if violations else "no_action")
    return record


@pytest.fixture
def county(app):
    return County()


def test_scores_match_hand_computations_and_the_pure_module(county):
    o, o2 = county.officer, county.officer2
    gouger = premises(o, name="Kangjian Pharmacy")
    # 2 violations and 3 flagged observations in 2020; last inspected 2020-07-20: 20 + 9 + 5 = 34
    visit(o, o2, gouger, utc(2020, 2, 5, 2), violations=1, flagged=2, plain=1)
    visit(o, o2, gouger, utc(2020, 7, 20, 2), violations=1, flagged=1)
    # outside the window: 2019-12-31 23:59 in Shanghai (UTC+8)
    visit(o, o2, gouger, utc(2019, 12, 31, 15, 59), violations=3, flagged=3)
    # just inside: 2020-01-01 01:00 in Shanghai, although still 2019 in UTC
    border = premises(o, name="Border Butcher", kind="meat_vendor")
    visit(o, o2, border, utc(2019, 12, 31, 17, 0), violations=1)
    # a draft counts for nothing; never inspected otherwise: 24
    drafted = premises(o, name="Draft Diner", kind="restaurant")
    visit(o, o2, drafted, utc(2020, 12, 1, 2), violations=2, flagged=2, submit=False)
    quiet = premises(o, name="Quiet Market", kind="farmers_market")
    visit(o, o2, quiet, utc(2020, 12, 30, 2))  # last month: 0

    page = ranking(county.unit, today=TODAY)
    got = {row.premises.name: row for row in page.items}
    assert {name: row.sql_score for name, row in got.items()} == {
        "Kangjian Pharmacy": 34,
        "Border Butcher": 10 + 11,  # 1 violation; 2020-01-01 is 11 whole months before 2020-12-31
        "Draft Diner": 24,
        "Quiet Market": 0,
    }
    assert [row.premises.name for row in page.items] == ["Kangjian Pharmacy", "Draft Diner", "Border Butcher", "Quiet Market"]
    for row in page.items:
        assert row.score.total == row.sql_score, row.premises.name
    parts = [(p.kind, p.count, p.points) for p in got["Kangjian Pharmacy"].score.parts]
    assert parts == [
        (RiskPartKind.VIOLATIONS, 2, 20),
        (RiskPartKind.FLAGGED_OBSERVATIONS, 3, 9),
        (RiskPartKind.MONTHS_UNINSPECTED, 5, 5),
    ]
    assert got["Kangjian Pharmacy"].facts.last_inspected_on == date(2020, 7, 20)
    assert got["Draft Diner"].score.parts[-1].kind is RiskPartKind.NEVER_INSPECTED
    assert got["Kangjian Pharmacy"].score.repeat_offender
    assert not got["Border Butcher"].score.repeat_offender
    assert premises_risk(gouger, today=TODAY).sql_score == 34


def test_months_since_the_last_inspection_are_capped_and_counted_in_local_dates(county):
    o, o2 = county.officer, county.officer2
    old = premises(o, name="Old Stall", kind="market_stall")
    visit(o, o2, old, utc(2017, 3, 1, 2))  # capped at 24 months
    edge = premises(o, name="Edge Shop", kind="supermarket")
    visit(o, o2, edge, utc(2020, 7, 30, 16, 30))  # 2020-07-31 00:30 local: exactly 5 months
    after = premises(o, name="After Shop", kind="supermarket")
    visit(o, o2, after, utc(2020, 7, 31, 16, 30))  # 2020-08-01 local: 4 months
    scores = {row.premises.name: row.sql_score for row in ranking(county.unit, today=TODAY).items}
    assert scores == {"Old Stall": 24, "Edge Shop": 5, "After Shop": 4}


def test_ranking_is_per_unit_and_leaves_closed_premises_out(county):
    mine = premises(county.officer, name="Mine")
    theirs = premises(county.other_officer, name="Theirs")
    visit(county.other_officer, county.other_officer2, theirs, utc(2020, 5, 1, 2), violations=3)
    closed = premises(county.officer, name="Shut")
    closed.status = closed.status.__class__("closed")
    db.session.commit()
    names = [row.premises.name for row in ranking(county.unit, today=TODAY).items]
    assert names == [mine.name]
    other = ranking(county.other_unit, today=TODAY).items
    assert [(row.premises.name, row.sql_score) for row in other] == [("Theirs", 30 + 7)]


def test_repeat_offenders_are_counted_in_the_window(county):
    o, o2 = county.officer, county.officer2
    twice = premises(o, name="Twice")
    visit(o, o2, twice, utc(2020, 3, 1, 2), violations=1)
    visit(o, o2, twice, utc(2020, 9, 1, 2), violations=1)
    once_in_window = premises(o, name="Once in window")
    visit(o, o2, once_in_window, utc(2019, 6, 1, 2), violations=1)  # too old
    visit(o, o2, once_in_window, utc(2020, 6, 1, 2), violations=1)
    both_at_once = premises(o, name="Both at once")
    visit(o, o2, both_at_once, utc(2020, 6, 1, 2), violations=2)
    draft = premises(o, name="Draft only")
    visit(o, o2, draft, utc(2020, 6, 1, 2), violations=2, submit=False)
    ids = {p.id: p.name for p in (twice, once_in_window, both_at_once, draft)}
    assert {ids[i] for i in repeat_offender_ids(ids, today=TODAY)} == {"Twice", "Both at once"}
    # A year later the 2020 violations have left the window.
    assert repeat_offender_ids(ids, today=date(2021, 9, 2)) == set()
    # On 2021-03-01 the window starts on 2020-03-02: Twice keeps one violation, Both at once two.
    assert {ids[i] for i in repeat_offender_ids(ids, today=date(2021, 3, 1))} == {"Both at once"}


def test_search_premises_repeat_filter(app, county):
    app.config["TRACKER_TODAY"] = TODAY
    o, o2 = county.officer, county.officer2
    repeat = premises(o, name="Repeat Pharmacy")
    visit(o, o2, repeat, utc(2020, 3, 1, 2), violations=2)
    premises(o, name="Clean Pharmacy")
    stmt = search_premises(sa.select(Premises), "pharmacy", None, None, None, repeat=True)
    assert [p.name for p in db.session.scalars(stmt)] == ["Repeat Pharmacy"]
    stmt = search_premises(sa.select(Premises).order_by(Premises.name), "pharmacy", None, None, None)
    assert [p.name for p in db.session.scalars(stmt)] == ["Clean Pharmacy", "Repeat Pharmacy"]


def _fill(county, count: int, start: int = 0):
    o, o2 = county.officer, county.officer2
    for i in range(start, start + count):
        place = premises(o, name=f"Shop {i:03d}")
        if i % 2:
            visit(o, o2, place, utc(2020, 1 + i % 11, 3, 2), violations=1 + i % 3, flagged=i % 2, plain=1)


def test_ranking_runs_a_fixed_number_of_queries(county):
    _fill(county, 3)
    county.unit.timezone  # loaded now, not inside the counted block
    with count_queries() as small:
        rows = ranking(county.unit, today=TODAY).items
    assert len(rows) == 3
    _fill(county, 30, start=3)
    county.unit.timezone
    with count_queries() as large:
        page = ranking(county.unit, today=TODAY, page=2)
        rows = page.items
    assert len(rows) == 10 and page.total == 33
    assert len(small) == len(large) == 2  # the count and the page
    for row in rows:
        assert row.score.total == row.sql_score
        assert row.premises.name  # loaded with the row: no further query
    scores = [row.sql_score for row in ranking(county.unit, today=TODAY, per_page=50).items]
    assert scores == sorted(scores, reverse=True)


def test_repeat_offender_ids_for_a_page_is_constant(county):
    _fill(county, 5)
    ids = list(db.session.scalars(sa.select(Premises.id)))
    with count_queries() as small:
        repeat_offender_ids(ids[:2], today=TODAY)
    _fill(county, 20, start=5)
    ids = list(db.session.scalars(sa.select(Premises.id)))
    with count_queries() as large:
        repeat_offender_ids(ids, today=TODAY)
    assert len(small) == len(large) == 2  # the units' time zones and the aggregate

"""The register service: publication rules through real cases, filters, fixed query counts, the demo county."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import pytest
import sqlalchemy as sa

from tests.api.test_outcomes_api import served_case
from tests.cases_helpers import TODAY, CaseWorld
from tests.conftest import count_queries
from tests.factories import premises
from tracker.extensions import db
from tracker.models import Case
from tracker.seed.demo import DEMO_TODAY
from tracker.services.outcomes import (
    OutcomeFilters,
    latest_outcomes,
    published_ids,
    register_keyset,
    register_page,
    register_today,
)

HEAVY = [{"kind": "fine", "amount": "60000.00"}]
ALL = OutcomeFilters()


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    return CaseWorld()


def numbers(filters=ALL, today=TODAY) -> list[str]:
    ids = published_ids(filters, today)
    return [db.session.get(Case, case_id).number for case_id in ids]


def test_register_date_is_the_business_date(world):
    assert register_today() == TODAY


def test_published_when_served_not_before(world):
    case = world.to_state("decided")
    assert numbers() == []
    world.act(world.officer, case, "serve_decision", on="2020-03-16", method="in_person")
    assert numbers() == [case.number]
    assert numbers(today=date(2020, 3, 15)) == []  # the day before service
    [entry] = latest_outcomes(ALL, 10)
    assert entry.published_on == date(2020, 3, 16) and entry.published_until == date(2023, 3, 15)
    assert not entry.minor and entry.varied_on is None and entry.agency == "Chengguan station"


def test_warnings_are_not_published_closures_are(world):
    served_case(world, world.pharmacy, "records_refusal", [{"kind": "warning"}])
    closure = served_case(world, world.pharmacy, "closure_notice_breach", [{"kind": "closure"}, {"kind": "warning"}])
    assert numbers() == [closure.number]


def test_annulled_decision_is_withdrawn_from_the_day_of_the_annulment(world):
    case = served_case(world, world.pharmacy, "price_gouging", HEAVY)
    world.act(world.supervisor, case, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="reconsideration", outcome="annulled",
              outcome_on="2020-05-20")
    assert numbers(today=date(2020, 5, 19)) == [case.number]
    assert numbers(today=date(2020, 5, 20)) == []
    assert numbers() == []


def test_varied_decision_shows_the_varied_penalty_and_date(world):
    varied = served_case(world, world.pharmacy, "price_gouging", HEAVY)
    world.act(world.supervisor, varied, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "fine", "amount": "55000.00"}])
    to_warning = served_case(world, world.pharmacy, "price_gouging", HEAVY)
    world.act(world.supervisor, to_warning, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "warning"}])
    [entry] = latest_outcomes(ALL, 10)
    assert entry.number == varied.number and entry.varied_on == date(2020, 6, 1)
    assert entry.penalty == ({"kind": "fine", "amount": "55000.00"},)


def test_minor_decisions_leave_after_three_months_others_after_three_years(world):
    minor = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "1000.00"}])
    heavy = served_case(world, world.pharmacy, "price_gouging", HEAVY)  # both served 2020-03-03
    assert numbers(today=date(2020, 6, 2)) == [heavy.number, minor.number]
    assert numbers(today=date(2020, 6, 3)) == [heavy.number]
    assert numbers() == [heavy.number]
    assert numbers(today=date(2023, 3, 2)) == [heavy.number]
    assert numbers(today=date(2023, 3, 3)) == []


def test_filters_by_period_unit_violation_and_premises_kind(world):
    gouging = world.to_state("decision_served")  # decided 2020-03-13, a pharmacy
    stall = premises(world.officer, name="Zhao Pork", kind="meat_vendor", operator_name="Zhao Jinbao",
                     operator_type="individual")
    pork = served_case(world, stall, "emergency_measure_breach", HEAVY)  # decided 2020-03-02
    assert numbers() == [gouging.number, pork.number]
    assert numbers(OutcomeFilters(date_from=date(2020, 3, 10))) == [gouging.number]
    assert numbers(OutcomeFilters(date_to=date(2020, 3, 2))) == [pork.number]
    assert numbers(OutcomeFilters(date_from=date(2020, 3, 3), date_to=date(2020, 3, 12))) == []
    assert numbers(OutcomeFilters(violation="emergency_measure_breach")) == [pork.number]
    assert numbers(OutcomeFilters(violation="price_gouging")) == [gouging.number]
    assert numbers(OutcomeFilters(premises_kind="meat_vendor")) == [pork.number]
    assert numbers(OutcomeFilters(premises_kind="restaurant")) == []
    assert numbers(OutcomeFilters(unit="CG")) == [gouging.number, pork.number]
    assert numbers(OutcomeFilters(unit="XZ")) == []
    assert numbers(OutcomeFilters(unit="NOPE")) == []


def test_a_page_takes_the_same_number_of_queries_whatever_its_length(world):
    served_case(world, world.pharmacy, "price_gouging", HEAVY)
    db.session.expire_all()
    with count_queries() as one:
        page = register_page(ALL, 1, 10, TODAY)
        assert page.total == 1 and len(page.items) == 1
    for _ in range(5):
        served_case(world, world.pharmacy, "price_gouging", HEAVY)
    db.session.expire_all()
    with count_queries() as six:
        page = register_page(ALL, 1, 10, TODAY)
        assert page.total == 6 and len(page.items) == 6
    assert len(one) == len(six) <= 5
    with count_queries() as keyset:
        items, cursor = register_keyset(ALL, 4, None, TODAY)
    # The keyset page is the numbered page without its count.
    assert len(items) == 4 and cursor == items[-1].case_id and len(keyset) == len(six) - 1


def test_numbered_pages_split_the_register(world):
    cases = [served_case(world, world.pharmacy, "price_gouging", HEAVY) for _ in range(3)]
    first, second = register_page(ALL, 1, 2, TODAY), register_page(ALL, 2, 2, TODAY)
    assert [o.number for o in first.items + second.items] == [c.number for c in reversed(cases)]
    assert first.pages == 2 and first.has_next and not second.has_next


# ------------------------------------------------------------------------------------------ demo county


def test_demo_register_lists_the_penalised_pharmacies_without_personal_data(demo_app):
    with demo_app.app_context():
        outcomes = latest_outcomes(ALL, 500)
        names = {o.party.name for o in outcomes}
        assert {"Kangjian Pharmacy", "Renhe Pharmacy"} <= names
        assert all(o.published_until >= DEMO_TODAY >= o.published_on for o in outcomes)
        assert all(any(line["kind"] != "warning" for line in o.penalty) for o in outcomes)
        published = json.dumps([asdict(o) for o in outcomes], default=str)
        cases = db.session.scalars(sa.select(Case).where(Case.id.in_([o.case_id for o in outcomes]))).all()
        individuals = [c for c in cases if c.operator_type.value == "individual"]
        assert individuals, "the demo register should include natural persons (Renhe's keeper)"
        for case in cases:
            snapshot = case.premises_snapshot
            assert not snapshot.get("phone") or snapshot["phone"] not in published
            if case.operator_type.value == "individual":
                for key in ("operator_name", "address", "credit_code"):
                    if snapshot.get(key):
                        assert snapshot[key] not in published, (case.number, key)
        renhe = next(o for o in outcomes if o.party.name == "Renhe Pharmacy")
        assert renhe.party.operator_name == "Q**" and renhe.party.address is None and renhe.party.credit_code is None
        db.session.remove()

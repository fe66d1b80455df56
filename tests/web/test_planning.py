"""Search page, risk ranking page and repeat-offender badges and filter, through the browser."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from tests.conftest import page_queries, signed_in
from tests.factories import County, premises
from tests.services.test_risk import visit
from tracker.services.cases import open_case

TODAY = date(2020, 12, 31)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def county(app):
    app.config["TRACKER_TODAY"] = TODAY
    return County()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_search_groups_results_by_kind_within_the_unit(app, county):
    mine = premises(county.officer, name="Kangjian Pharmacy", operator_name="Liu Qiang")
    premises(county.other_officer, name="Kangjian Far Pharmacy")
    case = open_case(county.officer, premises_id=mine.id, complaint="Masks", received_on=date(2020, 2, 1), today=TODAY)
    visit(county.officer, county.officer2, mine, utc(2020, 2, 6, 2), notes="kangjian staff refused the invoice")
    client = signed_in(app, county.officer)
    page = text(client.get("/search?q=kangjian"))
    assert "Kangjian Pharmacy" in page and "Kangjian Far Pharmacy" not in page
    assert case.number in page
    assert "refused the invoice" in page
    auditor_page = text(signed_in(app, county.auditor).get("/search?q=kangjian"))
    assert "Kangjian Far Pharmacy" in auditor_page


def test_search_pages_through_one_kind_and_links_more(app, county):
    for i in range(8):
        premises(county.officer, name=f"Market {i}")
    client = signed_in(app, county.officer)
    overview = text(client.get("/search?q=market"))
    assert overview.count("/premises/") >= 5 and "Market 5" not in overview
    assert "kind=premises" in overview and "/premises/?q=market" in overview
    first = text(client.get("/search?q=market&kind=premises"))
    second = text(client.get("/search?q=market&kind=premises&page=2"))
    assert "Market 0" in first and "Market 9" not in first
    assert "Market 0" not in second
    assert client.get("/search?q=market&kind=nothing").status_code == 404


def test_search_refuses_bad_queries_with_a_form_error(app, county):
    client = signed_in(app, county.officer)
    short = client.get("/search?q=k")
    assert short.status_code == 200 and "is-invalid" in text(short)
    long = client.get("/search?q=" + "x" * 101)
    assert long.status_code == 200 and "is-invalid" in text(long)
    assert client.get("/search?q=%00%00").status_code in (200, 400)
    assert client.get("/search").status_code == 200


def test_search_access(app, county):
    assert app.test_client().get("/search?q=ab").status_code == 302
    assert signed_in(app, county.admin).get("/search?q=ab").status_code == 403
    for person in (county.officer, county.supervisor, county.auditor):
        assert signed_in(app, person).get("/search?q=ab").status_code == 200


def test_risk_page_ranks_and_explains_in_words(app, county):
    o, o2 = county.officer, county.officer2
    gouger = premises(o, name="Kangjian Pharmacy")
    visit(o, o2, gouger, utc(2020, 2, 5, 2), violations=1, flagged=2)
    visit(o, o2, gouger, utc(2020, 7, 20, 2), violations=1, flagged=1)
    premises(o, name="Never Seen Diner", kind="restaurant")
    premises(county.other_officer, name="Other Unit Shop")
    page = text(signed_in(app, county.officer).get("/planning/risk"))
    assert "2 violations in 12 months: 20; 3 flagged observations: 9; last inspected 5 months ago: 5" in page
    assert "never inspected: 24" in page
    assert page.index("Kangjian Pharmacy") < page.index("Never Seen Diner")
    assert "Other Unit Shop" not in page
    assert "Repeat offender" in page
    # An officer cannot look at another unit by asking for it.
    assert "Other Unit Shop" not in text(signed_in(app, county.officer).get("/planning/risk?unit=XZ"))
    auditor = signed_in(app, county.auditor)
    assert "Other Unit Shop" in text(auditor.get("/planning/risk?unit=XZ"))


def test_risk_access(app, county):
    assert signed_in(app, county.admin).get("/planning/risk").status_code == 403
    for person in (county.officer, county.supervisor, county.auditor):
        assert signed_in(app, person).get("/planning/risk").status_code == 200


def _grow(county, start: int, count: int):
    o, o2 = county.officer, county.officer2
    for i in range(start, start + count):
        place = premises(o, name=f"Shop {i:03d} market", operator_name=f"Owner {i}")
        if i % 3 == 0:
            visit(o, o2, place, utc(2020, 1 + i % 11, 3, 2), violations=2, flagged=1, notes=f"market visit {i}")
        open_case(o, premises_id=place.id, complaint="c", received_on=date(2020, 2, 1), today=TODAY)


@pytest.mark.parametrize("url", ["/planning/risk", "/premises/", "/premises/?repeat=1", "/search?q=market",
                                 "/search?q=market&kind=cases"])
def test_pages_run_a_fixed_number_of_queries(app, county, url):
    client = signed_in(app, county.officer)
    _grow(county, 0, 3)
    small = page_queries(client, url)
    _grow(county, 3, 25)
    large = page_queries(client, url)
    assert small == large, (url, small, large)


def test_premises_list_repeat_badge_and_filter(app, county):
    o, o2 = county.officer, county.officer2
    repeat = premises(o, name="Repeat Pharmacy")
    visit(o, o2, repeat, utc(2020, 3, 1, 2), violations=1)
    visit(o, o2, repeat, utc(2020, 9, 1, 2), violations=1)
    old = premises(o, name="Old Offender")
    visit(o, o2, old, utc(2019, 3, 1, 2), violations=3)  # outside the 12 months
    client = signed_in(app, county.officer)
    listing = text(client.get("/premises/"))
    row = re.search(r"Repeat Pharmacy</a>\s*<span[^>]*>([^<]+)", listing)
    assert row and row.group(1) == "Repeat offender"
    assert listing.count("Repeat offender</span>") == 1
    filtered = text(client.get("/premises/?repeat=1"))
    assert "Repeat Pharmacy" in filtered and "Old Offender" not in filtered
    assert "Repeat offender</span>" in text(client.get(f"/premises/{repeat.id}"))
    shown = text(client.get(f"/premises/{old.id}"))
    assert "Repeat offender</span>" not in shown
    assert "3 violations" not in shown and "last inspected 21 months ago: 21" in shown


def test_premises_list_unit_filter_takes_a_code(app, county):
    premises(county.officer, name="Mine Shop")
    premises(county.other_officer, name="Their Shop")
    auditor = signed_in(app, county.auditor)
    page = text(auditor.get("/premises/?unit=XZ"))
    assert "Their Shop" in page and "Mine Shop" not in page
    assert "Mine Shop" in text(auditor.get(f"/premises/?unit={county.unit.id}"))
    assert "No premises match" in text(auditor.get("/premises/?unit=NOPE"))
    officer_page = text(signed_in(app, county.officer).get("/premises/?unit=XZ"))
    assert "Mine Shop" in officer_page and "Their Shop" not in officer_page

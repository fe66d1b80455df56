"""The public register page and its Atom feed: no sign-in, filters, pages, and never a natural
person's personal data, neither on the page, nor in the feed, nor in the API."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from tests.api.test_outcomes_api import served_case
from tests.cases_helpers import TODAY, CaseWorld
from tests.factories import premises

ATOM = "{http://www.w3.org/2005/Atom}"
HEAVY = [{"kind": "fine", "amount": "60000.00"}]

ID_NUMBER = "62010219850312123X"
BANK = "6222 0212 3456 7890 123"
MOBILE, HOME_PHONE = "13912345678", "13800138000"
LATIN_PERSON = {
    "name": f"Liu Dehua Meat Stall {MOBILE}",
    "operator_name": f"Liu Dehua {ID_NUMBER} acct {BANK}",
    "address": "Flat 3, 12 Willow Lane, Chengguan",
    "phone": HOME_PHONE,
    "credit_code": "92620102MA73K5H2PA",
}
CHINESE_PERSON = {
    "name": f"刘德华猪肉摊 电话{MOBILE} 账号6222021234567890123",
    "operator_name": "刘德华",
    "address": "城关镇柳树巷12号3室",
    "phone": "0931-8612345",
}
SECRETS = (
    ID_NUMBER, ID_NUMBER.lower(), BANK, "6222021234567890123", "7890 123", "3456 7890", MOBILE, HOME_PHONE,
    "8612345", "Dehua", "Willow", "92620102MA73K5H2PA", "德华", "柳树巷",
)


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    return CaseWorld()


def feed_entries(client, query=""):
    response = client.get(f"/outcomes/feed.atom{query}")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    return root, root.findall(f"{ATOM}entry")


def test_the_register_is_public_and_shows_what_the_law_asks(world, client):
    case = world.to_state("decision_served")
    response = client.get("/outcomes/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (case.number, "Kangjian Pharmacy", "Chengguan station", "2020-03-13", "6,000.00", "2,060.00",
                  world.violation.legal_basis, "2023-03-15"):
        assert shown in html
    assert 'href="/outcomes/feed.atom"' in html


def test_unpublished_warnings_and_annulled_decisions_stay_off_the_page(world, client):
    world.to_state("decided")
    warning = served_case(world, world.pharmacy, "records_refusal", [{"kind": "warning"}])
    annulled = served_case(world, world.pharmacy, "price_gouging", HEAVY)
    world.act(world.supervisor, annulled, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="reconsideration", outcome="annulled",
              outcome_on="2020-05-20")
    varied = served_case(world, world.pharmacy, "price_gouging", HEAVY)
    world.act(world.supervisor, varied, "record_appeal", reference="(2020)JF-17", on="2020-04-01", kind="lawsuit", outcome="varied",
              outcome_on="2020-06-01", lines=[{"kind": "fine", "amount": "55000.00"}])
    html = client.get("/outcomes/").get_data(as_text=True)
    assert "CG-2020-0001" not in html and warning.number not in html and annulled.number not in html
    assert varied.number in html and "55,000.00" in html and "Varied on appeal on 2020-06-01" in html
    assert "60,000.00" not in html
    _root, entries = feed_entries(client)
    assert [e.findtext(f"{ATOM}title").split(" ")[0] for e in entries] == [varied.number]


def test_filters_narrow_the_page_and_the_feed(world, client):
    gouging = world.to_state("decision_served")
    stall = premises(world.officer, name="Zhao Pork", kind="meat_vendor", operator_name="Zhao Jinbao",
                     operator_type="individual")
    pork = served_case(world, stall, "emergency_measure_breach", HEAVY)
    for query, expected in [
        ("", {gouging.number, pork.number}),
        ("?premises_kind=meat_vendor", {pork.number}),
        ("?code=price_gouging", {gouging.number}),
        ("?unit=XZ", set()),
        ("?unit=CG&date_from=2020-03-10", {gouging.number}),
        ("?date_to=2020-03-05", {pork.number}),
    ]:
        html = client.get(f"/outcomes/{query}").get_data(as_text=True)
        assert {n for n in (gouging.number, pork.number) if f'id="{n}"' in html} == expected, query
        _root, entries = feed_entries(client, query)
        assert {e.findtext(f"{ATOM}title").split(" ")[0] for e in entries} == expected, query


def test_bad_filters_are_form_errors_on_the_page_and_400_on_the_feed(world, client):
    case = world.to_state("decision_served")
    for query in ("?date_from=2020-13-01", "?date_from=2020-03-10&date_to=2020-03-01", "?unit=NOPE",
                  "?premises_kind=castle", "?code=nope", "?page=abc", "?page=-3", "?page=99"):
        response = client.get(f"/outcomes/{query}")
        assert response.status_code == 200, query
    assert client.get("/outcomes/?code=%00").status_code == 400  # NUL characters are refused app-wide
    html = client.get("/outcomes/?date_from=2020-13-01").get_data(as_text=True)
    assert "is-invalid" in html and case.number in html  # the bad filter is shown and left out
    html = client.get("/outcomes/?date_from=2020-03-10&date_to=2020-03-01").get_data(as_text=True)
    assert "The period ends before it starts." in html
    assert client.get("/outcomes/feed.atom?date_from=yesterday").status_code == 400
    assert client.get("/outcomes/feed.atom?premises_kind=castle").status_code == 400


def test_the_page_paginates(app, world, client):
    app.config["PER_PAGE"] = 2
    cases = [served_case(world, world.pharmacy, "price_gouging", HEAVY) for _ in range(3)]
    first = client.get("/outcomes/").get_data(as_text=True)
    second = client.get("/outcomes/?page=2").get_data(as_text=True)
    assert cases[2].number in first and cases[1].number in first and cases[0].number not in first
    assert cases[0].number in second and cases[2].number not in second
    assert "3 in all, page 1 of 2" in first


def test_the_feed_is_valid_atom_newest_first(world, client):
    older = world.to_state("decision_served")  # served 2020-03-16
    newer = served_case(world, world.pharmacy, "price_gouging", HEAVY)  # served 2020-03-03 but decided earlier
    root, entries = feed_entries(client)
    assert root.tag == f"{ATOM}feed" and root.findtext(f"{ATOM}title") == "Enforcement outcomes"
    assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated").startswith("2020-03-16")
    assert [e.findtext(f"{ATOM}title").split(" ")[0] for e in entries] == [older.number, newer.number]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id").endswith(f"#{older.number}")
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Chengguan station"
    assert "6,000.00" in entry.findtext(f"{ATOM}content")
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/outcomes/#{older.number}")


def test_no_masked_personal_data_appears_on_the_page_in_the_feed_or_in_the_api(world, client):
    latin = premises(world.officer, kind="meat_vendor", operator_type="individual", **LATIN_PERSON)
    chinese = premises(world.officer, kind="market_stall", operator_type="individual", **CHINESE_PERSON)
    cases = [served_case(world, place, "price_gouging", HEAVY) for place in (latin, chinese)]
    page = client.get("/outcomes/").get_data(as_text=True)
    feed = client.get("/outcomes/feed.atom").get_data(as_text=True)
    api = client.get("/api/v1/outcomes").get_data(as_text=True)
    for where, text in (("page", page), ("feed", feed), ("api", api)):
        for case in cases:
            assert case.number in text, where
        for secret in SECRETS:
            assert secret not in text, (where, secret)
    assert "L** Meat Stall **" in page and "刘**猪肉摊" in page
    assert "Meat vendor" in page and "Natural person or individual business" in page


def test_the_register_follows_the_business_date(app, world, client):
    minor = served_case(world, world.pharmacy, "price_gouging", [{"kind": "fine", "amount": "1000.00"}])
    app.config["TRACKER_TODAY"] = date(2020, 6, 2)
    assert minor.number in client.get("/outcomes/").get_data(as_text=True)
    app.config["TRACKER_TODAY"] = date(2020, 6, 3)  # a minor decision: three months
    assert minor.number not in client.get("/outcomes/").get_data(as_text=True)

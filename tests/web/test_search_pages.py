"""Search pages: matches counted only up to a cap (the pager says so), and how short terms match."""
from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import signed_in
from tests.factories import County, premises
from tracker.models import Premises
from tracker.web.pagination import paginate


def test_a_capped_count_stops_at_the_cap_and_limits_the_pages(app):
    county = County()
    for k in range(7):
        premises(county.officer, name=f"Hongxing Shop {k}")
    app.config["PER_PAGE"] = 2
    stmt = sa.select(Premises).order_by(Premises.name, Premises.id)
    with app.test_request_context("/premises/?q=hong&page=9"):
        page = paginate(stmt, count_cap=5)
        # Six counted (the cap and one more): "more than 5", three pages of two, the page asked for clamped.
        assert page.total == 6 and page.capped and page.pages == 3 and page.page == 3
        assert [p.name for p in page.items] == ["Hongxing Shop 4", "Hongxing Shop 5"]
    with app.test_request_context("/premises/?q=hong"):
        page = paginate(stmt, count_cap=10)
        assert page.total == 7 and not page.capped and page.pages == 4


def test_the_premises_search_says_more_than_the_cap(app, monkeypatch):
    county = County()
    for k in range(4):
        premises(county.officer, name=f"Hongxing Shop {k}")
    monkeypatch.setattr("tracker.web.premises.routes.SEARCH_COUNT_CAP", 3)
    client = signed_in(app, county.officer)
    page = client.get("/premises/?q=hongxing").get_data(as_text=True)
    assert "More than 3" in page and "in all" not in page
    page = client.get("/premises/").get_data(as_text=True)
    assert "4 in all" in page


def test_the_search_page_says_how_short_terms_match(app):
    county = County()
    premises(county.officer, name="Hongxing Shop")
    client = signed_in(app, county.officer)
    assert "match the start of names" in client.get("/search?q=ho").get_data(as_text=True)
    assert "match the start of names" not in client.get("/search?q=hongxing").get_data(as_text=True)


def test_search_pages_read_through_a_window_and_keep_the_ranked_order(app, monkeypatch):
    """The premises list and the search's "more" pages read each page through its window (offset + page size):
    every page holds the next names in the ranked order (name matches, then operator matches), and the
    capped count still counts every match up to the cap."""
    county = County()
    for k in range(3):
        premises(county.officer, name=f"Hongxing Shop {k}")
        premises(county.officer, name=f"Market {k}", operator_name=f"Hong {k}")
    app.config["PER_PAGE"] = 2
    monkeypatch.setattr("tracker.web.premises.routes.SEARCH_COUNT_CAP", 5)
    client = signed_in(app, county.officer)
    expected = ["Hongxing Shop 0", "Hongxing Shop 1", "Hongxing Shop 2", "Market 0", "Market 1", "Market 2"]
    for url in ("/premises/?q=ho&page={}", "/search?q=ho&kind=premises&page={}"):
        seen = []
        for number in (1, 2, 3):
            page = client.get(url.format(number)).get_data(as_text=True)
            shown = sorted((page.index(f">{name}<"), name) for name in expected if f">{name}<" in page)
            assert len(shown) == 2, (url, number, shown)
            seen += [name for _position, name in shown]
        assert seen == expected, url
    assert "More than 5" in client.get("/premises/?q=ho").get_data(as_text=True)

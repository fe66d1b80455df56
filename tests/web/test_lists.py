"""The filtered list pages: access, filters with form errors, download links, a fixed number of queries."""
import pytest

from tests.conftest import login, page_queries
from tests.listings_helpers import CHINESE, ListWorld, bulk
from tests.factories import County

PAGES = [
    "/inspections/", "/inspections/observations", "/inspections/violations",
    "/cases/", "/cases/penalties", "/cases/payments",
]


@pytest.mark.parametrize("path", PAGES[1:3] + PAGES[4:])
def test_new_list_pages_are_for_readers_only(app, client, path):
    county = County()
    assert client.get(path).status_code == 302
    for person, status in ((county.officer, 200), (county.supervisor, 200), (county.auditor, 200), (county.admin, 403)):
        c = app.test_client()
        login(c, person.username)
        assert c.get(path).status_code == status, (person.username, path)


def test_lists_show_their_rows_and_download_links_keep_the_filters(app, as_user):
    world = ListWorld()
    client = as_user(world.officer)
    html = client.get("/inspections/observations?test=baseline_margin&page=1").get_data(as_text=True)
    assert "Kangjian Pharmacy" in html and CHINESE not in html and "Xizhen" not in html
    assert "/exports/observations.csv?test=baseline_margin" in html and "page=1" not in html.split("Download CSV")[0].rsplit("href=", 1)[-1]
    html = client.get("/inspections/violations").get_data(as_text=True)
    assert "price_gouging" in html and "Xizhen" not in html
    html = client.get("/cases/penalties?kind=fine").get_data(as_text=True)
    assert world.case.number in html and "6,000.00" in html and "/exports/penalties.xlsx?kind=fine" in html
    assert world.case.number not in client.get("/cases/penalties?kind=warning").get_data(as_text=True)
    html = client.get("/cases/payments").get_data(as_text=True)
    assert "8,060.00" in html and "2020-03-31" in html
    html = client.get("/cases/?code=price_gouging&officer=li.na").get_data(as_text=True)
    assert world.case.number in html and "/exports/cases.csv?" in html
    assert world.case.number not in client.get("/cases/?code=price_marking").get_data(as_text=True)
    html = client.get("/inspections/?outcome=no_action").get_data(as_text=True)
    assert CHINESE in html and "Kangjian Pharmacy" not in html


@pytest.mark.parametrize("path, message", [
    ("/inspections/?date_from=2020-13-45&status=bogus&premises_id=abc", "Not a valid"),
    ("/inspections/observations?test=bogus&commodity=nothing", "Not a valid choice"),
    ("/inspections/violations?code=%27%3B--", "Not a valid choice"),
    ("/cases/?state=bogus&deadline=x&date_from=2020-01-01&date_to=2019-12-01", "before its start"),
    ("/cases/penalties?kind=bribe", "Not a valid choice"),
    ("/cases/payments?date_to=yesterday&page=abc", "Not a valid date"),
])
def test_bad_filter_values_are_form_errors_and_ignored(app, as_user, path, message):
    world = ListWorld()
    client = as_user(world.auditor)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and "invalid-feedback" in html
    # Ignored: the page still lists what it lists without the bad value.
    assert "0 in all" not in html


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_queries_per_list_page_do_not_grow_with_its_rows(app, as_user, role):
    world = ListWorld()
    app.config["PER_PAGE"] = 500
    client = as_user(getattr(world, role))
    bulk(world, 10)
    for path in PAGES:
        client.get(path)  # warm: a first request loads what later ones reuse (the units' pick list)
    small = {path: page_queries(client, path) for path in PAGES}
    bulk(world, 190)
    large = {path: page_queries(client, path) for path in PAGES}
    assert large == small
    assert "CG-2019-0200" in client.get("/cases/").get_data(as_text=True)

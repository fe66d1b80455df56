"""The dashboard and work-queue pages: who sees what, filters, charts without scripts, links, query counts,
and the demo county's February 2020."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import login, page_queries, signed_in
from tests.factories import County
from tests.services.test_dashboard import DashboardWorld, add_decided_cases
from tracker.seed.demo import DEMO_PASSWORD, DEMO_TODAY

FEB_MAR = "date_from=2020-02-01&date_to=2020-03-31"


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = DEMO_TODAY  # the business clock, as the demo runs
    return DashboardWorld()


def links(html: str) -> list[tuple[str, dict]]:
    """Every link on the page as (path, query arguments)."""
    result = []
    for href in re.findall(r'href="([^"]+)"', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        result.append((parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}))
    return result


def test_who_may_open_the_dashboard_and_the_queues(app):
    county = County()
    people = {"officer": county.officer, "supervisor": county.supervisor, "auditor": county.auditor,
              "admin": county.admin}
    allowed = {"/reports/": {"supervisor", "auditor"}, "/reports/queues": {"officer", "supervisor", "auditor"}}
    for path, roles in allowed.items():
        assert app.test_client().get(path).status_code == 302  # anonymous: to the login page
        for role, person in people.items():
            status = signed_in(app, person).get(path).status_code
            assert status == (200 if role in roles else 403), (path, role, status)


def test_the_dashboard_shows_the_hand_counted_figures(app, world):
    html = signed_in(app, world.auditor).get(f"/reports/?{FEB_MAR}&unit=CG").get_data(as_text=True)
    assert "Chengguan station" in html and "2020-02-01 to 2020-03-31" in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Inspections 5 1 still drafts" in text
    assert "Premises checked 3" in text
    assert "Flagged price observations 2 of 3 recorded" in text
    assert "Median days from clue to decision 40" in text
    assert "Overdue cases 2" in text
    assert "Fines imposed 6,000.00" in text and "Fines collected 6,000.00" in text
    assert "Surcharges accrued 360.00" in text and "Surcharges collected 100.00" in text
    assert "Margin above the baseline margin 1" in text and "No marked price 1" in text
    assert "Decisions ordering a closure or suspension 1" in text
    assert "Closures confirmed by a follow-up inspection 1" in text
    # Charts: server-side SVG with a role and a label, each with its table; no script at all.
    assert html.count('role="img"') >= 6
    assert 'aria-label="Bar chart: Price test"' in html
    assert "<script" not in html.split("</main>")[0].split('<main')[1]
    assert "reports.css" in html


def test_figures_link_to_the_filtered_lists(app, world):
    html = signed_in(app, world.auditor).get(f"/reports/?{FEB_MAR}&unit=CG").get_data(as_text=True)
    found = links(html)
    period = {"date_from": "2020-02-01", "date_to": "2020-03-31", "unit": "CG"}
    expected = [
        ("inspections.observations", "/inspections/observations", {**period, "test": "baseline_margin"}),
        ("inspections.violations", "/inspections/violations", {**period, "code": "closure_notice_breach"}),
        ("cases.index", "/cases/", {**period, "state": "executed"}),
        ("cases.index", "/cases/", {"deadline": "payment", "overdue": "1", "unit": "CG"}),
        ("cases.penalties", "/cases/penalties", {**period, "kind": "closure"}),
        ("inspections.index", "/inspections/", {**period, "outcome": "referred"}),
        ("exports.lives", "/exports/lives.zip", period),
    ]
    for endpoint, path, args in expected:
        assert (path, args) in found, (endpoint, args)


def test_supervisors_see_only_their_unit_whatever_they_ask(app, world):
    client = signed_in(app, world.supervisor)
    own = client.get(f"/reports/?{FEB_MAR}").get_data(as_text=True)
    other = client.get(f"/reports/?{FEB_MAR}&unit=XZ")
    assert other.status_code == 200
    html = other.get_data(as_text=True)
    assert "Chengguan station" in html and "Xizhen station" not in html
    assert re.sub(r'value="[^"]*"', "", html) == re.sub(r'value="[^"]*"', "", own)
    # The auditor's view of Xizhen differs: one inspection, the clue case.
    xz = signed_in(app, world.auditor).get(f"/reports/?{FEB_MAR}&unit=XZ").get_data(as_text=True)
    assert "Xizhen station" in xz
    assert re.search(r"Inspections\s*</div>\s*<div class=\"display-figure\">(<a [^>]+>)?1<", xz)


def test_all_units_for_auditors(app, world):
    html = signed_in(app, world.auditor).get(f"/reports/?{FEB_MAR}").get_data(as_text=True)
    assert "All units" in html
    assert re.search(r"Inspections\s*</div>\s*<div class=\"display-figure\">(<a [^>]+>)?6<", html)


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2020-13-01", "Not a valid date value."),
        ("date_from=2020-03-01&date_to=2020-02-01", "The end of the period comes before its start."),
        ("date_from=0001-01-01", "Choose a date from 1990 to 2100."),
        ("unit=NOPE", "No unit has the code"),
    ],
)
def test_bad_filters_are_form_errors_not_500s(app, world, query, message):
    response = signed_in(app, world.auditor).get(f"/reports/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'role="img"' not in html  # no figures for a period that does not exist


def test_the_default_period_is_the_year_to_date(app, world):
    html = signed_in(app, world.supervisor).get("/reports/").get_data(as_text=True)
    assert "2020-01-01 to 2020-12-31" in html


def test_pages_run_a_fixed_number_of_queries(app, world):
    auditor, officer = signed_in(app, world.auditor), signed_in(app, world.officer)
    urls = (auditor, "/reports/?date_from=2020-01-01&date_to=2020-12-31"), (officer, "/reports/queues")
    small = [page_queries(client, url) for client, url in urls]
    add_decided_cases(world, 12)
    large = [page_queries(client, url) for client, url in urls]
    assert large == small


def test_the_queues_page(app, world):
    html = signed_in(app, world.officer).get("/reports/queues").get_data(as_text=True)
    assert "Chengguan station" in html and "Xizhen station" not in html
    # The officer's own rows are highlighted.
    assert 'id="my-queue"' in html
    assert re.search(r'<tr class="queue-mine" id="my-queue">\s*<th[^>]*>zhang\.wei', html)
    found = links(html)
    assert ("/cases/", {"deadline": "payment", "overdue": "1", "unit": "CG"}) in found
    assert ("/cases/", {"deadline": "closing", "overdue": "1", "unit": "CG", "officer": "li.na"}) in found
    everywhere = signed_in(app, world.auditor).get("/reports/queues").get_data(as_text=True)
    assert "Chengguan station" in everywhere and "Xizhen station" in everywhere
    assert 'id="my-queue"' not in everywhere
    assert "/reports/" in everywhere  # supervisors and auditors get back to the dashboard


def test_the_queue_shows_due_soon_cases(app, world):
    app.config["TRACKER_TODAY"] = world.case_c.next_due_soon_on
    html = signed_in(app, world.other_officer).get("/reports/queues").get_data(as_text=True)
    assert "0 overdue, 1 due soon" in html
    assert ("/cases/", {"deadline": "filing", "due_soon": "1", "unit": "XZ", "officer": "chen.jie"}) in links(html)


# ------------------------------------------------------------------------------------------ the demo county


def test_the_demo_countys_february_2020(demo_app):
    from tracker.domain.figures import Period
    from tracker.services.dashboard import build_dashboard

    with demo_app.app_context():
        february = build_dashboard(None, Period(date(2020, 2, 1), date(2020, 2, 29)), DEMO_TODAY)
        outbreak = build_dashboard(None, Period(date(2020, 1, 24), date(2020, 3, 31)), DEMO_TODAY)
        # Dozens of inspections with no finding, some flagged prices, venues open in breach of the closure notice.
        assert february.inspections > 100 and february.premises_checked > 50
        outcomes = {c.key: c.count for c in february.by_outcome}
        assert outcomes["no_action"] > 5 * outcomes["referred"] > 0
        assert {c.key for c in february.flagged_by_test} >= {"unmarked_price", "baseline_margin"}
        assert "closure_notice_breach" in {c.key for c in february.violations_by_code}
        assert february.premises_ordered_closed_now > 0
        # From the emergency to the end of March: the two pharmacies that gouged mask prices were penalised.
        assert {c.key: c.count for c in outbreak.violations_by_code}["price_gouging"] == 2
        assert outbreak.money.fines_imposed > 0 and outbreak.money.confiscation_imposed > 0
        assert outbreak.money.surcharges_accrued > 0  # someone paid late, or not at all
        assert outbreak.overdue_cases > 0
        # The spring decisions on venues open in breach: closures ordered.
        spring = build_dashboard(None, Period(date(2020, 4, 1), date(2020, 5, 31)), DEMO_TODAY)
        assert spring.closures_ordered >= 2
    client = demo_app.test_client()
    assert login(client, "dong.xiaoyan", DEMO_PASSWORD).status_code == 302
    page = client.get("/reports/?date_from=2020-02-01&date_to=2020-02-29")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No marked price" in html and "Opening in breach of a closure notice" in html
    assert client.get("/reports/queues").status_code == 200


def test_every_linked_count_equals_the_list_it_opens(demo_app):
    """Each count in the dashboard's tables links to a list whose total is that count, in the demo's outbreak."""
    client = demo_app.test_client()
    assert login(client, "dong.xiaoyan", DEMO_PASSWORD).status_code == 302
    html = client.get("/reports/?date_from=2020-01-24&date_to=2020-03-31").get_data(as_text=True)
    counted = re.findall(r'<td class="text-end">\s*<a href="([^"]+)">([\d,]+)</a>', html)
    lists = [(url.replace("&amp;", "&"), int(value.replace(",", ""))) for url, value in counted]
    assert len(lists) >= 10, lists
    for url, value in lists:
        page = client.get(url).get_data(as_text=True)
        total = re.search(r"([\d,]+) in all, page", page)
        assert total is not None, url
        assert int(total.group(1).replace(",", "")) == value, url

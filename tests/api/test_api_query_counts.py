"""The API lists run the same number of SQL queries for 10 rows as for 200 (issue 7), with ?limit=200.

The rows come from the web pages' builder (tests/web/test_query_counts.py ``grow``); the history of
a case is measured with 5 and with 200 payments (12 and 207 events)."""
from __future__ import annotations

import pytest

from tests.api.helpers import bearer
from tests.conftest import count_queries
from tests.web.test_query_counts import LARGE, SMALL, grow, grow_case, list_world, long_case_world

LISTS = [
    ("officer", "/api/v1/premises?limit=200", "Bulk stall"),
    ("auditor", "/api/v1/premises?limit=200", "Bulk stall"),
    ("officer", "/api/v1/inspections?limit=200", None),
    ("auditor", "/api/v1/inspections?limit=200&flagged=true", None),
    ("officer", "/api/v1/cases?limit=200", "CG-2019-"),
    ("auditor", "/api/v1/cases?limit=200", "CG-2019-"),
    ("anonymous", "/api/v1/outcomes?limit=200", "CG-2019-"),
]


@pytest.fixture
def world(app):
    return list_world(app)


def api_queries(client, url: str, headers: dict) -> tuple[int, dict]:
    """How many SQL statements one GET of ``url`` runs, and its JSON (the answer must be 200)."""
    with count_queries() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    return len(statements), response.get_json()


VIEWERS = sorted({who for who, _url, _marker in LISTS})


@pytest.mark.parametrize("who", VIEWERS)
def test_every_api_list_runs_as_many_queries_for_200_rows_as_for_10(app, world, who):
    """Each list the caller reads with ?limit=200, at 10 rows of every kind, then at 200."""
    headers = {} if who == "anonymous" else bearer(getattr(world, who))
    client = app.test_client()
    lists = [(url, marker) for caller, url, marker in LISTS if caller == who]
    grow(world, SMALL)
    for url, _marker in lists:
        client.get(url, headers=headers)  # warm: the token's first use is recorded (once a minute)
    small = {url: api_queries(client, url, headers)[0] for url, _marker in lists}
    grow(world, LARGE - SMALL)
    large, bodies = {}, {}
    for url, _marker in lists:
        large[url], bodies[url] = api_queries(client, url, headers)
    grown = {url: (small[url], large[url]) for url in small if small[url] != large[url]}
    assert not grown, f"{who}: queries at {SMALL} rows -> at {LARGE} rows: {grown}"
    for url, marker in lists:
        assert len(bodies[url]["items"]) == LARGE and bodies[url]["next_cursor"], url
        if marker is not None:
            assert str(bodies[url]["items"]).count(marker) >= LARGE, (url, marker)


def test_a_long_case_and_its_history_read_in_as_many_queries_as_a_short_one(app):
    """The case and its history with 5 payments and officers (12 events), then with 200 (207 events)."""
    world, case = long_case_world(app)
    client = app.test_client()
    reads = [(who, url, bearer(getattr(world, who))) for who in ("officer", "auditor")
             for url in (f"/api/v1/cases/{case.id}", f"/api/v1/cases/{case.id}/history")]
    for _who, url, headers in reads:
        client.get(url, headers=headers)
    small = {(who, url): api_queries(client, url, headers)[0] for who, url, headers in reads}
    grow_case(world, case, LARGE - 5)
    large = {(who, url): api_queries(client, url, headers)[0] for who, url, headers in reads}
    assert large == small, f"queries with 5 payments -> with {LARGE}: {small} -> {large}"
    history = api_queries(client, reads[-1][1], reads[-1][2])[1]
    assert len(history["items"]) == 207
    # The history needs only the token, the visibility check and the events, not the case's whole detail.
    assert max(count for (_who, url), count in large.items() if url.endswith("/history")) <= 5, large

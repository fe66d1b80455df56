"""Query arguments named like url_for's own keywords (``_external``, ``_method``...) or like a route's arguments
(``premises_id``, ``dataset``, ``page``...) are only text a client typed: no page answers 500 for them, and no
link a page builds changes because of them (issue 15, finding 5).

Every GET route of the URL map is walked in the demo county, as an anonymous visitor, as an officer, a
supervisor, an auditor and an administrator (signed in through the form for the web, by bearer token for the
API), with each hostile query string. The demo county is read through an app showing two rows a page, so
every list with more than two rows renders its pager, where the links are built from the query string.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import MultiDict

from tests.demo_walk import clients, demo_reader, get_urls, people, route_values
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.services.tokens import issue_token
from tracker.web.links import link_args

ANCHOR = "qzxanchor"
# Each a query string sent to every GET route.
HOSTILE = {
    # Flask's url_for keywords (and the underscore prefix it reserves for them), and its first parameter;
    # ``values`` (the name of its catch-all) is an ordinary filter-like argument that links keep.
    "url_for keywords": {"_external": "1", "_method": "POST", "_anchor": ANCHOR, "_scheme": "javascript",
                         "_qzx": "1", "endpoint": "main.home", "values": "x"},
    # The names of the routes' own arguments, with values their converters refuse.
    "route arguments": {"premises_id": "abc", "inspection_id": "-1", "evidence_id": "abc", "case_id": "x1",
                        "user_id": "abc", "token_id": "abc", "dataset": "nope", "fmt": "exe", "action": "x",
                        "complaint_id": "abc", "tracking_code": "../x",
                        "filename": "../../etc/passwd"},
    # The pager's argument, past anything a database integer holds, and below the first page.
    "huge page": {"page": "99999999999999999999"},
    "negative page": {"page": "-3"},
}
RESERVED = ("_external", "_method", "_anchor", "_scheme", "_qzx", "endpoint=")
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def site(demo_app, tmp_path_factory):
    """The demo county read by an app showing two rows a page, with a bearer token for each role (deleted
    afterwards: the demo county is shared)."""
    # A failure answers 500 as in production, and the walk goes on.
    with demo_reader(demo_app, tmp_path_factory.mktemp("q"), PER_PAGE=2, PROPAGATE_EXCEPTIONS=False) as app:
        issued = {role: issue_token(person, "reserved query arguments") for role, person in people().items()}
        try:
            yield app, {role: token for role, (_record, token) in issued.items()}
        finally:
            db.session.execute(sa.delete(ApiToken).where(ApiToken.id.in_([r.id for r, _ in issued.values()])))
            db.session.commit()


def _links(response) -> list[str]:
    """The links of an HTML page or an Atom feed (none for anything else)."""
    if response.mimetype == "application/atom+xml":
        text = response.get_data(as_text=True)
        return re.findall(r'<link href="([^"]*)"', text) + re.findall(r"<id>([^<]*)</id>", text)
    if response.mimetype != "text/html":
        return []
    return [href.strip().replace("&amp;", "&") for href in HREF.findall(response.get_data(as_text=True))]


def _bent(link: str, variant: str, path: str, html: bool) -> str | None:
    """Why a link shows that the hostile query changed how it was built (None when it did not)."""
    if any(word in link for word in RESERVED) or link.endswith("#" + ANCHOR):
        return "carries a url_for keyword"
    parts = urlsplit(link)
    if parts.scheme in ("javascript", "data"):
        return "has a hostile scheme"
    if html and variant == "url_for keywords" and (parts.scheme or parts.netloc):
        return "was made absolute"
    query = dict(parse_qsl(parts.query))
    if html and "page" in query:  # a pager link: the same page, the reader's other arguments kept
        if parts.path != path:
            return "is a pager link re-pointed to another page"
        if variant == "url_for keywords" and query.get("values") != "x":
            return "is a pager link that lost an ordinary argument"
    return None


def test_no_get_route_fails_or_bends_its_links_for_reserved_query_arguments(site):
    app, tokens = site
    urls = get_urls(app)
    assert len(urls) >= 60, urls
    values = route_values()
    hostile_queries = {**HOSTILE, "other records": {
        name: str(values[name][0] + 1) for name in ("premises_id", "inspection_id", "case_id", "user_id")}}
    failures, answered, pager_links = [], 0, 0
    for who, client in clients(app):
        # The API takes no cookies: its routes get the role's bearer token.
        bearer = {"Authorization": f"Bearer {tokens[who]}"} if who in tokens else {}
        for url in urls:
            api = url.startswith("/api/")
            for variant, hostile in hostile_queries.items():
                target = f"{url}?{urlencode(hostile)}"
                response = client.get(target, headers=bearer if api else {}, buffered=True)
                answered += 1
                if response.status_code >= 500:
                    failures.append(f"{who} GET {target}: {response.status_code}")
                    continue
                if response.status_code != 200:
                    continue
                html = response.mimetype == "text/html"
                for link in _links(response):
                    pager_links += "page=" in link
                    bent = _bent(link, variant, url, html)
                    if bent:
                        failures.append(f"{who} GET {target}: link {link!r} {bent}")
                        break
    assert answered >= 1000 and pager_links >= 200, (answered, pager_links)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])


def test_link_args_keep_the_readers_arguments_and_nothing_url_for_would_obey(app):
    query = MultiDict([("state", "closed"), ("code", "a"), ("code", "b"), ("_external", "1"), ("_anchor", "x"),
                       ("_scheme", "javascript"), ("_method", "POST"), ("_new_keyword", "1"), ("endpoint", "x"),
                       ("premises_id", "7"), ("page", "3"), ("values", "v")])
    with app.test_request_context("/"):
        kept = link_args(query, "premises.show", drop=("page",))
        assert kept == {"state": "closed", "code": ["a", "b"], "values": "v"}
        # premises_id is a filter of the inspections list, whose route does not take it.
        assert link_args(query, "inspections.index")["premises_id"] == "7"
        assert url_for("premises.show", premises_id=5, **kept) == "/premises/5?state=closed&code=a&code=b&values=v"
        assert link_args({"dataset": "cases", "q": "x"}, "exports.download") == {"q": "x"}
        assert link_args(query, "no.such.endpoint", drop=("page",))["premises_id"] == "7"

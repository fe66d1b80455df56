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
from werkzeug.routing.converters import AnyConverter

from tests.conftest import BrowserClient, login, make_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import ApiToken, Case, Evidence, Inspection, Premises, Unit, User
from tracker.services.demo import DEMO_PASSWORD, DEMO_TODAY, MARKER_UNIT
from tracker.services.tokens import issue_token
from tracker.web.links import link_args

PEOPLE = {"officer": "zhang.wei", "supervisor": "wang.fang", "auditor": "dong.xiaoyan", "admin": "shen.yuting"}
ABSENT_ID = 2_000_000_000
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
                        "filename": "../../etc/passwd"},
    # The pager's argument, past anything a database integer holds, and below the first page.
    "huge page": {"page": "99999999999999999999"},
    "negative page": {"page": "-3"},
}
RESERVED = ("_external", "_method", "_anchor", "_scheme", "_qzx", "endpoint=")
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def site(demo_app, tmp_path_factory):
    """The demo county read by an app showing two rows a page, with a bearer token for each role (revoked
    and deleted afterwards: the demo county is shared)."""
    application = create_app(make_config(demo_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("q"),
                                         TRACKER_TODAY=DEMO_TODAY, PER_PAGE=2,
                                         # A failure answers 500 as in production, and the walk goes on.
                                         PROPAGATE_EXCEPTIONS=False))
    application.test_client_class = BrowserClient
    with application.app_context():
        people = {role: db.session.scalar(sa.select(User).where(User.username == name))
                  for role, name in PEOPLE.items()}
        tokens = {role: issue_token(person, "reserved query arguments") for role, person in people.items()}
        yield application, people, {role: token for role, (_record, token) in tokens.items()}
        db.session.execute(sa.delete(ApiToken).where(ApiToken.id.in_([record.id for record, _ in tokens.values()])))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _first(stmt) -> int:
    return db.session.scalar(stmt.limit(1)) or ABSENT_ID


def _values(people) -> dict:
    """A value (or several) for every route argument, from the demo county's marker unit."""
    unit = sa.select(Unit.id).where(Unit.code == MARKER_UNIT).scalar_subquery()
    visited = (sa.select(Inspection.premises_id).where(Inspection.unit_id == unit)
               .group_by(Inspection.premises_id).order_by(sa.func.count().desc(), Inspection.premises_id))
    return {
        "premises_id": [_first(visited)],
        "inspection_id": [_first(sa.select(Inspection.id).where(Inspection.unit_id == unit).order_by(Inspection.id))],
        "evidence_id": [_first(sa.select(Evidence.id).order_by(Evidence.id))],
        "case_id": [_first(sa.select(Case.id).where(Case.unit_id == unit, Case.decided_on.is_not(None))
                           .order_by(Case.id))],
        "user_id": [people["officer"].id],
        "token_id": [ABSENT_ID],
        "filename": ["app.css", "bootstrap5/css/bootstrap.min.css"],
    }


def _get_urls(app, people) -> list[str]:
    """Every GET route of the URL map, its arguments filled (every word of an enumeration)."""
    values = _values(people)
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        choices = []
        for name in sorted(rule.arguments):
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                choices.append([(name, word) for word in sorted(converter.items)])
            else:
                assert name in values, f"{rule.rule}: no demo value for <{name}>; add one to _values"
                choices.append([(name, value) for value in values[name]])
        combos = [{}]
        for options in choices:
            combos = [{**combo, key: value} for combo in combos for key, value in options]
        for combo in combos:
            if rule.endpoint == "static" and combo.get("filename", "").startswith("bootstrap5/"):
                continue
            if rule.endpoint == "bootstrap.static" and not combo.get("filename", "").startswith("bootstrap5/"):
                continue
            urls.append(adapter.build(rule.endpoint, combo, method="GET"))
    return urls


def _clients(app, tokens):
    """(who, client, headers) for an anonymous visitor and each signed-in role."""
    yield "anonymous", app.test_client(), {}
    for role, username in PEOPLE.items():
        client = app.test_client()
        assert login(client, username, DEMO_PASSWORD).status_code == 302
        yield role, client, {"Authorization": f"Bearer {tokens[role]}"}


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
    app, people, tokens = site
    urls = _get_urls(app, people)
    assert len(urls) >= 60, urls
    values = _values(people)
    hostile_queries = {**HOSTILE, "other records": {
        name: str(values[name][0] + 1) for name in ("premises_id", "inspection_id", "case_id", "user_id")}}
    failures, answered, pager_links = [], 0, 0
    for who, client, headers in _clients(app, tokens):
        for url in urls:
            api = url.startswith("/api/")
            for variant, hostile in hostile_queries.items():
                target = f"{url}?{urlencode(hostile)}"
                response = client.get(target, headers=headers if api else {}, buffered=True)
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

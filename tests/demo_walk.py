"""Walking every GET route of the URL map in the demo county (the ``demo_app`` fixture), as an anonymous visitor
and as each role: the URLs with their arguments filled from the demo county, and signed-in clients.

Used by tests/web/test_reserved_query_arguments.py and tests/web/test_list_names.py. A route taking an argument
the table here cannot fill fails those tests, so a new route is not skipped silently.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from werkzeug.routing.converters import AnyConverter

from tests.conftest import BrowserClient, login, make_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import Case, Complaint, Evidence, Inspection, SyncConflict, Unit, User
from tracker.seed.demo import DEMO_PASSWORD, DEMO_TODAY, MARKER_UNIT

# One demo account of each role; the officer and the supervisor work in the marker unit (CG).
PEOPLE = {"officer": "zhang.wei", "supervisor": "wang.fang", "auditor": "dong.xiaoyan", "admin": "shen.yuting"}
ABSENT_ID = 2_000_000_000  # no record has this id (the demo county has no evidence files)


@contextmanager
def demo_reader(demo_app, folder, **config):
    """Another app on the demo county's database (``config`` overriding the test configuration), inside its app
    context, for tests that only read the county; its connections are closed afterwards."""
    application = create_app(make_config(demo_app.config["SQLALCHEMY_DATABASE_URI"], folder,
                                         TRACKER_TODAY=DEMO_TODAY, **config))
    application.test_client_class = BrowserClient
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


def people() -> dict[str, User]:
    """The demo accounts of PEOPLE, by role."""
    return {role: db.session.scalar(sa.select(User).where(User.username == name)) for role, name in PEOPLE.items()}


def _first(stmt) -> int:
    return db.session.scalar(stmt.limit(1)) or ABSENT_ID


def route_values() -> dict[str, list]:
    """Values for every route argument that is not an enumeration, from the demo county's marker unit: the
    premises inspected most often (its page has the most rows), an inspection, a decided case, the officer."""
    unit = sa.select(Unit.id).where(Unit.code == MARKER_UNIT).scalar_subquery()
    visited = (sa.select(Inspection.premises_id).where(Inspection.unit_id == unit)
               .group_by(Inspection.premises_id).order_by(sa.func.count().desc(), Inspection.premises_id))
    officer = db.session.scalar(sa.select(User.id).where(User.username == PEOPLE["officer"]))
    return {
        "premises_id": [_first(visited)],
        "inspection_id": [_first(sa.select(Inspection.id).where(Inspection.unit_id == unit).order_by(Inspection.id))],
        "evidence_id": [_first(sa.select(Evidence.id).order_by(Evidence.id))],
        "case_id": [_first(sa.select(Case.id).where(Case.unit_id == unit, Case.decided_on.is_not(None))
                           .order_by(Case.id))],
        "conflict_id": [_first(sa.select(SyncConflict.id).where(SyncConflict.unit_id == unit)
                               .order_by(SyncConflict.id))],
        "user_id": [officer],
        "token_id": [ABSENT_ID],
        "complaint_id": [_first(sa.select(Complaint.id).where(Complaint.unit_id == unit).order_by(Complaint.id))],
        "tracking_code": ["ABCDEFGHJKMN"],  # the demo county's codes are stored hashed: an unknown one (404)
        "filename": ["app.css", "bootstrap5/css/bootstrap.min.css"],
    }


def get_urls(app) -> list[str]:
    """Every GET route of the URL map with its arguments filled (every word of an enumeration)."""
    values = route_values()
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if "GET" not in rule.methods:
            continue
        combos = [{}]
        for name in sorted(rule.arguments):
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                choices = sorted(converter.items)
            else:
                assert name in values, f"{rule.rule}: no demo value for <{name}>; add one to route_values"
                choices = values[name]
            combos = [{**combo, name: value} for combo in combos for value in choices]
        for combo in combos:
            # Each static folder gets the file it holds.
            bootstrap_file = str(combo.get("filename", "")).startswith("bootstrap5/")
            if "filename" in combo and bootstrap_file != (rule.endpoint == "bootstrap.static"):
                continue
            urls.append(adapter.build(rule.endpoint, combo, method="GET"))
    return urls


def clients(app, roles=("anonymous", *PEOPLE)):
    """(role, client) for each of ``roles``: a new client, signed in through the form unless anonymous."""
    for role in roles:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, PEOPLE[role], DEMO_PASSWORD).status_code == 302, role
        yield role, client

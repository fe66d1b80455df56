"""Hostile form posts: every HTML form of the app, posted with Hypothesis-generated hostile values and a valid CSRF
token, never answers 500, changes nothing when it refuses, and never reflects injected HTML unescaped.

The forms are found the way a browser finds them: each group signs in as the role that uses them, opens the pages
that hold them and reads every ``<form method="post">`` (its action and field names). The case-action forms, most
of which only appear in one state, are taken from ``ACTION_FORMS``. A last test checks that the groups together
cover every POST route of the app's URL map outside the API.
"""
from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases_helpers import TODAY, CaseWorld
from tests.conftest import csrf_token, login
from tests.factories import inspection, premises, recent, user
from tracker.domain.lifecycle import TRANSITIONS, CaseAction, Who
from tracker.extensions import db
from tracker.services import evidence as evidence_service, inspections as inspection_service
from tracker.services.cases import open_case, run_action
from tracker.services.conflicts import raise_conflict
from tracker.services.tokens import issue_token
from tracker.web.cases.forms import ACTION_FORMS

SCRIPT = '<script>alert("hostile")</script>'
IMG = '"><img src=x onerror=alert(1)>'
INJECTIONS = (SCRIPT, IMG)
HUGE = "\u05d0" * 20_000 + "A" * 50_000  # 70,000 characters, right-to-left first
HOSTILE = [
    "", " ", "\t\n", HUGE, "\u202eevil\u202c", "\u0645\u0631\u062d\u0628\u0627", "e" + "\u0301" * 50, "\U0001f600",
    "\ufeff", "\u200b", "\uffff", "Z\u0335\u0336\u0337",
    "-1", "-99999999999999999999999999", "99999999999999999999999999999999", "1e309", "-1e309", "NaN", "nan",
    "Infinity", "-Infinity", "0x10", "1,000.00", "1.005", "0.001", "9" * 400, "2147483648", "-2147483649",
    "0000-00-00", "9999-12-31", "2020-02-30", "2020-13-01", "0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59",
    "2020-02-30T25:61",
    "' OR 1=1 --", "'; DROP TABLE users; --", "%", "_", "\\", "%00", "../../etc/passwd", "{{7*7}}", "${7*7}",
    SCRIPT, IMG, "javascript:alert(1)",
]
scalars = st.sampled_from(HOSTILE) | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
                                             max_size=40)
values = scalars | st.lists(scalars, min_size=2, max_size=3)  # a list where a scalar is expected
MISSING = object()
# Hypothesis examples per form (6 per case action), on top of the fixed payloads: about 930 posts, under ~40 s a run.
EXAMPLES = 12
# Written by every request by design (sign-ins are recorded; the accounts table counts failures and stamps
# sign-ins), so they are left out of "nothing changed".
LOG_TABLES = {"sign_in_attempts"}
ACCOUNT_TABLES = {"users"}


# --------------------------------------------------------------------------------------------- finding the forms


@dataclass
class Form:
    page: str
    action: str
    fields: list[str]
    files: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    """The POST forms of a page: action and named inputs, selects and textareas (buttons and the token left out)."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.current = page, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.current = Form(self.page, attrs.get("action") or self.page, [])
        elif self.current is not None and tag in ("input", "select", "textarea") and attrs.get("name"):
            name, kind = attrs["name"], (attrs.get("type") or "").lower()
            if kind in ("submit", "button") or name == "csrf_token":
                return
            target = self.current.files if kind == "file" else self.current.fields
            if name not in target:
                target.append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None


def forms_on(client, page: str) -> list[Form]:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    parser = _FormParser(page)
    parser.feed(response.get_data(as_text=True))
    return [f for f in parser.forms if not f.action.startswith("/auth/logout")]


def endpoint_of(app, form: Form) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(urlsplit(form.action).path, method="POST")[0]


# --------------------------------------------------------------------------------------------- the checks


def database_state(skip: set[str]) -> str:
    """A digest of every row of every table (but ``skip``), read outside any request."""
    db.session.rollback()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, [tuple(r) for r in rows])).encode())
    db.session.rollback()
    return digest.hexdigest()


def assert_no_raw_injection(response, where: str) -> None:
    body = response.get_data(as_text=True)
    for payload in INJECTIONS:
        assert payload not in body, f"{where}: {payload!r} reflected unescaped"


def post_hostile(app, client, form: Form, data: dict, skip: set[str], files: dict | None = None,
                 token: str | None = None, ok_200: bool = False):
    """Post data (with a valid token) and check: no 5xx, nothing changed on refusal, no raw injection."""
    payload = {"csrf_token": token or csrf_token(client, form.page)}
    for name, value in data.items():
        if value is not MISSING:
            payload[name] = value
    for name, (content, filename) in (files or {}).items():
        payload[name] = (io.BytesIO(content), filename)
    before = database_state(skip)
    # Multipart only with files: the test client spools a large multipart body to a file it never closes.
    response = client.post(form.action, data=payload, content_type="multipart/form-data" if files else None)
    where = f"POST {form.action} {sorted(data)}"
    POSTS[response.status_code] += 1
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert response.status_code != 400 or "CSRF" not in response.get_data(as_text=True), \
        f"{where}: the CSRF token was refused"
    assert_no_raw_injection(response, where)
    refused = response.status_code >= 400 or (response.status_code == 200 and not ok_200)
    if refused:
        assert database_state(skip) == before, f"{where}: refused ({response.status_code}) but the database changed"
    elif response.status_code in (301, 302, 303) and urlsplit(response.location).netloc in ("", "localhost"):
        follow = client.get(urlsplit(response.location).path + (
            "?" + urlsplit(response.location).query if urlsplit(response.location).query else ""))
        assert follow.status_code < 500
        assert_no_raw_injection(follow, f"{where} -> {response.location}")
    return response


def fuzz(app, client, form: Form, skip: set[str], ok_200: bool = False, token: str | None = None,
         examples_count: int = EXAMPLES) -> None:
    """Fixed payloads (NUL, each injection, every field huge) and then Hypothesis examples, on one form."""
    token = token or csrf_token(client, form.page)
    names = form.fields + form.files
    # NUL anywhere (a scalar field, or the second value of a list) is refused with 400 and changes nothing.
    if form.fields:
        for nul in ({name: "a\x00b" for name in form.fields}, {form.fields[-1]: ["ok", "b\x00"]}):
            before = database_state(skip)
            response = client.post(form.action, data={"csrf_token": token, **nul})
            POSTS[response.status_code] += 1
            assert response.status_code == 400, f"NUL in {form.action} {list(nul)}: {response.status_code}"
            assert database_state(skip) == before
    for fixed in (SCRIPT, IMG, HUGE, "1e309", ["1", "2"]):
        post_hostile(app, client, form, {name: fixed for name in form.fields}, skip,
                     files={name: (fixed.encode() if isinstance(fixed, str) else b"x", "x.png") for name in form.files},
                     token=token, ok_200=ok_200)
    post_hostile(app, client, form, {}, skip, token=token, ok_200=ok_200)  # every field missing

    file_contents = st.sampled_from([b"", b"\x00" * 10, SCRIPT.encode(), b"<html><body>" + IMG.encode(),
                                     b"%PDF-1.4\n" + SCRIPT.encode(), b"\x89PNG\r\n\x1a\n" + b"\xff" * 64])
    filenames = st.sampled_from(["x.png", "a\x00b.png", "../../etc/passwd", SCRIPT + ".png", "a\u202egnp.exe",
                                 "x" * 300 + ".pdf",
                                 "evil.html", ""])

    @settings(max_examples=examples_count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.fixed_dictionaries({name: st.just(MISSING) | values for name in form.fields}),
           files=st.fixed_dictionaries({name: st.tuples(file_contents, filenames) for name in form.files}))
    def examples(data, files):
        post_hostile(app, client, form, data, skip, files=files, token=token, ok_200=ok_200)

    if names:
        examples()


# --------------------------------------------------------------------------------------------- the world


def referred_inspection(world: CaseWorld, name: str):
    """Another submitted, referred mask-gouging inspection (so a second case can be opened)."""
    shop = premises(world.officer, name=name)
    found = inspection(world.officer, world.officer2, shop, world.outbreak,
                       started_at=datetime(2020, 2, 6, 2, 30, tzinfo=timezone.utc))
    obs = inspection_service.record_observation(
        world.officer, found,
        inspection_service.ObservationData("mask_n95", "3.50", marked_price="3.50", cost="1.20",
                                           baseline_price="1.20", baseline_cost="1.00", quantity_sold="100"))
    violation = inspection_service.record_violation(world.officer, found, "price_gouging", [obs.id])
    inspection_service.submit_inspection(world.officer, found, "referred")
    return found, violation


@pytest.fixture
def world(app):
    """The case world, plus a draft inspection with evidence, a second referred inspection and two cases."""
    w = CaseWorld()
    w.served = w.to_state("decision_served")
    w.spare = user("officer", w.unit, "spare.officer")
    w.draft = inspection(w.officer, w.officer2, w.pharmacy, w.outbreak, started_at=recent())
    evidence_service.attach_evidence(w.officer, w.draft, io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "a.png")
    inspection_service.record_observation(w.officer, w.draft, inspection_service.ObservationData("mask_n95", "2.00"))
    w.second, _violation = referred_inspection(w, "Renhe Pharmacy")
    w.third, _violation3 = referred_inspection(w, "Baiyun Pharmacy")
    w.investigating = open_case(w.officer, inspection_id=w.second.id, today=TODAY)
    run_action(w.supervisor, w.investigating, "file", {"on": "2020-02-10",
               "officers": [w.officer.username, w.officer2.username]}, today=TODAY)
    db.session.commit()
    return w


def signed_in_client(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


FUZZED: set[str] = set()  # endpoints each group covered
POSTS: Counter = Counter()  # status codes of every hostile post, for the figures


def run_group(app, username: str | None, pages: list[str], skip: set[str], ok_200=frozenset()) -> set[str]:
    """Fuzz every POST form found on the pages, as this user; the endpoints covered."""
    covered = set()
    seen = set()
    for page in pages:
        client = signed_in_client(app, username) if username else app.test_client()
        for form in forms_on(client, page):
            endpoint = endpoint_of(app, form)
            key = (endpoint, tuple(form.fields))
            if key in seen:
                continue
            seen.add(key)
            fuzz(app, client, form, skip, ok_200=endpoint in ok_200)
            covered.add(endpoint)
    FUZZED.update(covered)
    return covered


# --------------------------------------------------------------------------------------------- the groups


def test_sign_in_and_token_forms(app, world):
    issue_token(world.officer, "field device")  # so the page shows a revoke form too
    covered = run_group(app, None, ["/auth/login"], LOG_TABLES | ACCOUNT_TABLES)
    covered |= run_group(app, world.officer.username, ["/auth/tokens"], LOG_TABLES | ACCOUNT_TABLES,
                         ok_200={"auth.tokens"})
    assert covered >= {"auth.login", "auth.tokens", "auth.revoke"}


def test_admin_forms(app, world):
    admin = world.admin.username
    pages = ["/admin/units", "/admin/users", f"/admin/users/{world.spare.id}/password", "/admin/emergencies"]
    covered = run_group(app, admin, pages, LOG_TABLES | ACCOUNT_TABLES)
    assert covered >= {"admin.units", "admin.users", "admin.toggle_active", "admin.reset_password",
                       "admin.emergencies"}


def test_premises_and_inspection_forms(app, world):
    pages = [
        "/premises/new", f"/premises/{world.pharmacy.id}/edit", f"/premises/{world.pharmacy.id}",
        f"/inspections/new?premises_id={world.pharmacy.id}", f"/inspections/{world.draft.id}/edit",
        f"/inspections/{world.draft.id}", f"/inspections/{world.third.id}",
    ]
    covered = run_group(app, world.officer.username, pages, LOG_TABLES | ACCOUNT_TABLES)
    assert covered >= {
        "premises.create", "premises.edit", "inspections.create", "inspections.edit", "inspections.add_observation",
        "inspections.add_evidence", "inspections.add_violation", "inspections.submit", "inspections.amend",
        "cases.open_from_inspection", "cases.on_the_spot", "cases.open_from_complaint",
    }


def test_public_complaint_forms(app, world):
    """The public's complaint form and tracking form (issue 18), signed out: a complaint may be filed (200)."""
    covered = run_group(app, None, ["/complaints/new", "/complaints/track"], LOG_TABLES | ACCOUNT_TABLES,
                        ok_200={"complaints.new"})
    assert covered >= {"complaints.new", "complaints.track"}


def test_complaint_action_forms(app, world):
    """A supervisor's triage forms on a complaint's page (issue 18): accept, decline, transfer, merge, reply, close."""
    from tracker.services.complaints import file_complaint
    body = {"kind": "report", "premises_id": world.pharmacy.id, "description": "Masks at 18 yuan.",
            "person": {"name": "Qzx Person", "phone": "139"}}
    file_complaint(None, body)
    later = file_complaint(None, body).complaint
    covered = run_group(app, world.supervisor.username, [f"/complaints/{later.id}"], LOG_TABLES | ACCOUNT_TABLES)
    assert covered >= {"complaints.act"}


def test_conflict_resolve_form(app, world):
    """The supervisor's choice per field in a sync conflict (the radio groups of /conflicts/<id>)."""
    conflict = raise_conflict(world.officer, "premises", world.pharmacy.id, world.pharmacy.unit_id,
                              device={"phone": "0931-2", "address": "2 Road"}, server={"phone": "", "address": ""},
                              fields=["phone", "address"], base_version=1, server_version=1)
    db.session.commit()
    covered = run_group(app, world.supervisor.username, [f"/conflicts/{conflict.id}"], LOG_TABLES | ACCOUNT_TABLES)
    assert covered >= {"conflicts.resolve"}


def test_field_app_routes(app, world):
    """The field app's device-token routes take JSON from its script (with the CSRF header), not an HTML form:
    posted as forms with the hostile values, and as hostile JSON bodies."""
    client = signed_in_client(app, world.officer.username)
    token = csrf_token(client, "/auth/tokens")
    skip = LOG_TABLES | ACCOUNT_TABLES | {"api_tokens"}  # a device token is what the first route makes
    for action, fields in (("/field/device-token", ["device"]), ("/field/device-token/revoke", ["id"])):
        fuzz(app, client, Form("/auth/tokens", action, fields), skip, token=token)
    for body in ({"device": SCRIPT}, {"device": IMG}, {"device": HUGE}, {"device": ["a", "b"]}, {"id": "1"},
                 {"id": True}, {"id": 2**40}, {"id": -1}, [1, 2], "x", None):
        for action in ("/field/device-token", "/field/device-token/revoke"):
            response = client.post(action, json=body, headers={"X-CSRFToken": token})
            POSTS[response.status_code] += 1
            assert response.status_code in (201, 404, 422), (action, body, response.status_code)
            assert_no_raw_injection(response, f"POST {action} {body!r:.40}")
    FUZZED.update({"field.device_token", "field.revoke_device_token"})


@pytest.mark.parametrize("who", [Who.SUPERVISOR, Who.OFFICER])
def test_case_action_forms(app, world, who):
    """Every case action's form, posted by the role that takes it, on a case under investigation and on a served
    decision (so the hostile values reach the service where the state allows the action)."""
    actor = world.supervisor if who is Who.SUPERVISOR else world.officer
    actions = [a for a in CaseAction if (TRANSITIONS[a].who is Who.SUPERVISOR) == (who is Who.SUPERVISOR)]
    client = signed_in_client(app, actor.username)
    skip = LOG_TABLES | ACCOUNT_TABLES
    for case in (world.investigating, world.served):
        page = f"/cases/{case.id}"
        token = csrf_token(client, page)
        with app.test_request_context():
            for action in actions:
                names = [f.name for f in ACTION_FORMS[action](prefix=action.value, meta={"csrf": False})
                         if f.type not in ("SubmitField", "CSRFTokenField")]
                fuzz(app, client, Form(page, f"{page}/actions/{action.value}", names), skip, token=token,
                     examples_count=6)
    FUZZED.add("cases.act")


def test_the_groups_cover_every_post_route(app):
    """Every POST route outside the API (sign-out aside, which takes no input) is fuzzed by a group above."""
    expected = {r.endpoint for r in app.url_map.iter_rules()
                if "POST" in r.methods and not r.rule.startswith("/api") and r.endpoint != "auth.logout"}
    if not FUZZED:
        pytest.skip("run with the whole module")
    assert expected <= FUZZED, f"forms not fuzzed: {sorted(expected - FUZZED)}"
    print(f"\nhostile posts: {sum(POSTS.values())} to {len(FUZZED)} endpoints, by status {dict(sorted(POSTS.items()))}")
    assert sum(POSTS.values()) >= 800 and POSTS[400] >= 2 * len(expected)

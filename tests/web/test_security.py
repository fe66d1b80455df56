"""Hardening, tried as an attacker would: headers and a CSP no page breaks, no inline script or style,
throttled token guessing, uploads never served as HTML, error pages without internals, SECRET_KEY
required, CSRF on every state-changing form. Sign-in throttling, lockout, enumeration, session and
redirects are in tests/web/test_auth.py."""
from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import login, post_form, signed_in
from tests.factories import County, emergency, inspection, premises
from tracker import create_app
from tracker.config import PROJECT_ROOT
from tracker.extensions import db
from tracker.models import Evidence
from tracker.seed.demo import DEMO_PASSWORD
from tracker.services.tokens import issue_token
from tracker.web.security import CONTENT_SECURITY_POLICY

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
# Starts like a JPEG, goes on as HTML: accepted as a photo, but must never be rendered as a page.
POLYGLOT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML
TEMPLATES = PROJECT_ROOT / "templates"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


# ------------------------------------------------------------------------------ headers and CSP

EXPECTED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_the_policy_is_the_one_documented():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
        "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'",
    }
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_response_carries_the_security_headers(app, client):
    county = County()
    anonymous = {
        "login page": client.get("/auth/login"),
        "redirect": client.get("/premises/"),
        "static file": client.get("/static/app.css"),
        "bootstrap": client.get("/bootstrap/static/js/bootstrap.min.js"),
        "404 page": client.get("/no/such/page"),
        "API document": client.get("/api/v1/openapi.json"),
        "API 401": client.get("/api/v1/premises"),
        "public register": client.get("/outcomes/"),
        "API reference": client.get("/api-reference"),
    }
    officer = signed_in(app, county.officer)
    pages = {**anonymous, "home": officer.get("/"), "form": officer.get("/premises/new")}
    for name, response in pages.items():
        assert response.status_code in (200, 302, 401, 404), (name, response.status_code)
        for header, value in EXPECTED_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS
        response.close()
    assert pages["API reference"].status_code == 200
    assert "openapi.json" in pages["API reference"].get_data(as_text=True)


def test_what_a_signed_in_user_or_token_holder_is_answered_is_never_stored(app, client):
    """Finding 8 of issue 15 (the token page sent no Cache-Control): every answer to a signed-in session or a
    bearer token says no-store; static files and the public's pages stay cacheable."""
    from tracker.services.tokens import issue_token

    county = County()
    officer = signed_in(app, county.officer)
    token = {"Authorization": f"Bearer {issue_token(county.officer)[1]}"}
    private = {"home": officer.get("/"), "tokens": officer.get("/auth/tokens"), "list": officer.get("/premises/"),
               "404": officer.get("/no/such/page"), "API": client.get("/api/v1/units", headers=token),
               "API 401": client.get("/api/v1/units", headers={"Authorization": "Bearer wrong"})}
    for name, response in private.items():
        assert response.headers.get("Cache-Control") == "no-store", name
    public = {"static": officer.get("/static/app.css"), "bootstrap": officer.get("/bootstrap/static/js/bootstrap.min.js"),
              "register": app.test_client().get("/outcomes/")}
    for name, response in public.items():
        assert "no-store" not in response.headers.get("Cache-Control", ""), name
        response.close()


def test_hsts_only_behind_https(test_database, tmp_path):
    from tests.conftest import make_config

    secure = create_app(make_config(test_database, tmp_path, SESSION_COOKIE_SECURE=True))
    response = secure.test_client().get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with secure.app_context():
        db.engine.dispose()


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts and styles, handlers, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in names.items():
            if name == "style":
                self.found.append(f'style="" on <{tag}>')
            elif name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_catches_what_the_policy_blocks():
    assert inline_code('<p style="color:red" onclick="x()"><script>x()</script><a href="javascript:x()">a</a>') == [
        'style="" on <p>', "onclick= handler on <p>", "inline <script>", "javascript: URL on <a>"]
    assert inline_code('<script src="/static/x.js"></script><svg><rect class="chart-bar" width="3"/></svg>') == []


def test_no_template_holds_inline_script_style_or_handlers():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 40
    offenders = {str(path.relative_to(TEMPLATES)): found for path in templates if (found := inline_code(path.read_text()))}
    assert offenders == {}


DEMO_PEOPLE = ("zhang.wei", "wang.fang", "dong.xiaoyan", "shen.yuting")


def _page_links(html: str) -> list[str]:
    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links = []

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href") if tag == "a" else None
            if href and href.startswith("/") and not href.startswith("//"):
                self.links.append(href.split("#")[0])

    parser = Links()
    parser.feed(html)
    return parser.links


def test_rendered_pages_of_the_demo_county_hold_no_inline_code(demo_app):
    """Every page each demo role reaches from its start page and menus (two clicks deep, bounded) renders
    without anything the CSP would block, including Bootstrap-Flask's macros and the SVG charts."""
    skip = (".zip", ".csv", ".xlsx", ".atom", "/evidence/", "/api/", "/exports/", "/static/", "/bootstrap/")
    seen_pages = 0
    for username in DEMO_PEOPLE:
        client = demo_app.test_client()
        assert login(client, username, DEMO_PASSWORD).status_code == 302
        queue, seen = ["/", "/reports/", "/reports/queues", "/admin/sign-ins", "/api-reference"], set()
        while queue and len(seen) < 45:
            url = queue.pop(0)
            if url in seen or any(part in url for part in skip):
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            assert inline_code(html) == [], (username, url)
            queue.extend(link.replace("&amp;", "&") for link in _page_links(html))
        seen_pages += len(seen)
    assert seen_pages > 100


# ------------------------------------------------------------------------------ API token guessing

def test_guessing_api_tokens_is_throttled_per_address(app, client):
    county = County()
    app.config["API_AUTH_FAILURE_LIMIT"] = "3 per minute"
    good = {"Authorization": f"Bearer {issue_token(county.officer)[1]}"}
    assert client.get("/api/v1/premises", headers=good).status_code == 200  # successes do not count
    for guess in range(3):
        response = client.get("/api/v1/premises", headers={"Authorization": f"Bearer guess-{guess}"})
        assert response.status_code == 401
    throttled = client.get("/api/v1/premises", headers=good)  # even a good token waits now
    assert throttled.status_code == 429
    assert throttled.mimetype == "application/problem+json"
    assert throttled.get_json()["status"] == 429 and int(throttled.headers["Retry-After"]) > 0
    # Public API calls without a token, and other addresses, go on.
    assert client.get("/api/v1/outcomes").status_code == 200
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert elsewhere.get("/api/v1/premises", headers=good).status_code == 200


def test_a_throttled_api_path_answers_problem_json(app, client):
    """A Flask-Limiter refusal under /api/ is a problem document, not an HTML page."""
    from flask_limiter import RateLimitExceeded

    from tracker.api.errors import too_many_requests

    class Limit:
        class limit:  # noqa: N801 - the shape of flask_limiter's RuntimeLimit
            @staticmethod
            def get_expiry():
                return 30

        error_message = None

    with app.test_request_context("/api/v1/premises"):
        response = too_many_requests(RateLimitExceeded(Limit()))
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"


# ------------------------------------------------------------------------------ uploads

def _draft(county):
    record = inspection(county.officer, county.officer2, premises(county.officer), emergency())
    return f"/inspections/{record.id}"


def _upload(client, page, content, name):
    return post_form(client, page, f"{page}/evidence", data={"file": (io.BytesIO(content), name)},
                     content_type="multipart/form-data")


def test_html_or_svg_disguised_as_a_photo_is_refused(app, client, as_user):
    county = County()
    page = _draft(county)
    as_user(county.officer)
    for content, name in ((HTML, "shelf.jpg"), (HTML, "receipt.pdf"), (SVG, "chart.png"), (SVG, "x.svg")):
        response = _upload(client, page, content, name)
        assert response.status_code == 422, name
        assert "Only photos" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not any(folder.iterdir())


def test_evidence_is_never_served_as_a_page(app, client, as_user):
    county = County()
    page = _draft(county)
    as_user(county.officer)
    assert _upload(client, page, POLYGLOT, "../../note.html").status_code == 302
    assert _upload(client, page, PDF, "invoice.pdf").status_code == 302
    assert _upload(client, page, PNG, "shelf.png").status_code == 302
    stored = {e.content_type: e for e in db.session.scalars(sa.select(Evidence))}
    assert set(stored) == {"image/jpeg", "application/pdf", "image/png"}
    for kind, evidence in stored.items():
        response = client.get(f"{page}/evidence/{evidence.id}")
        assert response.status_code == 200
        assert response.mimetype == kind and "html" not in response.headers["Content-Type"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment" if kind == "application/pdf" else "inline")
        response.close()
    assert stored["image/jpeg"].stored_name.endswith(".jpg")  # the stored name never keeps ".html"
    # Finding 2 of issue 15: nor does the name it downloads under (the uploader's own is kept as a record).
    download = client.get(f"{page}/evidence/{stored['image/jpeg'].id}")
    assert download.headers["Content-Disposition"] == "inline; filename=note.jpg"
    download.close()
    assert stored["image/jpeg"].original_name == "note.html"


def test_uploads_over_the_limit_are_refused(app, client, as_user):
    county = County()
    page = _draft(county)
    as_user(county.officer)
    app.config.update(MAX_UPLOAD_BYTES=10_000, MAX_CONTENT_LENGTH=20_000)
    too_big_file = _upload(client, page, PNG + b"\x00" * 12_000, "big.png")
    assert too_big_file.status_code == 422 and "larger than" in too_big_file.get_data(as_text=True)
    too_big_request = _upload(client, page, PNG + b"\x00" * 30_000, "huge.png")
    assert too_big_request.status_code == 413
    assert "Upload too large" in too_big_request.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0


# ------------------------------------------------------------------------------ error pages

LEAKS = ("Traceback", "test-secret-key", "SELECT", "no_such_table", "File \"", "sqlalchemy", "RuntimeError")


def test_error_pages_show_no_traceback_secret_or_sql(app, client):
    from tracker.web.access import PUBLIC, allow

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @allow(PUBLIC)
    def boom():
        raise RuntimeError(f"boom with {app.config['SECRET_KEY']} inside")

    @allow(PUBLIC)
    def bad_sql():
        db.session.execute(sa.text("SELECT password_hash FROM no_such_table"))

    app.add_url_rule("/_test/boom", "test_boom", boom)
    app.add_url_rule("/_test/sql", "test_sql", bad_sql)
    app.add_url_rule("/api/v1/_test/boom", "test_api_boom", boom)
    for url in ("/_test/boom", "/_test/sql", "/api/v1/_test/boom"):
        response = client.get(url)
        assert response.status_code >= 500, url
        body = response.get_data(as_text=True)
        assert not [leak for leak in LEAKS if leak in body], (url, body)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/api/v1/_test/boom").mimetype == "application/problem+json"
    assert "Something went wrong" in client.get("/_test/boom").get_data(as_text=True)


def test_debug_is_off_and_secret_key_is_required_outside_development(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "TRACKER_DEV", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**settings, "SECRET_KEY": ""})
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    production = create_app(settings)
    assert production.config["SECRET_KEY"] == "a-long-random-production-secret" and not production.debug
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("TRACKER_DEV", "1")
    developer = create_app(settings)
    assert developer.config["SECRET_KEY"] == (Path(developer.instance_path) / "secret_key").read_text().strip()


def test_development_signs_sessions_with_a_random_key_of_its_instance(monkeypatch, tmp_path):
    """Finding 6 of issue 15: no key written in the source; each instance folder makes its own once and keeps it."""
    import os
    import stat

    from tracker.config import from_environment

    for name in ("SECRET_KEY", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_DEV", "1")
    first, second = tmp_path / "one", tmp_path / "two"
    key = from_environment(str(first))["SECRET_KEY"]
    assert len(key) == 64 and int(key, 16) and key != "dev-only-insecure-key"
    assert from_environment(str(first))["SECRET_KEY"] == key  # kept: sessions survive a restart
    assert from_environment(str(second))["SECRET_KEY"] != key  # another instance, another key
    assert stat.S_IMODE(os.stat(first / "secret_key").st_mode) == 0o600
    assert sorted(p.name for p in first.iterdir()) == ["secret_key"]  # no temporary file left behind
    (first / "secret_key").write_text("short\n")  # a damaged key file is replaced, never trusted
    renewed = from_environment(str(first))["SECRET_KEY"]
    assert len(renewed) == 64 and renewed != key
    # A session cookie signed with the key the source used to hold opens nothing.
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import BadSignature

    app, interface = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}), SecureCookieSessionInterface()
    real = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "dev-only-insecure-key"
    forged = interface.get_signing_serializer(app).dumps({"_user_id": "1", "_fresh": True})
    app.config["SECRET_KEY"] = real
    with pytest.raises(BadSignature):
        interface.get_signing_serializer(app).loads(forged)


@pytest.mark.parametrize("name, value", [("LOGIN_LOCKOUT_THRESHOLD", "five"), ("SESSION_LIFETIME_HOURS", "-1")])
def test_malformed_security_settings_stop_start_up(monkeypatch, tmp_path, name, value):
    from tracker.config import from_environment

    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        from_environment(str(tmp_path))


# ------------------------------------------------------------------------------ CSRF everywhere

def _sample_value(converter):
    """A value the route's converter accepts: 1 for a number, one of an ``any(...)``'s names, else "x"."""
    kind = type(converter).__name__
    if kind == "IntegerConverter":
        return 1
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return "x"


def _state_changing_urls(app) -> list[tuple[str, str]]:
    found = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            methods = (rule.methods or set()) & STATE_CHANGING
            if not methods or rule.rule.startswith("/api/"):
                continue
            values = {arg: _sample_value(rule._converters[arg]) for arg in rule.arguments}
            url = url_for(rule.endpoint, **values)
            found.extend((method, url) for method in sorted(methods))
    return found


def test_every_state_changing_form_refuses_a_post_without_its_csrf_token(app, client):
    county = County()
    targets = _state_changing_urls(app)
    assert len(targets) >= 20, targets  # the count grows with the app; it never shrinks to nothing
    officer = signed_in(app, county.officer)
    admin = signed_in(app, county.admin)
    for method, url in targets:
        for who, browser in (("anonymous", client), ("officer", officer), ("admin", admin)):
            response = browser.open(url, method=method, data={"name": "x", "csrf_token": "forged"})
            assert response.status_code == 400, (who, method, url, response.status_code)
            assert "CSRF" in response.get_data(as_text=True), (who, url)
            response = browser.open(url, method=method, data={"name": "x"})
            assert response.status_code == 400, (who, method, url, response.status_code)
    # The refused posts changed nothing: the officer is still signed in and no premises exist.
    assert officer.get("/premises/").status_code == 200
    assert "Kangjian" not in officer.get("/premises/").get_data(as_text=True)


def test_csrf_stays_on_in_the_test_configuration(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"

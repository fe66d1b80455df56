"""The field app's server side (tracker/web/field): the shell, manifest and service worker hold no personal data and
name this deploy's files; the files go compressed and revalidated; a signed-in officer's phone gets a token of its
own (CSRF required; auditors and administrators refused), sees it on the tokens page and can revoke it. The app
itself is driven in Chromium by tests/e2e/test_field_offline.py."""
from __future__ import annotations

import gzip
import json
import re

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token, signed_in
from tests.factories import County
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.web.field import assets
from tracker.web.field.messages import MESSAGES, app_messages
from tracker.web.field.routes import LAZY_MODULES

KEY = re.compile(r"""t\(\s*'([a-z_]+\.[a-z_/.]+|choose)'""")


@pytest.fixture
def county(app):
    return County()


def _json_messages(html: str) -> dict:
    match = re.search(r"data-messages='([^']*)'", html)
    assert match, "the shell carries its messages"
    return json.loads(match.group(1).replace("&#34;", '"').replace("&amp;", "&"))


def test_the_shell_is_the_same_for_everyone_and_names_its_files(app, client, county):
    anonymous = client.get("/field/")
    officer = signed_in(app, county.officer).get("/field/")
    assert anonymous.status_code == officer.status_code == 200
    assert anonymous.get_data() == officer.get_data()  # no name, no token, no CSRF token: cacheable by the worker
    html = anonymous.get_data(as_text=True)
    version = app.extensions["tracker.field"].version
    assert f'data-version="{version}"' in html and re.fullmatch(r"[0-9a-f]{16}", version)
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in html
    preloaded = set(re.findall(r'rel="modulepreload" href="/field/assets/([^"]+)"', html))
    scripts = {name for name in app.extensions["tracker.field"].assets if name.endswith((".js", ".mjs"))}
    assert preloaded == scripts - set(LAZY_MODULES) and "field/inspection.js" in preloaded
    assert county.officer.username not in html
    # The pages' policy, plus photos shown from the phone's memory and the position asked for the app only.
    assert "img-src 'self' data: blob:" in anonymous.headers["Content-Security-Policy"]
    assert "geolocation=(self)" in anonymous.headers["Permissions-Policy"]


def test_the_shell_carries_every_message_its_scripts_use(app, client):
    """Each key the scripts pass to t() is a message of tracker/web/field/messages.py (or a label family)."""
    used = set()
    for path in (assets.STATIC / "field").glob("*.js"):
        used |= set(KEY.findall(path.read_text(encoding="utf-8")))
    shown = _json_messages(client.get("/field/").get_data(as_text=True))
    assert used and used <= set(shown), sorted(used - set(shown))
    with app.test_request_context():
        assert set(app_messages()) == set(shown) and set(MESSAGES) <= set(shown)
    assert shown["test.baseline_margin"] and shown["kind.pharmacy"] == "Pharmacy" and shown["outcome.referred"]


def test_the_manifest_makes_it_installable(client):
    response = client.get("/field/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["start_url"] == manifest["scope"] == "/field/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png" and png.get_data()[:4] == b"\x89PNG"


def test_the_service_worker_precaches_this_deploys_files_under_its_version(app, client):
    response = client.get("/field/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/field/" and response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    shell = app.extensions["tracker.field"]
    assert f'const VERSION = "{shell.version}";' in script
    precached = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert precached[:2] == ["/field/", "/field/manifest.webmanifest"]
    assert set(precached[2:]) == {f"/field/assets/{name}" for name in shell.assets}
    assert "/field/assets/field/gouging.js" in precached and "/field/assets/vendor/fraction/fraction.mjs" in precached
    assert not [url for url in precached if url.startswith("/api/") or "session" in url]  # no personal answer kept
    for url in precached:
        assert client.get(url).status_code == 200, url


def test_the_version_changes_when_a_file_of_the_app_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    monkeypatch.setattr(assets, "SERVICE_WORKER", tmp_path / "field" / "sw.js")
    monkeypatch.setattr(assets, "ALSO_HASHED", ())
    (tmp_path / "field").mkdir()
    (tmp_path / "field" / "app.js").write_text("export const a = 1;\n")
    (tmp_path / "field" / "sw.js").write_text("// worker\n")
    first = assets.load_shell()
    assert list(first.assets) == ["field/app.js"]  # the worker is served apart, not as an asset
    assert assets.load_shell().version == first.version
    (tmp_path / "field" / "app.js").write_text("export const a = 2;\n")
    assert assets.load_shell().version != first.version
    (tmp_path / "field" / "sw.js").write_text("// worker, changed\n")
    changed = assets.load_shell()
    (tmp_path / "field" / "extra.css").write_text("p { margin: 0; }\n")
    assert assets.load_shell().version not in (first.version, changed.version)


def test_the_files_go_compressed_and_are_revalidated_by_etag(client):
    plain = client.get("/field/assets/field/app.js")
    packed = client.get("/field/assets/field/app.js", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200 and plain.mimetype == "text/javascript"
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data() and "Accept-Encoding" in packed.headers["Vary"]
    again = client.get("/field/assets/field/app.js", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    module = client.get("/field/assets/vendor/fraction/fraction.mjs")
    assert module.status_code == 200 and module.mimetype == "text/javascript"
    shell = client.get("/field/", headers={"Accept-Encoding": "gzip"})
    assert shell.headers["Content-Encoding"] == "gzip" and b"data-messages" in gzip.decompress(shell.get_data())
    assert client.get("/field/assets/vendor/vendor.json").status_code == 404  # only the app's files are served


def test_the_session_tells_the_app_who_signed_in(app, client, county):
    assert client.get("/field/session").get_json() == {"signed_in": False}
    answer = signed_in(app, county.officer).get("/field/session")
    data = answer.get_json()
    assert data["signed_in"] and data["username"] == county.officer.username and data["may_record"] is True
    assert data["csrf_token"] and answer.headers["Cache-Control"] == "no-store"
    assert signed_in(app, county.auditor).get("/field/session").get_json()["may_record"] is False


def _device_token(browser, device="Chrome / Android", token=None):
    token = token or browser.get("/field/session").get_json()["csrf_token"]
    return browser.post("/field/device-token", json={"device": device}, headers={"X-CSRFToken": token})


def test_a_signed_in_officer_gets_a_token_for_the_phone_and_sees_it_among_their_tokens(app, client, county):
    officer = signed_in(app, county.officer)
    response = _device_token(officer, device="Chrome / Android <script>")
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    issued = response.get_json()
    assert issued["name"] == "Field app on Chrome / Android script" and issued["username"] == county.officer.username
    api = client.get("/api/v1/field/bundle", headers={"Authorization": f"Bearer {issued['token']}"})
    assert api.status_code == 200 and api.get_json()["user"]["username"] == county.officer.username
    page = officer.get("/auth/tokens").get_data(as_text=True)
    assert "Field app on Chrome / Android script" in page and issued["token"] not in page
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash != issued["token"] and stored.user_id == county.officer.id


def test_no_token_without_the_csrf_token_a_sign_in_or_a_field_role(app, client, county):
    officer = signed_in(app, county.officer)
    assert officer.post("/field/device-token", json={"device": "x"}).status_code == 400  # no CSRF token
    assert _device_token(officer, token="forged").status_code == 400
    anonymous = client.post("/field/device-token", json={"device": "x"},
                            headers={"X-CSRFToken": csrf_token(client, "/auth/login")})
    assert anonymous.status_code == 302 and anonymous.location.startswith("/auth/login")
    for person in (county.auditor, county.admin):
        assert _device_token(signed_in(app, person)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_signing_out_on_the_phone_revokes_its_token_and_only_ones_own(app, client, county):
    officer = signed_in(app, county.officer)
    issued = _device_token(officer).get_json()
    other = _device_token(signed_in(app, county.officer2)).get_json()
    csrf = officer.get("/field/session").get_json()["csrf_token"]
    revoke = lambda body: officer.post("/field/device-token/revoke", json=body, headers={"X-CSRFToken": csrf})  # noqa: E731
    assert revoke({"id": other["id"]}).status_code == 404  # another person's token is not found
    assert revoke({"id": "1"}).status_code == revoke({}).status_code == 422
    assert revoke({"id": issued["id"]}).status_code == 204
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/field/bundle", headers=bearer).status_code == 401
    still = {"Authorization": f"Bearer {other['token']}"}
    assert client.get("/api/v1/field/bundle", headers=still).status_code == 200

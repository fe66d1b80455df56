"""The field app's pages and files, and its device tokens (README: "Field app: install it on a phone").

The shell, the manifest, the service worker and the assets are public and hold no personal data: the app asks for
a device token once a person has signed in, and everything personal comes through the JSON API with that token.
"""
from __future__ import annotations

import gzip
import json
import re

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from tracker.services.errors import Invalid, NotFound
from tracker.services.tokens import issue_token, revoke_token
from tracker.web.access import FIELD, PUBLIC, allow
from tracker.web.field.assets import ASSET_PREFIX, SERVICE_WORKER, Shell, load_shell
from tracker.web.field.messages import app_messages
from tracker.web.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

bp = Blueprint("field", __name__, url_prefix="/field")

EXTENSION = "tracker.field"
THEME_COLOUR = "#0b4f8a"
# Not preloaded: the two entry points, and the price tests with their library, loaded after the first screen.
LAZY_MODULES = ("field/app.js", "field/early.js", "field/gouging.js", "vendor/fraction/fraction.mjs")
DEVICE_NAME_MAX = 40
# What a device's name keeps (it labels a token on the tokens page): letters, digits, spaces and . / ( ) + - _
DEVICE_NAME_KEEPS = re.compile(r"[^\w .()/+-]")
# The app shows photos it holds as blob: URLs, and asks for the position of a photo or a premises.
FIELD_CSP = CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: blob:")
FIELD_PERMISSIONS = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)").replace("geolocation=()",
                                                                                     "geolocation=(self)")


def shell() -> Shell:
    """The app's files as read at start-up; on a developer's machine, read again when they changed."""
    if current_app.config.get("DEVELOPMENT") or current_app.debug:
        return load_shell()
    return current_app.extensions[EXTENSION]


@bp.record_once
def _load(state) -> None:
    """At start-up: read the app's files, and give each its own URL under /field/assets/ (no URL parameter: only
    these files are served)."""
    loaded = load_shell()
    state.app.extensions[EXTENSION] = loaded
    for name in loaded.assets:
        state.add_url_rule(f"{ASSET_PREFIX}{name}", endpoint="asset", view_func=asset)


def _field_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = FIELD_CSP
    response.headers["Permissions-Policy"] = FIELD_PERMISSIONS
    return response


def _compressed(response: Response) -> Response:
    """The body gzip-compressed when the client takes it (the shell is a quarter of its size so: a slow network's
    first load counts every kilobyte)."""
    response.headers["Vary"] = "Accept-Encoding"
    if "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


def precached_urls() -> list[str]:
    """What the service worker stores at install: the shell, the manifest and every asset."""
    loaded = shell()
    return [url_for("field.app"), url_for("field.manifest"), *(loaded.url(name) for name in loaded.assets)]


@bp.route("/")
@allow(PUBLIC)
def app():
    """The app's shell: the same page for everyone (it holds no personal data), in the reader's language."""
    loaded = shell()
    modules = [name for name in loaded.assets if name.endswith((".js", ".mjs")) and name not in LAZY_MODULES]
    body = render_template("field/app.html", version=loaded.version, messages=app_messages(),
                           asset=loaded.url, theme_colour=THEME_COLOUR, modules=modules)
    response = _field_headers(current_app.make_response(body))
    response.headers["Cache-Control"] = "no-cache"
    return _compressed(response)


@bp.route("/manifest.webmanifest")
@allow(PUBLIC)
def manifest():
    """The web app manifest: what a phone needs to install the app on its home screen."""
    loaded = shell()
    icons = [
        {"src": loaded.url("field/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": loaded.url("field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": loaded.url("field/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
    ]
    document = {
        "name": _("Price inspections in the field"),
        "short_name": _("Inspections"),
        "description": _("Record inspections on a phone, with or without signal; they are sent when the signal "
                         "returns."),
        "id": url_for("field.app"),
        "start_url": url_for("field.app"),
        "scope": url_for("field.app"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = current_app.response_class(json.dumps(document, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker, with this deploy's version and the list of files to precache written at its top:
    a deploy that changes any file changes this script, so every phone installs the new version."""
    loaded = shell()
    header = (f"const VERSION = {json.dumps(loaded.version)};\n"
              f"const PRECACHE = {json.dumps(precached_urls())};\n"
              f"const SHELL = {json.dumps(url_for('field.app'))};\n")
    body = header + SERVICE_WORKER.read_text(encoding="utf-8")
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("field.app")
    return response


@allow(PUBLIC)
def asset():
    """One of the app's files (the URL names it), gzip-compressed for a client that accepts it; revalidated by
    ETag, so a slow connection fetches a file again only when it changed."""
    name = request.path.removeprefix(f"/field{ASSET_PREFIX}")
    found = shell().assets.get(name)
    if found is None:  # removed since start-up (a developer's machine)
        abort(404)
    if request.if_none_match.contains(found.etag.strip('"')):
        response = current_app.response_class(status=304)
    else:
        gzipped = found.gzipped is not None and "gzip" in request.accept_encodings
        response = current_app.response_class(found.gzipped if gzipped else found.body, mimetype=found.media_type)
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
    response.headers["ETag"] = found.etag
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/session")
@allow(PUBLIC)
def session_state():
    """Who is signed in on the web in this browser, and the CSRF token the app sends to get a device token."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False)
    return jsonify(
        signed_in=True,
        username=current_user.username,
        name=current_user.display_name,
        may_record=current_user.role in FIELD,
        csrf_token=generate_csrf(),
    )


@bp.route("/device-token", methods=["POST"])
@allow(*FIELD)
def device_token():
    """A new API token for this device, named after it, returned once: the app keeps it in IndexedDB and calls the
    JSON API with it. The person sees it among their tokens (/auth/tokens) and may revoke it there."""
    data = request.get_json(silent=True)
    device = data.get("device") if isinstance(data, dict) else None
    device = " ".join(DEVICE_NAME_KEEPS.sub("", str(device or "")).split())[:DEVICE_NAME_MAX] or _("a phone")
    try:
        record, token = issue_token(current_user, _("Field app on %(device)s", device=device)[:80],
                                    actor=current_user)
    except Invalid as error:
        return jsonify(detail=str(error), errors=error.errors), 422
    return jsonify(id=record.id, name=record.name, prefix=record.prefix, token=token,
                   username=current_user.username, tokens_page=url_for("auth.tokens")), 201


@bp.route("/device-token/revoke", methods=["POST"])
@allow(*FIELD)
def revoke_device_token():
    """Revoke one of the signed-in person's tokens by id (the app's "Sign out on this device")."""
    data = request.get_json(silent=True)
    token_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(token_id, int) or isinstance(token_id, bool) or not 0 < token_id < 2**31:
        return jsonify(detail=_("Give the id of one of your tokens.")), 422
    try:
        revoke_token(current_user, token_id)
    except NotFound as error:
        return jsonify(detail=str(error)), 404
    return Response(status=204)

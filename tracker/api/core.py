"""What every API endpoint shares: bearer-token access, problem+json errors, keyset cursors,
idempotent POSTs. Resource modules build on these and call the same services as the web UI."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, g, make_response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from tracker.api.messages import title as problem_title, translate_messages
from tracker.extensions import db
from tracker.models import IdempotencyRecord, User
from tracker.models.types import utcnow
from tracker.services.access import PUBLIC, admits, needs_sign_in
from tracker.services.errors import Conflict, ServiceError
from tracker.services.failures import http_description
from tracker.services.tokens import user_for_token

PROBLEM = "application/problem+json"
# Documented on every POST (blp.doc(parameters=[IDEMPOTENCY_KEY])) and honoured by @idempotent.
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A retry with the same key and body returns the first answer and creates nothing new.",
}
IDEMPOTENCY_TTL_HOURS = 24
REPLAYED_HEADERS = ("Location", "ETag")
MAX_ID = 2**31 - 1
CURSOR_PATTERN = r"^[1-9][0-9]{0,17}$"


class StrictParser(FlaskParser):
    """Unknown query parameters are refused (422), as unknown JSON fields are: a typo never passes silently."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE, "querystring": ma.RAISE}

    def _raw_load_json(self, req):
        """JSON nested too deeply for the parser is malformed input (400), not a server error."""
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            return self._handle_invalid_json_error(json.JSONDecodeError("nested too deeply", "", 0), req)


class ApiBlueprint(Blueprint):
    """The blueprint every API resource module uses."""

    ARGUMENTS_PARSER = StrictParser()


def problem(
    status: int, detail: str = "", errors: dict | None = None, title: str | None = None, extra: dict | None = None
) -> Response:
    """An RFC 9457 problem document; the title defaults to the status's, in the request's language; ``extra`` adds
    members of the endpoint's own (``current``, ``conflict_id``)."""
    body = {"type": "about:blank", "title": title or problem_title(status), "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


def _flatten(messages) -> dict[str, list[str]]:
    """webargs messages ({location: {field: [...]}}) as {field: [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "body", []).extend(value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}[{index}]", inner)
        else:
            flat.setdefault(prefix or "body", []).append(str(value))

    for location, fields in (messages or {}).items():
        walk("" if location in ("json", "query", "form", "files", "path", "headers") else location, fields)
    return flat


def http_problem(error: HTTPException) -> Response:
    """Any HTTP error on an /api/ path, as a problem document."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _flatten(translate_messages(data.get("messages"))) if "messages" in data else None
    if status == 422 and errors:
        detail = _("The request did not pass validation: %(errors)s",
                   errors="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
    elif status >= 500:
        detail = _("The server could not answer; nothing was changed.")
    else:
        detail = data.get("message") or http_description(error)
    if status == 422 and not errors and "json" in str(detail).lower():
        status = 400
    response = problem(status, detail, errors)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def service_problem(error: ServiceError) -> Response:
    """A service's refusal as a problem document: its status, its message, its field errors."""
    return problem(error.status, str(error), getattr(error, "errors", None) or None)


# ------------------------------------------------------------------------------------------ access


def api_allow(*who):
    """Guard an API view: ``api_allow(PUBLIC)`` or ``api_allow(Role.X, ...)`` with a bearer token.

    The caller becomes ``g.api_user``; the role and unit then apply exactly as in the web UI.
    """
    declared = frozenset(who)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            g.api_user = None
            header = request.headers.get("Authorization", "")
            if header:
                scheme, _sep, token = header.partition(" ")
                user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
                if user is None:
                    return problem(401, _("The bearer token is missing, unknown, revoked or its account deactivated."))
                g.api_user = user
            if needs_sign_in(declared):
                if g.api_user is None:
                    return problem(401, _("Send 'Authorization: Bearer <token>'; `flask users token USERNAME` issues one."))
                if not admits(declared, g.api_user.role):
                    return problem(403, _("The role %(role)s may not use this endpoint.", role=g.api_user.role.value))
            return view(*args, **kwargs)

        guarded.access = declared
        return guarded

    return decorate


def open_document(view):
    """Declare a view that answers anyone and reads no token (the OpenAPI document)."""

    @wraps(view)
    def public(*args, **kwargs):
        return view(*args, **kwargs)

    public.access = frozenset({PUBLIC})
    return public


def caller() -> User:
    """The authenticated API user."""
    return g.api_user


# ------------------------------------------------------------------------------------------ cursors


class PageQuery(ma.Schema):
    """?limit= (1 to 200, default 50) and ?cursor= on every list."""

    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    # The position after which the next page starts: every value the pattern admits is a valid cursor.
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(CURSOR_PATTERN, error="Use the next_cursor of the previous page."),
        metadata={"pattern": CURSOR_PATTERN},
    )


def cursor_position(query: dict) -> int | None:
    """The highest id the page may show (ids are 32-bit: a larger cursor reads as 'from the top')."""
    return min(int(query["cursor"]) - 1, MAX_ID) if query.get("cursor") else None


def keyset_page(stmt: sa.Select, id_column, query: dict, dump) -> dict:
    """One page of a list, newest first, stable under inserts: {"items": [...], "next_cursor": ...}. The
    statement's own order (a listing dataset's, for its pages) gives way to the id's."""
    highest = cursor_position(query)
    limit = query["limit"]
    if highest is not None:
        stmt = stmt.where(id_column <= highest)
    rows = db.session.scalars(stmt.order_by(None).order_by(id_column.desc()).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dump(row) for row in rows], "next_cursor": str(rows[-1].id) if more and rows else None}


# ------------------------------------------------------------------------------------------ idempotency


def idempotent(view):
    """POSTs with an Idempotency-Key: a retry with the same key and body gets the first answer and
    creates nothing; the same key with another body is refused (422). Keys last 24 hours.

    The key is written in the same transaction as the action it guards (the service's single
    commit), so an action and its key land together or not at all: a request that dies after that
    commit leaves a key that says "done, answer lost" and never lets a retry run the action twice."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        user = g.get("api_user")
        if key is None or user is None:
            return view(*args, **kwargs)
        if not 0 < len(key) <= 255:
            return problem(422, _("The Idempotency-Key header takes 1 to 255 characters."),
                           {"Idempotency-Key": [_("1 to 255 characters.")]})
        fingerprint = _fingerprint()
        record = _idempotency_record(user.id, key)
        if record is not None:
            return _replay(record, fingerprint)
        record = IdempotencyRecord(
            user_id=user.id, key=key, request_hash=fingerprint, status=0, body="", content_type="", headers={}
        )
        db.session.add(record)  # pending: committed by the action's own commit, or rolled back with it
        try:
            response = view(*args, **kwargs)
        except Conflict:
            db.session.rollback()
            return _retry_or_conflict(user.id, key, fingerprint)
        except BaseException:
            db.session.rollback()
            raise
        response = response if isinstance(response, Response) else make_response(response)
        if not 200 <= response.status_code < 300 and not getattr(response, "recorded", False):
            db.session.rollback()  # a refused request keeps no key: fixed and retried, it runs
            return response
        record.status, record.body, record.content_type = response.status_code, response.get_data(as_text=True), response.mimetype
        record.headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        try:
            db.session.commit()
        except IntegrityError:  # the view committed nothing and a concurrent request took the key
            db.session.rollback()
            return _retry_or_conflict(user.id, key, fingerprint)
        return response

    return wrapper


def recorded(response: Response) -> Response:
    """Mark an answer that is not a success but whose request changed something (a device's record kept as a sync
    conflict: 409 with its id): @idempotent keeps it under the key, so a retry gets it again."""
    response.recorded = True
    return response


def _fingerprint() -> str:
    """What makes a retry the same request: its method, path and body. A multipart body counts by its fields and
    its files' contents, not its bytes: a device's retry may choose another boundary between the parts."""
    head = request.method.encode() + b" " + request.path.encode() + b"\n"
    if request.mimetype != "multipart/form-data":
        return hashlib.sha256(head + request.get_data()).hexdigest()
    digest = hashlib.sha256(head)
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(json.dumps(["field", name, value]).encode() + b"\n")
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: (item[0], item[1].filename or "")):
        content = hashlib.sha256()
        while chunk := upload.stream.read(64 * 1024):
            content.update(chunk)
        upload.stream.seek(0)
        digest.update(json.dumps(["file", name, upload.filename or "", content.hexdigest()]).encode() + b"\n")
    return digest.hexdigest()


IDEMPOTENCY_LEASE = timedelta(minutes=2)  # longer than any request may run (gunicorn's timeout is 30 s)


def _idempotency_record(user_id: int, key: str) -> IdempotencyRecord | None:
    """The live record of this key, deleting it when it has expired."""
    record = db.session.scalar(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )
    if record is not None and record.created_at < utcnow() - timedelta(hours=IDEMPOTENCY_TTL_HOURS):
        db.session.delete(record)
        db.session.commit()
        return None
    return record


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    """The answer to a retry: the first answer, or why there is none."""
    if record.request_hash != fingerprint:
        return problem(422, _("This Idempotency-Key was used with another request."),
                       {"Idempotency-Key": [_("Already used with another body.")]})
    if record.status == 0:
        if record.created_at < utcnow() - IDEMPOTENCY_LEASE:
            return problem(409, _("The first request with this Idempotency-Key was carried out, but its answer was "
                                  "lost; read the resource to see the result instead of retrying."))
        return problem(409, _("A request with this Idempotency-Key is still in progress; retry shortly."))
    return Response(record.body, status=record.status, mimetype=record.content_type, headers=record.headers)


def _retry_or_conflict(user_id: int, key: str, fingerprint: str) -> Response:
    """After a lost race: replay the request that won with this key, or answer the conflict."""
    record = _idempotency_record(user_id, key)
    if record is not None:
        return _replay(record, fingerprint)
    return problem(409, _("This record changed meanwhile: reload it and try again."))

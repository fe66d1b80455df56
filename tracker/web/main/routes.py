"""The home page: what each role does first."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.domain.vocabulary import InspectionStatus, Role
from tracker.extensions import api, db
from tracker.models import Inspection
from tracker.web.access import PUBLIC, allow

bp = Blueprint("main", __name__)

RECENT = 10


@bp.route("/")
@allow(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.index"))
    drafts = []
    if current_user.role.works_in_unit:
        drafts = db.session.scalars(
            sa.select(Inspection)
            .where(
                Inspection.status == InspectionStatus.DRAFT,
                sa.or_(
                    Inspection.lead_officer_id == current_user.id,
                    Inspection.second_officer_id == current_user.id,
                ),
            )
            .options(joinedload(Inspection.premises))
            .order_by(Inspection.started_at.desc())
            .limit(RECENT)
        ).all()
    return render_template("main/home.html", drafts=drafts)


@bp.route("/api-reference")
@allow(PUBLIC)
def api_reference():
    """A browsable page of the OpenAPI document, rendered on the server (no CDN, no script)."""
    spec = api.spec.to_dict()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary") or operation.get("description", ""),
            "parameters": operation.get("parameters", []),
            "body": _schema_name(operation.get("requestBody", {}).get("content", {}).get("application/json", {})),
            "responses": {
                code: _schema_name(answer.get("content", {}).get("application/json", {}))
                for code, answer in operation.get("responses", {}).items()
            },
            "public": operation.get("security") == [],
        }
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("main/api_reference.html", operations=operations, schemas=schemas, info=spec.get("info", {}))


def _schema_name(content: dict) -> str:
    ref = content.get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]

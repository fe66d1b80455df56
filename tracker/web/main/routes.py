"""The home page: what each role does first."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.domain.vocabulary import InspectionStatus, Role
from tracker.extensions import db
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

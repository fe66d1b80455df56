"""Finding things and planning inspections: search, repeat offenders and the risk ranking."""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Unit
from tracker.services import risk as risk_service
from tracker.services import search as search_service
from tracker.services.errors import Invalid
from tracker.services.rulebooks import current_rulebook
from tracker.web.access import FIELD, READERS, allow
from tracker.web.forms import apply_errors
from tracker.web.pagination import SEARCH_COUNT_CAP, paginate, requested_page
from tracker.web.planning.explain import explain
from tracker.web.planning.forms import SearchForm

bp = Blueprint("planning", __name__)


@bp.route("/search")
@allow(*READERS)
def search():
    form = SearchForm(request.args)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in {k.value for k in search_service.SearchKind}:
        abort(404)
    groups, page = [], None
    if "q" in request.args and form.validate():
        try:
            if kind:
                page = paginate(partial(search_service.query_for, current_user, search_service.SearchKind(kind),
                                        form.q.data), count_cap=SEARCH_COUNT_CAP)
            else:
                groups = search_service.search(current_user, form.q.data)
        except Invalid as error:
            apply_errors(form, error)
    # A short term matches the start of names only (tracker.services.search): the page says so.
    short_term = bool(form.q.data) and not form.q.errors and len(form.q.data.strip()) < search_service.SUBSTRING_MIN
    return render_template("planning/search.html", form=form, kind=kind, groups=groups, page=page,
                           short_term=short_term)


@bp.route("/planning/risk")
@allow(*FIELD, Role.AUDITOR)
def risk():
    units = _units()
    code = request.args.get("unit")
    unit = next((u for u in units if u.code == code), units[0] if units else None)
    if unit is None:
        abort(404)
    page = risk_service.ranking(unit, page=requested_page())
    rule = current_rulebook().risk
    explained = [(row, explain(row.score, rule.max_months_uninspected)) for row in page.items]
    return render_template("planning/risk.html", page=page, rows=explained, unit=unit, units=units, rule=rule)


def _units() -> list[Unit]:
    """The units the user may rank: their own, or every unit for an auditor."""
    if current_user.role is Role.AUDITOR:
        return list(db.session.scalars(sa.select(Unit).order_by(Unit.code)))
    return [current_user.unit]

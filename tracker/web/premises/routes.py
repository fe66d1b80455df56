"""Premises registry: list with search and filters, page, register, edit."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Case, Inspection, Premises, Unit
from tracker.services.conflicts import conflicts
from tracker.services.errors import Conflict, Invalid
from tracker.services.premises import (
    PremisesData, data_of, history, register_premises, search_premises, update_premises,
)
from tracker.services.risk import premises_risk, repeat_offender_ids
from tracker.services.rulebooks import current_rulebook
from tracker.services.units import unit_list_knowing
from tracker.services.scope import get_visible, scoped
from tracker.web.access import FIELD, READERS, allow
from tracker.web.cases.forms import ComplaintForm
from tracker.web.forms import apply_errors
from tracker.web.labels import options
from tracker.services.search import premises_matches, ranked_premises
from tracker.web.pagination import SEARCH_COUNT_CAP, paginate
from tracker.web.planning.explain import explain
from tracker.web.premises.forms import PremisesFilterForm, PremisesForm

bp = Blueprint("premises", __name__, url_prefix="/premises")


@bp.route("/")
@allow(*READERS)
def index():
    filters = PremisesFilterForm(request.args)
    if current_user.role is Role.AUDITOR:
        units = unit_list_knowing(filters.unit.data)
        filters.unit.choices += options((code, f"{code} {name}") for code, name in units)
    filters.validate()
    repeat = request.args.get("repeat") == "1"
    stmt = search_premises(scoped(sa.select(Premises), Premises, current_user), None, _valid(filters.kind),
                           _valid(filters.status), _unit_filter(), repeat=repeat)
    text = (_valid(filters.q) or "").strip()
    if text:
        page = paginate(lambda window: ranked_premises(stmt, text, window).options(joinedload(Premises.unit)),
                        count_cap=SEARCH_COUNT_CAP,
                        matches=lambda window: sa.select(premises_matches(stmt, text, window).c.id))
    else:
        page = paginate(stmt.options(joinedload(Premises.unit)).order_by(Premises.name, Premises.id))
    repeaters = repeat_offender_ids(p.id for p in page.items)
    return render_template("premises/index.html", page=page, filters=filters, repeat=repeat, repeaters=repeaters)


def _unit_filter() -> int | None:
    """The ``unit`` filter (a unit code, or an id from older links) for auditors; others see their own."""
    value = request.args.get("unit", "").strip()
    if current_user.role is not Role.AUDITOR or not value:
        return None
    if value.isdigit():
        return int(value)
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == value)) or -1


@bp.route("/new", methods=["GET", "POST"])
@allow(*FIELD)
def create():
    form = PremisesForm()
    del form.status, form.version
    if form.validate_on_submit():
        try:
            saved = register_premises(current_user, _data(form))
        except Invalid as error:
            apply_errors(form, error)
        else:
            return _after_save(saved)
    return render_template("premises/form.html", form=form, premises=None)


@bp.route("/<int:premises_id>")
@allow(*READERS)
def show(premises_id: int):
    premises = get_visible(Premises, premises_id, current_user, joinedload(Premises.unit))
    inspections = paginate(
        sa.select(Inspection)
        .where(Inspection.premises_id == premises.id)
        .options(joinedload(Inspection.lead_officer), joinedload(Inspection.second_officer))
        .order_by(Inspection.started_at.desc(), Inspection.id.desc())
    )
    cases = db.session.scalars(
        sa.select(Case).where(Case.premises_id == premises.id).order_by(Case.clue_on.desc()).limit(50)
    ).all()
    complaint = ComplaintForm() if current_user.can_edit_records else None
    risk = premises_risk(premises)
    reasons = explain(risk.score, current_rulebook().risk.max_months_uninspected)
    changes = db.session.scalars(history(premises.id).limit(RECENT_CHANGES)).unique().all()
    open_conflicts = db.session.scalars(
        conflicts(current_user, status="open", kind="premises", record_id=premises.id).limit(RECENT_CHANGES)
    ).unique().all()
    return render_template(
        "premises/show.html", premises=premises, inspections=inspections, cases=cases, complaint=complaint,
        risk=risk, reasons=reasons, changes=changes, open_conflicts=open_conflicts,
    )


RECENT_CHANGES = 5  # on the premises page; the history page shows them all, a page at a time


@bp.route("/<int:premises_id>/history")
@allow(*READERS)
def changes(premises_id: int):
    """Every change to the premises, newest first: who, when, from where, each field's old and new value."""
    premises = get_visible(Premises, premises_id, current_user)
    page = paginate(history(premises.id))
    return render_template("premises/history.html", premises=premises, page=page)


@bp.route("/<int:premises_id>/edit", methods=["GET", "POST"])
@allow(*FIELD)
def edit(premises_id: int):
    premises = get_visible(Premises, premises_id, current_user)
    form = PremisesForm(data=vars(data_of(premises)) | {"version": premises.version})
    if form.validate_on_submit():
        try:
            saved = update_premises(current_user, premises, _data(form), expected_version=_version(form))
        except Invalid as error:
            db.session.rollback()
            apply_errors(form, error)
        except Conflict as error:
            db.session.rollback()
            return _changed_meanwhile(form, premises, error)
        else:
            return _after_save(saved)
    return render_template("premises/form.html", form=form, premises=premises)


def _version(form: PremisesForm) -> int | None:
    """The version the form was filled from (None for a form that does not say: the last write wins)."""
    value = str(form.version.data or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _changed_meanwhile(form: PremisesForm, premises: Premises, error: Conflict):
    """Someone saved the premises after this form was filled: keep what was typed, show what changed, and take
    the current version, so that saving again is a deliberate choice."""
    seen = _version(form) or 0
    since = [change for change in db.session.scalars(history(premises.id).limit(50)).unique() if change.version > seen]
    form.form_errors.append(str(error))
    form.version.data = str(premises.version)
    return render_template("premises/form.html", form=form, premises=premises, since=since), 409


def _data(form: PremisesForm) -> PremisesData:
    return PremisesData(
        name=form.name.data,
        kind=form.kind.data,
        operator_type=form.operator_type.data or None,
        operator_name=form.operator_name.data,
        credit_code=form.credit_code.data,
        address=form.address.data,
        phone=form.phone.data,
        status=form._fields["status"].data if "status" in form._fields else None,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
    )


def _valid(field):
    """A filter's value when it is given and valid, else None (bad filters are ignored)."""
    return (field.data or None) if not field.errors else None


def _after_save(saved):
    for note in saved.notes:
        flash(note, "warning")
    flash(_("Premises saved."), "success")
    return redirect(url_for("premises.show", premises_id=saved.premises.id))

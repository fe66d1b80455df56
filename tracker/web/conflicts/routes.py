"""Sync conflicts on the web: the unit's list, and each conflict's two versions side by side with, for its
supervisor, a choice per field (tracker.services.resolutions applies it)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.services.conflicts import conflicts, get_conflict, record_names
from tracker.services.errors import Conflict, Invalid
from tracker.services.resolutions import may_resolve, resolve_conflict
from tracker.web.access import READERS, allow
from tracker.web.conflicts import display
from tracker.web.conflicts.forms import FilterForm, chosen, resolve_form
from tracker.web.forms import apply_errors
from tracker.web.pagination import paginate

bp = Blueprint("conflicts", __name__, url_prefix="/conflicts")

for _name, _filter in display.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.route("/")
@allow(*READERS)
def index():
    """The conflicts of the reader's unit (an auditor's: every unit's), open ones first by default."""
    filters = FilterForm(request.args)
    status = filters.status.data if filters.validate() else "open"
    page = paginate(conflicts(current_user, status=None if status == "all" else status))
    names = record_names(page.items)
    return render_template("conflicts/index.html", page=page, filters=filters, status=status, names=names)


@bp.route("/<int:conflict_id>")
@allow(*READERS)
def show(conflict_id: int):
    """Both versions side by side; the unit's supervisor chooses per field while the conflict is open."""
    conflict = get_conflict(current_user, conflict_id)
    return _page(conflict, _form(conflict))


@bp.route("/<int:conflict_id>", methods=["POST"])
@allow(Role.SUPERVISOR)
def resolve(conflict_id: int):
    conflict = get_conflict(current_user, conflict_id)
    form = _form(conflict, request.form)
    if form is None:  # resolved meanwhile, or another unit's supervisor: the service says which
        form = resolve_form(conflict.fields, [display.field_label(f) for f in conflict.fields], request.form)
    if form.validate_on_submit():
        try:
            resolve_conflict(current_user, conflict.id, chosen(form))
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error)
        except Conflict as error:
            db.session.rollback()
            flash(str(error), "warning")
            return redirect(url_for("conflicts.show", conflict_id=conflict.id))
        else:
            flash(_("Conflict %(id)s resolved: the choices were applied to the record.", id=conflict.id), "success")
            return redirect(url_for("conflicts.show", conflict_id=conflict.id))
    return _page(conflict, form), 422


def _form(conflict, formdata=None):
    """The resolve form when the reader may resolve this conflict now, else None."""
    if conflict.status != "open" or not may_resolve(current_user, conflict):
        return None
    return resolve_form(conflict.fields, [display.field_label(f) for f in conflict.fields], formdata)


def _field_errors(form, error: Invalid) -> None:
    """The service's errors by field name, shown on the radio group of that field."""
    index = {field: f"choice_{n}" for n, field in enumerate(form.conflict_fields)}
    apply_errors(form, Invalid(str(error), {index.get(k, k): v for k, v in error.errors.items()}))


def _page(conflict, form):
    record_url = (url_for("premises.show", premises_id=conflict.record_id) if conflict.kind == "premises"
                  else url_for("inspections.show", inspection_id=conflict.record_id))
    merged = [field for field in conflict.device if field not in conflict.fields]
    name = record_names([conflict]).get((conflict.kind, conflict.record_id), "")
    return render_template("conflicts/show.html", conflict=conflict, form=form, record_url=record_url, merged=merged,
                           name=name)

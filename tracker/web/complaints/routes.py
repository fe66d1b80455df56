"""Complaints and reports from the public (DOMAIN.md §11): the public form with its receipt, and the tracking
page. Every rule is tracker.services.complaints'."""
from __future__ import annotations


import sqlalchemy as sa

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from tracker.domain import complaints as rules
from tracker.domain.complaints import ComplaintAction, ComplaintRefused, ComplaintStatus
from tracker.extensions import db
from tracker.models.complaints import Complaint, ComplaintEvent
from tracker.services import complaints as service
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.services.rulebooks import current_rulebook
from tracker.services.units import unit_list
from tracker.web.access import FIELD, PUBLIC, READERS, allow
from tracker.web.complaints.forms import ACTION_FORMS, ComplaintFilterForm, PublicComplaintForm, TrackForm
from tracker.web.errors import render_error
from tracker.web.forms import apply_errors
from tracker.web.labels import options
from tracker.web.pagination import paginate
from tracker.services.localisation import lazy_gettext as _l, lazy_pgettext

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

# The service's field names that the form spells otherwise.
FIELD_NAMES = {"person.name": "person_name", "person.phone": "person_phone", "person": "person_name"}


STATUS_LABELS = {
    "received": _l("Received, waiting to be examined"),
    "accepted": _l("Accepted: being handled"),
    "declined": _l("Declined"),
    "transferred": _l("Transferred to another office"),
    "merged": _l("Handled with another complaint"),
    "closed": _l("Closed"),
}
KIND_LABELS = {"complaint": lazy_pgettext("complaint kind", "Complaint"), "report": lazy_pgettext("complaint kind", "Report")}
PRIORITY_LABELS = {"high": _l("High"), "normal": _l("Normal")}
# The staff's names of the states (the public's are STATUS_LABELS).
STAFF_STATUS_LABELS = {
    "received": _l("Received"), "accepted": _l("Accepted"), "declined": _l("Declined"),
    "transferred": _l("Transferred"), "merged": _l("Duplicate"), "closed": _l("Closed"),
}
DEADLINE_LABELS = {"triage": _l("Triage"), "mediation": _l("Mediation"), "reply": _l("Reply")}
DEADLINE_STATUS_LABELS = {"open": _l("open"), "due_soon": _l("due soon"), "overdue": _l("overdue"), "met": _l("met")}
ACTION_LABELS = {"receive": _l("Received"), "accept": _l("Accepted"), "decline": _l("Declined"),
                 "transfer": _l("Transferred"), "merge": _l("Marked as a duplicate"), "reply": _l("Replied"),
                 "close": _l("Closed")}
LABELS = {"status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS}
STAFF_LABELS = {"status_labels": STAFF_STATUS_LABELS, "kind_labels": KIND_LABELS, "priority_labels": PRIORITY_LABELS,
                "deadline_labels": DEADLINE_LABELS, "deadline_status_labels": DEADLINE_STATUS_LABELS,
                "action_labels": ACTION_LABELS}


def _over_the_limit():
    """A public intake over the per-address limit: the 429 page."""
    wait = service.intake_wait(request.remote_addr or "")
    if wait is None:
        return None
    page, status = render_error(429, _("Too many complaints from your address. Try again in %(s)s seconds.", s=wait))
    return page, status, {"Retry-After": str(wait)}


def _prepare(form: PublicComplaintForm) -> None:
    form.town.choices = options([("", _("— choose —"))] + [(code, name) for code, name in unit_list()])
    commodities = sorted(current_rulebook().commodities.values(), key=lambda c: c.code)
    form.commodity.choices = options([("", _("— none or other —"))] + [(c.code, c.name.render()) for c in commodities])


def _recorder():
    """An officer or supervisor records a call, letter or walk-in as themselves; anyone else files as the public."""
    if current_user.is_authenticated and current_user.role.works_in_unit:
        return current_user
    return None


def _data(form: PublicComplaintForm) -> dict:
    person = None
    if form.anonymous.data != "yes":
        name, phone = (form.person_name.data or "").strip(), (form.person_phone.data or "").strip()
        person = {"name": name or None, "phone": phone or None}
    recorded = {}
    if "channel" in form._fields:
        recorded = {"channel": form.channel.data or None, "received_on": form.received_on.data}
    return {
        **recorded,
        "kind": form.kind.data,
        "description": form.description.data,
        "premises_name": form.premises_name.data,
        "address": form.address.data,
        "town": form.town.data,
        "commodity": form.commodity.data or None,
        "price_seen": f"{form.price_seen.data:.2f}" if form.price_seen.data is not None else None,
        "seen_on": form.seen_on.data,
        "person": person,
    }


def _apply(form, error: Invalid) -> None:
    errors = {FIELD_NAMES.get(name, name): messages for name, messages in error.errors.items()}
    apply_errors(form, Invalid(str(error), errors) if errors else error)


@bp.route("/new", methods=["GET", "POST"])
@allow(PUBLIC)
def new():
    form = PublicComplaintForm()
    _prepare(form)
    actor = _recorder()
    if actor is None:
        del form.channel, form.received_on
    if form.validate_on_submit():
        if actor is None:
            refused = _over_the_limit()
            if refused is not None:
                return refused
        try:
            intake = service.file_complaint(actor, _data(form))
        except Invalid as error:
            db.session.rollback()
            _apply(form, error)
        else:
            # Shown once, never in a URL: the code is kept only hashed.
            complaint_id = intake.complaint.id if service.may_see(intake.complaint, actor) else None
            return render_template("complaints/receipt.html", receipt=service.public_receipt(intake),
                                   complaint_id=complaint_id)
    return render_template("complaints/new.html", form=form, recording=actor is not None)


@bp.route("/track", methods=["GET", "POST"])
@allow(PUBLIC)
def track():
    form = TrackForm()
    if form.validate_on_submit():
        try:
            status = service.tracking(form.code.data)
        except NotFound:
            form.code.errors.append(_("No complaint has this tracking code."))
            return render_template("complaints/track.html", form=form, status=None, **LABELS), 404
        return render_template("complaints/track.html", form=form, status=status, **LABELS)
    return render_template("complaints/track.html", form=form, status=None, **LABELS)


# ------------------------------------------------------------------------------------------ the staff's pages


@bp.route("/")
@allow(*READERS)
def index():
    """The unit's complaints (an auditor's: every unit's), newest first, with their deadlines."""
    filters = ComplaintFilterForm(request.args)
    filters.status.choices = options([("", _("Any status"))] + list(STAFF_STATUS_LABELS.items()))
    filters.kind.choices = options([("", _("Any kind"))] + list(KIND_LABELS.items()))
    filters.priority.choices = options([("", _("Any priority"))] + list(PRIORITY_LABELS.items()))
    filters.validate()
    stmt = service.visible(current_user)
    for name in ("status", "kind", "priority"):
        field = getattr(filters, name)
        if field.data and not field.errors:
            stmt = stmt.where(getattr(Complaint, name) == field.data)
    page = paginate(stmt.options(*service.DETAIL, selectinload(Complaint.premises))
                    .order_by(Complaint.received_on.desc(), Complaint.id.desc()))
    deadlines = {complaint.id: service.deadlines_of(complaint) for complaint in page.items}
    return render_template("complaints/index.html", page=page, filters=filters, deadlines=deadlines,
                           **STAFF_LABELS)


def _may(complaint: Complaint, action: str) -> bool:
    try:
        rules.check_action(ComplaintAction(action), ComplaintStatus(complaint.status), current_user.role.value,
                           current_user.unit_id == complaint.unit_id, complaint.transferred_to)
    except ComplaintRefused:
        return False
    return True


def _action_form(action: str, complaint: Complaint, formdata=None):
    form = ACTION_FORMS[action](formdata=formdata, prefix=action) if formdata is not None \
        else ACTION_FORMS[action](prefix=action)
    if action == "transfer":
        form.to.choices = options([("", _("— choose —"))] + [(code, f"{code} {name}") for code, name in unit_list()
                                                              if code != complaint.unit.code]
                                  + [(rules.AGENCY, _("Another agency"))])
    return form


def _show(complaint: Complaint, failed: tuple[str, object] | None = None, status: int = 200):
    forms = {}
    if current_user.role.works_in_unit:
        for action in ACTION_FORMS:
            if failed is not None and failed[0] == action:
                forms[action] = failed[1]
            elif _may(complaint, action):
                forms[action] = _action_form(action, complaint)
    events = db.session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
        .options(selectinload(ComplaintEvent.actor)).order_by(ComplaintEvent.at, ComplaintEvent.id)).all()
    view = service.record(complaint, current_user)
    duplicates = db.session.execute(
        sa.select(Complaint.id, Complaint.number).where(Complaint.id.in_(view["possible_duplicates"]))
        .order_by(Complaint.id)).all() if view["possible_duplicates"] else []
    commodity = current_rulebook().commodities.get(complaint.commodity) if complaint.commodity else None
    return render_template("complaints/show.html", complaint=complaint, view=view, forms=forms, events=events,
                           duplicates=duplicates, commodity_name=commodity.name.render() if commodity else None,
                           **STAFF_LABELS), status


@bp.route("/<int:complaint_id>")
@allow(*READERS)
def show(complaint_id: int):
    """All of a complaint; the person only for the handling unit and auditors; the actions the reader may take."""
    return _show(service.load_complaint(complaint_id, current_user))


@bp.route(f"/<int:complaint_id>/actions/<any({', '.join(a.value for a in ComplaintAction)}):complaint_action>",
          methods=["POST"])
@allow(*FIELD)
def act(complaint_id: int, complaint_action: str):
    complaint = service.load_complaint(complaint_id, current_user)
    form = _action_form(complaint_action, complaint, request.form)
    if form.validate_on_submit():
        body = {name: field.data for name, field in form._fields.items()
                if name not in ("submit", "csrf_token") and field.data not in (None, "")}
        if "into" in body:
            into = str(body["into"]).strip()
            body["into"] = int(into) if into.isdigit() and len(into) <= 12 else -1
        try:
            service.run_action(current_user, complaint, complaint_action, body)
        except (Invalid, Forbidden, Conflict) as error:
            db.session.rollback()
            if isinstance(error, Invalid):
                apply_errors(form, error)
            else:
                form.form_errors.append(str(error))
            complaint = service.load_complaint(complaint_id, current_user)
        else:
            flash(_("Done: %(number)s.", number=complaint.number), "success")
            if not service.may_see(service.reload(complaint_id), current_user):  # transferred out of the unit
                return redirect(url_for("complaints.index"))
            return redirect(url_for("complaints.show", complaint_id=complaint_id))
    return _show(complaint, (complaint_action, form), 422)

"""Complaints and reports from the public (DOMAIN.md §11): the public form with its receipt, and the tracking
page. Every rule is tracker.services.complaints'."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from limits import parse as parse_limit

from tracker.extensions import limiter
from tracker.services import complaints as service
from tracker.services.errors import Invalid, NotFound
from tracker.services.rulebooks import current_rulebook
from tracker.services.units import unit_list
from tracker.web.access import PUBLIC, allow
from tracker.web.complaints.forms import PublicComplaintForm, TrackForm
from tracker.web.errors import render_error
from tracker.web.forms import apply_errors
from tracker.web.labels import options
from tracker.services.localisation import lazy_gettext as _l

log = logging.getLogger(__name__)

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

# The API's scope (tracker.api.complaints.INTAKE_SCOPE): the form and POST /api/v1/complaints share one count.
INTAKE_SCOPE = "complaints-intake"
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
KIND_LABELS = {"complaint": _l("Complaint"), "report": _l("Report")}
LABELS = {"status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS}


def _intake_limit():
    return parse_limit(current_app.config.get("COMPLAINT_INTAKE_LIMIT") or current_rulebook().complaints.intake_limit)


def _over_the_limit():
    """A public intake over the per-address limit: the 429 page (the counter store down: let it through)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    item = _intake_limit()
    try:
        allowed = limiter.limiter.hit(item, INTAKE_SCOPE, request.remote_addr or "")
    except Exception:
        log.exception("rate-limit storage unavailable")
        return None
    if allowed:
        return None
    page, status = render_error(429, _("Too many complaints from your address. Try again in %(s)s seconds.",
                                       s=item.get_expiry()))
    return page, status, {"Retry-After": str(item.get_expiry())}


def _prepare(form: PublicComplaintForm) -> None:
    form.town.choices = options([("", _("— choose —"))] + [(code, name) for code, name in unit_list()])
    commodities = sorted(current_rulebook().commodities.values(), key=lambda c: c.code)
    form.commodity.choices = options([("", _("— none or other —"))] + [(c.code, c.name.render()) for c in commodities])


def _data(form: PublicComplaintForm) -> dict:
    person = None
    if form.anonymous.data != "yes":
        name, phone = (form.person_name.data or "").strip(), (form.person_phone.data or "").strip()
        person = {"name": name or None, "phone": phone or None}
    return {
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
    if form.validate_on_submit():
        refused = _over_the_limit()
        if refused is not None:
            return refused
        try:
            intake = service.file_complaint(None, _data(form))
        except Invalid as error:
            _apply(form, error)
        else:
            # Shown once, never in a URL: the code is kept only hashed.
            return render_template("complaints/receipt.html", receipt=service.public_receipt(intake))
    return render_template("complaints/new.html", form=form)


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

"""Inspections: list, log, record observations, evidence and violations, submit, amend."""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_timezone, gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from tracker.domain.vocabulary import InspectionOutcome, Role
from tracker.extensions import db
from tracker.models import (
    Evidence,
    Inspection,
    InspectionAmendment,
    Premises,
    PriceEmergency,
    User,
    Violation,
)
from tracker.services import clock
from tracker.services import evidence as evidence_service, fieldkit, inspections as service
from tracker.services.errors import Conflict, Invalid, NotFound
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import get_visible
from tracker.services.wording import day
from tracker.web.access import FIELD, READERS, allow
from tracker.services.listings import dataset
from tracker.web.exports.filters import read_filters
from tracker.web.cases.forms import OnTheSpotForm, OpenCaseForm
from tracker.web.forms import apply_errors, to_utc
from tracker.web.labels import commodity_name, options
from tracker.web.inspections.forms import (
    AmendmentForm,
    EvidenceForm,
    InspectionFilterForm,
    ObservationFilterForm,
    ObservationForm,
    SubmitInspectionForm,
    ViolationFilterForm,
    ViolationForm,
    inspection_form_class,
)
from tracker.web.pagination import paginate
from tracker.web.security import PERMISSIONS_POLICY

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
# What the evidence form's script fills in on the device (static/evidence.js).
EVIDENCE_DECLARED = ("sha256", "taken_at", "latitude", "longitude", "accuracy_m")
# The inspection page may ask for the device's position, for the photos taken there (the officer's browser asks them).
PAGE_PERMISSIONS = {"Permissions-Policy": PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")}

DETAIL = (
    joinedload(Inspection.premises),
    joinedload(Inspection.unit),
    joinedload(Inspection.lead_officer),
    joinedload(Inspection.second_officer),
    joinedload(Inspection.emergency),
    selectinload(Inspection.observations),
    selectinload(Inspection.evidence),
    selectinload(Inspection.violations).selectinload(Violation.observations),
    selectinload(Inspection.violations).selectinload(Violation.evidence),
    selectinload(Inspection.amendments).joinedload(InspectionAmendment.amended_by),
)


def _load(inspection_id: int) -> Inspection:
    return get_visible(Inspection, inspection_id, current_user, *DETAIL)


@bp.route("/")
@allow(*READERS)
def index():
    filters, stmt = read_filters(InspectionFilterForm, "inspections")
    return render_template("inspections/index.html", page=paginate(stmt), filters=filters)


@bp.route("/observations")
@allow(*READERS)
def observations():
    filters, stmt = read_filters(ObservationFilterForm, "observations")
    return render_template(
        "inspections/observations.html", page=paginate(stmt), filters=filters, dataset=dataset("observations")
    )


@bp.route("/violations")
@allow(*READERS)
def violations():
    filters, stmt = read_filters(ViolationFilterForm, "violations")
    return render_template(
        "inspections/violations.html", page=paginate(stmt), filters=filters, dataset=dataset("violations")
    )


def _inspection_form(premises: Premises, obj: Inspection | None = None):
    rulebook = current_rulebook()
    form = inspection_form_class(rulebook.checklist)(obj=obj)
    officers = db.session.scalars(
        sa.select(User)
        .where(
            User.unit_id == premises.unit_id,
            User.role.in_([Role.OFFICER, Role.SUPERVISOR]),
            User.is_active_account.is_(True),
        )
        .order_by(User.username)
    ).all()
    officer_choices = options([("", _("— choose —"))] + [(u.username, f"{u.display_name} ({u.username})") for u in officers])
    form.lead_officer.choices = officer_choices
    form.second_officer.choices = officer_choices
    emergencies = db.session.scalars(sa.select(PriceEmergency).order_by(PriceEmergency.starts_on.desc())).all()
    form.emergency_id.choices = options([("", _("None"))] + [(e.id, e.name) for e in emergencies])
    if request.method == "GET":
        form.premises_id.data = str(premises.id)
        if obj is not None:
            form.lead_officer.data = obj.lead_officer.username
            form.second_officer.data = obj.second_officer.username
            form.type.data = obj.type.value
            form.emergency_id.data = str(obj.emergency_id or "")
            form.started_at.data = obj.started_at.astimezone(get_timezone()).replace(tzinfo=None)
            for code, answer in obj.checklist.items():
                if f"check_{code}" in form._fields:
                    form[f"check_{code}"].data = answer
        else:
            form.lead_officer.data = current_user.username
            form.started_at.data = clock.now(str(get_timezone())).replace(tzinfo=None, second=0, microsecond=0)
            active = [e for e in emergencies if e.in_force_on(form.started_at.data.date())]
            if active:
                form.emergency_id.data = str(active[0].id)
    return form


def _inspection_data(form) -> service.InspectionData:
    checklist = {
        name.removeprefix("check_"): field.data
        for name, field in form._fields.items()
        if name.startswith("check_") and field.data
    }
    return service.InspectionData(
        premises_id=int(form.premises_id.data),
        started_at=to_utc(form.started_at.data),
        lead_officer=form.lead_officer.data,
        second_officer=form.second_officer.data,
        type=form.type.data,
        emergency_id=int(form.emergency_id.data) if form.emergency_id.data else None,
        checklist=checklist,
        notes=form.notes.data or "",
    )


def _checklist_fields(form):
    return [field for name, field in form._fields.items() if name.startswith("check_")]


@bp.route("/new", methods=["GET", "POST"])
@allow(*FIELD)
def create():
    premises_id = request.values.get("premises_id", type=int)
    if premises_id is None:
        flash(_("Choose the premises to inspect first."), "info")
        return redirect(url_for("premises.index"))
    premises = get_visible(Premises, premises_id, current_user)
    form = _inspection_form(premises)
    if form.validate_on_submit():
        try:
            inspection = service.start_inspection(current_user, _inspection_data(form))
        except Invalid as error:
            apply_errors(form, error)
        else:
            flash(_("Inspection started. Record prices, evidence and violations, then submit."), "success")
            return redirect(url_for("inspections.show", inspection_id=inspection.id))
    return render_template(
        "inspections/form.html", form=form, premises=premises, inspection=None, checklist=_checklist_fields(form)
    )


@bp.route("/<int:inspection_id>/edit", methods=["GET", "POST"])
@allow(*FIELD)
def edit(inspection_id: int):
    inspection = _load(inspection_id)
    form = _inspection_form(inspection.premises, inspection)
    if form.validate_on_submit():
        try:
            service.update_inspection(current_user, inspection, _inspection_data(form))
        except Invalid as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Inspection saved."), "success")
            return redirect(url_for("inspections.show", inspection_id=inspection.id))
    return render_template(
        "inspections/form.html",
        form=form,
        premises=inspection.premises,
        inspection=inspection,
        checklist=_checklist_fields(form),
    )


def _forms(inspection: Inspection, **given):
    """The forms shown on an inspection page, with the rulebook's and the record's choices."""
    rulebook = current_rulebook()
    forms = {
        "observation": given.get("observation") or ObservationForm(),
        "evidence": given.get("evidence") or EvidenceForm(),
        "violation": given.get("violation") or ViolationForm(),
        "submit": given.get("submit") or SubmitInspectionForm(),
        "amendment": given.get("amendment") or AmendmentForm(),
    }
    forms["observation"].commodity.choices = options(
        (c.code, f"{c.name} ({c.unit})") for c in rulebook.commodities.values()
    )
    forms["observation"].offer_baseline.render_kw = {
        **forms["observation"].offer_baseline.render_kw,
        "formaction": url_for("inspections.show", inspection_id=inspection.id) + "#observation",
    }
    violation = forms["violation"]
    violation.code.choices = options((v.code, f"{v.title} — {v.legal_basis}") for v in rulebook.violations.values())
    violation.observation_ids.choices = [
        (o.id, f"#{o.id} {commodity_name(o.commodity)} {o.price}")
        for o in inspection.observations
    ]
    violation.evidence_ids.choices = [(e.id, f"#{e.id} {e.original_name}") for e in inspection.evidence]
    return forms


@bp.route("/<int:inspection_id>")
@allow(*READERS)
def show(inspection_id: int):
    if "csrf_token" in request.args:  # the price form asked for a baseline: its token stays out of the address bar
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("csrf_token", "offer_baseline")]
        return redirect(url_for("inspections.show", inspection_id=inspection_id) + "?" + urlencode(kept) + "#observation")
    inspection = _load(inspection_id)
    forms = _forms(inspection, observation=_observation_with_baseline(inspection))
    suggest = request.args.get("suggest_violation", type=int)
    if suggest and inspection.is_draft:
        observation = service.get_observation(inspection, suggest)
        forms["violation"].observation_ids.data = [observation.id]
        forms["violation"].code.data = service.suggested_violation(observation)
    return _render_show(inspection, forms)


def _observation_with_baseline(inspection: Inspection) -> ObservationForm | None:
    """The price form as the officer left it when they asked for the baseline (its fields come back in the query):
    the baseline price and cost offered from the premises' last observation of that commodity on or before the
    emergency's baseline date, where they are still empty; the officer confirms or changes them."""
    code = request.args.get("commodity")
    if not code or not inspection.is_draft or not current_user.can_edit_records:
        return None
    form = ObservationForm(formdata=request.args)
    offer = fieldkit.baseline_offer(inspection, code)
    found = offer.baseline
    if found is not None:
        for field, value in ((form.baseline_price, found.price), (form.baseline_cost, found.cost)):
            if field.data is None and value is not None:
                field.data, field.raw_data = value, None  # shown from data, not from the empty box sent
        form.baseline_price.description = _(
            "Offered from the observation of %(on)s (inspection #%(id)s), the last on or before the baseline date "
            "%(baseline)s: confirm or change it.", on=day(found.on), id=found.inspection_id,
            baseline=day(offer.baseline_date))
    elif offer.applies:
        form.baseline_price.description = _(
            "No observation of this commodity here on or before the baseline date %(baseline)s: enter the baseline "
            "if you have one.", baseline=day(offer.baseline_date))
    else:
        form.baseline_price.description = _("No price emergency covers this commodity on the inspection's day: "
                                             "there is no baseline to offer.")
    return form


def _render_show(inspection: Inspection, forms: dict, status: int = 200):
    open_case = on_the_spot = None
    free = [v for v in inspection.violations if v.case_id is None]
    if current_user.can_edit_records and inspection.outcome is InspectionOutcome.REFERRED and free:
        open_case = OpenCaseForm(inspection_id=inspection.id)
        on_the_spot = OnTheSpotForm(prefix="spot", inspection_id=inspection.id)
        for form in (open_case, on_the_spot):
            form.violation_ids.choices = options((v.id, f"#{v.id} {v.code}") for v in free)
            form.violation_ids.data = [v.id for v in free]
    return (
        render_template(
            "inspections/show.html",
            inspection=inspection,
            forms=forms,
            open_case=open_case,
            on_the_spot=on_the_spot,
            rulebook=current_rulebook(),
            can_edit=current_user.can_edit_records,
            missing=service.missing_for_submission(inspection),
        ),
        status,
        PAGE_PERMISSIONS,
    )


def _post(inspection_id: int, form_name: str, action):
    """Run one form of the inspection page through its service call; re-render with errors."""
    inspection = _load(inspection_id)
    forms = _forms(inspection)
    form = forms[form_name]
    if form.validate_on_submit():
        try:
            message = action(inspection, form)
        except Conflict as error:
            db.session.rollback()
            flash(str(error), "warning")
            return redirect(url_for("inspections.show", inspection_id=inspection_id))
        except Invalid as error:
            db.session.rollback()
            inspection = _load(inspection_id)
            apply_errors(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("inspections.show", inspection_id=inspection_id))
    return _render_show(inspection, forms, 422)


@bp.route("/<int:inspection_id>/observations", methods=["POST"])
@allow(*FIELD)
def add_observation(inspection_id: int):
    def action(inspection, form):
        data = service.ObservationData(
            **{name: form[name].data for name in (
                "commodity", "price", "unit_of_sale", "marked_price", "cost", "cost_invoice",
                "baseline_price", "baseline_cost", "quantity_sold", "fees", "baseline_fees", "bundled",
            )}
        )
        observation = service.record_observation(current_user, inspection, data)
        if observation.flagged:
            return _("Observation recorded. The price tests flagged it: see below.")
        return _("Observation recorded. No price test flagged it.")

    return _post(inspection_id, "observation", action)


@bp.route("/<int:inspection_id>/evidence", methods=["POST"])
@allow(*FIELD)
def add_evidence(inspection_id: int):
    def action(inspection, form):
        upload = form.file.data
        declared = {name: form[name].data or None for name in EVIDENCE_DECLARED}
        evidence = evidence_service.attach_evidence(
            current_user, inspection, upload.stream, upload.filename, form.description.data, **declared
        )
        if evidence.flags:
            return _("Evidence stored (SHA-256 %(hash)s). Its time or place of capture is flagged: see the evidence.",
                     hash=evidence.sha256[:16] + "…")
        return _("Evidence stored (SHA-256 %(hash)s).", hash=evidence.sha256[:16] + "…")

    return _post(inspection_id, "evidence", action)


@bp.route("/<int:inspection_id>/evidence/<int:evidence_id>")
@allow(*READERS)
def evidence_file(inspection_id: int, evidence_id: int):
    inspection = _load(inspection_id)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.inspection_id != inspection.id:
        raise NotFound(_("No such evidence."))
    response = send_file(
        evidence_service.evidence_path(evidence),
        mimetype=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        download_name=evidence_service.evidence_download_name(evidence),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:inspection_id>/violations", methods=["POST"])
@allow(*FIELD)
def add_violation(inspection_id: int):
    def action(inspection, form):
        service.record_violation(
            current_user,
            inspection,
            form.code.data,
            form.observation_ids.data,
            form.evidence_ids.data,
            form.description.data,
        )
        return _("Violation recorded.")

    return _post(inspection_id, "violation", action)


@bp.route("/<int:inspection_id>/submit", methods=["POST"])
@allow(*FIELD)
def submit(inspection_id: int):
    def action(inspection, form):
        service.submit_inspection(current_user, inspection, form.outcome.data, form.reinspect_on.data)
        return _("Inspection submitted. It is now read-only.")

    return _post(inspection_id, "submit", action)


@bp.route("/<int:inspection_id>/amend", methods=["POST"])
@allow(*FIELD)
def amend(inspection_id: int):
    def action(inspection, form):
        service.amend_inspection(current_user, inspection, form.field.data, form.new_value.data, form.reason.data)
        return _("Amendment recorded.")

    return _post(inspection_id, "amendment", action)


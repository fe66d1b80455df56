"""Administration: units, accounts, price emergencies, the rulebook in force."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone, gettext as _
from flask_login import current_user

from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import PriceEmergency, Unit, User
from tracker.services import accounts, adminlog
from tracker.services.emergencies import EmergencyData, declare_emergency
from tracker.services.errors import Invalid, NotFound
from tracker.services.rulebooks import current_rulebook
from tracker.web.access import allow
from tracker.web.admin.forms import (
    ACTION_SOURCE_LABELS,
    ADMIN_ACTION_FIELDS,
    ADMIN_ACTION_LABELS,
    SIGN_IN_REASON_LABELS,
    TARGET_KIND_LABELS,
    AdminActionFilterForm,
    EmergencyForm,
    PasswordResetForm,
    SignInFilterForm,
    ToggleActiveForm,
    UnitForm,
    UserForm,
)
from tracker.web.forms import apply_errors
from tracker.web.labels import options
from tracker.web.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = Role.ADMIN


@bp.route("/")
@allow(ADMIN)
def index():
    return render_template("admin/index.html")


@bp.route("/units", methods=["GET", "POST"])
@allow(ADMIN)
def units():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            accounts.create_unit(form.code.data, form.name.data, form.timezone.data, actor=current_user)
        except Invalid as error:
            apply_errors(form, error)
        else:
            flash(_("Unit created."), "success")
            return redirect(url_for("admin.units"))
    page = paginate(sa.select(Unit).order_by(Unit.code))
    return render_template("admin/units.html", form=form, page=page)


def _unit_choices():
    units = db.session.scalars(sa.select(Unit).order_by(Unit.code)).all()
    return options([("", _("— none (auditors, administrators) —"))] + [(u.code, f"{u.code} {u.name}") for u in units])


@bp.route("/users", methods=["GET", "POST"])
@allow(ADMIN)
def users():
    form = UserForm()
    form.unit.choices = _unit_choices()
    if form.validate_on_submit():
        try:
            accounts.create_user(
                form.username.data,
                form.role.data,
                form.password.data,
                unit_code=form.unit.data or None,
                legal_reviewer=form.legal_reviewer.data,
                full_name=form.full_name.data or "",
                actor=current_user,
            )
        except Invalid as error:
            apply_errors(form, error)
        else:
            flash(_("Account created."), "success")
            return redirect(url_for("admin.users"))
    page = paginate(sa.select(User).order_by(User.username))
    return render_template("admin/users.html", form=form, page=page, toggle=ToggleActiveForm())


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(ADMIN)
def toggle_active(user_id: int):
    user = _user(user_id)
    if ToggleActiveForm().validate_on_submit():
        try:
            accounts.set_active(user, not user.is_active_account, actor=current_user)
        except Invalid as error:
            flash(str(error), "danger")
        else:
            flash(_("Account %(name)s is now %(state)s.", name=user.username,
                    state=_("active") if user.is_active_account else _("deactivated")), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@allow(ADMIN)
def reset_password(user_id: int):
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data, actor=current_user)
        except Invalid as error:
            apply_errors(form, error)
        else:
            flash(_("Password reset for %(name)s.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/password.html", form=form, user=user)


@bp.route("/emergencies", methods=["GET", "POST"])
@allow(ADMIN)
def emergencies():
    form = EmergencyForm()
    form.categories.choices = options((c.code, c.name) for c in current_rulebook().categories.values())
    if form.validate_on_submit():
        data = EmergencyData(
            name=form.name.data,
            jurisdiction=form.jurisdiction.data or "",
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            baseline_date=form.baseline_date.data,
            categories=form.categories.data,
        )
        try:
            declare_emergency(current_user, data)
        except Invalid as error:
            apply_errors(form, error)
        else:
            flash(_("Price emergency declared."), "success")
            return redirect(url_for("admin.emergencies"))
    page = paginate(sa.select(PriceEmergency).order_by(PriceEmergency.starts_on.desc()))
    return render_template("admin/emergencies.html", form=form, page=page)


@bp.route("/rulebook")
@allow(ADMIN, Role.AUDITOR, Role.SUPERVISOR, Role.OFFICER)
def rulebook():
    return render_template("admin/rulebook.html", rulebook=current_rulebook())


def _log_page(template: str, filters, log, **labels):
    """A log page: ``log`` (a service query) narrowed by the valid ``filters`` of the query string, the days of
    its period read in the reader's time zone, newest first, paged (a fixed number of queries)."""
    tz = str(get_timezone())
    page = paginate(log(**filters.values(), tz=tz))
    return render_template(template, filters=filters, page=page, tz=tz, **labels)


@bp.route("/sign-ins")
@allow(ADMIN, Role.AUDITOR)
def sign_ins():
    """The sign-in log: every sign-in and failed sign-in."""
    return _log_page("admin/sign_ins.html", SignInFilterForm(request.args), accounts.sign_in_log,
                     reasons=SIGN_IN_REASON_LABELS)


@bp.route("/actions")
@allow(ADMIN, Role.AUDITOR)
def actions():
    """The administrators' actions: every change to units, accounts, emergencies and administrators' tokens."""
    return _log_page("admin/actions.html", AdminActionFilterForm(request.args), adminlog.admin_action_log,
                     actions=ADMIN_ACTION_LABELS, sources=ACTION_SOURCE_LABELS, kinds=TARGET_KIND_LABELS,
                     fields=ADMIN_ACTION_FIELDS)

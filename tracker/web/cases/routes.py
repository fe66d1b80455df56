"""Cases: list, my work, the case page with the actions the user may take, printable notices."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from tracker.domain.history import verify_chain
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import check_penalty
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import Case, CaseEvent, CaseOfficer, Inspection, Premises, User
from tracker.services import cases as service
from tracker.services.errors import Conflict, Invalid
from tracker.services.listings import case_table_rows, dataset, overdue_on
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import get_visible
from tracker.web.access import FIELD, READERS, allow
from tracker.web.exports.filters import read_filters
from tracker.web.cases.forms import (
    ACTION_FORMS,
    CaseFilterForm,
    ComplaintForm,
    AppealForm,
    DecideForm,
    OnTheSpotForm,
    OpenCaseForm,
    PaymentFilterForm,
    PenaltyFilterForm,
)
from tracker.web.forms import apply_errors
from tracker.web.labels import CASE_LABELS, options
from tracker.web.pagination import paginate

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _today(case: Case | None = None) -> date:
    tz = case.unit.timezone if case is not None else (current_user.unit.timezone if current_user.unit else "Asia/Shanghai")
    return service.unit_today(tz)


@bp.route("/")
@allow(*READERS)
def index():
    filters, stmt = read_filters(CaseFilterForm, "cases")
    page = paginate(stmt, rows=case_table_rows)
    return render_template("cases/index.html", page=page, filters=filters, today=_today())


@bp.route("/penalties")
@allow(*READERS)
def penalties():
    filters, stmt = read_filters(PenaltyFilterForm, "penalties")
    return render_template("cases/penalties.html", page=paginate(stmt), filters=filters, dataset=dataset("penalties"))


@bp.route("/payments")
@allow(*READERS)
def payments():
    filters, stmt = read_filters(PaymentFilterForm, "payments")
    return render_template("cases/payments.html", page=paginate(stmt), filters=filters, dataset=dataset("payments"))


@bp.route("/mine")
@allow(*FIELD)
def mine():
    today = _today()
    unit_cases = sa.select(Case).where(Case.unit_id == current_user.unit_id)
    if current_user.role is Role.SUPERVISOR:
        waiting = unit_cases.where(Case.state == CaseState.PENALTY_PROPOSED).order_by(Case.proposed_on)
        queue = paginate(unit_cases.where(overdue_on(today)).order_by(Case.next_due_on), rows=case_table_rows)
        title = _("Approvals waiting and overdue cases in your unit")
    else:
        mine_ = sa.select(CaseOfficer.case_id).where(CaseOfficer.user_id == current_user.id)
        waiting = None
        queue = paginate(
            unit_cases.where(Case.id.in_(mine_), Case.state != CaseState.CLOSED)
            .order_by(Case.next_due_on.is_(None), Case.next_due_on),
            rows=case_table_rows,
        )
        title = _("Your open cases, nearest deadline first")
    approvals = db.session.execute(case_table_rows(waiting.limit(50))).all() if waiting is not None else []
    return render_template("cases/mine.html", approvals=approvals, queue=queue, title=title, today=today)


def _opened(form, open_it, done, incomplete: str, back: str):
    """Run a case-opening service from a small form; flash what happened and go on."""
    if not form.validate_on_submit():
        flash(incomplete, "danger")
        return redirect(back)
    try:
        case = open_it()
    except Invalid as error:
        db.session.rollback()
        flash(" ".join(m for ms in error.errors.values() for m in ms) or str(error), "danger")
        return redirect(back)
    flash(done(case.number), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _inspection_form(form_class, prefix: str = ""):
    key = f"{prefix}-inspection_id" if prefix else "inspection_id"
    inspection = get_visible(Inspection, request.form.get(key, type=int) or 0, current_user)
    form = form_class(prefix=prefix)
    form.violation_ids.choices = options((v.id, v.code) for v in inspection.violations)
    return inspection, form


@bp.route("/open", methods=["POST"])
@allow(*FIELD)
def open_from_inspection():
    inspection, form = _inspection_form(OpenCaseForm)
    return _opened(
        form,
        lambda: service.open_case(current_user, inspection_id=inspection.id, violation_ids=form.violation_ids.data),
        lambda number: _("Case %(number)s opened.", number=number),
        _("Choose at least one violation."),
        url_for("inspections.show", inspection_id=inspection.id),
    )


@bp.route("/on-the-spot", methods=["POST"])
@allow(*FIELD)
def on_the_spot():
    inspection, form = _inspection_form(OnTheSpotForm, "spot")
    return _opened(
        form,
        lambda: service.decide_on_the_spot(
            current_user, inspection.id, form.lines(), form.method.data, form.violation_ids.data
        ),
        lambda number: _("Case %(number)s decided on the spot.", number=number),
        _("Choose the violations and the penalty."),
        url_for("inspections.show", inspection_id=inspection.id),
    )


@bp.route("/complaint/<int:premises_id>", methods=["POST"])
@allow(*FIELD)
def open_from_complaint(premises_id: int):
    premises = get_visible(Premises, premises_id, current_user)
    form = ComplaintForm()
    return _opened(
        form,
        lambda: service.open_case(
            current_user, premises_id=premises.id, complaint=form.complaint.data, received_on=form.received_on.data
        ),
        lambda number: _("Case %(number)s opened.", number=number),
        _("Give the complaint and the date it was received."),
        url_for("premises.show", premises_id=premises.id),
    )


def _unit_people(case: Case, roles) -> list[User]:
    return db.session.scalars(
        sa.select(User)
        .where(User.unit_id == case.unit_id, User.role.in_(roles), User.is_active_account.is_(True))
        .order_by(User.username)
    ).all()


def _action_forms(case: Case, allowed: list[CaseAction], posted: dict | None = None) -> dict:
    """A form for each action the user may take, with the case's people as choices."""
    forms = {}
    people = None
    for action in allowed:
        form = (posted or {}).get(action) or ACTION_FORMS[action](prefix=action.value)
        form.version.data = str(case.version)
        if isinstance(form, AppealForm):
            form.offer_outcomes(service.allowed_appeal_outcomes(case, current_user))
        if hasattr(form, "officers") or hasattr(form, "host") or hasattr(form, "participants"):
            people = people if people is not None else _unit_people(case, [Role.OFFICER, Role.SUPERVISOR])
            if hasattr(form, "officers"):
                form.officers.choices = options((u.username, u.display_name) for u in people)
                if not form.officers.data:
                    form.officers.data = [o.user.username for o in case.officers]
            if hasattr(form, "host"):
                case_officers = {o.user_id for o in case.officers}
                form.host.choices = options(
                    (u.username, u.display_name) for u in people if u.role is Role.SUPERVISOR and u.id not in case_officers
                )
            if hasattr(form, "participants"):
                form.participants.choices = options(
                    (u.username, u.display_name) for u in people if u.role is Role.SUPERVISOR
                )
        forms[action] = form
    return forms


def _page(case: Case, forms: dict, status: int = 200):
    today = _today(case)
    rulebook = current_rulebook()
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    penalty = service.current_penalty(case)
    range_check = None
    if penalty is not None:
        rules = [rulebook.violation(v.code).penalty for v in case.violations if v.code in rulebook.violations]
        range_check = check_penalty(penalty, rules, case.operator_type.value, case.severity or "ordinary", case.illegal_gains)
    return (
        render_template(
            "cases/show.html",
            case=case,
            forms=forms,
            events=events,
            chain_breaks=verify_chain([e.as_item() for e in events]) if current_user.role is Role.AUDITOR else None,
            deadlines=service.deadlines_of(case, today),
            balance=service.money_account(case, today),
            penalty=penalty,
            range_check=range_check,
            rulebook=rulebook,
            today=today,
        ),
        status,
    )


@bp.route("/<int:case_id>")
@allow(*READERS)
def show(case_id: int):
    case = service.load_case(case_id, current_user)
    return _page(case, _action_forms(case, service.allowed_actions(case, current_user)))


def _posted_forms(case: Case, name: CaseAction, form) -> dict:
    """The case page's forms with the posted one in place (shown even if the action is no longer allowed)."""
    allowed = service.allowed_actions(case, current_user)
    return _action_forms(case, allowed if name in allowed else allowed + [name], {name: form})


@bp.route("/<int:case_id>/actions/<action>", methods=["POST"])
@allow(*FIELD)
def act(case_id: int, action: str):
    case = service.load_case(case_id, current_user)
    try:
        name = CaseAction(action)
    except ValueError:
        abort(404)
    form = ACTION_FORMS[name](prefix=name.value)
    forms = _posted_forms(case, name, form)
    if not form.validate_on_submit():
        return _page(case, forms, 422)
    body = form.body(case.approved_lines) if isinstance(form, DecideForm) else form.body()
    version = request.form.get(f"{name.value}-version", type=int)
    try:
        service.run_action(current_user, case, name.value, body, expected_version=version)
    except Conflict as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(url_for("cases.show", case_id=case_id))
    except Invalid as error:
        db.session.rollback()
        case = service.load_case(case_id, current_user)
        apply_errors(form, error)
        return _page(case, _posted_forms(case, name, form), 422)
    flash(_("%(action)s: recorded.", action=CASE_LABELS[name]), "success")
    return redirect(url_for("cases.show", case_id=case_id))


def _print_templates() -> list[str]:
    """The locale's own document layout when there is one (cases/print_zh.html), else the English one."""
    locale = get_locale()
    return ([f"cases/print_{locale.language}.html"] if locale is not None else []) + ["cases/print.html"]


@bp.route("/<int:case_id>/notice")
@allow(*READERS)
def notice(case_id: int):
    case = service.load_case(case_id, current_user)
    if case.approved_lines is None:
        abort(404)
    return render_template(_print_templates(), case=case, kind="notice", lines=case.approved_lines, rulebook=current_rulebook())


@bp.route("/<int:case_id>/decision")
@allow(*READERS)
def decision(case_id: int):
    case = service.load_case(case_id, current_user)
    if case.decided_lines is None:
        abort(404)
    return render_template(_print_templates(), case=case, kind="decision", lines=case.decided_lines, rulebook=current_rulebook())

"""Oversight for supervisors and auditors: the dashboard and the work queues."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.domain.figures import EARLIEST_YEAR, LATEST_YEAR, PeriodError, parse_period
from tracker.domain.vocabulary import Role
from tracker.services import clock
from tracker.services import dashboard as dashboard_service
from tracker.services import queues as queue_service
from tracker.services.errors import Invalid
from tracker.web.access import READERS, allow
from tracker.web.labels import label, options, violation_title
from tracker.web.locale import select_timezone
from tracker.web.reports.forms import ReportFilterForm
from tracker.web.reports.links import chart, list_url

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _period_message(error: PeriodError) -> str:
    if error.reason == "year":
        return _("Choose a date from %(first)s to %(last)s.", first=EARLIEST_YEAR, last=LATEST_YEAR)
    if error.reason == "order":
        return _("The end of the period comes before its start.")
    return _("Give the date as YYYY-MM-DD.")


def _charts(board: dashboard_service.Dashboard) -> dict:
    """The dashboard's charts: labelled rows, each linked to the list it counts."""
    period = board.link_args
    return {
        "outcomes": chart(
            [(label(c.key), c.count, list_url("inspections.index", outcome=c.key, **period)) for c in board.by_outcome]
            + ([(_("Draft"), board.drafts, list_url("inspections.index", status="draft", **period))] if board.drafts else [])
        ),
        "tests": chart([
            (label(c.key), c.count, list_url("inspections.observations", test=c.key, **period))
            for c in board.flagged_by_test
        ]),
        "codes": chart([
            (violation_title(c.key), c.count, list_url("inspections.violations", code=c.key, **period))
            for c in board.violations_by_code
        ]),
        "states": chart([
            (label(c.key), c.count, list_url("cases.index", state=c.key, **period)) for c in board.cases_by_state
        ]),
        "overdue": chart([
            (label(c.key), c.count, list_url("cases.index", deadline=c.key, overdue=1, **board.unit_args))
            for c in board.overdue_by_deadline
        ]),
        "money": chart([
            (_("Fines imposed"), board.money.fines_imposed, list_url("cases.penalties", kind="fine", **period)),
            (_("Fines collected"), board.money.fines_collected, None),
            (_("Surcharges accrued"), board.money.surcharges_accrued, None),
            (_("Surcharges collected"), board.money.surcharges_collected, None),
        ]),
        "closures": chart([
            (label(c.key), c.count, list_url("cases.penalties", kind=c.key, **period))
            for c in board.closures_ordered_by_kind
        ]),
    }


@bp.route("/")
@allow(Role.SUPERVISOR, Role.AUDITOR)
def dashboard():
    form = ReportFilterForm(request.args)
    units = dashboard_service.units_for(current_user)
    blank = [("", _("All units"))] if current_user.role is Role.AUDITOR else []
    form.unit.choices = options(blank + [(u.code, f"{u.code} · {u.name}") for u in units])
    board, status = None, 200
    if form.validate():
        try:
            unit = dashboard_service.dashboard_unit(current_user, form.unit.data)
            today = clock.today(unit.timezone if unit is not None else select_timezone())
            period = parse_period(form.date_from.data, form.date_to.data, today)
            board = dashboard_service.build_dashboard(unit, period, today)
        except Invalid as error:
            form.unit.errors = list(form.unit.errors) + error.errors.get("unit", [str(error)])
        except PeriodError as error:
            form[error.field].errors = list(form[error.field].errors) + [_period_message(error)]
    if board is None:
        status = 400
    else:
        form.unit.data = board.unit.code if board.unit is not None else ""
        form.date_from.data, form.date_to.data = board.period.date_from, board.period.date_to
    charts = _charts(board) if board is not None else {}
    return render_template("reports/dashboard.html", form=form, board=board, charts=charts, list_url=list_url), status


@bp.route("/queues")
@allow(*READERS)
def queues():
    today = clock.today(select_timezone())
    return render_template(
        "reports/queues.html", queues=queue_service.work_queues(current_user, today), today=today, list_url=list_url
    )

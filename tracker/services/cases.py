"""Enforcement cases: opening, and ONE function, ``run_action``, that runs every lifecycle action for
every entry point (web, API, CLI, demo seeding), so no path can skip a guard.

Each call checks the state, the role and four-eyes (domain.lifecycle), the legal guards, applies the
change, appends the history event chained to the previous one, and commits once.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import caserules, commands
from tracker.domain import lifecycle as lc
from tracker.domain.deadlines import CaseDates, Deadline, case_deadlines
from tracker.domain.figures import due_soon_from
from tracker.domain.history import GENESIS, link
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import (
    Account,
    Penalty,
    PenaltyError,
    PaymentIn,
    account,
    check_penalty,
    hearing_right,
    parse_penalty,
    simplified_allowed,
)
from tracker.domain.vocabulary import InspectionOutcome, PremisesStatus, Role
from tracker.extensions import db
from tracker.models import (
    Appeal,
    Case,
    CaseEvent,
    CaseOfficer,
    CasePause,
    DeadlineExtension,
    Inspection,
    Payment,
    Premises,
    User,
)
from tracker.services import clock
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from tracker.services.localisation import lazy_gettext as _l
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import require_field_role
from tracker.services.wording import appeal_kind, deadline_name, listed, whole

MEETS = caserules.MEETS
SERVICE_METHODS = commands.SERVICE_METHODS
TRANSFER_TO = commands.TRANSFER_TO
APPEAL_KINDS = commands.APPEAL_KINDS
APPEAL_OUTCOMES = lc.APPEAL_OUTCOMES
STALE = _l("This case changed meanwhile: reload it and try again.")

CASE_DETAIL = (
    selectinload(Case.officers).joinedload(CaseOfficer.user),
    selectinload(Case.violations),
    selectinload(Case.payments),
    selectinload(Case.appeals),
    selectinload(Case.extensions),
    selectinload(Case.pauses),
)


# ------------------------------------------------------------------------------------------ helpers


def unit_today(case_or_unit_tz: str) -> date:
    """Today in the unit's time zone, on the business clock (tracker.services.clock)."""
    return clock.today(case_or_unit_tz)


def as_actor(user: User) -> lc.Actor:
    """The domain's view of a user."""
    return lc.Actor(id=user.id, role=user.role.value, unit_id=user.unit_id, legal_reviewer=user.legal_reviewer)


def case_facts(case: Case) -> lc.CaseFacts:
    """The domain's view of a case."""
    return lc.CaseFacts(
        state=case.state,
        unit_id=case.unit_id,
        case_officer_ids=frozenset(o.user_id for o in case.officers),
        inspector_ids=frozenset(o.user_id for o in case.officers if o.inspected),
        proposer_id=case.proposed_by_id,
        major=case.major,
        last_step_on=case.last_step_on,
    )


def penalty_of(lines: list | None) -> Penalty | None:
    """A stored list of penalty lines as a domain Penalty."""
    return parse_penalty(lines) if lines else None


def current_penalty(case: Case) -> Penalty | None:
    """The penalty in force: decided (or varied on appeal), else approved, else proposed."""
    return penalty_of(case.decided_lines or case.approved_lines or case.proposed_lines)


def _appeal_periods(case: Case) -> list[tuple[date, date | None]]:
    return [(a.lodged_on, a.outcome_on if a.outcome != "pending" else None) for a in case.appeals]


def money_account(case: Case, today: date) -> Account | None:
    """Fine, confiscation, surcharge, payments and what is still due, or None before a decision."""
    return account_of(penalty_of(case.decided_lines), case.withdrawn_on, case.payment_due_on,
                      [PaymentIn(p.on, p.amount) for p in case.payments], _appeal_periods(case), today)


def account_of(decided: Penalty | None, withdrawn_on: date | None, payment_due_on: date | None,
               payments: list[PaymentIn], appeal_periods: list[tuple[date, date | None]], today: date,
               rate: Decimal | None = None) -> Account | None:
    """``money_account`` from a case's decided penalty and plain columns (for reports that read thousands of
    cases as rows; ``rate``: the rulebook's late-payment rate, read once by such a caller)."""
    if decided is None or withdrawn_on is not None:
        return None
    if rate is None:
        rate = current_rulebook().late_payment_daily_rate or Decimal("0")
    return account(decided.fine, decided.confiscation, payment_due_on, payments, rate, today, appeal_periods)


def deadlines_of(case: Case, today: date) -> list[Deadline]:
    """The case's deadlines with their status on ``today``."""
    decided = penalty_of(case.decided_lines)
    extensions: dict[str, int] = {}
    for extension in case.extensions:
        extensions[extension.deadline] = extensions.get(extension.deadline, 0) + extension.days
    dates = CaseDates(
        clue_on=case.clue_on,
        filed_on=case.filed_on,
        declined_on=case.declined_on,
        proposed_on=case.proposed_on,
        reviewed_on=case.reviewed_on,
        notice_served_on=case.notice_served_on,
        decided_on=case.decided_on,
        decision_served_on=case.decision_served_on,
        settled_on=case.settled_on,
        closable_on=case.closable_on,
        closed_on=case.closed_on,
        published_on=case.published_on,
        pauses=tuple((p.starts_on, p.ends_on) for p in case.pauses),
        extensions=extensions,
        publishable=decided is not None and not decided.warning_only,
        has_money=decided is not None and decided.money_total > 0,
    )
    return case_deadlines(dates, current_rulebook(), today)


def _refresh_next_deadline(case: Case, today: date) -> None:
    # While a pause is open (suspension, pending hearing) the decision clock stands still: its due
    # date moves daily, so it is not stored as the next deadline until the pause ends.
    paused = any(p.ends_on is None for p in case.pauses)
    open_ones = [
        d for d in deadlines_of(case, today)
        if d.status.value != "met" and not d.hard and not (paused and d.name == "decision")
    ]
    nearest = min(open_ones, key=lambda d: d.due_on, default=None)
    case.next_deadline = nearest.name if nearest else None
    case.next_due_on = nearest.due_on if nearest else None
    case.next_due_soon_on = due_soon_from(nearest.starts_on, nearest.due_on) if nearest else None


def _parse_date(value, field: str, default: date | None = None) -> date | None:
    if value is None or value == "":
        return default
    with _as_invalid():
        return commands.parse_day(value, field)


def _text(value, field: str, required: bool = False, limit: int = commands.REASON_MAX) -> str:
    with _as_invalid():
        return commands.parse_text(value, field, limit, required)


@contextmanager
def _rules():
    """A refusal of the domain's rules (lifecycle, case rules) as the service's error: 403, 409 or 422."""
    try:
        yield
    except lc.ActionRefused as error:
        raise _refused(error) from None


@contextmanager
def _as_invalid():
    """A body that does not fit its command is a 422 naming the field."""
    try:
        yield
    except commands.CommandInvalid as error:
        raise Invalid.field(error.field, str(error)) from None


def _penalty(raw, field: str = "lines") -> Penalty:
    try:
        return parse_penalty(raw)
    except PenaltyError as error:
        name = error.field if error.field.startswith(field) else f"{field}.{error.field}" if error.field else field
        raise Invalid(str(error), {name: [str(error)]}) from None


def _unit_member(username, unit_id: int, field: str, roles=(Role.OFFICER, Role.SUPERVISOR)) -> User:
    user = db.session.scalar(
        sa.select(User).where(
            User.username == str(username or "").strip().lower(),
            User.unit_id == unit_id,
            User.role.in_(roles),
            User.is_active_account.is_(True),
        )
    )
    if user is None:
        raise Invalid.field(field, _("%(username)s is not an active officer or supervisor of this unit.", username=repr(username)))
    return user


def _refused(error: lc.ActionRefused) -> ServiceError:
    if isinstance(error, lc.NotPermitted):
        return Forbidden(str(error))
    if isinstance(error, lc.WrongState):
        return Conflict(str(error))
    return Invalid(str(error), {error.field or "on": [str(error)]})


# ------------------------------------------------------------------------------------------ opening


def _next_number(unit, year: int) -> tuple[int, str]:
    last = db.session.scalar(
        sa.select(sa.func.max(Case.sequence)).where(Case.unit_id == unit.id, Case.year == year)
    )
    sequence = (last or 0) + 1
    return sequence, f"{unit.code}-{year}-{sequence:04d}"


def _snapshot(premises: Premises) -> dict:
    return {
        "name": premises.name,
        "kind": premises.kind.value,
        "operator_name": premises.operator_name,
        "operator_type": premises.operator_type.value,
        "credit_code": premises.credit_code,
        "address": premises.address,
        "phone": premises.phone,
        "status": premises.status.value,
    }


def append_event(case: Case, actor: User, action: str, on: date, from_state, data: dict, reason: str | None) -> None:
    """Append a history event to the case, chained to the previous one (the caller commits)."""
    previous = case.events[-1] if case.events else None
    item = link(
        {
            "seq": (previous.seq if previous else 0) + 1,
            "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
            "on": on.isoformat(),
            "actor": actor.username,
            "role": actor.role.value,
            "action": action,
            "from_state": from_state.value if from_state else None,
            "to_state": case.state.value,
            "data": data,
            "reason": reason or None,
        },
        previous.hash if previous else GENESIS,
    )
    db.session.add(CaseEvent(case=case, **item))


SQLITE_BUSY = 5


@contextmanager
def _undone_on_refusal():
    """A refusal half-way through an action leaves nothing behind in the session."""
    try:
        yield
    except ServiceError:
        db.session.rollback()
        raise


def _commit_or_conflict() -> None:
    """Commit once; a lost race (stale version, duplicate event, SQLite busy) is a Conflict."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise Conflict(str(STALE)) from None
    except OperationalError as error:
        db.session.rollback()
        if getattr(error.orig, "sqlite_errorcode", 0) & 0xFF == SQLITE_BUSY:
            raise Conflict(str(STALE)) from None
        raise


def open_case(
    actor: User,
    *,
    inspection_id: int | None = None,
    violation_ids: list[int] | None = None,
    premises_id: int | None = None,
    complaint: str | None = None,
    received_on=None,
    today: date | None = None,
) -> Case:
    """Open a clue from a referred inspection's violations, or from a complaint about a premises."""
    require_field_role(actor)
    today = today or unit_today(actor.unit.timezone)
    case = _new_case(actor, inspection_id, violation_ids, premises_id, complaint, received_on, today)
    _refresh_next_deadline(case, today)
    _commit_or_conflict()
    return case


def _new_case(actor: User, inspection_id, violation_ids, premises_id, complaint, received_on, today: date) -> Case:
    """A new clue with its violations, officers and first history event (not committed)."""
    unit = actor.unit
    officers: list[tuple[User, bool]] = []
    if inspection_id is not None:
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None or inspection.unit_id != actor.unit_id:
            raise Invalid.field("inspection_id", _("No such inspection in your unit."))
        if inspection.is_draft or inspection.outcome is not InspectionOutcome.REFERRED:
            raise Invalid.field("inspection_id", _("Only a submitted inspection referred for action opens a case."))
        wanted = list(dict.fromkeys(violation_ids or [v.id for v in inspection.violations if v.case_id is None]))
        by_id = {v.id: v for v in inspection.violations}
        if not wanted:
            raise Invalid.field("violation_ids", _("Choose at least one violation of the inspection."))
        if any(i not in by_id for i in wanted):
            raise Invalid.field("violation_ids", _("Choose violations of this inspection only."))
        taken = [i for i in wanted if by_id[i].case_id is not None]
        if taken:
            raise Invalid.field("violation_ids", _("Violations already in a case: %(ids)s.", ids=listed(taken)))
        premises = inspection.premises
        clue_on = inspection.started_at.astimezone(ZoneInfo(unit.timezone)).date()
        violations = [by_id[i] for i in wanted]
        officers = [(inspection.lead_officer, True), (inspection.second_officer, True)]
        complaint_text = ""
    else:
        premises = db.session.get(Premises, premises_id) if isinstance(premises_id, int) else None
        if premises is None or premises.unit_id != actor.unit_id:
            raise Invalid.field("premises_id", _("No such premises in your unit."))
        complaint_text = _text(complaint, "complaint", required=True, limit=commands.REPORT_MAX)
        clue_on = _parse_date(received_on, "received_on")
        if clue_on is None:
            raise Invalid.field("received_on", _("Give the date the complaint was received."))
        if clue_on > today:
            raise Invalid.field("received_on", _("The complaint cannot be received in the future."))
        violations, inspection = [], None
    sequence, number = _next_number(unit, clue_on.year)
    case = Case(
        unit_id=unit.id,
        number=number,
        year=clue_on.year,
        sequence=sequence,
        premises=premises,
        inspection=inspection,
        complaint=complaint_text,
        clue_on=clue_on,
        last_step_on=clue_on,
        state=CaseState.CLUE,
        operator_type=premises.operator_type,
        premises_snapshot=_snapshot(premises),
    )
    db.session.add(case)
    for violation in violations:
        violation.case = case
    for user, inspected in officers:
        case.officers.append(CaseOfficer(user=user, inspected=inspected))
    data = {"number": number, "premises_id": premises.id, "violation_ids": [v.id for v in violations]}
    if inspection is not None:
        data["inspection_id"] = inspection.id
    append_event(case, actor, "open", clue_on, None, data, None)
    return case


# ------------------------------------------------------------------------------------------ actions


@dataclass
class Step:
    """One action in progress: the case, who, when, what the body says, and what the event records."""

    case: Case
    actor: User
    action: CaseAction
    on: date
    today: date
    command: commands.Command
    data: dict
    target: CaseState | None


def run_action(
    actor: User,
    case: Case,
    action: str,
    body: Mapping | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> Case:
    """Run one lifecycle action on a case: guards, change, history event, one commit."""
    body = body or {}
    if not isinstance(body, Mapping):
        raise Invalid.field("body", _("Send a JSON object."))
    try:
        name = CaseAction(action)
    except ValueError:
        raise NotFound(_("No action named %(action)s.", action=repr(str(action)[:40]))) from None
    if case.unit_id != actor.unit_id and actor.role.works_in_unit:
        raise NotFound(_("No such case."))
    if not actor.role.works_in_unit:
        raise Forbidden(_("Only officers and supervisors act on cases."))
    if expected_version is not None and expected_version != case.version:
        raise Conflict(str(STALE))
    today = today or unit_today(case.unit.timezone)
    try:
        command, misfit = commands.parse_command(name, body), None
    except commands.CommandInvalid as error:
        command, misfit = None, error
    if misfit is not None and misfit.field in ("on", "reason"):
        raise Invalid.field(misfit.field, str(misfit))
    on = _parse_date(body.get("on"), "on", today)
    reason = _text(body.get("reason"), "reason")
    facts = case_facts(case)
    # An appeal's outcome decides who records it (an appeal that varied or annulled the decision: DOMAIN.md §3).
    outcome = body.get("outcome", "pending") if name is CaseAction.RECORD_APPEAL else None
    try:
        transition = lc.check_action(name, as_actor(actor), facts, outcome if outcome in APPEAL_OUTCOMES else None)
        lc.check_step_date(on, today, facts)
        lc.require_reason(transition, reason)
    except lc.ActionRefused as error:
        raise _refused(error) from None
    if misfit is not None:  # the rest of the body, once the state, the role and the date allow the action
        raise Invalid.field(misfit.field, str(misfit))
    step = Step(case, actor, name, on, today, command, {}, transition.target)
    # Nothing is written before the single commit: a concurrent loser fails there, as a Conflict.
    with db.session.no_autoflush, _undone_on_refusal():
        _check_lateness(step, reason)
        from_state = case.state
        HANDLERS[name](step)
        if step.target is not None:
            case.state = step.target
        case.last_step_on = max(case.last_step_on, on)
        flag_modified(case, "last_step_on")  # every action bumps the version, so a concurrent one loses
        append_event(case, actor, name.value, on, from_state, step.data, reason)
        _refresh_next_deadline(case, today)
    _commit_or_conflict()
    return case


def _check_lateness(step: Step, reason: str) -> None:
    """Soft agency deadlines: a late step is recorded, but needs a reason and is flagged for audit."""
    name = MEETS.get(step.action)
    if name is None:
        return
    deadline = next((d for d in deadlines_of(step.case, step.on) if d.name == name), None)
    if deadline is None:
        return
    if not caserules.is_late(deadline.due_on, deadline.met_on is not None, step.on):
        return
    if not reason:
        with _rules():
            caserules.refuse_late_step_without_reason(deadline_name(name), deadline.due_on)
    step.data["late"] = {"deadline": name, "due_on": deadline.due_on.isoformat()}
    step.case.flagged_for_audit = True


def _file(step: Step) -> None:
    case, command = step.case, step.command
    if not command.officers:
        raise Invalid.field("officers", _("Name at least two officers of the unit for the investigation."))
    named = [_unit_member(u, case.unit_id, "officers") for u in command.officers]
    act_on, harm = command.act_on or case.clue_on, command.harm_to_safety
    rulebook = current_rulebook()
    with _rules():
        caserules.check_case_officers(len({u.id for u in named}))
        caserules.check_act_before_filing(act_on, step.on)
        lc.check_not_time_barred(act_on, harm, step.on, rulebook.limitation_years, rulebook.limitation_years_harm)
    present = {o.user_id for o in case.officers}
    for user in named:
        if user.id not in present:
            case.officers.append(CaseOfficer(user=user, inspected=False))
            present.add(user.id)
    case.act_on, case.harm_to_safety, case.filed_on = act_on, harm, step.on
    step.data.update(officers=[u.username for u in named], act_on=act_on.isoformat(), harm_to_safety=harm)


def _decline(step: Step) -> None:
    step.case.declined_on = step.case.closable_on = step.on


def _mark_major(step: Step) -> None:
    if step.case.major:
        raise Conflict(_("The case is already marked major."))
    step.case.major = True
    step.data["major"] = True


def _suspend(step: Step) -> None:
    step.case.pauses.append(CasePause(kind="suspension", starts_on=step.on))


def _end_pause(case: Case, kind: str, on: date) -> None:
    for pause in case.pauses:
        if pause.kind == kind and pause.ends_on is None:
            pause.ends_on = on


def _resume(step: Step) -> None:
    _end_pause(step.case, "suspension", step.on)


def _terminate(step: Step) -> None:
    step.case.closable_on = step.on


def _transfer(step: Step) -> None:
    step.data["to"] = step.command.to
    step.case.closable_on = step.on


def _propose(step: Step) -> None:
    case, command = step.case, step.command
    with _rules():
        caserules.check_violations_recorded(len(case.violations))
    penalty, gains, severity = command.lines, command.illegal_gains, command.severity
    departure, report = command.departure_reason, command.report
    rulebook = current_rulebook()
    rules = [rulebook.violation(v.code).penalty for v in case.violations if v.code in rulebook.violations]
    check = check_penalty(penalty, rules, case.operator_type.value, severity, gains)
    if caserules.needs_departure_reason(check.within, departure):
        problems = list(check.problems)
        raise Invalid(
            _("The penalty is outside the rulebook's range: %(problems)s Give a departure reason (mitigating or "
              "aggravating circumstances) to propose it anyway.", problems=" ".join(problems)),
            {"lines": problems, "departure_reason": [_("Required for a penalty outside the range.")]},
        )
    case.proposed_lines = penalty.to_json()
    case.proposed_by_id = step.actor.id
    case.proposed_on = step.on
    case.approved_lines = case.approved_by_id = case.reviewed_on = None
    case.severity, case.illegal_gains = severity, gains
    case.departure_reason = departure or None
    case.hearing_right = hearing_right(penalty, rulebook.hearing, case.operator_type.value)
    if not check.within:
        case.flagged_for_audit = True
    step.data.update(
        lines=penalty.to_json(),
        severity=severity,
        illegal_gains=None if gains is None else f"{gains:.2f}",
        within_range=check.within,
        problems=list(check.problems),
        hearing_right=case.hearing_right,
    )
    if departure:
        step.data["departure_reason"] = departure
    if report:
        step.data["report"] = report


def _approve(step: Step) -> None:
    case = step.case
    case.approved_lines = case.proposed_lines
    case.approved_by_id = step.actor.id
    case.reviewed_on = step.on
    step.data["lines"] = case.approved_lines


def _return(step: Step) -> None:
    step.case.reviewed_on = step.on


def _serve_notice(step: Step) -> None:
    step.data["method"] = step.command.method
    step.data["hearing_right"] = step.case.hearing_right
    step.case.notice_served_on = step.on


def _request_hearing(step: Step) -> None:
    case, rulebook = step.case, current_rulebook()
    with _rules():
        caserules.check_hearing_request(case.hearing_right, step.on, rulebook.deadline("hearing_request"),
                                        case.notice_served_on, rulebook.calendar)
    case.pauses.append(CasePause(kind="hearing", starts_on=step.on))


def _hold_hearing(step: Step) -> None:
    case = step.case
    host = _unit_member(step.command.host, case.unit_id, "host", roles=(Role.SUPERVISOR,))
    with _rules():
        caserules.check_hearing_host(host.id, frozenset(o.user_id for o in case.officers))
    report = step.command.report
    _end_pause(case, "hearing", step.on)
    step.data.update(host=host.username, report=report)


def _decide(step: Step) -> None:
    case, command, rulebook = step.case, step.command, current_rulebook()
    waived = command.waived
    with _rules():
        caserules.check_statement_window(waived, step.on, rulebook.deadline("statement"), case.notice_served_on,
                                         rulebook.calendar)
        decided = caserules.decided_penalty(penalty_of(case.approved_lines), command.lines)
    if case.major:
        step.data["collective_discussion"] = _collective_discussion(command.collective_discussion, case.unit_id)
    case.waived = waived
    case.decided_lines = decided.to_json()
    case.decided_on = step.on
    if caserules.orders_closure(decided):
        case.premises.status = PremisesStatus.ORDERED_CLOSED
    step.data.update(waived=waived, lines=case.decided_lines)


def _collective_discussion(discussion: commands.Discussion | None, unit_id: int) -> dict:
    with _rules():
        caserules.check_collective_discussion(True, discussion is not None)
    names = sorted({_unit_member(p, unit_id, "collective_discussion.participants").username for p in discussion.participants})
    with _rules():
        caserules.check_discussion_participants(len(names))
    return {"on": discussion.on.isoformat(), "participants": names}


def _serve_decision(step: Step) -> None:
    case = step.case
    step.data["method"] = step.command.method
    case.decision_served_on = step.on
    _apply_service(case, step, caserules.serve_decision(penalty_of(case.decided_lines), step.on,
                                                         current_rulebook().deadline("payment"),
                                                         current_rulebook().calendar))


def _apply_service(case: Case, step: "Step | None", served: caserules.Service) -> None:
    """What serving a decision brings (caserules.serve_decision), on the case: publication, the payment due date,
    or execution when there is nothing to pay."""
    on = case.decision_served_on
    if served.published:
        case.published_on = on
    if served.payment_due_on is not None:
        case.payment_due_on = served.payment_due_on
        if step is not None:
            step.data["payment_due_on"] = served.payment_due_on.isoformat()
    if served.settled:
        case.settled_on = case.closable_on = on
    if step is not None:
        step.target = served.target
    else:
        case.state = served.target


def _record_payment(step: Step) -> None:
    case = step.case
    amount = step.command.amount
    with _rules():
        caserules.check_payment(amount, money_account(case, step.on).due, step.on)
    receipt = step.command.receipt
    case.payments.append(Payment(on=step.on, amount=amount, receipt=receipt, recorded_by_id=step.actor.id))
    after = money_account(case, step.on)
    step.data.update(amount=f"{amount:.2f}", receipt=receipt, due=f"{after.due:.2f}")
    step.target = caserules.after_payment(case.state, after)
    if step.target is CaseState.EXECUTED:
        case.settled_on = case.closable_on = step.on


def _apply_enforcement(step: Step) -> None:
    case = step.case
    demand_on, rulebook = step.command.demand_served_on, current_rulebook()
    balance = money_account(case, step.on)
    with _rules():
        caserules.check_enforcement(
            step.on, demand_on, rulebook.deadline("enforcement_demand"), rulebook.calendar, case.payment_due_on,
            None if balance is None else balance.due,
            appeals_pending=any(a.outcome == "pending" for a in case.appeals),
            appeal_failed=any(a.outcome in ("upheld", "withdrawn") for a in case.appeals),
            lawsuit_ends=caserules.window_end(rulebook.deadline("lawsuit"), case.decision_served_on, rulebook.calendar),
        )
    step.data.update(demand_served_on=demand_on.isoformat(), due=f"{balance.due:.2f}")


def _close(step: Step) -> None:
    step.case.closed_on = step.on


def _record_appeal(step: Step) -> None:
    case, command = step.case, step.command
    kind, outcome, outcome_on, reference = command.kind, command.outcome, command.outcome_on, command.reference
    varied = command.lines if outcome == "varied" else None
    try:
        lc.check_appeal_outcome(outcome, reference, varied, penalty_of(case.decided_lines))
    except lc.ActionRefused as error:
        raise _refused(error) from None
    rulebook = current_rulebook()
    appeal = next((a for a in case.appeals if a.kind == kind and a.outcome == "pending"), None)
    if appeal is None:
        reconsiderations = [a.outcome_on for a in case.appeals if a.kind == "reconsideration" and a.outcome_on]
        ends = caserules.appeal_window_end(kind, case.decision_served_on, reconsiderations[-1] if reconsiderations else None,
                                           rulebook.deadlines, rulebook.calendar)
        with _rules():
            caserules.check_appeal_window(step.on, ends, LazyString(appeal_kind, kind))
        appeal = Appeal(kind=kind, lodged_on=step.on)
        case.appeals.append(appeal)
    if outcome != "pending":
        outcome_on = outcome_on or step.on
        with _rules():
            caserules.check_appeal_outcome_date(outcome_on, appeal.lodged_on, step.today)
    appeal.outcome, appeal.outcome_on = outcome, outcome_on if outcome != "pending" else None
    appeal.reference = reference or None
    step.data.update(kind=kind, outcome=outcome, lodged_on=appeal.lodged_on.isoformat())
    if reference:
        step.data["reference"] = reference
    if outcome == "varied":
        _vary_decision(step, appeal, varied, outcome_on)
    elif outcome == "annulled":
        # The decision is withdrawn and its publication removed; nothing remains to execute.
        case.withdrawn_on = case.closable_on = outcome_on
        step.target = caserules.after_appeal(outcome, case.state, settled=False)
    if outcome_on:
        step.data["outcome_on"] = outcome_on.isoformat()


def _vary_decision(step: Step, appeal: Appeal, varied: Penalty, outcome_on: date) -> None:
    """The varied penalty replaces the one in force everywhere (amount due, register, documents); with nothing
    left to pay the case is executed, and money paid beyond the new amount shows as to be refunded."""
    case = step.case
    appeal.lines = case.decided_lines = varied.to_json()
    step.data["lines"] = appeal.lines
    balance = money_account(case, outcome_on)
    target = caserules.after_appeal("varied", case.state, settled=balance is None or balance.settled)
    if target is not None:
        step.target = target
        case.settled_on = case.closable_on = outcome_on
    if balance is not None and balance.overpaid > 0:
        step.data["to_refund"] = f"{balance.overpaid:.2f}"


def _extend_deadline(step: Step) -> None:
    case, command = step.case, step.command
    name, days = command.deadline, command.days
    current = next((d for d in deadlines_of(case, step.on) if d.name == name), None)
    already = sum(e.days for e in case.extensions if e.deadline == name)
    collective = command.collective_discussion
    with _rules():
        caserules.check_extension(LazyString(deadline_name, name), current is not None and current.status.value != "met",
                                  current_rulebook().deadline(name), already, days, collective is not None)
    if collective:
        step.data["collective_discussion"] = _collective_discussion(collective, case.unit_id)
    case.extensions.append(
        DeadlineExtension(deadline=name, days=days, reason=command.reason, granted_by_id=step.actor.id, on=step.on)
    )
    step.data.update(deadline=name, days=days)


HANDLERS = {
    CaseAction.FILE: _file,
    CaseAction.DECLINE: _decline,
    CaseAction.MARK_MAJOR: _mark_major,
    CaseAction.SUSPEND: _suspend,
    CaseAction.RESUME: _resume,
    CaseAction.TERMINATE: _terminate,
    CaseAction.TRANSFER: _transfer,
    CaseAction.PROPOSE_PENALTY: _propose,
    CaseAction.APPROVE_PENALTY: _approve,
    CaseAction.RETURN: _return,
    CaseAction.SERVE_NOTICE: _serve_notice,
    CaseAction.REQUEST_HEARING: _request_hearing,
    CaseAction.HOLD_HEARING: _hold_hearing,
    CaseAction.DECIDE: _decide,
    CaseAction.SERVE_DECISION: _serve_decision,
    CaseAction.RECORD_PAYMENT: _record_payment,
    CaseAction.APPLY_ENFORCEMENT: _apply_enforcement,
    CaseAction.CLOSE: _close,
    CaseAction.RECORD_APPEAL: _record_appeal,
    CaseAction.EXTEND_DEADLINE: _extend_deadline,
}


# ------------------------------------------------------------------------------------------ simplified


def decide_on_the_spot(
    actor: User, inspection_id: int, lines, method: str = "in_person", violation_ids: list[int] | None = None,
    on=None, today: date | None = None,
) -> Case:
    """Simplified procedure: plain facts, a warning or a small fine decided and served at once."""
    require_field_role(actor)
    today = today or unit_today(actor.unit.timezone)
    on_date = _parse_date(on, "on", today)
    if on_date > today:
        raise Invalid.field("on", _("The date lies in the future."))
    penalty = _penalty(lines)
    inspection = db.session.get(Inspection, inspection_id) if isinstance(inspection_id, int) else None
    if inspection is None or inspection.unit_id != actor.unit_id:
        raise Invalid.field("inspection_id", _("No such inspection in your unit."))
    rulebook = current_rulebook()
    limits = rulebook.simplified
    if limits is None:
        raise Invalid.field("lines", _("This rulebook has no simplified procedure."))
    if not simplified_allowed(penalty, limits, inspection.premises.operator_type.value):
        raise Invalid.field(
            "lines",
            _("The simplified procedure takes only a warning or a fine of at most %(individual)s (natural person) / "
              "%(organisation)s (organisation).", individual=whole(limits.individual_max_fine),
              organisation=whole(limits.organisation_max_fine)),
        )
    if method not in SERVICE_METHODS:
        raise Invalid.field("method", _("Choose one of: %(values)s.", values=", ".join(SERVICE_METHODS)))
    with db.session.no_autoflush, _undone_on_refusal():
        case = _new_case(actor, inspection_id, violation_ids, None, None, None, today)
        with _rules():
            caserules.check_on_the_spot_date(on_date, case.clue_on)
        case.simplified = True
        case.proposed_lines = case.approved_lines = case.decided_lines = penalty.to_json()
        case.proposed_by_id = actor.id
        # Decided, served and on file the same day: the on-the-spot decision is the filing.
        case.filed_on = case.decided_on = case.decision_served_on = on_date
        case.last_step_on = max(case.last_step_on, on_date)
        from_state = case.state
        # The same step as serving any decision: published, due or executed (caserules.serve_decision).
        _apply_service(case, None, caserules.serve_decision(penalty, on_date, rulebook.deadline("payment"),
                                                             rulebook.calendar))
        append_event(
            case, actor, "decide_on_the_spot", on_date, from_state,
            {"lines": case.decided_lines, "method": method, "simplified": True}, None,
        )
        _refresh_next_deadline(case, today)
    _commit_or_conflict()
    return case


# ------------------------------------------------------------------------------------------ reading


def load_case(case_id: int, actor: User) -> Case:
    """A case the actor may see, with what its page needs loaded in a fixed number of queries."""
    from tracker.services.scope import get_visible

    return get_visible(Case, case_id, actor, *CASE_DETAIL)


def allowed_appeal_outcomes(case: Case, actor: User) -> list[str]:
    """The appeal outcomes the actor may record on the case (DOMAIN.md §3)."""
    if not actor.role.works_in_unit:
        return []
    return lc.allowed_outcomes(as_actor(actor), case_facts(case), CaseAction.RECORD_APPEAL, APPEAL_OUTCOMES)


def allowed_actions(case: Case, actor: User) -> list[CaseAction]:
    """What the actor may do on the case now."""
    if not actor.role.works_in_unit:
        return []
    return lc.allowed_actions(as_actor(actor), case_facts(case))

"""Enforcement cases: opening, and ONE function, ``run_action``, that runs every lifecycle action for
every entry point (web, API, CLI, demo seeding), so no path can skip a guard.

Each call checks the state, the role and four-eyes (domain.lifecycle), loads what the action needs, asks the
domain what the action does (domain.caseeffects: refused, or the target, the field changes and the event), applies
that, appends the history event chained to the previous one, and commits once.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import caseeffects, caserules, commands
from tracker.domain import lifecycle as lc
from tracker.domain.deadlines import CaseDates, Deadline, case_deadlines
from tracker.domain.figures import due_soon_from
from tracker.domain.history import GENESIS, link
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import Account, Penalty, PenaltyError, PaymentIn, parse_penalty, simplified_allowed
from tracker.domain.vocabulary import InspectionOutcome, Role
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
from tracker.services import clock, complaints
from tracker.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from tracker.services.premises import order_closed
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
    if rate is None:
        rate = current_rulebook().late_payment_daily_rate or Decimal("0")
    return caseeffects.money_owed(decided, withdrawn_on, payment_due_on, payments, appeal_periods, today, rate)


def deadlines_of(case: Case, today: date) -> list[Deadline]:
    """The case's deadlines with their status on ``today``."""
    return case_deadlines(case_dates(case, penalty_of(case.decided_lines)), current_rulebook(), today)


def case_dates(case: Case, decided: Penalty | None) -> CaseDates:
    """The dates of the case's steps, its pauses and extensions, as the deadlines count them."""
    extensions: dict[str, int] = {}
    for extension in case.extensions:
        extensions[extension.deadline] = extensions.get(extension.deadline, 0) + extension.days
    return CaseDates(
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


def effect_facts(case: Case) -> caseeffects.CaseFacts:
    """What the domain needs to know about the case to say what an action does to it."""
    decided = penalty_of(case.decided_lines)
    return caseeffects.CaseFacts(
        state=case.state,
        dates=case_dates(case, decided),
        major=case.major,
        officer_ids=frozenset(o.user_id for o in case.officers),
        violation_codes=tuple(v.code for v in case.violations),
        operator_type=case.operator_type.value,
        hearing_right=case.hearing_right,
        proposed_lines=case.proposed_lines,
        approved=penalty_of(case.approved_lines),
        decided=decided,
        payment_due_on=case.payment_due_on,
        withdrawn_on=case.withdrawn_on,
        payments=tuple(PaymentIn(p.on, p.amount) for p in case.payments),
        appeals=tuple(caseeffects.AppealFacts(a.kind, a.lodged_on, a.outcome, a.outcome_on) for a in case.appeals),
    )


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


def _refused(error: lc.ActionRefused) -> ServiceError:
    if isinstance(error, caseeffects.OutsideRange):
        return Invalid(str(error), {"lines": list(error.problems),
                                    "departure_reason": [_("Required for a penalty outside the range.")]})
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
    complaint_id: int | None = None,
    today: date | None = None,
) -> Case:
    """Open a clue from a referred inspection's violations, from a complaint about a premises, or from a recorded
    complaint or report (``complaint_id``: accepted, of the unit, about a registered premises; its receipt date is
    the clue date)."""
    require_field_role(actor)
    today = today or unit_today(actor.unit.timezone)
    recorded = None
    if complaint_id is not None:
        recorded = complaints.clue_from(actor, complaint_id)
        premises_id, complaint, received_on = recorded.premises_id, recorded.description, recorded.received_on
    case = _new_case(actor, inspection_id, violation_ids, premises_id, complaint, received_on, today)
    if recorded is not None:
        complaints.case_opened(actor, recorded, case, today)
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
    with _rules():
        transition = lc.check_action(name, as_actor(actor), facts, outcome if outcome in APPEAL_OUTCOMES else None)
        lc.check_step_date(on, today, facts)
        lc.require_reason(transition, reason)
    if misfit is not None:  # the rest of the body, once the state, the role and the date allow the action
        raise Invalid.field(misfit.field, str(misfit))
    # Nothing is written before the single commit: a concurrent loser fails there, as a Conflict.
    with db.session.no_autoflush, _undone_on_refusal():
        users = _named_users(name, command, case)
        people = {username: user and (user.id, user.username) for username, user in users.items()}
        step = caseeffects.Step(actor.id, on, today, current_rulebook(), people, deadline_name, appeal_kind)
        with _rules():
            effect = caseeffects.effect_of(name, effect_facts(case), command, step)
        from_state = case.state
        _apply(actor, case, effect, {user.id: user for user in users.values() if user})
        case.last_step_on = max(case.last_step_on, on)
        flag_modified(case, "last_step_on")  # every action bumps the version, so a concurrent one loses
        append_event(case, actor, name.value, on, from_state, dict(effect.event), reason)
        _refresh_next_deadline(case, today)
    _commit_or_conflict()
    return case


def _named_users(action: CaseAction, command: commands.Command, case: Case) -> dict[str, User | None]:
    """The users the command names (officers at filing, the hearing's host, a discussion's participants), each
    found among the active members of the case's unit in the role the action needs, or None."""
    roles = (Role.OFFICER, Role.SUPERVISOR)
    if action is CaseAction.FILE:
        names = command.officers
    elif action is CaseAction.HOLD_HEARING:
        names, roles = (command.host,), (Role.SUPERVISOR,)
    elif action in (CaseAction.DECIDE, CaseAction.EXTEND_DEADLINE) and command.collective_discussion:
        names = command.collective_discussion.participants
    else:
        return {}
    found = {
        user.username: user
        for user in db.session.scalars(sa.select(User).where(
            User.username.in_(set(names)), User.unit_id == case.unit_id, User.role.in_(roles),
            User.is_active_account.is_(True),
        ))
    } if names else {}
    return {username: found.get(username) for username in names}


def _apply(actor: User, case: Case, effect: caseeffects.Effect, users: Mapping[int, User]) -> None:
    """Write what the domain decided onto the case and its records (the caller appends the event)."""
    for field, value in effect.changes.items():
        setattr(case, field, value)
    if effect.target is not None:
        case.state = effect.target
    for user_id in effect.officers:
        case.officers.append(CaseOfficer(user=users[user_id], inspected=False))
    if effect.pause is not None:
        case.pauses.append(CasePause(kind=effect.pause.kind, starts_on=effect.pause.starts_on))
    if effect.pause_ends is not None:
        for pause in case.pauses:
            if pause.kind == effect.pause_ends.kind and pause.ends_on is None:
                pause.ends_on = effect.pause_ends.ends_on
    if effect.payment is not None:
        paid = effect.payment
        case.payments.append(Payment(on=paid.on, amount=paid.amount, receipt=paid.receipt,
                                     recorded_by_id=paid.recorded_by_id))
    if effect.extension is not None:
        granted = effect.extension
        case.extensions.append(DeadlineExtension(deadline=granted.deadline, days=granted.days, reason=granted.reason,
                                                 granted_by_id=granted.granted_by_id, on=granted.on))
    if effect.appeal is not None:
        change = effect.appeal
        if change.index is None:
            appeal = Appeal(kind=change.kind, lodged_on=change.lodged_on)
            case.appeals.append(appeal)
        else:
            appeal = case.appeals[change.index]
        appeal.outcome, appeal.outcome_on, appeal.reference = change.outcome, change.outcome_on, change.reference
        if change.lines is not None:
            appeal.lines = change.lines
    if effect.premises_closed:
        order_closed(actor, case.premises)


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
            effect = caseeffects.on_the_spot(penalty, method, case.clue_on,
                                             caseeffects.Step(actor.id, on_date, today, rulebook))
        from_state = case.state
        _apply(actor, case, effect, {})
        case.last_step_on = max(case.last_step_on, on_date)
        append_event(case, actor, "decide_on_the_spot", on_date, from_state, dict(effect.event), None)
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

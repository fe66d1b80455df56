"""One small form per case action. Forms check shape; run_action checks the rules.

``body()`` turns a form into the same JSON-like body the API sends, so both go through one path.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.domain.deadlines import CASE_DEADLINE_NAMES
from tracker.domain.commands import (
    REPORT_MAX, Command, ExtendDeadline, HoldHearing, ProposePenalty, RecordAppeal, RecordPayment, spec_of,
)
from tracker.domain.lifecycle import CaseAction, CaseState
from tracker.domain.penalties import lowered_lines
from tracker.services.listings import PENALTY_KINDS
from tracker.services.localisation import lazy_gettext as _l
from tracker.web.exports.filters import ListFilterForm, valid_choice
from tracker.web.forms import BooleanField, SelectField, StringField, LocalDateField as DateField, money_field
from tracker.web.labels import CASE_LABELS, label, options

METHODS = options([
    ("in_person", _l("In person")), ("post", _l("By post")), ("electronic", _l("Electronically")),
    ("left_at_premises", _l("Left at the premises")), ("public_notice", _l("Public notice")),
])
SANCTIONS = options([
    ("", _l("None")), ("suspension", _l("Suspension")), ("closure", _l("Closure")),
    ("licence_revocation", _l("Licence revocation")),
])


def limit(command, name: str) -> int:
    """The limit the command declares for one of its fields (tracker.domain.commands), so form and API agree."""
    return spec_of(command, name).limit


class ActionForm(FlaskForm):
    version = HiddenField()
    on = DateField(_l("Date it happened"), validators=[Optional()], description=_l("Leave empty for today."))
    reason = TextAreaField(_l("Reason"), validators=[Length(max=limit(Command, "reason"))])
    submit = SubmitField(_l("Record"))

    def body(self) -> dict:
        """The action's body, as the API would send it."""
        data = {"reason": self.reason.data or ""}
        if self.on.data:
            data["on"] = self.on.data.isoformat()
        return data


class ReasonForm(ActionForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=limit(Command, "reason"))])


class FileForm(ActionForm):
    officers = SelectMultipleField(_l("Officers assigned (at least two)"), validators=[DataRequired()])
    act_on = DateField(_l("Date of the act"), validators=[Optional()])
    harm_to_safety = BooleanField(_l("Life, health or financial safety was harmed"))

    def body(self) -> dict:
        data = super().body() | {"officers": self.officers.data, "harm_to_safety": bool(self.harm_to_safety.data)}
        if self.act_on.data:
            data["act_on"] = self.act_on.data.isoformat()
        return data


class TransferForm(ReasonForm):
    to = SelectField(_l("Transfer to"), choices=options([("police", _l("Police")), ("judiciary", _l("Judiciary")), ("agency", _l("Another agency"))]))

    def body(self) -> dict:
        return super().body() | {"to": self.to.data}


def _lines(warning: bool, fine, confiscation, sanction: str | None) -> list[dict]:
    lines = []
    if warning:
        lines.append({"kind": "warning"})
    if fine:
        lines.append({"kind": "fine", "amount": str(fine)})
    if confiscation:
        lines.append({"kind": "confiscation", "amount": str(confiscation)})
    if sanction:
        lines.append({"kind": sanction})
    return lines


class ProposeForm(ActionForm):
    warning = BooleanField(_l("Warning"))
    fine = money_field(_l("Fine"))
    confiscation = money_field(_l("Confiscation of illegal gains"))
    sanction = SelectField(_l("Sanction"), choices=SANCTIONS, default="")
    illegal_gains = money_field(_l("Illegal gains (as confirmed by the officer)"))
    severity = SelectField(_l("Severity"), choices=options([("ordinary", _l("Ordinary")), ("heavier", _l("Heavier")), ("serious", _l("Serious"))]))
    departure_reason = TextAreaField(_l("Reason for departing from the range"), validators=[Length(max=limit(ProposePenalty, "departure_reason"))])
    report = TextAreaField(_l("Investigation report"), validators=[Length(max=limit(ProposePenalty, "report"))])

    def body(self) -> dict:
        data = super().body() | {
            "lines": _lines(self.warning.data, self.fine.data, self.confiscation.data, self.sanction.data or None),
            "severity": self.severity.data,
            "departure_reason": self.departure_reason.data or "",
            "report": self.report.data or "",
        }
        if self.illegal_gains.data is not None:
            data["illegal_gains"] = str(self.illegal_gains.data)
        return data


class ServeForm(ActionForm):
    method = SelectField(_l("Method of service"), choices=METHODS)

    def body(self) -> dict:
        return super().body() | {"method": self.method.data}


class HearingForm(ActionForm):
    host = SelectField(_l("Host (a supervisor who is not a case officer)"))
    report = TextAreaField(_l("Hearing report"), validators=[DataRequired(), Length(max=limit(HoldHearing, "report"))])

    def body(self) -> dict:
        return super().body() | {"host": self.host.data, "report": self.report.data}


class DecideForm(ActionForm):
    waived = BooleanField(_l("The party waived the right to state and defend, in writing"))
    lower_fine = money_field(_l("Lower the fine to"))
    lower_confiscation = money_field(_l("Lower the confiscation to"))
    discussion_on = DateField(_l("Collective discussion on (major cases)"), validators=[Optional()])
    participants = SelectMultipleField(_l("Participants of the collective discussion"))

    def body(self, noticed: list[dict] | None = None) -> dict:
        data = super().body() | {"waived": bool(self.waived.data)}
        if noticed and (self.lower_fine.data is not None or self.lower_confiscation.data is not None):
            data["lines"] = lowered_lines(noticed, self.lower_fine.data, self.lower_confiscation.data)
        if self.discussion_on.data:
            data["collective_discussion"] = {"on": self.discussion_on.data.isoformat(), "participants": self.participants.data}
        return data


class PaymentForm(ActionForm):
    amount = money_field(_l("Amount paid"), required=True, minimum="0.01")
    receipt = StringField(_l("Receipt number"), validators=[Length(max=limit(RecordPayment, "receipt"))])

    def body(self) -> dict:
        return super().body() | {"amount": str(self.amount.data), "receipt": self.receipt.data or ""}


class EnforcementForm(ActionForm):
    demand_served_on = DateField(_l("Payment demand served on"), validators=[InputRequired()])

    def body(self) -> dict:
        return super().body() | {"demand_served_on": self.demand_served_on.data.isoformat()}


APPEAL_OUTCOME_CHOICES = [
    ("pending", _l("Pending")), ("upheld", _l("Upheld")), ("varied", _l("Varied")),
    ("annulled", _l("Annulled")), ("withdrawn", _l("Withdrawn")),
]


class AppealForm(ActionForm):
    kind = SelectField(_l("Appeal"), choices=options([("reconsideration", _l("Administrative reconsideration")), ("lawsuit", _l("Administrative lawsuit"))]))
    outcome = SelectField(_l("Outcome"), choices=options(APPEAL_OUTCOME_CHOICES))
    outcome_on = DateField(_l("Outcome date"), validators=[Optional()])
    reference = StringField(_l("Number of the appeal body's decision (varied or annulled)"), validators=[Length(max=limit(RecordAppeal, "reference"))])
    warning = BooleanField(_l("Warning"))
    fine = money_field(_l("New fine (varied)"))
    confiscation = money_field(_l("New confiscation (varied)"))
    sanction = SelectField(_l("Sanction"), choices=SANCTIONS, default="")

    def offer_outcomes(self, allowed: list[str]) -> None:
        """Offer only the outcomes this reader may record (an appeal that varied or annulled the decision is a
        supervisor's act, by one who is not a case officer)."""
        self.outcome.choices = options([(value, text) for value, text in APPEAL_OUTCOME_CHOICES if value in allowed])

    def body(self) -> dict:
        data = super().body() | {"kind": self.kind.data, "outcome": self.outcome.data,
                                 "reference": self.reference.data or ""}
        if self.outcome_on.data:
            data["outcome_on"] = self.outcome_on.data.isoformat()
        if self.outcome.data == "varied":
            data["lines"] = _lines(self.warning.data, self.fine.data, self.confiscation.data, self.sanction.data or None)
        return data


class ExtendForm(ReasonForm):
    deadline = SelectField(_l("Deadline"), choices=options([
        ("filing", _l("Filing")), ("decision", _l("Decision")), ("review", _l("Review")),
        ("decision_service", _l("Service of the decision")), ("closing", _l("Closing")),
    ]))
    days = IntegerField(_l("Extra days"), validators=[InputRequired(), NumberRange(min=1, max=limit(ExtendDeadline, "days"))])

    def body(self) -> dict:
        return super().body() | {"deadline": self.deadline.data, "days": self.days.data}


ACTION_FORMS: dict[CaseAction, type[ActionForm]] = {
    CaseAction.FILE: FileForm,
    CaseAction.DECLINE: ReasonForm,
    CaseAction.MARK_MAJOR: ReasonForm,
    CaseAction.SUSPEND: ReasonForm,
    CaseAction.RESUME: ReasonForm,
    CaseAction.TERMINATE: ReasonForm,
    CaseAction.TRANSFER: TransferForm,
    CaseAction.PROPOSE_PENALTY: ProposeForm,
    CaseAction.APPROVE_PENALTY: ActionForm,
    CaseAction.RETURN: ReasonForm,
    CaseAction.SERVE_NOTICE: ServeForm,
    CaseAction.REQUEST_HEARING: ActionForm,
    CaseAction.HOLD_HEARING: HearingForm,
    CaseAction.DECIDE: DecideForm,
    CaseAction.SERVE_DECISION: ServeForm,
    CaseAction.RECORD_PAYMENT: PaymentForm,
    CaseAction.APPLY_ENFORCEMENT: EnforcementForm,
    CaseAction.CLOSE: ActionForm,
    CaseAction.RECORD_APPEAL: AppealForm,
    CaseAction.EXTEND_DEADLINE: ExtendForm,
}


class OpenCaseForm(FlaskForm):
    inspection_id = HiddenField(validators=[DataRequired()])
    violation_ids = SelectMultipleField(_l("Violations"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Open a case"))


class OnTheSpotForm(OpenCaseForm):
    """Simplified procedure: facts plain, a warning or a small fine decided and served at once."""

    warning = BooleanField(_l("Warning"))
    fine = money_field(_l("Fine"))
    method = SelectField(_l("Method of service"), choices=METHODS, default="in_person")
    submit = SubmitField(_l("Decide on the spot"))

    def lines(self) -> list[dict]:
        return _lines(self.warning.data, self.fine.data, None, None)


class ComplaintForm(FlaskForm):
    complaint = TextAreaField(_l("Complaint"), validators=[DataRequired(), Length(max=REPORT_MAX)])
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    submit = SubmitField(_l("Open a case from this complaint"))


class _StateAndCodeChoices:
    """For a list filter form with ``state`` and ``code`` selects: fills their choices (case states,
    the rulebook's violation codes) and checks a value against them."""

    def prepare(self, actor, rulebook) -> None:
        super().prepare(actor, rulebook)
        self.state.choices = state_choices()
        self.state.validators = [valid_choice]
        self.code.choices = code_choices(rulebook)
        self.code.validators = [valid_choice]


class CaseFilterForm(_StateAndCodeChoices, ListFilterForm):
    """/cases/ filters (docs/EXPORTS.md): period on the clue date."""

    q = StringField(_l("Number or party"), validators=[Optional(), Length(max=100)])
    state = SelectField(_l("State"), validate_choice=False)
    code = SelectField(_l("Violation code"), validate_choice=False)
    overdue = BooleanField(_l("Only overdue"))
    due_soon = BooleanField(_l("Only due soon"))
    deadline = SelectField(_l("Nearest deadline"), validate_choice=False)
    officer = StringField(_l("Case officer (username)"), validators=[Optional(), Length(max=64)])

    def prepare(self, actor, rulebook) -> None:
        super().prepare(actor, rulebook)
        # The deadlines a case's next deadline can be (the rulebook's others are windows of the parties).
        self.deadline.choices = options([("", _l("Any deadline"))] + [
            (name, label(name)) for name in CASE_DEADLINE_NAMES if name in rulebook.deadlines])
        self.deadline.validators = [valid_choice]


class PenaltyFilterForm(_StateAndCodeChoices, ListFilterForm):
    """/cases/penalties filters: decided cases, period on the decision date."""

    kind = SelectField(_l("Penalty"), choices=options([("", _l("Any penalty"))] + [(k, label(k)) for k in PENALTY_KINDS]))
    code = SelectField(_l("Violation code"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)


class PaymentFilterForm(ListFilterForm):
    """/cases/payments filters: period on the payment date."""


def state_choices():
    return options([("", _l("Any state"))] + [(s.value, CASE_LABELS[s]) for s in CaseState])


def code_choices(rulebook):
    return options([("", _l("All violations"))] + [(v.code, v.title) for v in rulebook.violations.values()])

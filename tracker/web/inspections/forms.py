"""Inspection forms. They check shape; the inspection service checks the rules."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType
from tracker.web.forms import money_field, not_in_future
from tracker.web.labels import choices, options

CHECKLIST_CHOICES = options([("", _l("not checked")), ("yes", _l("Yes")), ("no", _l("No")), ("n/a", _l("Not applicable"))])


class InspectionForm(FlaskForm):
    premises_id = HiddenField(validators=[DataRequired()])
    started_at = DateTimeLocalField(
        _l("Started at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(), not_in_future]
    )
    lead_officer = SelectField(_l("Lead officer"), validators=[DataRequired()])
    second_officer = SelectField(_l("Second officer"), validators=[DataRequired()])
    type = SelectField(_l("Type"), choices=choices(InspectionType))
    emergency_id = SelectField(_l("Price emergency"), coerce=str)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save"))

    def validate_second_officer(self, field) -> None:
        """Two officers are present at every inspection: never the same person twice."""
        if field.data and field.data == self.lead_officer.data:
            raise ValidationError(_("The second officer must be a different person."))


def inspection_form_class(checklist):
    """An InspectionForm with one question per checklist item of the rulebook."""
    fields = {
        f"check_{item.code}": SelectField(item.text, choices=CHECKLIST_CHOICES, default="")
        for item in checklist
    }
    return type("ChecklistInspectionForm", (InspectionForm,), fields)


class ObservationForm(FlaskForm):
    commodity = SelectField(_l("Commodity"))
    unit_of_sale = StringField(_l("Unit of sale"), validators=[Length(max=40)])
    price = money_field(_l("Price charged"), required=True, minimum="0.01")
    marked_price = money_field(_l("Marked price"), description=_l("Leave empty when no price was marked."))
    cost = money_field(_l("Purchase cost"))
    cost_invoice = StringField(_l("Purchase invoice"), validators=[Length(max=120)])
    baseline_price = money_field(_l("Baseline price"), description=_l("Last sale on or before the baseline date."))
    baseline_cost = money_field(_l("Baseline cost"))
    quantity_sold = money_field(_l("Quantity sold in the period"))
    fees = money_field(_l("Fees added now"))
    baseline_fees = money_field(_l("Fees at the baseline"))
    bundled = BooleanField(_l("Forced bundling"))
    submit = SubmitField(_l("Record observation"))


class EvidenceForm(FlaskForm):
    file = FileField(_l("Photo or PDF"), validators=[FileRequired()])
    description = StringField(_l("Description"), validators=[Length(max=300)])
    submit = SubmitField(_l("Upload"))


class ViolationForm(FlaskForm):
    code = SelectField(_l("Violation"))
    observation_ids = SelectMultipleField(_l("Observations"), coerce=int)
    evidence_ids = SelectMultipleField(_l("Evidence"), coerce=int)
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Record violation"))


class SubmitInspectionForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=choices(InspectionOutcome))
    reinspect_on = DateField(_l("Re-inspection date"), validators=[Optional()])
    submit = SubmitField(_l("Submit inspection"))


class AmendmentForm(FlaskForm):
    field = SelectField(_l("Field"), choices=options([("notes", _l("Notes")), ("reinspect_on", _l("Re-inspection date"))]))
    new_value = TextAreaField(_l("New value"), validators=[DataRequired(), Length(max=20000)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record amendment"))


class InspectionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=choices(InspectionStatus, blank=_l("Any status")))
    flagged = BooleanField(_l("Only with flagged prices"))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

"""Inspection forms. They check shape; the inspection service checks the rules."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, HiddenField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.domain.vocabulary import InspectionOutcome, InspectionStatus, InspectionType, PremisesKind
from tracker.services.localisation import lazy_gettext as _l
from tracker.web.exports.filters import ListFilterForm, text_field, valid_choice
from tracker.web.forms import BooleanField, SelectField, StringField, LocalDateField as DateField, LocalDateTimeField as DateTimeLocalField, money_field, not_in_future
from tracker.web.labels import TEST_LABELS, category_name, choices, options

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
    # Sent with GET to the inspection page (formaction set per page): the same form comes back with the baseline price
    # and cost offered for the chosen commodity, what was typed kept. Last, so Enter still records the observation.
    offer_baseline = SubmitField(
        _l("Offer the baseline for this commodity"), render_kw={"formmethod": "get", "formnovalidate": True,
                                                                "class": "btn btn-outline-secondary"})


class EvidenceForm(FlaskForm):
    file = FileField(_l("Photo or PDF"), validators=[FileRequired()],
                     render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif,application/pdf"})
    description = StringField(_l("Description"), validators=[Length(max=300)])
    # Filled on the device by static/evidence.js (the hash always; time and place for a photo just taken); without
    # JavaScript they stay empty: the server computes the hash and reads the photo's EXIF.
    sha256 = HiddenField(id="evidence-sha256", render_kw={"data-evidence": ""})
    taken_at = HiddenField(id="evidence-taken-at")
    latitude = HiddenField(id="evidence-latitude")
    longitude = HiddenField(id="evidence-longitude")
    accuracy_m = HiddenField(id="evidence-accuracy")
    submit = SubmitField(_l("Upload"))


class ViolationForm(FlaskForm):
    code = SelectField(_l("Violation"))
    observation_ids = SelectMultipleField(_l("Observations"), coerce=int)
    evidence_ids = SelectMultipleField(_l("Evidence"), coerce=int)
    # Its own HTML id: the evidence form on the same page also has a "description" (one id, one label).
    description = TextAreaField(_l("Description"), id="violation-description", validators=[Length(max=5000)])
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


class InspectionFilterForm(ListFilterForm):
    """/inspections/ filters (docs/EXPORTS.md): period on the start date."""

    status = SelectField(_l("Status"), choices=choices(InspectionStatus, blank=_l("Any status")))
    outcome = SelectField(_l("Outcome"), choices=choices(InspectionOutcome, blank=_l("Any outcome")))
    type = SelectField(_l("Type"), choices=choices(InspectionType, blank=_l("Any type")))
    flagged = BooleanField(_l("Only with flagged prices"))
    officer = text_field(_l("Officer (username)"))
    premises_kind = SelectField(_l("Premises kind"), choices=choices(PremisesKind, blank=_l("All kinds")))
    premises_id = IntegerField(_l("Premises ID"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ObservationFilterForm(ListFilterForm):
    """/inspections/observations filters: period on the inspection date."""

    test = SelectField(_l("Flagged by test"), choices=options([("", _l("Any test"))] + list(TEST_LABELS.items())))
    flagged = BooleanField(_l("Only flagged"))
    commodity = SelectField(_l("Commodity"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)

    def prepare(self, actor, rulebook) -> None:
        super().prepare(actor, rulebook)
        commodities = sorted(rulebook.commodities.values(), key=lambda c: c.code)
        self.commodity.choices = options([("", _("All commodities"))] + [(c.code, c.name) for c in commodities])
        self.commodity.validators = [valid_choice]
        categories = sorted({c.category for c in commodities})
        self.category.choices = options([("", _("All categories"))] + [(c, category_name(c)) for c in categories])
        self.category.validators = [valid_choice]


class ViolationFilterForm(ListFilterForm):
    """/inspections/violations filters: period on the inspection date."""

    code = SelectField(_l("Violation code"), validate_choice=False)

    def prepare(self, actor, rulebook) -> None:
        super().prepare(actor, rulebook)
        self.code.choices = violation_code_choices(rulebook)
        self.code.validators = [valid_choice]


def violation_code_choices(rulebook):
    """The rulebook's violation codes as filter options."""
    return options([("", _("All violations"))] + [(v.code, v.title) for v in rulebook.violations.values()])

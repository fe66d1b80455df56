"""The public complaint form and the tracking form: shape only; the service checks the rules."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.services import complaints as service
from tracker.services.localisation import lazy_gettext as _l
from tracker.web.forms import LocalDateField, MoneyField, SelectField, StringField
from tracker.web.labels import options


class PublicComplaintForm(FlaskForm):
    kind = RadioField(_l("What is it?"), choices=options([("complaint", _l("A complaint: I paid too much")),
                                                           ("report", _l("A report: I saw prices too high"))]),
                      default="complaint", validators=[InputRequired()])
    description = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=service.DESCRIPTION_MAX)],
                                render_kw={"rows": 5})
    premises_name = StringField(_l("Shop or business name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    town = SelectField(_l("Town or county"), validators=[InputRequired()])
    commodity = SelectField(_l("Goods"), validators=[Optional()])
    price_seen = MoneyField(_l("Price seen"), places=2, validators=[Optional()],
                            description=_l("In yuan, such as 18.00."))
    seen_on = LocalDateField(_l("Date seen"), validators=[Optional()])
    anonymous = RadioField(_l("Your name and phone"),
                           choices=options([("no", _l("Give my name and phone (kept confidential)")),
                                            ("yes", _l("Stay anonymous"))]),
                           default="no", validators=[InputRequired()])
    person_name = StringField(_l("Your name"), validators=[Length(max=service.NAME_MAX)],
                              render_kw={"autocomplete": "name"})
    person_phone = StringField(_l("Your phone"), validators=[Length(max=service.PHONE_MAX)],
                               render_kw={"autocomplete": "tel", "inputmode": "tel"})
    # An officer or supervisor recording a call, a letter or a walk-in (removed for the public).
    channel = SelectField(_l("Received by"), validators=[Optional()],
                          choices=options([("hotline", _l("Hotline call")), ("letter", _l("Letter")),
                                           ("walk_in", _l("Walk-in")), ("platform", _l("Complaints platform")),
                                           ("web", _l("Web"))]))
    received_on = LocalDateField(_l("Received on"), validators=[Optional()],
                                 description=_l("Leave empty for today."))
    submit = SubmitField(_l("Send"))


class TrackForm(FlaskForm):
    code = StringField(_l("Tracking code"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    submit = SubmitField(_l("Show"))


class ComplaintFilterForm(FlaskForm):
    """GET filters of the staff list; no CSRF needed for reading."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    priority = SelectField(_l("Priority"), validators=[Optional()])


class AcceptForm(FlaskForm):
    reason = StringField(_l("Reason (only if late)"), validators=[Length(max=service.REASON_MAX)])
    submit = SubmitField(_l("Accept"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason for declining"), validators=[DataRequired(), Length(max=service.REASON_MAX)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("Decline"))


class TransferForm(FlaskForm):
    to = SelectField(_l("Transfer to"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the transfer"), validators=[DataRequired(), Length(max=service.REASON_MAX)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("Transfer"))


class MergeForm(FlaskForm):
    into = StringField(_l("Number of the earlier complaint (its id)"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"inputmode": "numeric"})
    reason = StringField(_l("Reason (only if late)"), validators=[Length(max=service.REASON_MAX)])
    submit = SubmitField(_l("Mark as a duplicate"))


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply to the person (they read it on the tracking page)"),
                         validators=[DataRequired(), Length(max=service.TEXT_MAX)], render_kw={"rows": 3})
    submit = SubmitField(_l("Send the reply"))


class CloseForm(FlaskForm):
    result = TextAreaField(_l("Result"), validators=[DataRequired(), Length(max=service.REASON_MAX)],
                           render_kw={"rows": 2})
    reason = StringField(_l("Reason (only if late)"), validators=[Length(max=service.REASON_MAX)])
    submit = SubmitField(_l("Close"))


ACTION_FORMS = {"accept": AcceptForm, "decline": DeclineForm, "transfer": TransferForm, "merge": MergeForm,
                "reply": ReplyForm, "close": CloseForm}

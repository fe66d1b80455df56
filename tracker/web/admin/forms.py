"""Administration forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.domain.vocabulary import Role
from tracker.web.labels import choices


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Create unit"))


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[Length(max=120)])
    role = SelectField(_l("Role"), choices=choices(Role))
    unit = SelectField(_l("Unit"), validate_choice=False)
    legal_reviewer = BooleanField(_l("Legal reviewer (supervisors)"))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Create account"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Reset password"))


class ToggleActiveForm(FlaskForm):
    submit = SubmitField(_l("Change"))


class EmergencyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    jurisdiction = StringField(_l("Jurisdiction"), validators=[Length(max=120)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    baseline_date = DateField(_l("Baseline date"), validators=[InputRequired()])
    categories = SelectMultipleField(_l("Covered categories"), validators=[DataRequired()])
    submit = SubmitField(_l("Declare emergency"))

"""Administration forms."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.domain.adminlog import ActionSource, AdminActionKind, TargetKind
from tracker.domain.signin import SignInReason
from tracker.domain.vocabulary import Role
from tracker.services.localisation import lazy_gettext as _l
from tracker.web.forms import BooleanField, SelectField, StringField, LocalDateField as DateField  # accepts 2020-03-09 and 2020年3月9日
from tracker.web.labels import choices, options


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


SIGN_IN_REASON_LABELS = {
    SignInReason.OK: _l("signed in"),
    SignInReason.UNKNOWN_USER: _l("unknown username"),
    SignInReason.WRONG_PASSWORD: _l("wrong password"),
    SignInReason.INACTIVE: _l("account deactivated"),
    SignInReason.LOCKED: _l("account locked (too many failures)"),
}


class LogFilterForm(FlaskForm):
    """Filters of a log page (sign-ins, administrators' actions), read from the query string; an invalid value
    is ignored."""

    class Meta:
        csrf = False

    def values(self) -> dict:
        """The valid, non-empty filters as plain values."""
        self.validate()
        return {
            name: field.data.strip() if isinstance(field.data, str) else field.data
            for name, field in self._fields.items()
            if not field.errors and field.data not in (None, "") and not (isinstance(field.data, str) and not field.data.strip())
        }


class SignInFilterForm(LogFilterForm):
    """Filters of the sign-in log."""

    username = StringField(_l("Username"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(
        _l("Outcome"),
        choices=options([("", _l("All")), ("ok", _l("Succeeded")), ("failed", _l("Failed"))]),
        validators=[Optional()],
    )
    reason = SelectField(
        _l("Reason"),
        choices=options([("", _l("Any"))] + [(reason.value, label) for reason, label in SIGN_IN_REASON_LABELS.items()]),
        validators=[Optional()],
    )
    ip = StringField(_l("Address"), validators=[Optional(), Length(max=45)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


ADMIN_ACTION_LABELS = {
    AdminActionKind.UNIT_CREATED: _l("unit created"),
    AdminActionKind.ACCOUNT_CREATED: _l("account created"),
    AdminActionKind.PASSWORD_RESET: _l("password reset"),
    AdminActionKind.ACCOUNT_DEACTIVATED: _l("account deactivated"),
    AdminActionKind.ACCOUNT_REACTIVATED: _l("account reactivated"),
    AdminActionKind.EMERGENCY_DECLARED: _l("price emergency declared"),
    AdminActionKind.TOKEN_ISSUED: _l("API token issued"),
    AdminActionKind.TOKEN_REVOKED: _l("API token revoked"),
}
ACTION_SOURCE_LABELS = {
    ActionSource.WEB: _l("web"),
    ActionSource.API: _l("API"),
    ActionSource.COMMAND_LINE: _l("command line"),
}
TARGET_KIND_LABELS = {
    TargetKind.ACCOUNT: _l("Account"),
    TargetKind.UNIT: _l("Enforcement unit"),
    TargetKind.EMERGENCY: _l("Price emergency"),
    TargetKind.API_TOKEN: _l("API token"),
}
# The keys of an action's details (tracker.domain.adminlog.changes), as the log page names them.
ADMIN_ACTION_FIELDS = {
    "username": _l("Username"),
    "full_name": _l("Full name"),
    "role": _l("Role"),
    "unit": _l("Enforcement unit"),
    "legal_reviewer": _l("Legal reviewer (supervisors)"),
    "active": _l("Account active"),
    "code": _l("Code"),
    "name": _l("Name"),
    "timezone": _l("Time zone"),
    "jurisdiction": _l("Jurisdiction"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "baseline_date": _l("Baseline date"),
    "categories": _l("Covered categories"),
    "account": _l("Account"),
    "revoked": _l("revoked"),
}


class AdminActionFilterForm(LogFilterForm):
    """Filters of the administrators' actions."""

    actor = StringField(_l("Done by"), validators=[Optional(), Length(max=64)])
    action = SelectField(
        _l("Action"),
        choices=options([("", _l("Any"))] + [(kind.value, label) for kind, label in ADMIN_ACTION_LABELS.items()]),
        validators=[Optional()],
    )
    source = SelectField(
        _l("Where from"),
        choices=options([("", _l("Any"))] + [(source.value, label) for source, label in ACTION_SOURCE_LABELS.items()]),
        validators=[Optional()],
    )
    target = StringField(_l("Done to"), validators=[Optional(), Length(max=100)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

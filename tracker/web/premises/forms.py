"""Premises forms: shape only; the service checks the credit code and the rules."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.services.localisation import lazy_gettext as _l
from tracker.web.forms import SelectField, StringField
from tracker.web.labels import choices, options


class PremisesForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(PremisesKind))
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[Optional(), Length(max=24)],
        description=_l("18 characters; the check character is verified."),
    )
    operator_name = StringField(_l("Operator"), validators=[Length(max=200)])
    operator_type = SelectField(
        _l("Operator type"),
        choices=choices(OperatorType, blank=_l("— take it from the credit code —")),
        validate_choice=True,
    )
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    # Decimal degrees (WGS 84), both or neither: the service checks them (tracker.domain.merging.parse_position).
    latitude = StringField(
        _l("Latitude"), validators=[Optional(), Length(max=24)], render_kw={"inputmode": "decimal"},
        description=_l("Decimal degrees, such as 31.230416; give it with the longitude, or leave both empty."),
    )
    longitude = StringField(
        _l("Longitude"), validators=[Optional(), Length(max=24)], render_kw={"inputmode": "decimal"},
        description=_l("Decimal degrees, such as 104.066541."),
    )
    status = SelectField(_l("Status"), choices=choices(PremisesStatus))
    # The version the form was filled from: a save over a change made meanwhile is refused, never silent.
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class PremisesFilterForm(FlaskForm):
    """GET filters for the list; no CSRF needed for reading."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, operator or credit code"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=choices(PremisesKind, blank=_l("All kinds")))
    status = SelectField(_l("Status"), choices=choices(PremisesStatus, blank=_l("All statuses")))
    unit = SelectField(_l("Unit"), choices=options([("", _l("All units"))]), validate_choice=False)

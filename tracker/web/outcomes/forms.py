"""The register's filter form: GET, no CSRF (reading only); shape only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import Optional, ValidationError

from tracker.domain.vocabulary import PremisesKind
from tracker.services.localisation import lazy_gettext as _l
from tracker.services.outcomes import OutcomeFilters
from tracker.web.forms import SelectField, LocalDateField as DateField  # accepts 2020-03-09 and 2020年3月9日
from tracker.web.labels import choices, options


class OutcomeFilterForm(FlaskForm):
    """Period (decision dates), unit, violation and premises kind."""

    class Meta:
        csrf = False

    date_from = DateField(_l("Decided from"), validators=[Optional()])
    date_to = DateField(_l("Decided to"), validators=[Optional()])
    unit = SelectField(_l("Agency"), choices=options([("", _l("All agencies"))]), default="")
    code = SelectField(_l("Violation"), choices=options([("", _l("All violations"))]), default="")
    premises_kind = SelectField(
        _l("Kind of premises"), choices=choices(PremisesKind, blank=_l("All kinds")), default=""
    )

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The period ends before it starts."))

    def filters(self) -> OutcomeFilters:
        """The filters that passed validation (a bad one is shown as an error and left out)."""

        def valid(field):
            return None if field.errors else field.data or None

        return OutcomeFilters(
            unit=valid(self.unit), violation=valid(self.code), premises_kind=valid(self.premises_kind),
            date_from=valid(self.date_from), date_to=valid(self.date_to),
        )

"""The dashboard's filter form (GET): a period and a unit. It checks shape; the services check scope."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import Optional

from tracker.services.localisation import lazy_gettext as _l
from tracker.web.forms import SelectField, LocalDateField as DateField  # accepts 2020-03-09 and 2020年3月9日


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    # Supervisors always get their own unit whatever they pass, so the choice is checked by the service.
    unit = SelectField(_l("Unit"), validate_choice=False)

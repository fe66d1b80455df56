"""The GET filter forms' common part: unit, period, and turning a form into the service's filters."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
import wtforms
from wtforms.validators import Length, Optional, ValidationError

from tracker.domain.vocabulary import PremisesKind, PremisesStatus, Role
from tracker.services.listings import dataset
from tracker.services.localisation import lazy_gettext as _l
from tracker.services.rulebooks import current_rulebook
from tracker.services.units import unit_list_knowing
from tracker.web.forms import BooleanField, SelectField, StringField, LocalDateField as DateField  # accepts 2020-03-09 and 2020年3月9日
from tracker.web.labels import choices, options

class ListFilterForm(FlaskForm):
    """Filters read from the query string; an invalid value shows an error and is ignored."""

    class Meta:
        csrf = False

    def process(self, *args, **kwargs) -> None:
        super().process(*args, **kwargs)
        # A select the query string leaves out (a list opened with no filter) is its blank option, "All ...":
        # WTForms would call its None "Not a valid choice." before the reader chose anything.
        for field in self:
            if isinstance(field, wtforms.SelectField) and field.data is None:
                field.data = ""

    unit = SelectField(_l("Unit"), choices=options([("", _l("All units"))]), validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end of the period lies before its start."))

    def prepare(self, actor, rulebook) -> None:
        """Fill the choices that depend on the user and the rulebook; officers never choose a unit."""
        if actor.role is Role.AUDITOR:
            units = unit_list_knowing(self.unit.data)
            self.unit.choices = options([("", _("All units"))] + [(code, f"{code} {name}") for code, name in units])
        else:
            del self.unit

    def values(self) -> dict:
        """The valid, non-empty filters as plain values for the listings service."""
        self.validate()
        values = {}
        for name, field in self._fields.items():
            if field.errors or field.data in (None, "", False):
                continue
            if isinstance(field, BooleanField):
                values[name] = True
            elif isinstance(field.data, str):
                if field.data.strip():
                    values[name] = field.data.strip()
            else:
                values[name] = field.data
        return values


def text_field(label, max_length: int = 64) -> StringField:
    """A free-text filter (a username, a code) of bounded length."""
    return StringField(label, validators=[Optional(), Length(max=max_length)])


def valid_choice(form, field) -> None:
    """A select filter's value must be one of its choices (else an error, and it is ignored)."""
    allowed = {str(getattr(choice, "value", None) if hasattr(choice, "value") else choice[0]) for choice in field.choices}
    if field.data and field.data not in allowed:
        raise ValidationError(_("Not a valid choice."))


def read_filters(form_class, dataset_name: str, page: bool = True):
    """Parse the query string with ``form_class`` and build the dataset's statement for the current user.

    :param page: for the list page (loading only what it shows); False for an export.
    :returns: the form (with its errors, for the page) and the scoped, filtered, ordered statement.
    """
    form = form_class(request.args)
    form.prepare(current_user, current_rulebook())
    chosen = dataset(dataset_name)
    select = chosen.page_select if page else chosen.select
    return form, select(current_user, form.values())


class PremisesExportFilterForm(ListFilterForm):
    """The premises list's filters (q, kind, status, repeat, unit), for its export."""

    q = StringField(_l("Name, operator or credit code"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=choices(PremisesKind, blank=_l("All kinds")))
    status = SelectField(_l("Status"), choices=choices(PremisesStatus, blank=_l("All statuses")))
    repeat = BooleanField(_l("Repeat offenders only"))

    def prepare(self, actor, rulebook) -> None:
        super().prepare(actor, rulebook)
        del self.date_from
        del self.date_to


class LivesFilterForm(ListFilterForm):
    """The LIVES feed: unit and period only."""

"""Form helpers shared by the blueprints: money fields, enum selects, service errors on fields."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import get_timezone, gettext as _
import wtforms
from wtforms import DateField, DateTimeLocalField, DecimalField
from wtforms.validators import NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from tracker.domain.localformat import parse_date, parse_datetime, parse_money
from tracker.services import clock
from tracker.services.errors import Invalid
from tracker.services.localisation import lazy_gettext as _l
from tracker.web import widgets

MONEY_MAX = Decimal("999999999999.99")


# WTForms' fields with the faster widgets of tracker.web.widgets (the same HTML): list pages render their filter
# forms on every request.
class SelectField(wtforms.SelectField):
    widget = widgets.Select()


class StringField(wtforms.StringField):
    widget = widgets.TextInput()


class BooleanField(wtforms.BooleanField):
    widget = widgets.CheckboxInput()


class LocalDateField(DateField):
    """A date field (the browser's date picker sends 2020-03-09) that also reads a date typed by hand,
    in a query string or where the browser has no picker: 2020/3/9, 2020年3月9日."""

    widget = widgets.DateInput()

    def process_formdata(self, valuelist):
        if _blank(valuelist):  # empty: for Optional() or InputRequired() to judge, with their one message
            self.data = None
            return
        try:
            self.data = parse_date(str(valuelist[0]))
        except ValueError:
            self.data = None
            # WTForms' own message (translated by its catalog) and how to write a date.
            raise ValueError(_sentences(self.gettext("Not a valid date value."), _("Write it as 2020-03-09."))) \
                from None


class LocalDateTimeField(DateTimeLocalField):
    """A local date and time (the picker sends 2020-03-09T10:30), also typed as 2020-03-09 10:30 or
    2020年3月9日 10:30; naive, read in the user's time zone by ``to_utc``."""

    def process_formdata(self, valuelist):
        if _blank(valuelist):
            self.data = None
            return
        try:
            self.data = parse_datetime(str(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(_sentences(self.gettext("Not a valid datetime value."),
                                        _("Write it as 2020-03-09 10:30."))) from None


class MoneyField(DecimalField):
    """An amount as people type it: 200000, 200,000.00, ¥200,000.00, ￥200000, 200000元.

    A text box (with the decimal keypad on phones): a number input would refuse the symbol and the commas.
    """

    widget = TextInput()

    def __init__(self, *args, render_kw=None, **kwargs):
        super().__init__(*args, render_kw={"inputmode": "decimal", **(render_kw or {})}, **kwargs)

    def process_formdata(self, valuelist):
        if _blank(valuelist):
            self.data = None
            return
        try:
            self.data = parse_money(str(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(_sentences(self.gettext("Not a valid decimal value."), _("Write it as 200,000.00."))) \
                from None

    def pre_validate(self, form):
        """Input that is no amount gets that one message, not the range's as well."""
        if self.process_errors:
            raise StopValidation()


def _sentences(first: str, second: str) -> str:
    """Two sentences: a space after an English full stop, none after a Chinese one (。)."""
    return f"{first}{'' if first.endswith(('。', '！', '？')) else ' '}{second}"


def _blank(valuelist) -> bool:
    return not valuelist or (isinstance(valuelist[0], str) and not valuelist[0].strip())


def money_places(form, field) -> None:
    """Money has at most two decimal places (NaN and Infinity are refused by the range check)."""
    if field.data is not None and field.data.is_finite() and field.data.as_tuple().exponent < -2:
        raise ValidationError(_("Use at most two decimal places."))


def money_field(label, required: bool = False, minimum: str = "0", **kwargs) -> MoneyField:
    """A MoneyField for yuan: non-negative (or above ``minimum``), two places at most."""
    validators = [] if required else [Optional()]
    validators += [
        NumberRange(min=Decimal(minimum), max=MONEY_MAX, message=_l("Enter an amount from %(min)s up.")),
        money_places,
    ]
    return MoneyField(label, validators=validators, places=None, **kwargs)


def not_in_future(form, field) -> None:
    """Past events cannot be dated in the future (a few minutes of clock skew allowed)."""
    value = field.data
    if value is None:
        return
    if isinstance(value, datetime):
        now = clock.now() + timedelta(minutes=5)
        if to_utc(value) > now:
            raise ValidationError(_("This date lies in the future."))
    elif isinstance(value, date) and value > clock.now().date() + timedelta(days=1):
        raise ValidationError(_("This date lies in the future."))


def to_utc(value: datetime) -> datetime:
    """A form's naive local time, read in the user's time zone, as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=get_timezone())
    return value.astimezone(timezone.utc)


def apply_errors(form, error: Invalid) -> None:
    """Show a service's field errors next to the form's fields (others go to the form)."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not error.errors:
        form.form_errors.append(str(error))

"""Form helpers shared by the blueprints: money fields, enum selects, service errors on fields."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import get_timezone, gettext as _, lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import NumberRange, Optional, ValidationError

from tracker.services import clock
from tracker.services.errors import Invalid

MONEY_MAX = Decimal("999999999999.99")


def money_places(form, field) -> None:
    """Money has at most two decimal places (NaN and Infinity are refused by the range check)."""
    if field.data is not None and field.data.is_finite() and field.data.as_tuple().exponent < -2:
        raise ValidationError(_("Use at most two decimal places."))


def money_field(label, required: bool = False, minimum: str = "0", **kwargs) -> DecimalField:
    """A DecimalField for yuan: non-negative (or above ``minimum``), two places at most."""
    validators = [] if required else [Optional()]
    validators += [
        NumberRange(min=Decimal(minimum), max=MONEY_MAX, message=_l("Enter an amount from %(min)s up.")),
        money_places,
    ]
    return DecimalField(label, validators=validators, places=None, **kwargs)


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

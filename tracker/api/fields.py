"""Schema pieces every API resource shares: ids, strict text, dates, times and decimal strings,
and the problem answers an endpoint documents."""
from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma

from tracker.api.core import MAX_ID, PROBLEM, ApiBlueprint
from tracker.api.problem_schema import ProblemSchema

ID_RANGE = ma.validate.Range(min=1, max=MAX_ID)


def values(enum_cls) -> list[str]:
    """The contract values of a vocabulary enum."""
    return [member.value for member in enum_cls]


# ------------------------------------------------------------------------------------------ fields


class Text(ma.fields.String):
    """A string the databases can store: no NUL character, no lone surrogate."""

    default_error_messages = {
        "unstorable": "The text contains a NUL character or an invalid Unicode sequence.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("unstorable")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("unstorable") from None
        return text


class StrictDate(ma.fields.Date):
    """A calendar date written exactly YYYY-MM-DD."""

    PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class OffsetDateTime(ma.fields.AwareDateTime):
    """An RFC 3339 time with its offset (``2020-02-05T10:30:00+08:00``), convertible to UTC."""

    PATTERN = re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
    )
    default_error_messages = {"range": "The time lies outside the years 1900 to 9998."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.PATTERN.fullmatch(value):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        moment = super()._deserialize(value.upper(), attr, data, **kwargs)
        if not 1900 <= moment.year <= 9998:  # keeps every time-zone conversion in range
            raise self.make_error("range")
        return moment


class DecimalString(ma.fields.String):
    """Money, rates and quantities as decimal strings (``"1100.00"``), never binary floats.

    In: a string of digits with at most ``places`` decimals; numbers, floats, NaN and exponents are
    refused. Out: the value with exactly ``places`` decimals.
    """

    default_error_messages = {
        "not_string": 'Give the amount as a decimal string, such as "12.50", not a JSON number.',
        "format": "Use digits with at most {places} decimal places and at most {digits} before the point.",
    }

    def __init__(self, places: int = 2, digits: int = 12, signed: bool = False, **kwargs):
        self.places, self.digits = places, digits
        self.regex = re.compile(rf"{'-?' if signed else ''}[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?")
        metadata = {"pattern": f"^{self.regex.pattern}$", "example": "12." + "5".ljust(places, "0")}
        super().__init__(metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.places)))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("not_string")
        if not self.regex.fullmatch(value):
            raise self.make_error("format", places=self.places, digits=self.digits)
        return value


class Quantity(ma.fields.Field):
    """A quantity in: a JSON integer, or a decimal string with at most ``places`` decimals (``1000``, ``"2.5"``).

    An integer is exact, so it is taken as it is; a JSON number with a fraction (a binary float) and a boolean
    are refused. Loaded as a decimal string."""

    default_error_messages = {
        "invalid": 'Give the quantity as a whole JSON number or a decimal string, such as 1000 or "2.5".',
    }

    def __init__(self, places: int = 3, digits: int = 11, **kwargs):
        self.text = DecimalString(places=places, digits=digits)
        self.limit = 10 ** digits
        schema = {"oneOf": [{"type": "integer", "minimum": 0, "maximum": self.limit - 1},
                            {"type": "string", "pattern": self.text.metadata["pattern"]}]}
        super().__init__(metadata={**schema, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < self.limit:
                raise self.make_error("invalid")
            return str(value)
        if isinstance(value, str):
            return self.text.deserialize(value, attr, data, **kwargs)
        raise self.make_error("invalid")


class StrictBoolean(ma.fields.Boolean):
    """A JSON ``true`` or ``false``, nothing else: the strings "yes", "on" or "1" and the numbers 0 and 1 are
    refused rather than guessed."""

    default_error_messages = {"invalid": "Give true or false (JSON booleans)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(ma.fields.Boolean):
    """A query argument's ``true`` or ``false`` (lower case), nothing else."""

    truthy = {"true"}
    falsy = {"false"}
    default_error_messages = {"invalid": "Give true or false."}


class Code(ma.fields.String):
    """A related record shown by its code or name: a unit's ``code``, a user's ``username``."""

    def __init__(self, key: str = "code", **kwargs):
        self.key = key
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(getattr(value, self.key, value), attr, obj, **kwargs)


# ------------------------------------------------------------------------------------------ problems


PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON.",
    401: "No token, or an unknown or revoked one.",
    403: "The caller's role may not do this.",
    404: "Unknown, or in another unit.",
    409: "The record is in the wrong state (a submitted inspection is read-only).",
    422: "Validation or a legal guard failed; `errors` says which field.",
}


def problems(bp: ApiBlueprint, *statuses: int):
    """Document the problem answers an endpoint gives (401 always)."""

    def decorate(view):
        for status in sorted({401, *statuses}, reverse=True):
            view = bp.alt_response(
                status, schema=ProblemSchema, content_type=PROBLEM, description=PROBLEM_DESCRIPTIONS[status]
            )(view)
        return view

    return decorate

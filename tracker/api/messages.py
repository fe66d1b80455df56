"""The words of problem documents in the request's language (Accept-Language under /api/): titles and the
validation messages of marshmallow, webargs and our own schemas. Codes, field names and the English texts stay
as they are: English is the msgid itself. The default details of HTTP errors, which the pages show too, are
tracker.services.failures.http_description."""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext as _

# Problem titles by status (RFC 9457 suggests the status phrase; ours are a little friendlier).
TITLES = {
    400: lambda: _("Malformed request"),
    401: lambda: _("Authentication required"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    406: lambda: _("Not acceptable"),
    409: lambda: _("Conflict"),
    413: lambda: _("Request too large"),
    415: lambda: _("Unsupported media type"),
    422: lambda: _("Unprocessable request"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Server error"),
    503: lambda: _("Service unavailable"),
}

def title(status: int) -> str:
    """The problem title for ``status`` in the request's language."""
    return TITLES.get(status, lambda: _("Error"))()


def _validation_messages() -> list[tuple[str, str]]:
    """(English as the library writes it, with {placeholders}; the msgid in the request's language)."""
    return [
        # marshmallow fields and schemas
        ("Missing data for required field.", _("Missing data for required field.")),
        ("Field may not be null.", _("Field may not be null.")),
        ("Invalid value.", _("Invalid value.")),
        ("Invalid input.", _("Invalid input.")),
        ("Invalid type.", _("Invalid type.")),
        ("Invalid input type.", _("Invalid input type.")),
        ("Unknown field.", _("Unknown field.")),
        ("Not a valid boolean.", _("Not a valid boolean.")),
        ("Not a valid date.", _("Not a valid date.")),
        ("Not a valid datetime.", _("Not a valid datetime.")),
        ("Not a valid aware datetime.", _("Not a valid aware datetime.")),
        ("Not a valid naive datetime.", _("Not a valid naive datetime.")),
        ("Not a valid mapping type.", _("Not a valid mapping type.")),
        ("Not a valid integer.", _("Not a valid integer.")),
        ("Not a valid number.", _("Not a valid number.")),
        ("Number too large.", _("Number too large.")),
        ("Special numeric values (nan or infinity) are not permitted.",
         _("Special numeric values (nan or infinity) are not permitted.")),
        ("Not a valid list.", _("Not a valid list.")),
        ("Not a valid tuple.", _("Not a valid tuple.")),
        ("Not a valid string.", _("Not a valid string.")),
        ("Not a valid utf-8 string.", _("Not a valid utf-8 string.")),
        ("Not a valid email address.", _("Not a valid email address.")),
        ("Not a valid URL.", _("Not a valid URL.")),
        ("Not a valid UUID.", _("Not a valid UUID.")),
        ("String does not match expected pattern.", _("String does not match expected pattern.")),
        ('"{input}" cannot be formatted as a date.', _('"%(input)s" cannot be formatted as a date.')),
        ('"{input}" cannot be formatted as a datetime.', _('"%(input)s" cannot be formatted as a datetime.')),
        ("Must be one of: {choices}.", _("Must be one of: %(choices)s.")),
        ("One or more of the choices you made was not in: {choices}.",
         _("One or more of the choices you made was not in: %(choices)s.")),
        ("Shorter than minimum length {min}.", _("Shorter than minimum length %(min)s.")),
        ("Longer than maximum length {max}.", _("Longer than maximum length %(max)s.")),
        ("Length must be between {min} and {max}.", _("Length must be between %(min)s and %(max)s.")),
        ("Length must be {equal}.", _("Length must be %(equal)s.")),
        ("Must be greater than or equal to {min} and less than or equal to {max}.",
         _("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")),
        ("Must be greater than or equal to {min}.", _("Must be greater than or equal to %(min)s.")),
        ("Must be less than or equal to {max}.", _("Must be less than or equal to %(max)s.")),
        ("Must be greater than {min}.", _("Must be greater than %(min)s.")),
        ("Must be less than {max}.", _("Must be less than %(max)s.")),
        # webargs
        ("Invalid JSON body.", _("Invalid JSON body.")),
        # our fields (tracker.api.fields) and schemas whose messages are fixed when the class is defined
        ("The text contains a NUL character or an invalid Unicode sequence.",
         _("The text contains a NUL character or an invalid Unicode sequence.")),
        ("The time lies outside the years 1900 to 9998.", _("The time lies outside the years 1900 to 9998.")),
        ('Give the amount as a decimal string, such as "12.50", not a JSON number.',
         _('Give the amount as a decimal string, such as "12.50", not a JSON number.')),
        ("Use digits with at most {places} decimal places and at most {digits} before the point.",
         _("Use digits with at most %(places)s decimal places and at most %(digits)s before the point.")),
        ("Use the next_cursor of the previous page.", _("Use the next_cursor of the previous page.")),
    ]


@lru_cache(maxsize=None)
def _pattern(english: str) -> re.Pattern:
    """The English message as a regular expression, each {placeholder} a named group."""
    parts = re.split(r"\{(\w+)\}", english)
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


def translate_message(message: str) -> str:
    """A validation message in the request's language; a message we do not know (already translated,
    or written by a service) comes back unchanged."""
    table = _validation_messages()
    for english, translated in table:
        if "{" not in english and english == message:
            return translated
    for english, translated in table:
        if "{" in english:
            match = _pattern(english).match(message)
            if match:
                return translated % match.groupdict()
    return message


def translate_messages(messages):
    """Every message string inside webargs' nested {location: {field: [...]}} structure, translated."""
    if isinstance(messages, str):
        return translate_message(messages)
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_messages(value) for value in messages]
    return messages

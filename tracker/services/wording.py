"""Values inside user messages, written for the current locale: dates, money, lists and the names of
deadlines and appeal windows. The command line has no request: Flask-Babel then uses the default locale."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import format_date, get_locale, gettext, pgettext

from tracker.domain.characters import hidden_characters


def day(value: date) -> str:
    """A date: ISO in English, as the UI and the API write dates; the locale's long date elsewhere (2020年3月2日)."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return value.isoformat()
    return format_date(value, "long")


def money(value: Decimal | int) -> str:
    """An amount with two places and grouping, as the UI shows money (1,100.00)."""
    return format_decimal(value, format="#,##0.00", locale=get_locale() or "en")


def whole(value: Decimal | int) -> str:
    """A number with the locale's grouping and no needless decimals (10,000)."""
    return format_decimal(value, format="#,##0.##", locale=get_locale() or "en")


def listed(items) -> str:
    """Items joined as a list: "a, b" in English, "a、b" in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def deadline_name(name: str) -> str:
    """The translated name of a case deadline (the rulebook's key when it has no name here)."""
    names = {
        "filing": pgettext("deadline", "filing"),
        "review": pgettext("deadline", "review"),
        "statement": pgettext("deadline", "statement"),
        "decision": pgettext("deadline", "decision"),
        "decision_service": pgettext("deadline", "decision_service"),
        "payment": pgettext("deadline", "payment"),
        "closing": pgettext("deadline", "closing"),
        "publication": pgettext("deadline", "publication"),
    }
    return names.get(name, name)


def appeal_kind(kind: str) -> str:
    """The translated name of an appeal window."""
    names = {
        "reconsideration": pgettext("appeal", "reconsideration"),
        "lawsuit": pgettext("appeal", "lawsuit"),
    }
    return names.get(kind, kind)


def operator_type(value: str) -> str:
    """The translated operator type of a premises, as the credit-code note names it."""
    names = {
        "individual": pgettext("operator type", "individual"),
        "organisation": pgettext("operator type", "organisation"),
    }
    return names.get(value, value)


def refuse_hidden_characters(errors: dict[str, list[str]], **texts: str | None) -> None:
    """Add a form error for each one-line text holding characters that change how it displays
    (tracker.domain.characters): bidirectional overrides, zero-width characters, line breaks."""
    for field, text in texts.items():
        codes = hidden_characters(text)
        if codes:
            errors.setdefault(field, []).append(gettext(
                "Remove the invisible characters %(codes)s: they change how the text displays.", codes=", ".join(codes)))

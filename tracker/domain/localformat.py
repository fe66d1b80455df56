"""Dates, times, numbers and money as people read and type them, in English and in Chinese.

Pure: the locale is passed in (a ``babel.Locale`` or a tag such as ``zh_CN``); the web layer passes the
request's. Reading accepts what a person types in either language (``2020-03-09``, ``2020/3/9``,
``2020年3月9日``; ``200,000.00``, ``¥200,000.00``, ``￥200000``, ``200000元``), full-width digits included.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date, datetime, time, timezone, tzinfo
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol

# English keeps the ISO dates the tracker has always shown (and its documents and API write); other
# languages use their CLDR long date (2020年3月9日), so a new language needs no entry here.
DATE_PATTERNS = {"en": "yyyy-MM-dd"}
TIME_PATTERN = "HH:mm"
MONEY_PATTERN = "#,##0.00"
PERCENT_PATTERN = "#,##0.##%"
MAX_INPUT = 64  # characters: longer input is no date or amount anyone typed


def _locale(locale) -> Locale:
    if isinstance(locale, Locale):
        return locale
    return Locale.parse(locale or "en")


# ------------------------------------------------------------------------------------------ writing


def _from_text(value):
    """An ISO date or timestamp kept as text (the history chain stores them so) as a date or datetime; any
    other text is returned as it is, to be shown unchanged."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value) if "T" in value or " " in value.strip() else date.fromisoformat(value)
    except ValueError:
        return value


def day(value: date | datetime | str | None, locale, tz: tzinfo | None = None) -> str:
    """A date: ``2020-03-09`` in English, ``2020年3月9日`` in Chinese. A datetime is first read in ``tz``."""
    value = _from_text(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    loc = _locale(locale)
    if isinstance(value, datetime):
        value = _in_zone(value, tz).date()
    return _date_text(value, str(loc))


@lru_cache(maxsize=8192)
def _date_text(value: date, locale: str) -> str:
    # Babel reads the locale's data and parses the pattern on every call; a page shows the same few hundred
    # days over and over (a table's column, every page of a list). Keyed by the locale's tag: comparing
    # Locale objects costs more than formatting.
    loc = Locale.parse(locale)
    return format_date(value, DATE_PATTERNS.get(loc.language, "long"), locale=loc)


def moment(value: datetime | str | None, locale, tz: tzinfo | None = None) -> str:
    """A date and time in ``tz`` (naive values are UTC): ``2020-03-09 10:30``, ``2020年3月9日 10:30``."""
    value = _from_text(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        return day(value, locale)
    loc = _locale(locale)
    local = _in_zone(value, tz)
    return f"{day(local.date(), loc)} {format_time(local.time(), TIME_PATTERN, locale=loc)}"


def _in_zone(value: datetime, tz: tzinfo | None) -> datetime:
    if tz is None:
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz)


def number(value, locale, places: int | None = None) -> str:
    """A number with the locale's grouping (``10,000``; ``1,234.5``), or with exactly ``places`` decimals."""
    if value is None:
        return "—"
    if places is None:
        pattern = "#,##0.###"
    else:
        pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, format=pattern, locale=_locale(locale))


def amount(value, locale) -> str:
    """Money without a symbol, two places and grouping: ``200,000.00``."""
    if value is None:
        return "—"
    return format_decimal(value, format=MONEY_PATTERN, locale=_locale(locale))


def money(value, currency: str, locale) -> str:
    """Money with its symbol: ``¥200,000.00`` for yuan in English as in Chinese, ``$1,200.00`` for dollars.

    CLDR's English symbol for the yuan is ``CN¥`` (to tell it from the yen); officers and the issue write
    ``¥`` in both languages, so the letters that only disambiguate (CN¥, US$) are dropped: the narrow symbol.
    """
    if value is None:
        return "—"
    loc = _locale(locale)
    text = format_currency(value, currency, format="¤" + MONEY_PATTERN, locale=loc, currency_digits=False)
    return text.replace(get_currency_symbol(currency, loc), narrow_symbol(currency, loc), 1)


def narrow_symbol(currency: str, locale) -> str:
    """``¥`` for CNY, ``$`` for USD, ``€`` for EUR; a code with no symbol stays the code (``CHF``)."""
    symbol = get_currency_symbol(currency, _locale(locale))
    stripped = symbol.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return stripped or symbol


def percent(rate, locale) -> str:
    """A rate (1.9167) as a percentage: ``191.67%``."""
    if rate is None:
        return "—"
    return format_percent(rate, format=PERCENT_PATTERN, locale=_locale(locale))


# ------------------------------------------------------------------------------------------ reading


_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.]\s*(?P<m1>\d{1,2})\s*[-/.]\s*(?P<d1>\d{1,2})"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)"
)
_TIME = re.compile(
    r"(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<mi>\d{2})(?:\s*[:：]\s*(?P<s>\d{2}))?"
    r"|[时點点]\s*(?:(?P<mi2>\d{1,2})\s*分?)?)"
)
_MONEY = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_CURRENCY_MARKS = ("CNY", "RMB", "CN¥", "¥", "元")


def _normal(text: str) -> str:
    """Full-width digits, signs and punctuation (２０２０，￥) as their ASCII forms; outer blanks removed."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str) -> date:
    """``2020-03-09``, ``2020/3/9``, ``2020.3.9``, ``2020年3月9日`` (or ``9号``) as a date; ValueError otherwise."""
    value = _normal(text or "")
    match = _DATE.fullmatch(value) if len(value) <= MAX_INPUT else None
    if not match:
        raise ValueError(f"not a date: {text!r}")
    return _date_of(match)


def _date_of(match: re.Match) -> date:
    month = match.group("m1") or match.group("m2")
    day_ = match.group("d1") or match.group("d2")
    return date(int(match.group("y")), int(month), int(day_))  # ValueError for 2020-02-30


def parse_datetime(text: str) -> datetime:
    """A date as ``parse_date`` reads it and a time (``10:30``, ``10:30:15``, ``10时30分``, ``10点``), joined by
    ``T``, a space or nothing (``2020年3月9日10:30``), as a naive datetime; ValueError otherwise."""
    value = _normal(text or "")
    if len(value) > MAX_INPUT:
        raise ValueError(f"not a date and time: {text!r}")
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"not a date and time: {text!r}")
    rest = value[match.end():].lstrip()
    if rest[:1] in ("T", "t"):
        rest = rest[1:].lstrip()
    clock = _TIME.fullmatch(rest)
    if not clock:
        raise ValueError(f"not a date and time: {text!r}")
    minute = clock.group("mi") or clock.group("mi2") or 0
    return datetime.combine(_date_of(match), time(int(clock.group("h")), int(minute), int(clock.group("s") or 0)))


def parse_money(text: str) -> Decimal:
    """An amount as typed: ``200000``, ``200,000.00``, ``¥200,000.00``, ``￥200000``, ``200000元``, ``RMB 5``.

    Commas must group thousands (``1,0,0`` is refused: probably a typo). NaN, infinities and exponents
    are refused: nobody types them as money. ValueError otherwise.
    """
    value = _normal(text or "")
    if len(value) > MAX_INPUT:
        raise ValueError(f"not an amount: {text!r}")
    for mark in _CURRENCY_MARKS:
        if value.upper().startswith(mark):
            value = value[len(mark):].lstrip()
            break
    else:
        for mark in ("元", "CNY", "RMB"):
            if value.upper().endswith(mark):
                value = value[: -len(mark)].rstrip()
                break
    if not _MONEY.fullmatch(value):
        raise ValueError(f"not an amount: {text!r}")
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numerals
        raise ValueError(f"not an amount: {text!r}") from None

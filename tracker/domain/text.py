"""Human texts of the pure domain, translatable without importing Flask.

Two kinds of text, both ``str`` subclasses whose *string value* is the English text:

- ``Text(N_("The fine of %(amount)s is too high."), amount=Money(...))``: a message of the code. ``N_`` marks
  the msgid for extraction (babel.cfg keyword ``N_``); ``str(text)`` translates it with the installed translator
  and formats its params for the current locale.
- ``Localised({"en": ..., "zh_CN": ...})``: a text of the rulebook, given in each language by the rulebook.

Why ``str`` subclasses: whatever stores, hashes, compares or serialises them (database columns, history JSON,
CSV cells, ``==``, sorting, ``json.dumps``, ``"".join``) sees the English text exactly as before, so records stay
in one language; whatever *renders* them (``str()``, ``format()``/f-strings, ``"%s" %``, Jinja ``{{ x }}``,
``str(exception)``) gets the current locale. To show a combination in the reader's language, build it with
``str()``/f-strings, not ``+`` or ``join`` (those keep the English value).

The app installs Flask-Babel with ``install(gettext, get_locale)``; with nothing installed (domain tests, the
command line) texts render in English. Params are formatted per locale: a ``date`` in the locale's date format
(``DATE_FORMATS``: ISO ``2020-01-19`` in English, as the tracker has always written dates, else the long form,
``2020年1月19日``), ``Money`` and ``Percent`` with babel.numbers, nested texts in the same locale, anything else
with ``str()``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from html import escape

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from tracker.domain.money import round_money, round_rate

DEFAULT_LOCALE = "en"
# The date pattern per language; a language not listed uses babel's "long" format.
DATE_FORMATS: Mapping[str, str] = MappingProxyType({"en": "yyyy-MM-dd"})


def N_(msgid: str) -> str:
    """Mark a msgid for extraction; translation happens when the Text is rendered."""
    return msgid


def _identity(msgid: str) -> str:
    return msgid


def _english() -> str:
    return DEFAULT_LOCALE


_translate: Callable[[str], str] = _identity
_locale: Callable[[], object] = _english


def install(translate: Callable[[str], str], locale: Callable[[], object]) -> None:
    """Render texts through ``translate`` (msgid -> translated msgid) in the locale ``locale()`` returns.

    ``locale()`` may return a babel Locale, a string such as "zh_CN", or None; when it raises (outside a request,
    say) or returns None, texts render in English."""
    global _translate, _locale
    _translate, _locale = translate, locale


def uninstall() -> None:
    """Back to English without translation (tests use it to undo ``install``)."""
    install(_identity, _english)


def current_locale() -> str:
    """The current locale as a string ("en", "zh_CN"); English when none can be determined."""
    try:
        value = _locale()
    except Exception:  # outside a request (command line, tests) there is no reader: a text never fails to render
        return DEFAULT_LOCALE
    return str(value) if value else DEFAULT_LOCALE


def _language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0]


# ------------------------------------------------------------------------------------------ params


@dataclass(frozen=True, slots=True)
class Money:
    """An amount for a sentence, 2 decimals with grouping ("600,000.00"), with its currency when given."""

    amount: Decimal | Fraction | int | str
    currency: str | None = None

    def render(self, locale: str) -> str:
        amount = round_money(Fraction(Decimal(self.amount)) if isinstance(self.amount, str) else self.amount)
        if self.currency:
            return format_currency(amount, self.currency, locale=locale)
        return format_decimal(amount, format="#,##0.00", locale=locale)


@dataclass(frozen=True, slots=True)
class Percent:
    """A rate (0.35 = 35 %) as a percentage with at most 2 decimals and no grouping ("191.67%")."""

    rate: Decimal | Fraction | int | str

    def render(self, locale: str) -> str:
        rate = round_rate(Fraction(Decimal(self.rate)) if isinstance(self.rate, str) else self.rate)
        return format_percent(rate, format="0.##%", locale=locale)


def format_param(value: object, locale: str) -> str:
    """One param in the locale: dates, Money, Percent and nested texts are localised; the rest is str()."""
    if isinstance(value, (Money, Percent)):
        return value.render(locale)
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, format=DATE_FORMATS.get(_language(locale), "long"), locale=locale)
    if isinstance(value, (Text, Localised)):
        return value.render(locale)
    return str(value)


# ------------------------------------------------------------------------------------------ texts


class _Rendered(str):
    """A str whose value is the English text and whose display (str(), format, Jinja) is ``render()``:
    storing, hashing, comparing and serialising see English; showing sees the reader's language."""

    def render(self, locale: str | None = None) -> str:
        raise NotImplementedError

    @property
    def english(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    def __html__(self) -> str:
        return escape(self.render())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a {type(self).__name__} is immutable")


class Text(_Rendered):
    """A translatable message with named params; its string value is the English sentence."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Text:
        english = _fill(msgid, params, DEFAULT_LOCALE)
        self = super().__new__(cls, english)
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "params", MappingProxyType(dict(params)))
        return self

    def render(self, locale: str | None = None) -> str:
        """The message in ``locale`` (default: the current one). The locale decides whether to translate and how
        params are formatted; the installed translator supplies the words (Flask-Babel's: the request's)."""
        locale = locale or current_locale()
        if _language(locale) == _language(DEFAULT_LOCALE):
            return str.__str__(self)
        try:
            translated = _translate(self.msgid)
        except Exception:  # no translations at hand (outside a request): the English msgid
            translated = self.msgid
        try:
            return _fill(translated, self.params, locale)
        except (KeyError, TypeError, ValueError):  # a translation whose placeholders do not match: English
            return str.__str__(self)


    def __reduce__(self):
        return _rebuild_text, (self.msgid, dict(self.params))


def _rebuild_text(msgid: str, params: dict) -> Text:
    return Text(msgid, **params)


def _fill(template: str, params: Mapping[str, object], locale: str) -> str:
    """Substitute the params (formatted for the locale); a msgid without params is used as it is."""
    if not params:
        return template
    return template % {name: format_param(value, locale) for name, value in params.items()}


class Localised(_Rendered):
    """A text given in several languages by the rulebook; its string value is the English text.

    ``texts`` maps locale to text ("en" required); rendering picks the exact locale, else one of the same
    language, else English."""

    texts: Mapping[str, str]

    def __new__(cls, texts: Mapping[str, str] | str) -> Localised:
        if isinstance(texts, str):
            texts = {DEFAULT_LOCALE: texts}
        if DEFAULT_LOCALE not in texts:
            raise ValueError("a localised text needs its English version")
        self = super().__new__(cls, texts[DEFAULT_LOCALE])
        object.__setattr__(self, "texts", MappingProxyType(dict(texts)))
        return self

    def text(self, locale: str) -> str | None:
        """The text given for ``locale`` (or a locale of its language), or None."""
        if locale in self.texts:
            return self.texts[locale]
        language = _language(locale)
        return next((text for key, text in self.texts.items() if _language(key) == language), None)

    def render(self, locale: str | None = None) -> str:
        """The text in ``locale`` (default: the current one), English when the rulebook does not give it."""
        found = self.text(locale or current_locale())
        return found if found is not None else str.__str__(self)


    def __reduce__(self):
        return Localised, (dict(self.texts),)

"""The price tests' part of the offline bundle (``gouging``): what the field app's gouging.js
(tracker/static/field/gouging.js) needs to run the rulebook's price tests on a phone with no connection and to
explain each flag in the officer's language, exactly as the server does.

``payload(rulebook, locale)`` answers::

    {"rulebook": "cn-samr@2024.1",                    # the label stored with every finding
     "rules": {"enabled": [...], "baseline_tolerance": "0", "margin_cap": "0.35", ...},   # decimals as strings
     "locale": "zh_CN",
     "date_pattern": "y年M月d日",                      # how a date in a sentence is written in that language
     "messages": {msgid: sentence template in that language}}   # every sentence a flag can have

(and ``"months"`` when the date pattern spells the month out).
"""
from __future__ import annotations

from babel import Locale
from babel.dates import get_date_format, get_month_names
from flask_babel import force_locale, gettext

from tracker.domain.gouging import explanation
from tracker.domain.rulebook import GOUGING_TESTS, MARKING_TESTS, PriceTestRules, Rulebook
from tracker.domain.text import DATE_FORMATS
from tracker.services.localisation import catalog_name, default_locale

# Params that make every test's sentence; the variants reach each branch (date or not, tolerance or not, basis).
_ANY_PARAMS = {
    "margin_pct": "1", "baseline_margin_pct": "1", "tolerance_pct": "0", "cap_pct": "1", "cost_change_pct": "1",
    "price_change_pct": "1", "fees": "1", "baseline_fees": "1", "price": "1", "reference": "1", "increase_pct": "1",
    "limit_pct": "1", "marked_price": "1", "basis": "baseline", "baseline_date": "",
}
_VARIANTS = (
    {}, {"baseline_date": "2020-01-19"}, {"basis": "cost"}, {"tolerance_pct": "5"},
    {"tolerance_pct": "5", "baseline_date": "2020-01-19"},
)


def message_ids() -> tuple[str, ...]:
    """The msgid of every sentence a price-test flag can have, as the domain builds them."""
    found: list[str] = []
    for test in GOUGING_TESTS + MARKING_TESTS:
        for variant in _VARIANTS:
            text = explanation(test, {**_ANY_PARAMS, **variant})
            if text is not None and text.msgid not in found:
                found.append(text.msgid)
    return tuple(found)


def rules(tests: PriceTestRules) -> dict:
    """The rulebook's price tests as JSON: the enabled gouging tests in the order they run, thresholds as strings."""
    def number(value) -> str | None:
        return None if value is None else str(value)

    return {
        "enabled": [test for test in GOUGING_TESTS if tests.enables(test)],
        "margin_basis": tests.margin_basis,
        "baseline_tolerance": number(tests.baseline_tolerance),
        "margin_cap": number(tests.margin_cap),
        "cost_epsilon": number(tests.cost_epsilon),
        "price_rise": number(tests.price_rise),
        "price_increase_limit": number(tests.price_increase_limit),
        "new_goods_cost_limit": number(tests.new_goods_cost_limit),
        "window_days": tests.window_days,
    }


def date_pattern(locale: str) -> str:
    """The pattern a date in a sentence is written with (as tracker.domain.text formats it): ISO in English, the
    language's long date elsewhere (y年M月d日)."""
    language = locale.replace("-", "_").split("_")[0]
    return DATE_FORMATS.get(language) or get_date_format("long", locale=locale).pattern


def payload(rulebook: Rulebook, locale: str | Locale | None = None) -> dict:
    """The bundle's ``gouging`` for a reader of ``locale`` (a catalog name such as "zh_CN"; default: the
    deployment's language). Needs an application context (the catalogs)."""
    name = catalog_name(locale) if isinstance(locale, Locale) else (locale or default_locale())
    with force_locale(name):
        messages = {msgid: gettext(msgid) for msgid in message_ids()}
    pattern = date_pattern(name)
    answer = {
        "rulebook": rulebook.label,
        "rules": rules(rulebook.price_tests),
        "locale": name,
        "date_pattern": pattern,
        "messages": messages,
    }
    if "MMM" in pattern:
        answer["months"] = {
            width: [names[month] for month in range(1, 13)]
            for width, names in ((width, get_month_names(width, "format", locale=name))
                                 for width in ("abbreviated", "wide", "narrow"))
        }
    return answer

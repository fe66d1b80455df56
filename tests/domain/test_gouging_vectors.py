"""The shared price-test vectors (tests/vectors/gouging.json): the Python price tests still give exactly the
answers recorded there, which the browser's port (tracker/static/field/gouging.js) must give too
(tests/js/gouging.test.mjs). A change to either side fails one of them; regenerate the file with
scripts/gouging-vectors only when the change is meant.

This module also says how Python answers a vector (``answer``, ``rendered``): the generator uses it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import get_date_format

from tracker.domain import text
from tracker.domain.gouging import Findings, ObservationFacts, evaluate, explain
from tracker.domain.rulebook import GOUGING_TESTS, MARKING_TESTS, PriceTestRules, load_rulebook, rulebook_path

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "gouging.json"
RULEBOOKS = ("cn-samr", "us-ca")


def load_vectors() -> dict:
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def price_test_rules(spec: Mapping) -> PriceTestRules:
    """Rules as the bundle gives them (decimals as strings) as the domain's PriceTestRules."""
    def number(name: str) -> Decimal | None:
        return None if spec[name] is None else Decimal(spec[name])

    return PriceTestRules(
        enabled=frozenset(spec["enabled"]),
        margin_basis=spec["margin_basis"],
        baseline_tolerance=number("baseline_tolerance"),
        margin_cap=number("margin_cap"),
        cost_epsilon=number("cost_epsilon"),
        price_rise=number("price_rise"),
        price_increase_limit=number("price_increase_limit"),
        new_goods_cost_limit=number("new_goods_cost_limit"),
        window_days=spec["window_days"],
    )


def rules_of(case: Mapping, vectors: Mapping) -> tuple[Mapping, str]:
    """A case's rules (as JSON) and rulebook label: a bundled rulebook by name, or rules given in the case."""
    if isinstance(case["rules"], str):
        entry = vectors["rulebooks"][case["rules"]]
        return entry["rules"], entry["label"]
    return case["rules"], case["rulebook"]


def facts_of(spec: Mapping) -> ObservationFacts:
    values = dict(spec)
    day = values.pop("baseline_date", None)
    return ObservationFacts(**values, baseline_date=date.fromisoformat(day) if day else None)


def answer(findings: Findings) -> dict:
    """Findings as JSON, as the vectors record them (decimals as Decimal's str, explanations in English)."""
    def number(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "margin_rate": number(findings.margin_rate),
        "baseline_margin_rate": number(findings.baseline_margin_rate),
        "flags": [{"test": flag.test, "explanation": flag.explanation.english, "params": dict(flag.params)}
                  for flag in findings.flags],
        "flagged": findings.flagged,
        "highest_lawful_price": number(findings.highest_lawful_price),
        "estimated_illegal_gains": number(findings.estimated_illegal_gains),
        "rulebook": findings.rulebook,
    }


def rendered(flags: list[Mapping], kit: Mapping) -> list[str]:
    """Stored flags explained as a reader of the kit's locale sees them (the kit's messages as the catalog)."""
    messages = kit["messages"]
    text.install(lambda msgid: messages.get(msgid, msgid), lambda: kit["locale"])
    try:
        return [explain(flag) for flag in flags]
    finally:
        text.uninstall()


def run(case: Mapping, vectors: Mapping) -> dict:
    rules, label = rules_of(case, vectors)
    return answer(evaluate(facts_of(case["facts"]), price_test_rules(rules), label))


VECTORS = load_vectors() if VECTORS_PATH.exists() else {"cases": [], "rulebooks": {}, "locales": {}}
CASES = {case["name"]: case for case in VECTORS["cases"]}


def test_the_vectors_cover_every_test_both_rulebooks_and_the_boundaries():
    cases = VECTORS["cases"]
    assert len(cases) >= 40 and len(CASES) == len(cases)  # names are unique
    flagged = {flag["test"] for case in cases for flag in case["expected"]["flags"]}
    assert flagged == set(GOUGING_TESTS) | set(MARKING_TESTS)
    assert {case["rules"] for case in cases if isinstance(case["rules"], str)} == set(RULEBOOKS)
    assert any(not isinstance(case["rules"], str) for case in cases)
    names = " ".join(CASES)
    for word in ("mask", "exactly at", "one cent over", "missing", "fees", "bundle", "quantity"):
        assert word in names, word
    every_flag = [flag for case in cases for flag in case["expected"]["flags"]]
    assert any(flag["params"].get("baseline_date") for flag in every_flag)
    assert any(case["expected"]["estimated_illegal_gains"] not in (None, "0.00") for case in cases)


@pytest.mark.parametrize("name", CASES)
def test_python_gives_the_recorded_answer(name):
    case = CASES[name]
    assert run(case, VECTORS) == case["expected"]


@pytest.mark.parametrize("name", CASES)
def test_python_explains_the_flags_as_recorded_in_each_language(name):
    case = CASES[name]
    for locale, sentences in case["explanations"].items():
        assert rendered(case["expected"]["flags"], VECTORS["locales"][locale]) == sentences, locale


@pytest.mark.parametrize("name", RULEBOOKS)
def test_the_recorded_rules_are_the_bundled_rulebooks(name):
    rulebook = load_rulebook(rulebook_path(name))
    entry = VECTORS["rulebooks"][name]
    assert entry["label"] == rulebook.label
    assert price_test_rules(entry["rules"]) == rulebook.price_tests


def test_the_recorded_date_patterns_are_babels():
    for locale, kit in VECTORS["locales"].items():
        assert kit["date_pattern"] == (text.DATE_FORMATS.get(locale) or get_date_format("long", locale).pattern)


def test_a_translation_that_breaks_its_placeholders_falls_back_to_english():
    broken = [case for case in VECTORS["cases"] for locale, sentences in case["explanations"].items()
              for flag, sentence in zip(case["expected"]["flags"], sentences)
              if sentence == flag["explanation"] and locale != "en" and flag["params"]]
    assert broken  # the vectors hold at least one such sentence, which the JavaScript must treat the same

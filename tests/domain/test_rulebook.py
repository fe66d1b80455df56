"""Rulebooks as data: the bundled ones load; broken variants are refused with the bad entry named."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain.rulebook import (
    DEADLINE_NAMES,
    FineRange,
    RulebookError,
    available_rulebooks,
    load_rulebook,
    rulebook_path,
)

API_CATEGORIES = {"protective_supplies", "medicine", "grain_oil", "meat", "eggs", "vegetables", "dairy", "other"}
CN_VIOLATIONS = {"price_gouging", "emergency_measure_breach", "price_marking", "closure_notice_breach", "records_refusal"}


def test_bundled_rulebooks_load(cn, us):
    assert available_rulebooks() == ["cn-samr", "us-ca"]
    assert (cn.label, cn.currency, cn.timezone) == ("cn-samr@" + cn.version, "CNY", "Asia/Shanghai")
    assert (us.id, us.currency, us.timezone) == ("us-ca", "USD", "America/Los_Angeles")


def test_api_categories_and_violation_codes(cn, us):
    assert set(cn.categories) == API_CATEGORIES
    assert set(us.categories) == API_CATEGORIES
    assert CN_VIOLATIONS <= set(cn.violations)
    assert {"price_gouging", "price_marking"} <= set(us.violations)
    assert all(commodity.category in cn.categories for commodity in cn.commodities.values())
    assert {c.category for c in cn.commodities.values()} == API_CATEGORIES


def test_lookups(cn):
    assert cn.commodity("mask_n95").unit == "piece"
    assert cn.violation("price_gouging").legal_basis.startswith("Price Law art. 14(3)")
    with pytest.raises(KeyError):
        cn.commodity("caviar")
    with pytest.raises(KeyError):
        cn.violation("jaywalking")


def test_rulebook_is_immutable(cn):
    with pytest.raises(dataclasses.FrozenInstanceError):
        cn.version = "x"
    with pytest.raises(TypeError):
        cn.categories["new"] = None


def test_checklist_and_publication(cn):
    codes = [item.code for item in cn.checklist]
    assert {"prices_marked", "tags_match_till", "invoices_kept", "closure_notice_obeyed"} <= set(codes)
    assert (cn.publication.years, cn.publication.minor_months) == (3, 3)
    assert cn.redaction.kinds == ("id_number", "home_address", "phone", "bank_account")
    assert cn.risk.repeat_offender_violations == 2
    assert (cn.limitation_years, cn.limitation_years_harm) == (2, 5)
    assert cn.late_payment_daily_rate == Decimal("0.03")
    assert (cn.simplified.individual_max_fine, cn.simplified.organisation_max_fine) == (200, 3000)


def test_price_tests(cn, us):
    rules = cn.price_tests
    assert rules.enabled == {"baseline_margin", "margin_cap", "cost_unchanged", "fees_raised", "bundling"}
    assert (rules.margin_cap, rules.cost_epsilon, rules.price_rise) == (Decimal("0.35"), Decimal("0.05"), Decimal("0.10"))
    assert rules.baseline_tolerance == 0 and rules.margin_basis == "cost"
    assert us.price_tests.enabled == {"price_increase"}
    assert (us.price_tests.price_increase_limit, us.price_tests.new_goods_cost_limit) == (Decimal("0.10"), Decimal("0.50"))
    assert us.price_tests.window_days == 30


def test_penalties_follow_the_table(cn):
    gouging = cn.violation("price_gouging").penalty
    assert gouging.confiscate_gains and gouging.gains_fine_range(Decimal("1000")) == FineRange(0, Decimal("5000"))
    assert gouging.fine_range("organisation") == FineRange(50_000, 500_000)
    assert gouging.fine_range("organisation", "heavier") == FineRange(500_000, 3_000_000)
    assert gouging.fine_range("organisation", "serious") == FineRange(500_000, 3_000_000)
    assert gouging.sanctions_allowed("organisation", "serious") == {"suspension", "licence_revocation"}
    assert gouging.sanctions_allowed("organisation", "heavier") == frozenset()
    assert gouging.fine_range("individual", "heavier") == FineRange(0, 100_000)  # the ordinary range
    assert gouging.fine_range("individual", "serious") == FineRange(100_000, 500_000)

    emergency = cn.violation("emergency_measure_breach").penalty
    assert emergency.fine_range("organisation") == FineRange(100_000, 1_000_000)
    assert emergency.fine_range("organisation", "heavier") == FineRange(1_000_000, 5_000_000)

    marking = cn.violation("price_marking").penalty
    assert marking.gains_fine_range(Decimal("80")) == FineRange(0, 5000)
    assert marking.fine_range("individual") == FineRange(0, 5000)
    assert Decimal("5000") in marking.fine_range("organisation") and Decimal("5000.01") not in marking.fine_range("organisation")

    records = cn.violation("records_refusal").penalty
    assert not records.confiscate_gains and records.band("individual").warning
    assert records.fine_range("organisation") == FineRange(0, 100_000)

    closure = cn.violation("closure_notice_breach").penalty
    assert closure.gains_fine_range(Decimal("2000")) == FineRange(2000, 6000)
    assert closure.sanctions_allowed("individual", with_gains=True) == {"closure"}
    assert closure.band("organisation").sanctions == {"closure"} and closure.band("organisation").warning
    assert closure.fine_range("organisation") is None


def test_hearing_right(cn):
    hearing = cn.hearing
    assert hearing.sanctions == {"suspension", "closure", "licence_revocation"}
    assert hearing.gives_right("individual", Decimal("10000"))
    assert not hearing.gives_right("individual", Decimal("9999.99"))
    assert not hearing.gives_right("organisation", Decimal("99999.99"))
    assert hearing.gives_right("organisation", Decimal("100000"))
    assert hearing.gives_right("individual", Decimal("0"), {"closure"})


def test_deadlines(cn):
    assert set(DEADLINE_NAMES) <= set(cn.deadlines)
    filing = cn.deadline("filing")
    assert (filing.days, filing.unit, filing.from_event, filing.extension_days) == (15, "working", "clue", 15)
    assert cn.due_date("filing", date(2020, 1, 20)) == date(2020, 2, 18)
    assert cn.due_date("filing", date(2020, 1, 20), extended=True) == date(2020, 3, 10)
    assert cn.due_date("statement", date(2020, 9, 28)) == date(2020, 10, 12)  # 09-29, 09-30, 10-09, Sat 10-10, 10-12
    assert cn.due_date("payment", date(2020, 9, 16)) == date(2020, 10, 9)  # 15 days: 10-01, a holiday
    assert cn.due_date("decision", date(2021, 1, 4)) == date(2021, 4, 6)  # 90 days: 04-04, in Qingming (04-03..04-05)
    assert cn.due_date("decision", date(2021, 1, 4), extended=True) == date(2021, 5, 6)  # 120 days: 05-04, in Labour Day (05-01..05-05)
    assert cn.due_date("lawsuit", date(2020, 4, 1)) == date(2020, 10, 9)
    assert cn.deadline("statement").hard and cn.deadline("hearing_request").hard
    assert not cn.deadline("filing").hard
    assert cn.deadline("reconsideration").days == 60 and cn.deadline("lawsuit").unit == "months"


def test_rulebook_path(tmp_path):
    assert rulebook_path("cn-samr").name == "cn-samr.toml"
    assert rulebook_path(str(rulebook_path("us-ca"))) == rulebook_path("us-ca")
    with pytest.raises(RulebookError, match="unknown rulebook 'xx-yy'.*cn-samr, us-ca"):
        rulebook_path("xx-yy")
    with pytest.raises(RulebookError, match="not found"):
        rulebook_path(tmp_path / "missing.toml")
    with pytest.raises(RulebookError, match="missing.toml: rulebook file not found"):
        load_rulebook(tmp_path / "missing.toml")


BROKEN = [
    ('name = "N95 / KN95 respirator"\ncategory = "protective_supplies"',
     'name = "N95 / KN95 respirator"\ncategory = "protectve"',
     "cn-samr.toml: commodities[2] 'mask_n95': unknown category 'protectve'"),
    ('timezone = "Asia/Shanghai"\n', "", "cn-samr.toml: rulebook: missing required key 'timezone'"),
    ('code = "mutton"', 'code = "beef"', "cn-samr.toml: commodities[21] 'beef': duplicate code 'beef'"),
    ('code = "eggs"\nname = "Eggs"', 'code = "meat"\nname = "Eggs"', "categories[4] 'meat': duplicate code 'meat'"),
    ('ordinary = { fine = { min = "50000", max = "500000" } }', 'ordinary = { fine = { min = "600000", max = "500000" } }',
     "violations[0] 'price_gouging'.penalty.no_gains.organisation.ordinary.fine: min 600000 is greater than max 500000"),
    ('margin_cap = "0.35"', 'margin_cap = "-0.35"', "price_tests.margin_cap: must not be negative"),
    ('margin_cap = "0.35"', "margin_cap = 0.35", "price_tests.margin_cap: 0.35 is a TOML float; write money and rates as strings"),
    ('individual_threshold = "10000"', 'individual_threshold = "ten thousand"',
     "hearing.individual_threshold: expected a number"),
    ('gains_fine_multiple = "5"', 'gains_fine_multiple = "NaN"', "'price_gouging'.penalty.gains_fine_multiple: expected a number"),
    ('unit = "working"\nfrom = "penalty_proposed"', 'unit = "weeks"\nfrom = "penalty_proposed"',
     "deadlines.review.unit: unknown deadline unit 'weeks'"),
    ("days = 10\nunit", "days = -10\nunit", "deadlines.review.days: must not be negative"),
    ('heavier = { fine = { min = "500000"', 'heavy = { fine = { min = "500000"',
     "'price_gouging'.penalty.no_gains.organisation: unknown severity 'heavy'"),
    ("[violations.penalty.no_gains.individual]", "[violations.penalty.no_gains.person]",
     "'price_gouging'.penalty.no_gains: unknown operator type 'person'"),
    ('sanctions = ["suspension", "licence_revocation"]', 'sanctions = ["suspension", "licence_revoke"]',
     "unknown sanction 'licence_revoke'"),
    ('calendar = "calendars/cn.toml"', 'calendar = "calendars/xx.toml"',
     "cn-samr.toml: rulebook.calendar: calendar file 'calendars/xx.toml' not found"),
    ('enabled = ["baseline_margin",', 'enabled = ["baseline_margn",', "price_tests.enabled: unknown price test 'baseline_margn'"),
    ("[deadlines.withdrawal]", "[deadlines.withdrawl]", "deadlines: missing required deadline 'withdrawal'"),
    ('currency = "CNY"', 'currency = "CNY"\ncolour = "red"', "rulebook: unknown key 'colour'"),
    ('unit = "box of 50"', 'units = "box of 50"', "commodities[1] 'mask_surgical_box': missing required key 'unit'"),
    ("confiscate_gains = true\ngains_fine_multiple", 'confiscate_gains = "yes"\ngains_fine_multiple',
     "'price_gouging'.penalty.confiscate_gains: expected true or false"),
    ("limitation_years = 2 ", 'limitation_years = "2" ', "rulebook.limitation_years: expected a whole number"),
    ("limitation_years_harm = 5", "limitation_years_harm = 1", "limitation_years_harm must not be shorter"),
    ('gains_fine_min_multiple = "1"', 'gains_fine_min_multiple = "4"', "gains_fine_min_multiple needs a gains_fine_multiple"),
    ("[[checklist]]\ncode", "[[checklist]]\nkode", "checklist[0]: missing required key 'code'"),
    ('[publication]', '[publication]\nyears = 4', "not valid TOML"),
    ("max_distance_m = 200 ", 'max_distance_m = "200" ', "evidence.max_distance_m: expected a whole number"),
    ("max_minutes_outside = 5 ", "max_minutes_outside = 0 ", "evidence: max_minutes_outside and max_distance_m must be at least 1"),
    ("max_minutes_outside = 5 ", "max_minutes_outsde = 5 ", "evidence: missing required key 'max_minutes_outside'"),
    ("[evidence]", "[evidense]", "cn-samr.toml: missing required key 'evidence'"),
]


@pytest.mark.parametrize(("old", "new", "message"), BROKEN, ids=[entry[2][:60] for entry in BROKEN])
def test_broken_rulebook_is_refused(variant, old, new, message):
    path = variant(old, new)
    with pytest.raises(RulebookError) as error:
        load_rulebook(path)
    assert str(error.value).startswith("cn-samr.toml: ")
    assert message in str(error.value)


def test_enabled_test_needs_its_threshold(variant):
    path = variant('enabled = ["price_increase"]', 'enabled = ["price_increase", "margin_cap"]', name="us-ca")
    with pytest.raises(RulebookError, match="us-ca.toml: price_tests: the margin_cap test is enabled but no margin_cap"):
        load_rulebook(path)


def test_bad_calendar_under_a_rulebook_names_the_calendar(variant, tmp_path):
    path = variant('calendar = "calendars/cn.toml"', 'calendar = "calendars/bad.toml"')
    (tmp_path / "calendars" / "bad.toml").write_text('[years.2030]\nsource = "n"\nworkdays = [2030-01-07]\n')
    with pytest.raises(RulebookError, match="bad.toml: years.2030.workdays: 2030-01-07 is a Monday"):
        load_rulebook(path)


def test_unchanged_variant_loads(variant):
    assert load_rulebook(variant("", "")).label.startswith("cn-samr@")


def test_inspection_rules_are_data(cn, tmp_path):
    rules = cn.inspections
    assert rules.closure_obeyed_item == "closure_notice_obeyed"
    assert rules.suggested_violation(["unmarked_price"]) == "price_marking"
    assert rules.suggested_violation(["above_marked_price", "unmarked_price"]) == "price_marking"
    assert rules.suggested_violation(["unmarked_price", "baseline_margin"]) == "price_gouging"
    assert rules.suggested_violation(["margin_cap"]) == "price_gouging"
    us = load_rulebook(rulebook_path("us-ca"))
    assert us.inspections.closure_obeyed_item is None


def test_inspection_rules_must_name_real_codes(tmp_path):
    source = rulebook_path("cn-samr").read_text(encoding="utf-8")
    for old, new, message in (
        ('closure_obeyed_item = "closure_notice_obeyed"', 'closure_obeyed_item = "no_such_item"', "not a checklist item"),
        ('suggest_for_marking = "price_marking"', 'suggest_for_marking = "no_such_code"', "not a violation code"),
    ):
        broken = tmp_path / "broken.toml"
        broken.write_text(source.replace(old, new).replace('calendar = "calendars/cn.toml"', f'calendar = "{rulebook_path("cn-samr").parent / "calendars/cn.toml"}"'), encoding="utf-8")
        with pytest.raises(RulebookError, match=message):
            load_rulebook(broken)


def test_evidence_limits_are_data(cn, us):
    assert (cn.evidence.max_minutes_outside, cn.evidence.max_distance_m) == (5, 200)
    assert (us.evidence.max_minutes_outside, us.evidence.max_distance_m) == (5, 200)

"""Price tests per observation (DOMAIN.md §6): flags, explanations, highest lawful price, illegal gains."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.gouging import ObservationFacts, evaluate, format_money, format_percent, margin_rate

D = Decimal
BASELINE_DATE = date(2020, 1, 19)


def run(rulebook, emergency=True, **facts):
    """Evaluate facts (marked at the price unless said otherwise) under a rulebook."""
    facts.setdefault("marked_price", facts["price"])
    observed = ObservationFacts(emergency_applies=emergency, **facts)
    return evaluate(observed, rulebook.price_tests, rulebook.label)


def test_the_mask_story(cn):
    findings = run(cn, price=D("3.50"), cost=D("1.20"), baseline_price=D("1.20"), baseline_cost=D("1.00"),
                   quantity_sold=D("1000"), baseline_date=BASELINE_DATE)
    assert findings.margin_rate == D("1.9167")
    assert findings.baseline_margin_rate == D("0.2000")
    assert findings.tests() == {"baseline_margin"} and findings.flagged
    flag = findings.flags[0]
    assert flag.explanation == "margin 191.67% on cost against 20% on 2020-01-19"
    assert dict(flag.params) == {"margin_pct": "191.67", "baseline_margin_pct": "20", "tolerance_pct": "0",
                                 "baseline_date": "2020-01-19"}
    assert findings.highest_lawful_price == D("1.44")
    assert findings.estimated_illegal_gains == D("2060.00")
    assert str(findings.estimated_illegal_gains) == "2060.00"
    assert findings.rulebook == cn.label


def test_zero_cost_has_no_margin_and_no_margin_tests(cn):
    findings = run(cn, price=D("2.00"), cost=D("0"), baseline_price=D("1.00"), baseline_cost=D("0"),
                   quantity_sold=D("10"))
    assert findings.margin_rate is None and findings.baseline_margin_rate is None
    assert findings.tests() == set()
    assert findings.highest_lawful_price is None and findings.estimated_illegal_gains is None


def test_without_a_baseline_the_cap_applies(cn):
    findings = run(cn, price=D("2.00"), cost=D("1.00"), quantity_sold=D("100"))
    assert findings.tests() == {"margin_cap"}
    assert findings.flags[0].explanation == "margin 100% on cost is above the 35% cap (no baseline transaction)"
    assert findings.highest_lawful_price == D("1.35")
    assert findings.estimated_illegal_gains == D("65.00")


def test_under_the_cap_gains_are_zero(cn):
    findings = run(cn, price=D("1.30"), cost=D("1.00"), quantity_sold=D("100"))
    assert not findings.flagged
    assert findings.highest_lawful_price == D("1.35") and findings.estimated_illegal_gains == D("0.00")


def test_cap_is_not_used_when_there_is_a_baseline_margin(cn):
    findings = run(cn, price=D("1.50"), cost=D("1.00"), baseline_price=D("1.60"), baseline_cost=D("1.00"))
    assert findings.tests() == set()  # 50 % margin: above the 35 % cap, but below the 60 % baseline margin
    assert findings.highest_lawful_price == D("1.60")


def test_cost_rising_as_fast_as_price_is_not_flagged(cn):
    findings = run(cn, price=D("2.40"), cost=D("2.00"), baseline_price=D("1.20"), baseline_cost=D("1.00"),
                   quantity_sold=D("50"), baseline_date=BASELINE_DATE)
    assert findings.margin_rate == findings.baseline_margin_rate == D("0.2000")
    assert findings.tests() == set()
    assert findings.highest_lawful_price == D("2.40") and findings.estimated_illegal_gains == D("0.00")


def test_cost_unchanged_price_up(cn):
    findings = run(cn, price=D("12.00"), cost=D("8.10"), baseline_price=D("10.00"), baseline_cost=D("8.00"),
                   baseline_date=BASELINE_DATE)
    assert findings.tests() == {"cost_unchanged", "baseline_margin"}
    explanations = {flag.test: flag.explanation for flag in findings.flags}
    assert explanations["cost_unchanged"] == "cost moved 1.25% while price rose 20% against the baseline on 2020-01-19"
    assert explanations["baseline_margin"] == "margin 48.15% on cost against 25% on 2020-01-19"


def test_cost_unchanged_bounds_are_inclusive(cn):
    # Cost up exactly 5 %, price up exactly 10 %: flagged; a cent less of a rise is not.
    findings = run(cn, price=D("11.00"), cost=D("10.50"), baseline_price=D("10.00"), baseline_cost=D("10.00"))
    assert "cost_unchanged" in findings.tests()
    findings = run(cn, price=D("10.99"), cost=D("10.50"), baseline_price=D("10.00"), baseline_cost=D("10.00"))
    assert "cost_unchanged" not in findings.tests()


def test_gains_round_half_up_once(cn):
    # No baseline: highest lawful price = 1.01 x 1.35 = 1.3635 exactly; gains = (2.00 - 1.3635) x 10 = 6.365,
    # which rounds half up to 6.37 (half-even would give 6.36; rounding the lawful price first would give 6.40).
    findings = run(cn, price=D("2.00"), cost=D("1.01"), quantity_sold=D("10"))
    assert findings.highest_lawful_price == D("1.36")
    assert findings.estimated_illegal_gains == D("6.37")


def test_gains_need_a_quantity(cn):
    findings = run(cn, price=D("2.00"), cost=D("1.00"))
    assert findings.highest_lawful_price == D("1.35") and findings.estimated_illegal_gains is None


def test_no_emergency_only_marking_tests(cn):
    findings = run(cn, emergency=False, price=D("3.50"), marked_price=None, cost=D("1.20"), baseline_price=D("1.20"),
                   baseline_cost=D("1.00"), quantity_sold=D("1000"), fees=D("1"), bundled=True)
    assert findings.tests() == {"unmarked_price"}
    assert findings.margin_rate == D("1.9167")  # still computed and recorded
    assert findings.highest_lawful_price is None and findings.estimated_illegal_gains is None


def test_marked_price_missing(cn):
    findings = run(cn, price=D("8"), marked_price=None)
    assert [(f.test, f.explanation) for f in findings.flags] == [("unmarked_price", "no marked price")]


def test_price_above_marked_price(cn):
    findings = run(cn, emergency=False, price=D("12"), marked_price=D("8"))
    assert [(f.test, f.explanation) for f in findings.flags] == [
        ("above_marked_price", "price 12.00 is above the marked price 8.00")
    ]
    assert dict(findings.flags[0].params) == {"price": "12.00", "marked_price": "8.00"}
    assert not run(cn, price=D("8"), marked_price=D("8.00")).flagged


def test_fees_raised(cn):
    findings = run(cn, price=D("1.20"), fees=D("2"), baseline_price=D("1.20"), baseline_date=BASELINE_DATE)
    assert [(f.test, f.explanation) for f in findings.flags] == [
        ("fees_raised", "fees of 2.00 per unit against 0.00 on 2020-01-19")
    ]
    assert not run(cn, price=D("1.20"), fees=D("2"), baseline_fees=D("2"), baseline_price=D("1.20")).flagged
    assert not run(cn, price=D("1.20"), fees=D("2")).flagged  # no baseline at all: cannot compare
    assert run(cn, price=D("1.20"), fees=D("3"), baseline_fees=D("2")).tests() == {"fees_raised"}


def test_bundling(cn):
    findings = run(cn, price=D("1.20"), bundled=True)
    assert [(f.test, f.explanation) for f in findings.flags] == [("bundling", "sold only in a forced bundle")]


def test_tolerance(cn):
    rules = dataclasses.replace(cn.price_tests, baseline_tolerance=D("0.05"))
    base = dict(cost=D("1.00"), baseline_price=D("1.20"), baseline_cost=D("1.00"), marked_price=D("9"),
                emergency_applies=True)
    assert not evaluate(ObservationFacts(price=D("1.24"), **base), rules, "t").flagged
    findings = evaluate(ObservationFacts(price=D("1.26"), quantity_sold=D("100"), **base), rules, "t")
    assert findings.flags[0].explanation == "margin 26% on cost against 20% at the baseline (tolerance 5%)"
    assert findings.highest_lawful_price == D("1.25") and findings.estimated_illegal_gains == D("1.00")


def test_disabled_tests_do_not_run(cn):
    rules = dataclasses.replace(cn.price_tests, enabled=frozenset())
    facts = ObservationFacts(price=D("3.50"), cost=D("1.00"), bundled=True, emergency_applies=True)
    assert evaluate(facts, rules, "t").tests() == {"unmarked_price"}


def test_us_ca_price_increase(us):
    at_limit = run(us, price=D("1.32"), baseline_price=D("1.20"), quantity_sold=D("100"))
    assert not at_limit.flagged and at_limit.estimated_illegal_gains == D("0.00")
    findings = run(us, price=D("3.50"), cost=D("1.20"), baseline_price=D("1.20"), baseline_cost=D("1.00"),
                   quantity_sold=D("100"), bundled=True, baseline_date=BASELINE_DATE)
    assert findings.tests() == {"price_increase"}  # no margin tests, no bundling test in this rulebook
    assert findings.flags[0].explanation == (
        "price 3.50 is 191.67% above the baseline price 1.20 on 2020-01-19, over the 10% limit"
    )
    assert findings.highest_lawful_price == D("1.32") and findings.estimated_illegal_gains == D("218.00")
    assert findings.rulebook.startswith("us-ca@")


def test_us_ca_new_goods(us):
    findings = run(us, price=D("1.60"), cost=D("1.00"), quantity_sold=D("10"))
    assert findings.flags[0].explanation == "price 1.60 is 60% above the cost 1.00 (no baseline price), over the 50% limit"
    assert findings.highest_lawful_price == D("1.50") and findings.estimated_illegal_gains == D("1.00")
    assert not run(us, price=D("1.50"), cost=D("1.00")).flagged
    assert not run(us, emergency=False, price=D("9"), baseline_price=D("1")).flagged


def test_facts_are_validated_and_converted():
    facts = ObservationFacts(price="3.5", cost=1, quantity_sold="10.5")
    assert (facts.price, facts.cost, facts.quantity_sold) == (D("3.5"), D("1"), D("10.5"))
    with pytest.raises(ValueError, match="price"):
        ObservationFacts(price=3.5)
    with pytest.raises(ValueError, match="price must be greater than zero"):
        ObservationFacts(price=D("0"))
    with pytest.raises(ValueError, match="cost must be zero or more"):
        ObservationFacts(price=D("1"), cost=D("-1"))
    with pytest.raises(ValueError, match="price"):
        ObservationFacts(price=None)


def test_margin_rate_function():
    assert margin_rate(D("3.50"), D("1.20")) == D("1.9167")
    assert margin_rate(D("0.80"), D("1.00")) == D("-0.2000")
    assert margin_rate(D("1"), D("0")) is None and margin_rate(D("1"), None) is None


@pytest.mark.parametrize(
    ("rate", "text"),
    [(D("1.9167"), "191.67"), (D("0.2"), "20"), (D("1.38"), "138"), (D("0.025"), "2.5"), (D("-0.02"), "-2"),
     (D("0"), "0"), (D("-0.00001"), "0"), (D("10"), "1000")],
)
def test_format_percent(rate, text):
    assert format_percent(rate) == text


def test_format_money():
    assert (format_money(D("3.5")), format_money(D("12")), format_money(D("0.125"))) == ("3.50", "12.00", "0.125")


money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
maybe_money = st.none() | st.decimals(min_value=D("0"), max_value=D("100000"), places=2)


@given(price=money, cost=maybe_money, baseline_price=st.none() | money, baseline_cost=maybe_money,
       quantity=st.none() | st.decimals(min_value=D("0"), max_value=D("100000"), places=3),
       us_rules=st.booleans())
def test_gains_are_never_negative_and_agree_with_the_flags(cn, us, price, cost, baseline_price, baseline_cost,
                                                           quantity, us_rules):
    rulebook = us if us_rules else cn
    findings = run(rulebook, price=price, cost=cost, baseline_price=baseline_price, baseline_cost=baseline_cost,
                   quantity_sold=quantity)
    if findings.estimated_illegal_gains is not None:
        assert findings.estimated_illegal_gains >= 0
        assert findings.estimated_illegal_gains.as_tuple().exponent == -2
    pricing = findings.tests() & {"baseline_margin", "margin_cap", "price_increase"}
    if findings.highest_lawful_price is not None and not pricing:
        assert price <= findings.highest_lawful_price  # no pricing flag: not above the lawful price


@given(price=money, cost=money)
def test_margin_rate_matches_the_definition(price, cost):
    with localcontext() as ctx:
        ctx.prec = 60
        expected = ((price - cost) / cost).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
    assert margin_rate(price, cost) == expected


def test_every_gouging_test_of_the_rulebook_is_implemented():
    from tracker.domain import gouging
    from tracker.domain.rulebook import GOUGING_TESTS

    assert set(gouging._GOUGING_TESTS) == set(GOUGING_TESTS)

"""Properties of the price tests (DOMAIN.md §6), checked on generated observations with Hypothesis.

Each property is a statement of the rule, recomputed here in exact fractions, not a copy of the code.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from tracker.domain.gouging import ObservationFacts, evaluate, margin_rate
from tracker.domain.rulebook import GOUGING_TESTS, PriceTestRules

GOUGING = set(GOUGING_TESTS)
MARKING = {"unmarked_price", "above_marked_price"}
CN = PriceTestRules(
    enabled=frozenset({"baseline_margin", "margin_cap", "cost_unchanged", "fees_raised", "bundling"}),
    baseline_tolerance=Decimal("0"), margin_cap=Decimal("0.35"), cost_epsilon=Decimal("0.05"),
    price_rise=Decimal("0.10"),
)
US = PriceTestRules(
    enabled=frozenset({"price_increase"}), margin_cap=None,
    price_increase_limit=Decimal("0.10"), new_goods_cost_limit=Decimal("0.50"), window_days=30,
)

# Money per unit of sale: 0.01 to 100,000.00, exact to the cent.
money = st.integers(min_value=1, max_value=10_000_000).map(lambda cents: Decimal(cents) / 100)
maybe_money = st.none() | money
tolerances = st.sampled_from([Decimal("0"), Decimal("0.05"), Decimal("0.2")])
rules = st.sampled_from([CN, US]) | st.builds(
    PriceTestRules,
    enabled=st.frozensets(st.sampled_from(GOUGING_TESTS)),
    baseline_tolerance=tolerances,
    margin_cap=st.none() | st.sampled_from([Decimal("0"), Decimal("0.35"), Decimal("1")]),
    cost_epsilon=st.sampled_from([Decimal("0"), Decimal("0.05")]),
    price_rise=st.sampled_from([Decimal("0.10"), Decimal("0.5")]),
    price_increase_limit=st.none() | st.sampled_from([Decimal("0.10"), Decimal("0.25")]),
    new_goods_cost_limit=st.none() | st.just(Decimal("0.50")),
)


@st.composite
def observations(draw, emergency=st.booleans()):
    """Any observation a form could record (prices exact to the cent)."""
    return ObservationFacts(
        price=draw(money),
        marked_price=draw(maybe_money),
        cost=draw(maybe_money),
        baseline_price=draw(maybe_money),
        baseline_cost=draw(maybe_money),
        quantity_sold=draw(st.none() | st.integers(0, 100_000).map(Decimal)),
        fees=draw(st.none() | st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)),
        baseline_fees=draw(st.none() | st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)),
        bundled=draw(st.booleans()),
        emergency_applies=draw(emergency),
        baseline_date=draw(st.none() | st.just(date(2020, 1, 19))),
    )


def exact_margin(price, cost) -> Fraction | None:
    """m = (price - cost) / cost, exactly (DOMAIN.md §6)."""
    if price is None or cost is None or cost == 0:
        return None
    return Fraction(price) / Fraction(cost) - 1


def scaled(facts: ObservationFacts, k: Decimal) -> ObservationFacts:
    """The same observation with every amount of money multiplied by k (quantity and flags kept)."""
    def times(value):
        return None if value is None else value * k
    return ObservationFacts(
        price=facts.price * k, marked_price=times(facts.marked_price), cost=times(facts.cost),
        baseline_price=times(facts.baseline_price), baseline_cost=times(facts.baseline_cost),
        quantity_sold=facts.quantity_sold, fees=times(facts.fees), baseline_fees=times(facts.baseline_fees),
        bundled=facts.bundled, emergency_applies=facts.emergency_applies, baseline_date=facts.baseline_date,
    )


@given(observations(), rules)
def test_gouging_tests_run_only_under_an_emergency_and_marking_tests_always(facts, rules):
    """Tests 1-5 need a declared emergency covering the commodity; the two marking tests always apply."""
    tests = evaluate(facts, rules, "x").tests()
    if not facts.emergency_applies:
        assert tests <= MARKING
    assert tests <= GOUGING | MARKING
    assert {t for t in tests if t in GOUGING} <= set(rules.enabled)
    assert ("unmarked_price" in tests) == (facts.marked_price is None)
    assert ("above_marked_price" in tests) == (facts.marked_price is not None and facts.price > facts.marked_price)


@given(observations(emergency=st.just(True)), tolerances)
def test_baseline_margin_flags_exactly_when_the_margin_exceeds_the_baseline_margin(facts, tolerance):
    """Test 1: flag iff m > baseline margin + tolerance; test 2 (the cap) only when there is no baseline margin."""
    rules = PriceTestRules(enabled=frozenset({"baseline_margin", "margin_cap"}), baseline_tolerance=tolerance,
                           margin_cap=Decimal("0.35"))
    tests = evaluate(facts, rules, "x").tests()
    m = exact_margin(facts.price, facts.cost)
    baseline = exact_margin(facts.baseline_price, facts.baseline_cost)
    expected = m is not None and baseline is not None and m > baseline + Fraction(tolerance)
    assert ("baseline_margin" in tests) == expected
    assert ("margin_cap" in tests) == (m is not None and baseline is None and m > Fraction(35, 100))


@st.composite
def within_baseline(draw):
    """An observation whose margin is at or below the seller's baseline margin."""
    facts = draw(observations(emergency=st.just(True)))
    cost, baseline_cost, baseline_price = draw(money), draw(money), draw(money)
    ceiling = Fraction(cost) * Fraction(baseline_price) / Fraction(baseline_cost)  # cost x (1 + baseline margin)
    top = int(ceiling * 100)  # whole cents at or below the ceiling
    assume(top >= 1)
    price = Decimal(draw(st.integers(1, top))) / 100
    return ObservationFacts(
        price=price, marked_price=facts.marked_price, cost=cost, baseline_price=baseline_price,
        baseline_cost=baseline_cost, quantity_sold=facts.quantity_sold, fees=facts.fees,
        baseline_fees=facts.baseline_fees, bundled=facts.bundled, emergency_applies=True,
        baseline_date=facts.baseline_date,
    )


@given(within_baseline(), rules)
def test_no_margin_flag_when_the_price_is_within_what_the_baseline_allows(facts, rules):
    """A price at or below cost x (1 + baseline margin) is never flagged by the margin tests, and bears no gains."""
    findings = evaluate(facts, rules, "x")
    assert not findings.tests() & {"baseline_margin", "margin_cap"}
    if "price_increase" not in rules.enabled:
        assert findings.estimated_illegal_gains in (None, Decimal("0.00"))


@given(observations(emergency=st.just(True)))
def test_selling_at_or_below_cost_is_never_gouging_by_margin(facts):
    """m <= 0 never exceeds a non-negative baseline margin nor the cap."""
    assume(facts.cost is not None and facts.price <= facts.cost)
    baseline = exact_margin(facts.baseline_price, facts.baseline_cost)
    assume(baseline is None or baseline >= 0)
    assert not evaluate(facts, CN, "x").tests() & {"baseline_margin", "margin_cap"}


@given(observations(), rules,
       st.integers(1, 10_000).flatmap(lambda n: st.integers(0, 3).map(lambda e: Decimal(n).scaleb(-e))))
def test_scaling_every_amount_by_a_positive_factor_leaves_the_flags_unchanged(facts, rules, k):
    """The tests compare ratios and amounts with each other, so a change of currency unit changes no flag."""
    before = evaluate(facts, rules, "x")
    after = evaluate(scaled(facts, k), rules, "x")
    assert after.tests() == before.tests()
    assert after.margin_rate == before.margin_rate
    assert after.baseline_margin_rate == before.baseline_margin_rate


@given(money, money)
def test_margin_rate_is_an_exact_decimal_rounded_once_half_up(price, cost):
    """The margin rate is a Decimal to 4 places within half a step of (price - cost) / cost."""
    rate = margin_rate(price, cost)
    exact = Fraction(price - cost) / Fraction(cost)
    assert isinstance(rate, Decimal) and rate.as_tuple().exponent == -4
    assert abs(Fraction(rate) - exact) <= Fraction(1, 20_000)
    if abs(Fraction(rate) - exact) == Fraction(1, 20_000):  # a tie goes away from zero
        assert abs(Fraction(rate)) > abs(exact)
    assert margin_rate(price, Decimal(0)) is None and margin_rate(price, None) is None


@given(observations(), rules)
def test_estimated_gains_are_never_negative_and_never_above_the_takings(facts, rules):
    """Gains = (price - highest lawful price) x quantity, never below 0 nor above price x quantity, to the cent."""
    findings = evaluate(facts, rules, "x")
    gains = findings.estimated_illegal_gains
    if gains is None:
        return
    assert gains >= 0 and gains.as_tuple().exponent == -2
    assert gains <= facts.price * facts.quantity_sold
    if findings.highest_lawful_price is not None and facts.price <= findings.highest_lawful_price:
        assert gains == 0


@given(observations(emergency=st.just(True)))
def test_highest_lawful_price_follows_the_baseline_margin_or_the_cap(facts):
    """Highest lawful price = cost x (1 + baseline margin), or cost x (1 + cap) without a baseline (CN rules)."""
    assume(facts.cost is not None)
    findings = evaluate(facts, CN, "x")
    baseline = exact_margin(facts.baseline_price, facts.baseline_cost)
    exact = Fraction(facts.cost) * (1 + (baseline if baseline is not None else Fraction(35, 100)))
    assert abs(Fraction(findings.highest_lawful_price) - exact) <= Fraction(1, 200)
    if facts.quantity_sold is not None:
        expected = max(Fraction(facts.price) - exact, Fraction(0)) * Fraction(facts.quantity_sold)
        assert abs(Fraction(findings.estimated_illegal_gains) - expected) <= Fraction(1, 200)  # rounded once


@given(observations(emergency=st.just(True)), st.sampled_from([Decimal("0"), Decimal("0.05")]),
       st.sampled_from([Decimal("0.10"), Decimal("0.5")]))
def test_cost_unchanged_price_up(facts, epsilon, rise):
    """Test 3: flag iff the cost moved by at most epsilon while the price rose by at least the set rise."""
    rules = PriceTestRules(enabled=frozenset({"cost_unchanged"}), cost_epsilon=epsilon, price_rise=rise)
    cost_move = exact_margin(facts.cost, facts.baseline_cost)
    price_move = exact_margin(facts.price, facts.baseline_price)
    expected = (cost_move is not None and price_move is not None
                and abs(cost_move) <= Fraction(epsilon) and price_move >= Fraction(rise))
    assert ("cost_unchanged" in evaluate(facts, rules, "x").tests()) == expected


@given(observations(emergency=st.just(True)))
def test_california_price_increase(facts):
    """US test: over 110 % of the pre-declaration price, or (no such price) over 150 % of cost."""
    tests = evaluate(facts, US, "x").tests()
    if facts.baseline_price is not None:
        expected = Fraction(facts.price) > Fraction(facts.baseline_price) * Fraction(110, 100)
    elif facts.cost is not None:
        expected = Fraction(facts.price) > Fraction(facts.cost) * Fraction(150, 100)
    else:
        expected = False
    assert ("price_increase" in tests) == expected


@given(observations(emergency=st.just(True)))
def test_every_flag_explains_itself(facts):
    """Each flag carries a one-sentence explanation naming its figures."""
    for flag in evaluate(facts, CN, "x").flags:
        assert flag.explanation and "\n" not in flag.explanation
        if flag.test in ("baseline_margin", "margin_cap"):
            assert flag.params["margin_pct"] + "%" in flag.explanation

"""Price tests per observation (DOMAIN.md §6): margin on cost, gouging flags, highest lawful price, illegal gains.

All arithmetic is exact (Fraction); money and rates are rounded once, half up, only when reported.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from tracker.domain.money import CENT, round_money, round_rate, to_decimal
from tracker.domain.rulebook import GOUGING_TESTS, PriceTestRules

_NUMBER_FIELDS = (
    "price", "marked_price", "cost", "baseline_price", "baseline_cost", "quantity_sold", "fees", "baseline_fees",
)


@dataclass(frozen=True)
class ObservationFacts:
    """What was observed for one commodity; money per unit of sale, as Decimal (str and int are converted)."""

    price: Decimal  # price charged per unit of sale (> 0)
    marked_price: Decimal | None = None
    cost: Decimal | None = None  # purchase cost per unit (from the invoice)
    baseline_price: Decimal | None = None  # seller's last transaction on or before the baseline date
    baseline_cost: Decimal | None = None
    quantity_sold: Decimal | None = None
    fees: Decimal | None = None  # delivery or other fees added now, per unit
    baseline_fees: Decimal | None = None
    bundled: bool = False  # forced bundling
    emergency_applies: bool = False  # a declared emergency covers this commodity's category
    baseline_date: date | None = None  # for explanations

    def __post_init__(self) -> None:
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if value is None and name != "price":
                continue
            try:
                number = to_decimal(value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            if number < 0 or (name == "price" and number == 0):
                raise ValueError(f"{name} must be {'greater than zero' if name == 'price' else 'zero or more'}")
            object.__setattr__(self, name, number)


@dataclass(frozen=True)
class Flag:
    """One test that flagged: its name, a plain English sentence, and the figures used (as strings)."""

    test: str
    explanation: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Findings:
    """The outcome of the price tests on one observation, labelled with the rulebook that produced it."""

    margin_rate: Decimal | None
    baseline_margin_rate: Decimal | None
    flags: tuple[Flag, ...]
    highest_lawful_price: Decimal | None
    estimated_illegal_gains: Decimal | None
    rulebook: str

    @property
    def flagged(self) -> bool:
        """True when any test flagged."""
        return bool(self.flags)

    def tests(self) -> set[str]:
        """The names of the tests that flagged."""
        return {flag.test for flag in self.flags}


# ------------------------------------------------------------------------------------------ formatting


def format_percent(rate: Decimal | Fraction) -> str:
    """A rate as a percentage with at most 2 decimals, trailing zeros stripped: 1.9167 -> '191.67', 0.2 -> '20'."""
    percent = round_rate(Fraction(rate)) * 100
    return "0" if percent == 0 else format(percent.normalize(), "f")


def format_money(amount: Decimal | Fraction) -> str:
    """An amount with 2 decimals (or its exact digits when it has more): 3.5 -> '3.50'."""
    if isinstance(amount, Fraction):
        amount = round_money(amount)
    return format(amount.quantize(CENT) if amount == amount.quantize(CENT) else amount, "f")


def _on(facts: ObservationFacts) -> str:
    """' on <baseline date>' for explanations, or ' at the baseline' when the date is unknown."""
    return f" on {facts.baseline_date.isoformat()}" if facts.baseline_date else " at the baseline"


# ------------------------------------------------------------------------------------------ arithmetic


def _exact_margin(price: Decimal | None, cost: Decimal | None) -> Fraction | None:
    """(price - cost) / cost exactly, or None when either is missing or the cost is zero."""
    if price is None or cost is None or cost == 0:
        return None
    return (Fraction(price) - Fraction(cost)) / Fraction(cost)


def margin_rate(price: Decimal | None, cost: Decimal | None) -> Decimal | None:
    """Margin rate on cost (price - cost) / cost to 4 places; None when cost is missing or zero."""
    exact = _exact_margin(price, cost)
    return None if exact is None else round_rate(exact)


@dataclass
class _Evaluation:
    """Working state of one evaluation: exact figures, flags so far, lawful price ceilings."""

    facts: ObservationFacts
    rules: PriceTestRules
    margin: Fraction | None
    baseline_margin: Fraction | None
    flags: list[Flag] = field(default_factory=list)
    ceilings: list[Fraction] = field(default_factory=list)

    def flag(self, test: str, explanation: str, **params: object) -> None:
        """Record a flag; params are stored as strings."""
        self.flags.append(Flag(test, explanation, MappingProxyType({k: str(v) for k, v in params.items()})))


# ------------------------------------------------------------------------------------------ gouging tests


def _baseline_margin(ev: _Evaluation) -> None:
    """Test 1: margin above the seller's baseline margin (+ tolerance)."""
    if ev.margin is None or ev.baseline_margin is None:
        return
    allowed = ev.baseline_margin + Fraction(ev.rules.baseline_tolerance)
    ev.ceilings.append(Fraction(ev.facts.cost) * (1 + allowed))
    if ev.margin > allowed:
        tolerance = ev.rules.baseline_tolerance
        extra = f" (tolerance {format_percent(tolerance)}%)" if tolerance else ""
        ev.flag(
            "baseline_margin",
            f"margin {format_percent(ev.margin)}% on cost against {format_percent(ev.baseline_margin)}%"
            f"{_on(ev.facts)}{extra}",
            margin_pct=format_percent(ev.margin),
            baseline_margin_pct=format_percent(ev.baseline_margin),
            tolerance_pct=format_percent(tolerance),
            baseline_date=ev.facts.baseline_date or "",
        )


def _margin_cap(ev: _Evaluation) -> None:
    """Test 2: without a baseline margin, margin above the fixed cap."""
    if ev.margin is None or ev.baseline_margin is not None or ev.rules.margin_cap is None:
        return
    cap = Fraction(ev.rules.margin_cap)
    ev.ceilings.append(Fraction(ev.facts.cost) * (1 + cap))
    if ev.margin > cap:
        ev.flag(
            "margin_cap",
            f"margin {format_percent(ev.margin)}% on cost is above the {format_percent(cap)}% cap "
            "(no baseline transaction)",
            margin_pct=format_percent(ev.margin),
            cap_pct=format_percent(cap),
        )


def _cost_unchanged(ev: _Evaluation) -> None:
    """Test 3: cost moved by at most epsilon while the price rose by at least the set rise."""
    facts = ev.facts
    cost_change = _exact_margin(facts.cost, facts.baseline_cost)
    price_change = _exact_margin(facts.price, facts.baseline_price)
    if cost_change is None or price_change is None:
        return
    if abs(cost_change) <= Fraction(ev.rules.cost_epsilon) and price_change >= Fraction(ev.rules.price_rise):
        ev.flag(
            "cost_unchanged",
            f"cost moved {format_percent(cost_change)}% while price rose {format_percent(price_change)}% "
            f"against the baseline{_on(facts)}",
            cost_change_pct=format_percent(cost_change),
            price_change_pct=format_percent(price_change),
            baseline_date=facts.baseline_date or "",
        )


def _fees_raised(ev: _Evaluation) -> None:
    """Test 4a: fees per unit above the baseline fees.

    Missing baseline fees count as none only when a baseline price is known (the baseline sale is on record and
    had no fee recorded); with no baseline at all the test cannot run.
    """
    facts = ev.facts
    if facts.fees is None:
        return
    baseline_fees = facts.baseline_fees
    if baseline_fees is None and facts.baseline_price is not None:
        baseline_fees = Decimal(0)
    if baseline_fees is not None and facts.fees > baseline_fees:
        ev.flag(
            "fees_raised",
            f"fees of {format_money(facts.fees)} per unit against {format_money(baseline_fees)}{_on(facts)}",
            fees=format_money(facts.fees),
            baseline_fees=format_money(baseline_fees),
            baseline_date=facts.baseline_date or "",
        )


def _bundling(ev: _Evaluation) -> None:
    """Test 4b: forced bundling."""
    if ev.facts.bundled:
        ev.flag("bundling", "sold only in a forced bundle")


def _price_increase(ev: _Evaluation) -> None:
    """US-style test: price above the pre-declaration price + limit, or (new goods) above cost + limit."""
    facts, rules = ev.facts, ev.rules
    price = Fraction(facts.price)
    if facts.baseline_price is not None and facts.baseline_price > 0 and rules.price_increase_limit is not None:
        limit = Fraction(rules.price_increase_limit)
        ceiling = Fraction(facts.baseline_price) * (1 + limit)
        reference, what = facts.baseline_price, f"the baseline price {format_money(facts.baseline_price)}{_on(facts)}"
    elif facts.cost is not None and facts.cost > 0 and rules.new_goods_cost_limit is not None:
        limit = Fraction(rules.new_goods_cost_limit)
        ceiling = Fraction(facts.cost) * (1 + limit)
        reference, what = facts.cost, f"the cost {format_money(facts.cost)} (no baseline price)"
    else:
        return
    ev.ceilings.append(ceiling)
    if price > ceiling:
        increase = _exact_margin(facts.price, reference)
        ev.flag(
            "price_increase",
            f"price {format_money(facts.price)} is {format_percent(increase)}% above {what}, "
            f"over the {format_percent(limit)}% limit",
            price=format_money(facts.price),
            reference=format_money(reference),
            increase_pct=format_percent(increase),
            limit_pct=format_percent(limit),
        )


_GOUGING_TESTS = {
    "baseline_margin": _baseline_margin,
    "margin_cap": _margin_cap,
    "cost_unchanged": _cost_unchanged,
    "fees_raised": _fees_raised,
    "bundling": _bundling,
    "price_increase": _price_increase,
}


def _marking(ev: _Evaluation) -> None:
    """Marking tests, always applied: no marked price, or price above the marked price."""
    facts = ev.facts
    if facts.marked_price is None:
        ev.flag("unmarked_price", "no marked price")
    elif facts.price > facts.marked_price:
        ev.flag(
            "above_marked_price",
            f"price {format_money(facts.price)} is above the marked price {format_money(facts.marked_price)}",
            price=format_money(facts.price),
            marked_price=format_money(facts.marked_price),
        )


def evaluate(facts: ObservationFacts, rules: PriceTestRules, rulebook_label: str) -> Findings:
    """Run the rulebook's price tests on one observation and estimate the highest lawful price and illegal gains."""
    ev = _Evaluation(facts, rules, _exact_margin(facts.price, facts.cost),
                     _exact_margin(facts.baseline_price, facts.baseline_cost))
    if facts.emergency_applies:
        for test in GOUGING_TESTS:
            if rules.enables(test):
                _GOUGING_TESTS[test](ev)
    _marking(ev)

    highest = min(ev.ceilings) if ev.ceilings else None  # the strictest ceiling among the tests that set one
    gains = None
    if highest is not None and facts.quantity_sold is not None:
        gains = round_money(max(Fraction(facts.price) - highest, Fraction(0)) * Fraction(facts.quantity_sold))
    return Findings(
        margin_rate=None if ev.margin is None else round_rate(ev.margin),
        baseline_margin_rate=None if ev.baseline_margin is None else round_rate(ev.baseline_margin),
        flags=tuple(ev.flags),
        highest_lawful_price=None if highest is None else round_money(highest),
        estimated_illegal_gains=gains,
        rulebook=rulebook_label,
    )

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
from tracker.domain.text import N_, Text

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
    """One test that flagged: its name, a sentence (a Text: English as a string, the reader's language when
    rendered), and the figures used (as strings, from which ``explain`` renders the sentence again)."""

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


# ------------------------------------------------------------------------------------------ explanations
# Each test's sentence is built from its stored params alone, so a flag saved as JSON (test, explanation, params)
# is explained again in the reader's language; the stored English explanation stays the record.


def _day(params: Mapping[str, str]) -> date | None:
    value = params.get("baseline_date") or ""
    return date.fromisoformat(value) if value else None


def _explain_baseline_margin(p: Mapping[str, str]) -> Text:
    figures = {"margin": p["margin_pct"], "baseline": p["baseline_margin_pct"]}
    day, tolerance = _day(p), p.get("tolerance_pct", "0")
    if tolerance != "0":
        if day:
            return Text(N_("margin %(margin)s%% on cost against %(baseline)s%% on %(date)s "
                           "(tolerance %(tolerance)s%%)"), date=day, tolerance=tolerance, **figures)
        return Text(N_("margin %(margin)s%% on cost against %(baseline)s%% at the baseline "
                       "(tolerance %(tolerance)s%%)"), tolerance=tolerance, **figures)
    if day:
        return Text(N_("margin %(margin)s%% on cost against %(baseline)s%% on %(date)s"), date=day, **figures)
    return Text(N_("margin %(margin)s%% on cost against %(baseline)s%% at the baseline"), **figures)


def _explain_margin_cap(p: Mapping[str, str]) -> Text:
    return Text(N_("margin %(margin)s%% on cost is above the %(cap)s%% cap (no baseline transaction)"),
                margin=p["margin_pct"], cap=p["cap_pct"])


def _explain_cost_unchanged(p: Mapping[str, str]) -> Text:
    figures = {"cost": p["cost_change_pct"], "price": p["price_change_pct"]}
    day = _day(p)
    if day:
        return Text(N_("cost moved %(cost)s%% while price rose %(price)s%% against the baseline on %(date)s"),
                    date=day, **figures)
    return Text(N_("cost moved %(cost)s%% while price rose %(price)s%% against the baseline"), **figures)


def _explain_fees_raised(p: Mapping[str, str]) -> Text:
    figures = {"fees": p["fees"], "baseline_fees": p["baseline_fees"]}
    day = _day(p)
    if day:
        return Text(N_("fees of %(fees)s per unit against %(baseline_fees)s on %(date)s"), date=day, **figures)
    return Text(N_("fees of %(fees)s per unit against %(baseline_fees)s at the baseline"), **figures)


def _explain_bundling(p: Mapping[str, str]) -> Text:
    return Text(N_("sold only in a forced bundle"))


def _explain_price_increase(p: Mapping[str, str]) -> Text:
    figures = {"price": p["price"], "reference": p["reference"], "increase": p["increase_pct"], "limit": p["limit_pct"]}
    basis, day = p["basis"], _day(p)
    if basis == "cost":
        return Text(N_("price %(price)s is %(increase)s%% above the cost %(reference)s (no baseline price), "
                       "over the %(limit)s%% limit"), **figures)
    if basis != "baseline":
        raise ValueError(f"unknown basis {basis!r}")
    if day:
        return Text(N_("price %(price)s is %(increase)s%% above the baseline price %(reference)s on %(date)s, "
                       "over the %(limit)s%% limit"), date=day, **figures)
    return Text(N_("price %(price)s is %(increase)s%% above the baseline price %(reference)s at the baseline, "
                   "over the %(limit)s%% limit"), **figures)


def _explain_unmarked_price(p: Mapping[str, str]) -> Text:
    return Text(N_("no marked price"))


def _explain_above_marked_price(p: Mapping[str, str]) -> Text:
    return Text(N_("price %(price)s is above the marked price %(marked_price)s"),
                price=p["price"], marked_price=p["marked_price"])


_EXPLAIN = {
    "baseline_margin": _explain_baseline_margin,
    "margin_cap": _explain_margin_cap,
    "cost_unchanged": _explain_cost_unchanged,
    "fees_raised": _explain_fees_raised,
    "bundling": _explain_bundling,
    "price_increase": _explain_price_increase,
    "unmarked_price": _explain_unmarked_price,
    "above_marked_price": _explain_above_marked_price,
}


def explanation(test: str, params: Mapping[str, str]) -> Text | None:
    """The sentence of a flag from its test and stored params, or None when they do not make one (an unknown
    test, or a flag stored before its params were complete)."""
    build = _EXPLAIN.get(test)
    if build is None:
        return None
    try:
        return build(params)
    except (KeyError, TypeError, ValueError):
        return None


def explain(flag: Mapping) -> str:
    """A stored flag ({"test", "explanation", "params"}) explained in the reader's language, else its stored text."""
    params = flag.get("params")
    text = explanation(str(flag.get("test")), params) if isinstance(params, Mapping) else None
    return str(text) if text is not None else str(flag.get("explanation") or "")


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

    def flag(self, test: str, **params: object) -> None:
        """Record a flag; params are stored as strings, and the explanation is made from them."""
        stored = MappingProxyType({k: str(v) for k, v in params.items()})
        self.flags.append(Flag(test, _EXPLAIN[test](stored), stored))


# ------------------------------------------------------------------------------------------ gouging tests


def _baseline_margin(ev: _Evaluation) -> None:
    """Test 1: margin above the seller's baseline margin (+ tolerance)."""
    if ev.margin is None or ev.baseline_margin is None:
        return
    allowed = ev.baseline_margin + Fraction(ev.rules.baseline_tolerance)
    ev.ceilings.append(Fraction(ev.facts.cost) * (1 + allowed))
    if ev.margin > allowed:
        tolerance = ev.rules.baseline_tolerance
        ev.flag(
            "baseline_margin",
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
            fees=format_money(facts.fees),
            baseline_fees=format_money(baseline_fees),
            baseline_date=facts.baseline_date or "",
        )


def _bundling(ev: _Evaluation) -> None:
    """Test 4b: forced bundling."""
    if ev.facts.bundled:
        ev.flag("bundling")


def _price_increase(ev: _Evaluation) -> None:
    """US-style test: price above the pre-declaration price + limit, or (new goods) above cost + limit."""
    facts, rules = ev.facts, ev.rules
    price = Fraction(facts.price)
    if facts.baseline_price is not None and facts.baseline_price > 0 and rules.price_increase_limit is not None:
        limit = Fraction(rules.price_increase_limit)
        ceiling = Fraction(facts.baseline_price) * (1 + limit)
        reference, basis = facts.baseline_price, "baseline"
    elif facts.cost is not None and facts.cost > 0 and rules.new_goods_cost_limit is not None:
        limit = Fraction(rules.new_goods_cost_limit)
        ceiling = Fraction(facts.cost) * (1 + limit)
        reference, basis = facts.cost, "cost"
    else:
        return
    ev.ceilings.append(ceiling)
    if price > ceiling:
        increase = _exact_margin(facts.price, reference)
        ev.flag(
            "price_increase",
            price=format_money(facts.price),
            reference=format_money(reference),
            increase_pct=format_percent(increase),
            limit_pct=format_percent(limit),
            basis=basis,
            baseline_date=(facts.baseline_date or "") if basis == "baseline" else "",
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
        ev.flag("unmarked_price")
    elif facts.price > facts.marked_price:
        ev.flag(
            "above_marked_price",
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

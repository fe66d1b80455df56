"""Penalties (DOMAIN.md §5): penalty lines, range checks against the rulebook, hearing right, money owed (§3).

Pure: standard library only. Money is Decimal, exact while computing, rounded once, half up, to 0.01.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tracker.domain.money import CENT, round_money, to_decimal
from tracker.domain.text import N_, Money, Text
from tracker.domain.rulebook import (
    OPERATOR_TYPES, SEVERITIES, FineRange, HearingRule, PenaltyRule, SimplifiedRule,
)

PENALTY_KINDS = ("warning", "fine", "confiscation", "suspension", "closure", "licence_revocation")
MONEY_KINDS = ("fine", "confiscation")
SANCTION_KINDS = ("suspension", "closure", "licence_revocation")
MAX_LINES = 10
ZERO = Decimal("0")
_KINDS_TEXT = ", ".join(PENALTY_KINDS)

_KIND_LABELS = {
    "warning": Text(N_("a warning")),
    "fine": Text(N_("a fine")),
    "confiscation": Text(N_("a confiscation")),
    "suspension": Text(N_("a suspension of business")),
    "closure": Text(N_("a closure")),
    "licence_revocation": Text(N_("a licence revocation")),
}
_MONEY_KIND_NAMES = {"fine": Text(N_("fine")), "confiscation": Text(N_("confiscation"))}
_AMOUNT_NAMES = {**_MONEY_KIND_NAMES, "daily_rate": Text(N_("daily rate"))}
_SANCTION_NOT_PROVIDED = {
    "suspension": N_("A suspension of business is not provided %(basis)s."),
    "closure": N_("A closure is not provided %(basis)s."),
    "licence_revocation": N_("A licence revocation is not provided %(basis)s."),
}
_BASIS = {
    ("individual", "ordinary"): N_("for an individual (ordinary)"),
    ("individual", "heavier"): N_("for an individual (heavier)"),
    ("individual", "serious"): N_("for an individual (serious)"),
    ("organisation", "ordinary"): N_("for an organisation (ordinary)"),
    ("organisation", "heavier"): N_("for an organisation (heavier)"),
    ("organisation", "serious"): N_("for an organisation (serious)"),
}


class PenaltyError(ValueError):
    """A penalty, or the facts it is checked against, is invalid; ``field`` names the bad input and ``str(error)``
    explains it in the reader's language (the message is a Text)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _money(amount: Decimal) -> Money:
    """An amount for a sentence: '600,000.00'."""
    return Money(round_money(amount))


# --------------------------------------------------------------------------------------------- penalty lines


@dataclass(frozen=True)
class PenaltyLine:
    """One line of a penalty: a kind and, for a fine or confiscation, its amount."""

    kind: str
    amount: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.kind not in PENALTY_KINDS:
            raise PenaltyError("kind", Text(N_("Unknown penalty kind '%(kind)s' (expected one of %(kinds)s)."),
                                            kind=self.kind, kinds=_KINDS_TEXT))


@dataclass(frozen=True)
class Penalty:
    """A penalty: its lines (warning, fine, confiscation, sanctions)."""

    lines: tuple[PenaltyLine, ...]

    @property
    def fine(self) -> Decimal:
        """The sum of the fine lines."""
        return sum((line.amount for line in self.lines if line.kind == "fine"), ZERO)

    @property
    def confiscation(self) -> Decimal:
        """The sum of the confiscation lines."""
        return sum((line.amount for line in self.lines if line.kind == "confiscation"), ZERO)

    @property
    def money_total(self) -> Decimal:
        """Fine plus confiscation."""
        return self.fine + self.confiscation

    @property
    def sanctions(self) -> frozenset[str]:
        """The sanctions imposed (suspension, closure, licence revocation)."""
        return frozenset(line.kind for line in self.lines if line.kind in SANCTION_KINDS)

    @property
    def has_warning(self) -> bool:
        """True when one of the lines is a warning."""
        return any(line.kind == "warning" for line in self.lines)

    @property
    def warning_only(self) -> bool:
        """True when there is nothing to pay and no sanction (a warning): executed on service, never published."""
        return self.money_total == 0 and not self.sanctions

    def to_json(self) -> list[dict]:
        """JSON lines (amount only on money): [{"kind": "fine", "amount": "1100.00"}, {"kind": "warning"}]."""
        result: list[dict] = []
        for line in self.lines:
            item: dict = {"kind": line.kind}
            if line.kind in MONEY_KINDS:
                item["amount"] = str(round_money(line.amount))
            result.append(item)
        return result


def lowered_lines(noticed: list[dict], fine: Decimal | None = None, confiscation: Decimal | None = None) -> list[dict]:
    """The noticed penalty's JSON lines with its fine and its confiscation set to new amounts (None keeps a line
    as noticed, zero drops it): the lines a decision that lowers the noticed penalty sends. The service refuses
    any that would be heavier (``is_heavier``), whoever sends them."""
    new = {"fine": fine, "confiscation": confiscation}
    lowered = []
    for line in noticed:
        amount = new.get(line["kind"])
        if amount is not None:
            line = {"kind": line["kind"], "amount": str(amount)}
        if line.get("amount") is None or to_decimal(line["amount"]) != 0:
            lowered.append(line)
    return lowered


def _parse_amount(field: str, kind: str, value: object) -> Decimal:
    """A money line's amount: an exact number > 0 with at most 2 decimal places."""
    name = _MONEY_KIND_NAMES[kind]
    if isinstance(value, float):
        raise PenaltyError(field, Text(N_("The %(kind)s amount %(value)s is a float; give it as a string such as "
                                          "\"1100.00\"."), kind=name, value=repr(value)))
    try:
        amount = to_decimal(value)  # refuses bools, NaN, Infinity and other types
    except ValueError:
        raise PenaltyError(field, Text(N_("The %(kind)s amount %(value)s is not a valid amount of money."),
                                       kind=name, value=repr(value))) from None
    if amount <= 0:
        raise PenaltyError(field, Text(N_("The %(kind)s amount must be greater than zero (got %(value)s)."),
                                       kind=name, value=amount))
    if amount != amount.quantize(CENT):
        raise PenaltyError(field, Text(N_("The %(kind)s amount %(value)s has more than 2 decimal places."),
                                       kind=name, value=amount))
    return amount.quantize(CENT)


def parse_penalty(raw: object) -> Penalty:
    """Validate a list of {"kind", "amount"} dicts into a Penalty; PenaltyError names the field ("lines[1].amount")."""
    if isinstance(raw, Penalty):
        return raw
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence):
        raise PenaltyError("lines", Text(N_("The penalty must be a list of lines, each with a kind and, for money, "
                                            "an amount.")))
    if not raw:
        raise PenaltyError("lines", Text(N_("Give at least one penalty line.")))
    if len(raw) > MAX_LINES:
        raise PenaltyError("lines", Text(N_("A penalty has at most %(max)s lines (got %(count)s)."),
                                         max=MAX_LINES, count=len(raw)))
    lines: list[PenaltyLine] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where, line = f"lines[{index}]", index + 1
        if not isinstance(item, Mapping):
            raise PenaltyError(where, Text(N_("Line %(line)s must be an object with a kind and an amount."), line=line))
        unknown = sorted(str(key) for key in item if key not in ("kind", "amount"))
        if unknown:
            raise PenaltyError(f"{where}.{unknown[0]}", Text(N_("Line %(line)s has an unknown field '%(field)s'."),
                                                             line=line, field=unknown[0]))
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in PENALTY_KINDS:
            raise PenaltyError(f"{where}.kind", Text(
                N_("Line %(line)s: unknown penalty kind %(kind)s (expected one of %(kinds)s)."),
                line=line, kind=repr(kind), kinds=_KINDS_TEXT,
            ))
        value = item.get("amount")
        if kind in MONEY_KINDS:
            if value is None or value == "":
                raise PenaltyError(f"{where}.amount", Text(N_("Line %(line)s: %(kind)s needs an amount."),
                                                           line=line, kind=_KIND_LABELS[kind]))
            amount = _parse_amount(f"{where}.amount", kind, value)
        else:
            if value is not None and value != "":
                if isinstance(value, (float, bool)):
                    raise PenaltyError(f"{where}.amount", Text(N_("Line %(line)s: %(kind)s takes no amount."),
                                                               line=line, kind=_KIND_LABELS[kind]))
                try:
                    nothing = to_decimal(value) == 0
                except ValueError:
                    nothing = False
                if not nothing:
                    raise PenaltyError(f"{where}.amount", Text(N_("Line %(line)s: %(kind)s takes no amount."),
                                                               line=line, kind=_KIND_LABELS[kind]))
            if kind in seen:
                raise PenaltyError(f"{where}.kind", Text(N_("Line %(line)s: %(kind)s is listed twice."),
                                                         line=line, kind=_KIND_LABELS[kind]))
            seen.add(kind)
            amount = ZERO
        lines.append(PenaltyLine(kind, amount))
    return Penalty(tuple(lines))


# --------------------------------------------------------------------------------------------- range check


@dataclass(frozen=True)
class RangeCheck:
    """The result of checking a penalty against the rulebook: within range, or the problems (Texts: English as
    strings, the reader's language when rendered)."""

    within: bool
    problems: tuple[Text, ...]
    fine_range: FineRange | None  # the range the fine was checked against (None: no fine provided)
    allowed_sanctions: frozenset[str]
    warning_allowed: bool = False
    expected_confiscation: Decimal | None = None  # the gains to confiscate, when a rule confiscates them


@dataclass(frozen=True)
class _Basis:
    """What one violation code's rule allows for these facts."""

    fine: FineRange | None
    sanctions: frozenset[str]
    warning: bool
    confiscates: bool
    description: Text  # e.g. "for an organisation (ordinary)"


def _uses_gains(rule: PenaltyRule) -> bool:
    """True when the rule says anything about illegal gains (otherwise its no-gains band applies even with gains)."""
    return (
        rule.confiscate_gains or rule.gains_fine_multiple is not None or rule.gains_fine is not None
        or bool(rule.gains_sanctions)
    )


def _basis(rule: PenaltyRule, operator_type: str, severity: str, gains: Decimal | None) -> _Basis:
    """The fine range, sanctions, warning and confiscation one rule allows for the facts."""
    band = rule.band(operator_type, severity)
    if gains is not None and _uses_gains(rule):
        fine = rule.gains_fine_range(gains)
        if fine is not None:
            fine = FineRange(round_money(fine.minimum), round_money(fine.maximum))
        return _Basis(fine, rule.gains_sanctions, band.warning, rule.confiscate_gains,
                      Text(N_("for illegal gains of %(gains)s"), gains=_money(gains)))
    return _Basis(band.fine, band.sanctions, band.warning, False, Text(_BASIS[(operator_type, severity)]))


def _fine_problem(fine: Decimal, basis: _Basis) -> Text | None:
    """The sentence describing a fine outside the basis's range, or None."""
    if basis.fine is None:
        if fine == 0:
            return None
        return Text(N_("No fine is provided %(basis)s; the fine of %(fine)s is not allowed."),
                    basis=basis.description, fine=_money(fine))
    if fine in basis.fine:
        return None
    span = {"minimum": _money(basis.fine.minimum), "maximum": _money(basis.fine.maximum), "basis": basis.description}
    if fine == 0:
        return Text(N_("No fine is given, but a fine in the range %(minimum)s to %(maximum)s %(basis)s is required."),
                    **span)
    if fine > basis.fine.maximum:
        return Text(N_("The fine of %(fine)s is above the range %(minimum)s to %(maximum)s %(basis)s."),
                    fine=_money(fine), **span)
    return Text(N_("The fine of %(fine)s is below the range %(minimum)s to %(maximum)s %(basis)s."),
                fine=_money(fine), **span)


def check_penalty(
    penalty: Penalty,
    rules: Sequence[PenaltyRule],
    operator_type: str,
    severity: str,
    illegal_gains: Decimal | None,
) -> RangeCheck:
    """Check a penalty against the rules of the case's violation codes (DOMAIN.md §5).

    Only one fine, the higher (APL 29): the fine is checked against the rule giving the highest maximum fine for
    these facts (on a tie, the one whose range holds the fine). Sanctions, a warning and confiscation are allowed
    when any of the rules allows them. Known gains (> 0) bring in each rule's gains terms (a rule without any keeps
    its no-gains band); unknown gains (None or 0) count as none.
    """
    if operator_type not in OPERATOR_TYPES:
        raise PenaltyError("operator_type", Text(
            N_("Unknown operator type '%(value)s' (expected one of %(allowed)s)."),
            value=operator_type, allowed=", ".join(OPERATOR_TYPES),
        ))
    if severity not in SEVERITIES:
        raise PenaltyError("severity", Text(N_("Unknown severity '%(value)s' (expected one of %(allowed)s)."),
                                            value=severity, allowed=", ".join(SEVERITIES)))
    if not rules:
        raise PenaltyError("violations", Text(N_("The case needs at least one violation code before a penalty is "
                                                 "checked.")))
    gains: Decimal | None = None
    if illegal_gains is not None:
        try:
            gains = to_decimal(illegal_gains)
        except ValueError:
            raise PenaltyError("illegal_gains", Text(N_("The illegal gains %(value)s are not an amount."),
                                                     value=repr(illegal_gains))) from None
        if gains < 0:
            raise PenaltyError("illegal_gains", Text(N_("The illegal gains must not be negative.")))
        gains = round_money(gains) if gains > 0 else None

    bases = [_basis(rule, operator_type, severity, gains) for rule in rules]
    fine = penalty.fine

    def rank(basis: _Basis) -> tuple[Decimal, bool]:
        maximum = basis.fine.maximum if basis.fine is not None else Decimal(-1)
        return maximum, _fine_problem(fine, basis) is None

    chosen = max(bases, key=rank)  # max() keeps the first of equals: the order of the case's codes
    allowed_sanctions = frozenset().union(*(basis.sanctions for basis in bases))
    warning_allowed = any(basis.warning for basis in bases)
    confiscates = gains is not None and any(basis.confiscates for basis in bases)

    problems: list[Text] = []
    if not penalty.lines:
        problems.append(Text(N_("The penalty has no lines.")))
    fine_problem = _fine_problem(fine, chosen)
    if fine_problem:
        problems.append(fine_problem)
    if confiscates:
        if penalty.confiscation == 0:
            problems.append(Text(N_("Confiscate the illegal gains of %(gains)s."), gains=_money(gains)))
        elif penalty.confiscation != gains:
            problems.append(Text(N_("The confiscation of %(amount)s differs from the illegal gains of %(gains)s."),
                                 amount=_money(penalty.confiscation), gains=_money(gains)))
    elif penalty.confiscation > 0:
        if gains is None:
            problems.append(Text(N_("The confiscation of %(amount)s is not allowed: no illegal gains are known."),
                                 amount=_money(penalty.confiscation)))
        else:
            problems.append(Text(N_("The confiscation of %(amount)s is not allowed: these violations do not "
                                    "confiscate gains."), amount=_money(penalty.confiscation)))
    for sanction in sorted(penalty.sanctions - allowed_sanctions):
        problems.append(Text(_SANCTION_NOT_PROVIDED[sanction], basis=chosen.description))
    if penalty.has_warning and not warning_allowed:
        problems.append(Text(N_("A warning is not provided %(basis)s."), basis=chosen.description))
    return RangeCheck(
        within=not problems,
        problems=tuple(problems),
        fine_range=chosen.fine,
        allowed_sanctions=allowed_sanctions,
        warning_allowed=warning_allowed,
        expected_confiscation=gains if confiscates else None,
    )


# --------------------------------------------------------------------------------------------- rights and comparisons


def hearing_right(penalty: Penalty, hearing: HearingRule, operator_type: str) -> bool:
    """True when the penalty gives a hearing right: a listed sanction, or fine + confiscation at the threshold."""
    if operator_type not in OPERATOR_TYPES:
        raise PenaltyError("operator_type", Text(N_("Unknown operator type '%(value)s'."), value=operator_type))
    return hearing.gives_right(operator_type, penalty.money_total, penalty.sanctions)


def is_heavier(new: Penalty, old: Penalty) -> bool:
    """True when new has a higher fine, a higher confiscation, or a sanction old lacks (a decision may only lower)."""
    return new.fine > old.fine or new.confiscation > old.confiscation or bool(new.sanctions - old.sanctions)


def simplified_allowed(penalty: Penalty, rule: SimplifiedRule | None, operator_type: str) -> bool:
    """True when the simplified procedure fits: a warning or a small fine, no confiscation, no sanction."""
    if rule is None or not penalty.lines:
        return False
    if operator_type not in OPERATOR_TYPES:
        raise PenaltyError("operator_type", Text(N_("Unknown operator type '%(value)s'."), value=operator_type))
    limit = rule.individual_max_fine if operator_type == "individual" else rule.organisation_max_fine
    return penalty.confiscation == 0 and not penalty.sanctions and penalty.fine <= limit


# --------------------------------------------------------------------------------------------- money owed


@dataclass(frozen=True)
class PaymentIn:
    """A payment received: its date and amount."""

    on: date
    amount: Decimal


@dataclass(frozen=True)
class Account:
    """What a decision's party owes and has paid, as of a day (all amounts rounded to 0.01)."""

    fine: Decimal
    confiscation: Decimal
    surcharge: Decimal  # accrued up to today, or up to the day the fine was paid in full
    paid_fine: Decimal
    paid_surcharge: Decimal
    paid_confiscation: Decimal
    overpaid: Decimal
    due: Decimal  # still owed: fine + surcharge + confiscation - paid
    settled: bool  # everything paid
    days_late: int  # calendar days from the due date to the day the fine was paid in full (or today), appeals included

    @property
    def paid(self) -> Decimal:
        """Everything paid towards the fine, surcharge and confiscation (not counting any overpayment)."""
        return self.paid_fine + self.paid_surcharge + self.paid_confiscation


def _merged(periods: Sequence[tuple[date, date | None]]) -> list[tuple[date, date]]:
    """Appeal periods [lodged, outcome) merged and sorted; an open period runs to date.max."""
    spans = []
    for index, (lodged, outcome) in enumerate(periods):
        end = outcome if outcome is not None else date.max
        if end < lodged:
            raise PenaltyError(f"appeal_periods[{index}]",
                               Text(N_("An appeal's outcome cannot come before it was lodged.")))
        spans.append((lodged, end))
    merged: list[tuple[date, date]] = []
    for lodged, end in sorted(spans):
        if merged and lodged <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((lodged, end))
    return merged


def _accruing_days(after: date, until: date, frozen: list[tuple[date, date]]) -> int:
    """The days d with after < d <= until that lie outside every frozen period [lodged, outcome)."""
    if until <= after:
        return 0
    first, stop = after + timedelta(days=1), until + timedelta(days=1)  # the days are [first, stop)
    days = (stop - first).days
    for lodged, end in frozen:
        overlap = (min(stop, end) - max(first, lodged)).days
        days -= max(0, overlap)
    return days


def account(
    fine: Decimal,
    confiscation: Decimal,
    due_on: date | None,
    payments: Sequence[PaymentIn],
    daily_rate: Decimal,
    today: date,
    appeal_periods: Sequence[tuple[date, date | None]] = (),
) -> Account:
    """The money owed on a decision as of ``today`` (DOMAIN.md §3, record_payment).

    Payments (those on or before today) apply in date order to the fine, then the surcharge accrued so far, then
    the confiscated gains; any excess is ``overpaid``. The surcharge accrues for each day d after ``due_on`` (the
    first day after the due date counts 1) at ``daily_rate`` times the fine unpaid at the *start* of day d, so a
    payment made on day d still bears that day's surcharge and stops it from the next day: the whole fine F paid on
    due_on + 2 costs 2 x rate x F. It is capped at the original fine, does not accrue on days inside an appeal
    period [lodged, outcome) (outcome None: still open), and not at all while ``due_on`` is None (not served).
    Everything is exact; each reported amount is rounded once, half up, to 0.01.
    """
    fine, confiscation, daily_rate = to_decimal(fine), to_decimal(confiscation), to_decimal(daily_rate)
    for name, value in (("fine", fine), ("confiscation", confiscation), ("daily_rate", daily_rate)):
        if value < 0:
            raise PenaltyError(name, Text(N_("The %(name)s must not be negative."), name=_AMOUNT_NAMES[name]))
    frozen = _merged(appeal_periods)
    unpaid_fine = fine
    surcharge = ZERO  # exact
    paid_fine = paid_surcharge = paid_confiscation = overpaid = ZERO
    accrued_to = due_on  # the surcharge is computed for the days up to and including this one
    fine_paid_on: date | None = today if fine == 0 else None

    def accrue(until: date) -> None:
        nonlocal surcharge, accrued_to
        if accrued_to is None or until <= accrued_to:
            return
        if unpaid_fine > 0:
            surcharge = min(fine, surcharge + daily_rate * unpaid_fine * _accruing_days(accrued_to, until, frozen))
        accrued_to = until

    ordered = sorted(enumerate(payments), key=lambda pair: pair[1].on)
    for index, payment in ordered:
        amount = to_decimal(payment.amount)
        if amount <= 0:
            raise PenaltyError(f"payments[{index}].amount", Text(N_("A payment must be greater than zero.")))
        if payment.on > today:
            continue  # not yet made as of today
        accrue(payment.on)
        to_fine = min(amount, unpaid_fine)
        unpaid_fine -= to_fine
        paid_fine += to_fine
        amount -= to_fine
        if unpaid_fine == 0 and fine_paid_on is None:
            fine_paid_on = payment.on
        to_surcharge = min(amount, round_money(surcharge) - paid_surcharge)
        paid_surcharge += to_surcharge
        amount -= to_surcharge
        to_confiscation = min(amount, confiscation - paid_confiscation)
        paid_confiscation += to_confiscation
        overpaid += amount - to_confiscation
    accrue(today)

    surcharge_due = round_money(surcharge)
    owed = fine + surcharge_due + confiscation
    due = round_money(owed - paid_fine - paid_surcharge - paid_confiscation)
    late_until = fine_paid_on or today
    days_late = max(0, (late_until - due_on).days) if due_on is not None else 0
    return Account(
        fine=round_money(fine),
        confiscation=round_money(confiscation),
        surcharge=surcharge_due,
        paid_fine=round_money(paid_fine),
        paid_surcharge=round_money(paid_surcharge),
        paid_confiscation=round_money(paid_confiscation),
        overpaid=round_money(overpaid),
        due=due,
        settled=due == 0,
        days_late=days_late if fine > 0 else 0,
    )

"""Properties of the money owed on a decision: late surcharge and payments (DOMAIN.md §3 record_payment, §5)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.money import round_money
from tracker.domain.penalties import PaymentIn, account

RATE = Decimal("0.03")  # 3 % of the unpaid fine a day
DUE = date(2020, 3, 1)
cents = st.integers(min_value=0, max_value=50_000_000).map(lambda c: Decimal(c) / 100)  # up to 500,000.00
positive_cents = st.integers(min_value=1, max_value=50_000_000).map(lambda c: Decimal(c) / 100)
offsets = st.integers(min_value=-30, max_value=120)


def on(offset: int) -> date:
    return DUE + timedelta(days=offset)


payments = st.lists(st.builds(lambda o, a: PaymentIn(on(o), a), offsets, positive_cents), max_size=6)
appeals = st.lists(
    st.tuples(st.integers(-10, 100), st.none() | st.integers(0, 60)).map(
        lambda p: (on(p[0]), None if p[1] is None else on(p[0] + p[1]))),
    max_size=2,
)


def fields(acc):
    return (acc.fine, acc.confiscation, acc.surcharge, acc.paid_fine, acc.paid_surcharge, acc.paid_confiscation,
            acc.overpaid, acc.due)


@given(cents, cents, payments, offsets, appeals)
def test_amounts_are_exact_to_the_cent_and_add_up(fine, confiscation, paid, today_offset, frozen):
    """Every amount has two decimals; paid + owed = fine + surcharge + confiscation; nothing negative."""
    today = on(today_offset)
    acc = account(fine, confiscation, DUE, paid, RATE, today, frozen)
    for amount in fields(acc):
        assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
        assert amount >= 0
    assert acc.paid + acc.due == acc.fine + acc.surcharge + acc.confiscation
    assert acc.paid + acc.overpaid == sum((p.amount for p in paid if p.on <= today), Decimal(0))
    assert acc.settled == (acc.due == 0)
    assert acc.overpaid == 0 or acc.due == 0  # money is only left over once everything is paid


@given(cents, cents, payments, offsets, appeals)
def test_the_surcharge_is_capped_at_the_fine(fine, confiscation, paid, today_offset, frozen):
    """The late surcharge never exceeds the original fine, whatever the delay."""
    acc = account(fine, confiscation, DUE, paid, RATE, on(today_offset + 2000), frozen)
    assert acc.surcharge <= acc.fine
    if fine > 0 and not paid and not frozen:
        assert acc.surcharge == acc.fine  # 2000 days late: the cap is reached


@given(positive_cents, cents, st.integers(0, 200))
def test_unpaid_fine_bears_three_percent_a_day_after_the_due_date(fine, confiscation, late):
    """With nothing paid, surcharge = min(fine, fine x 3 % x days late), days late = today - due date."""
    acc = account(fine, confiscation, DUE, [], RATE, on(late))
    assert acc.surcharge == round_money(min(Fraction(fine), Fraction(fine) * Fraction(3, 100) * late))
    assert acc.days_late == late
    assert acc.due == acc.fine + acc.surcharge + acc.confiscation


@given(positive_cents, cents, st.integers(-30, 0), offsets)
def test_paying_the_fine_by_the_due_date_costs_no_surcharge(fine, confiscation, paid_offset, today_offset):
    """A fine paid in full on or before the due date bears no surcharge, however late today is."""
    acc = account(fine, confiscation, DUE, [PaymentIn(on(paid_offset), fine)], RATE, on(max(paid_offset, today_offset)))
    assert acc.surcharge == 0 and acc.paid_fine == fine
    assert acc.due == acc.confiscation


@given(cents, cents, payments, offsets, appeals, st.randoms(use_true_random=False))
def test_the_order_payments_are_listed_in_does_not_matter(fine, confiscation, paid, today_offset, frozen, rnd):
    """Payments apply in date order, so listing them in any order gives the same account."""
    shuffled = list(paid)
    rnd.shuffle(shuffled)
    today = on(today_offset)
    assert account(fine, confiscation, DUE, shuffled, RATE, today, frozen) == account(
        fine, confiscation, DUE, paid, RATE, today, frozen)


@given(cents, cents, payments, offsets, st.integers(0, 5), st.integers(1, 99))
def test_splitting_a_payment_on_the_same_day_changes_nothing(fine, confiscation, paid, today_offset, which, percent):
    """Two payments of a and b on one day count as one payment of a + b."""
    if not paid:
        return
    index = which % len(paid)
    whole = paid[index]
    first = round_money(whole.amount * percent / 100)
    parts = [PaymentIn(whole.on, part) for part in (first, whole.amount - first) if part > 0]
    split = paid[:index] + parts + paid[index + 1:]
    today = on(today_offset)
    assert account(fine, confiscation, DUE, split, RATE, today) == account(fine, confiscation, DUE, paid, RATE, today)


@given(positive_cents, cents, st.integers(0, 60), st.integers(0, 60), offsets)
def test_paying_earlier_never_costs_more(fine, confiscation, a, b, today_offset):
    """The same full payment made on an earlier day never leaves a larger surcharge."""
    early, late = sorted((a, b))
    today = on(max(late, today_offset))
    total = fine * 3 + confiscation  # enough to cover fine, any surcharge and confiscation
    sooner = account(fine, confiscation, DUE, [PaymentIn(on(early), total)], RATE, today)
    later = account(fine, confiscation, DUE, [PaymentIn(on(late), total)], RATE, today)
    assert sooner.surcharge <= later.surcharge
    assert sooner.settled and later.settled


@given(positive_cents, cents, payments, offsets, appeals)
def test_an_appeal_never_increases_the_surcharge(fine, confiscation, paid, today_offset, frozen):
    """The surcharge does not accrue while an appeal is pending: freezing days never adds to it."""
    today = on(today_offset)
    assert account(fine, confiscation, DUE, paid, RATE, today, frozen).surcharge <= account(
        fine, confiscation, DUE, paid, RATE, today).surcharge


@given(cents, cents, payments, offsets)
def test_payments_go_to_the_fine_then_the_surcharge_then_confiscation(fine, confiscation, paid, today_offset):
    """Nothing reaches the surcharge before the fine is paid, nor confiscation before the surcharge due then."""
    acc = account(fine, confiscation, DUE, paid, RATE, on(today_offset))
    if acc.paid_surcharge > 0 or acc.paid_confiscation > 0:
        assert acc.paid_fine == acc.fine
    if acc.overpaid > 0:
        assert acc.paid_confiscation == acc.confiscation and acc.paid_fine == acc.fine

"""Penalties: parsing lines, range checks against cn-samr (DOMAIN.md §5), hearing right, money owed (§3)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.penalties import (
    Penalty, PenaltyError, PenaltyLine, PaymentIn, account, check_penalty, hearing_right, is_heavier, parse_penalty,
    simplified_allowed,
)
from tracker.domain.rulebook import FineRange

D = Decimal
RATE = D("0.03")


def pen(*lines: tuple) -> Penalty:
    """A penalty from (kind, amount) pairs or bare kinds."""
    return parse_penalty(
        [{"kind": line} if isinstance(line, str) else {"kind": line[0], "amount": line[1]} for line in lines]
    )


def rules(cn, *codes: str):
    """The penalty rules of violation codes."""
    return [cn.violation(code).penalty for code in codes]


# --------------------------------------------------------------------------------------------- parsing


def test_parse_and_properties():
    penalty = pen(("fine", "1100"), ("confiscation", 2060), ("fine", D("0.5")), "suspension", "warning")
    assert penalty.fine == D("1100.50") and penalty.confiscation == D("2060.00")
    assert penalty.money_total == D("3160.50")
    assert penalty.sanctions == {"suspension"} and not penalty.warning_only
    assert pen("warning").warning_only and not pen("closure").warning_only
    assert penalty.to_json()[:2] == [
        {"kind": "fine", "amount": "1100.00"}, {"kind": "confiscation", "amount": "2060.00"}]
    assert penalty.to_json()[-1] == {"kind": "warning"}
    assert parse_penalty(penalty.to_json()) == penalty


def test_sanction_and_warning_take_no_amount_but_zero_is_tolerated():
    penalty = parse_penalty([{"kind": "closure", "amount": "0"}, {"kind": "warning", "amount": None}])
    assert penalty.sanctions == {"closure"} and penalty.money_total == 0


@pytest.mark.parametrize(("raw", "field", "words"), [
    ([{"kind": "fine", "amount": 1100.0}], "lines[0].amount", "float"),
    ([{"kind": "fine", "amount": "NaN"}], "lines[0].amount", "not a valid amount"),
    ([{"kind": "fine", "amount": D("Infinity")}], "lines[0].amount", "not a valid amount"),
    ([{"kind": "fine", "amount": True}], "lines[0].amount", "not a valid amount"),
    ([{"kind": "fine", "amount": "-5"}], "lines[0].amount", "greater than zero"),
    ([{"kind": "confiscation", "amount": "0"}], "lines[0].amount", "greater than zero"),
    ([{"kind": "fine", "amount": "10.005"}], "lines[0].amount", "more than 2 decimal places"),
    ([{"kind": "fine"}], "lines[0].amount", "needs an amount"),
    ([{"kind": "warning"}, {"kind": "fine_x", "amount": "5"}], "lines[1].kind", "unknown penalty kind"),
    ([{"kind": "fine", "amount": "5"}, {"kind": "suspension", "amount": "100"}], "lines[1].amount", "takes no amount"),
    ([{"kind": "closure"}, {"kind": "closure"}], "lines[1].kind", "listed twice"),
    ([{"kind": "fine", "amount": "5", "currency": "CNY"}], "lines[0].currency", "unknown field"),
    (["fine"], "lines[0]", "must be an object"),
    ([], "lines", "at least one"),
    ({"kind": "fine"}, "lines", "must be a list"),
    ([{"kind": "fine", "amount": "1"}] * 11, "lines", "at most 10"),
])
def test_parse_errors_name_the_field(raw, field, words):
    with pytest.raises(PenaltyError) as caught:
        parse_penalty(raw)
    assert caught.value.field == field
    assert words in str(caught.value)


# --------------------------------------------------------------------------------------------- range checks


def test_gouging_organisation_ordinary(cn):
    gouging = rules(cn, "price_gouging")
    for amount in ("50000", "275000", "500000"):
        result = check_penalty(pen(("fine", amount)), gouging, "organisation", "ordinary", None)
        assert result.within and result.problems == ()
        assert result.fine_range == FineRange(D(50000), D(500000))
    above = check_penalty(pen(("fine", "600000")), gouging, "organisation", "ordinary", None)
    assert not above.within
    assert above.problems == (
        "The fine of 600,000.00 is above the range 50,000.00 to 500,000.00 for an organisation (ordinary).",
    )
    below = check_penalty(pen(("fine", "40000")), gouging, "organisation", "ordinary", None)
    assert "below the range 50,000.00 to 500,000.00" in below.problems[0]


def test_gouging_individual_up_to_100k_and_no_warning(cn):
    gouging = rules(cn, "price_gouging")
    assert check_penalty(pen(("fine", "100000")), gouging, "individual", "ordinary", None).within
    assert check_penalty(pen(("fine", "100000")), gouging, "individual", "heavier", None).within  # = ordinary
    assert not check_penalty(pen(("fine", "100000.01")), gouging, "individual", "ordinary", None).within
    warning = check_penalty(pen("warning"), gouging, "individual", "ordinary", None)
    assert warning.problems == ("A warning is not provided for an individual (ordinary).",)
    assert check_penalty(pen(("fine", "300000")), gouging, "individual", "serious", None).within


def test_serious_organisation_may_be_suspended(cn):
    gouging = rules(cn, "price_gouging")
    serious = check_penalty(pen(("fine", "1000000"), "suspension"), gouging, "organisation", "serious", None)
    assert serious.within and serious.allowed_sanctions == {"suspension", "licence_revocation"}
    ordinary = check_penalty(pen(("fine", "100000"), "suspension"), gouging, "organisation", "ordinary", None)
    assert ordinary.problems == ("A suspension of business is not provided for an organisation (ordinary).",)
    assert ordinary.allowed_sanctions == frozenset()
    # serious takes the heavier fine range: a suspension alone leaves the fine below it
    alone = check_penalty(pen("suspension"), gouging, "organisation", "serious", None)
    assert alone.problems == ("No fine is given, but a fine in the range 500,000.00 to 3,000,000.00 "
                              "for an organisation (serious) is required.",)


def test_illegal_gains_confiscated_and_fine_up_to_five_times(cn):
    gouging = rules(cn, "price_gouging")
    gains = D("2060")
    ok = check_penalty(pen(("confiscation", "2060"), ("fine", "10300")), gouging, "organisation", "ordinary", gains)
    assert ok.within and ok.fine_range == FineRange(D(0), D("10300.00")) and ok.expected_confiscation == gains
    assert check_penalty(pen(("confiscation", "2060")), gouging, "organisation", "ordinary", gains).within
    too_much = pen(("confiscation", "2060"), ("fine", "10300.01"))
    assert check_penalty(too_much, gouging, "organisation", "ordinary", gains).problems == (
        "The fine of 10,300.01 is above the range 0.00 to 10,300.00 for illegal gains of 2,060.00.",)
    missing = check_penalty(pen(("fine", "5000")), gouging, "individual", "ordinary", gains)
    assert missing.problems == ("Confiscate the illegal gains of 2,060.00.",)
    wrong = check_penalty(pen(("confiscation", "2000"), ("fine", "5000")), gouging, "individual", "ordinary", gains)
    assert wrong.problems == ("The confiscation of 2,000.00 differs from the illegal gains of 2,060.00.",)


def test_unknown_gains_count_as_none(cn):
    gouging = rules(cn, "price_gouging")
    for gains in (None, D(0)):
        penalty = pen(("fine", "60000"), ("confiscation", "100"))
        result = check_penalty(penalty, gouging, "organisation", "ordinary", gains)
        assert result.fine_range == FineRange(D(50000), D(500000))
        assert result.problems == ("The confiscation of 100.00 is not allowed: no illegal gains are known.",)


def test_several_codes_the_higher_range_applies(cn):
    both = rules(cn, "price_marking", "price_gouging")
    individual = check_penalty(pen(("fine", "20000")), both, "individual", "ordinary", None)
    assert individual.within and individual.fine_range == FineRange(D(0), D(100000))
    assert not check_penalty(pen(("fine", "20000")), rules(cn, "price_marking"), "individual", "ordinary", None).within
    # only one fine, the higher: 3,000 fits price marking but the gouging range governs
    organisation = check_penalty(pen(("fine", "3000")), both, "organisation", "ordinary", None)
    assert organisation.problems == ("The fine of 3,000.00 is below the range 50,000.00 to 500,000.00 "
                                     "for an organisation (ordinary).",)


def test_price_marking_up_to_5000(cn):
    marking = rules(cn, "price_marking")
    assert check_penalty(pen(("fine", "5000")), marking, "organisation", "ordinary", None).within
    assert not check_penalty(pen(("fine", "5000.01")), marking, "individual", "ordinary", None).within
    with_gains = check_penalty(pen(("confiscation", "80"), ("fine", "5000")), marking, "individual", "ordinary", D(80))
    assert with_gains.within and with_gains.fine_range == FineRange(D(0), D(5000))


def test_records_refusal_warning_and_closure_notice_breach(cn):
    assert check_penalty(pen("warning"), rules(cn, "records_refusal"), "organisation", "ordinary", None).within
    closure = rules(cn, "closure_notice_breach")
    plain = check_penalty(pen("closure", "warning"), closure, "individual", "ordinary", None)
    assert plain.within and plain.fine_range is None and plain.allowed_sanctions == {"closure"}
    fined = check_penalty(pen("closure", ("fine", "500")), closure, "individual", "ordinary", None)
    assert fined.problems == ("No fine is provided for an individual (ordinary); the fine of 500.00 is not allowed.",)
    income = D("2000")  # income earned while open in breach: fine 1-3x, not confiscated
    assert check_penalty(pen("closure", ("fine", "6000")), closure, "organisation", "ordinary", income).within
    penalty = pen("closure", ("fine", "1000"), ("confiscation", "2000"))
    low = check_penalty(penalty, closure, "organisation", "ordinary", income)
    assert low.problems == (
        "The fine of 1,000.00 is below the range 2,000.00 to 6,000.00 for illegal gains of 2,000.00.",
        "The confiscation of 2,000.00 is not allowed: these violations do not confiscate gains.",
    )


@pytest.mark.parametrize(("operator_type", "severity", "field"), [
    ("person", "ordinary", "operator_type"), ("individual", "heavy", "severity"),
])
def test_unknown_operator_type_or_severity(cn, operator_type, severity, field):
    with pytest.raises(PenaltyError) as caught:
        check_penalty(pen(("fine", "1")), rules(cn, "price_gouging"), operator_type, severity, None)
    assert caught.value.field == field


def test_no_rules_or_negative_gains_refused(cn):
    with pytest.raises(PenaltyError, match="at least one violation code"):
        check_penalty(pen(("fine", "1")), [], "individual", "ordinary", None)
    with pytest.raises(PenaltyError) as caught:
        check_penalty(pen(("fine", "1")), rules(cn, "price_gouging"), "individual", "ordinary", D("-1"))
    assert caught.value.field == "illegal_gains"


# --------------------------------------------------------------------------------------------- hearing, simplified


def test_hearing_right_thresholds(cn):
    hearing = cn.hearing
    assert not hearing_right(pen(("fine", "9999.99")), hearing, "individual")
    assert hearing_right(pen(("fine", "10000")), hearing, "individual")
    assert hearing_right(pen(("fine", "6000"), ("confiscation", "4000")), hearing, "individual")  # fine + confiscation
    assert not hearing_right(pen(("fine", "99999.99")), hearing, "organisation")
    assert hearing_right(pen(("fine", "100000")), hearing, "organisation")
    assert hearing_right(pen("closure", "warning"), hearing, "individual")  # closure always
    assert hearing_right(pen("suspension"), hearing, "organisation")
    assert not hearing_right(pen("warning"), hearing, "organisation")


def test_is_heavier():
    old = pen(("fine", "50000"), ("confiscation", "2060"), "suspension")
    assert not is_heavier(old, old)
    assert not is_heavier(pen(("fine", "40000"), ("confiscation", "2060")), old)  # lowered, sanction dropped
    assert is_heavier(pen(("fine", "50000.01"), ("confiscation", "2060"), "suspension"), old)
    assert is_heavier(pen(("fine", "50000"), ("confiscation", "3000"), "suspension"), old)
    assert is_heavier(pen(("fine", "10000"), "licence_revocation"), old)
    assert not is_heavier(pen("warning"), old)


def test_simplified_allowed(cn):
    rule = cn.simplified
    assert simplified_allowed(pen("warning"), rule, "individual")
    assert simplified_allowed(pen(("fine", "200")), rule, "individual")
    assert not simplified_allowed(pen(("fine", "200.01")), rule, "individual")
    assert simplified_allowed(pen(("fine", "3000"), "warning"), rule, "organisation")
    assert not simplified_allowed(pen(("fine", "3000.01")), rule, "organisation")
    assert not simplified_allowed(pen(("fine", "100"), ("confiscation", "10")), rule, "individual")
    assert not simplified_allowed(pen("closure"), rule, "organisation")
    assert not simplified_allowed(pen("warning"), None, "individual")


def test_penalty_line_refuses_unknown_kind():
    with pytest.raises(PenaltyError):
        PenaltyLine("caning")


# --------------------------------------------------------------------------------------------- money owed

DUE = date(2020, 3, 1)


def day(n: int) -> date:
    """The due date plus n days."""
    return DUE + timedelta(days=n)


def test_nothing_owed_extra_before_the_due_date():
    acc = account(D(1000), D(500), DUE, [], RATE, day(-3))
    assert (acc.surcharge, acc.due, acc.settled, acc.days_late) == (0, D("1500.00"), False, 0)


def test_paid_on_time():
    acc = account(D(1000), D(0), DUE, [PaymentIn(DUE, D(1000))], RATE, day(30))
    assert acc.surcharge == 0 and acc.due == 0 and acc.settled and acc.paid_fine == D("1000.00")


def test_paid_two_days_late():
    acc = account(D(1000), D(0), DUE, [PaymentIn(day(2), D(1000))], RATE, day(10))
    assert acc.surcharge == 2 * RATE * 1000 == D("60.00")
    assert (acc.due, acc.settled, acc.days_late) == (D("60.00"), False, 2)
    paid = account(D(1000), D(0), DUE, [PaymentIn(day(2), D(1000)), PaymentIn(day(5), D(60))], RATE, day(10))
    assert paid.settled and paid.surcharge == D("60.00") and paid.paid_surcharge == D("60.00")


def test_unpaid_accrues_to_today_and_not_before_service():
    assert account(D(1000), D(0), DUE, [], RATE, day(1)).surcharge == D("30.00")  # the first day after counts 1
    assert account(D(1000), D(0), DUE, [], RATE, DUE).surcharge == 0
    assert account(D(1000), D(0), None, [], RATE, day(50)).surcharge == 0  # not served: no due date


def test_partial_payments_fine_then_surcharge_then_confiscation():
    payments = [PaymentIn(day(2), D(700)), PaymentIn(DUE, D(400))]  # given out of order: applied by date
    acc = account(D(1000), D(500), DUE, payments, RATE, day(9))
    # 400 on time -> fine 600 left; days 1 and 2 accrue on 600 (36.00); then 700 = 600 fine + 36 surcharge + 64
    assert (acc.paid_fine, acc.surcharge, acc.paid_surcharge, acc.paid_confiscation) == (
        D("1000.00"), D("36.00"), D("36.00"), D("64.00"))
    assert acc.due == D("436.00") and acc.overpaid == 0 and acc.days_late == 2
    over = account(D(1000), D(500), DUE, [*payments, PaymentIn(day(9), D(500))], RATE, day(9))
    assert over.settled and over.due == 0 and over.overpaid == D("64.00")


def test_surcharge_capped_at_the_fine():
    acc = account(D(1000), D(0), DUE, [PaymentIn(day(100), D(1000))], RATE, day(120))
    assert acc.surcharge == acc.fine == D("1000.00") and acc.days_late == 100 and acc.due == D("1000.00")


def test_no_accrual_inside_an_appeal_period():
    appeal = [(day(3), day(13))]  # lodged on day 3, decided on day 13: days 3..12 do not accrue
    acc = account(D(1000), D(0), DUE, [PaymentIn(day(20), D(1000))], RATE, day(30), appeal)
    assert acc.surcharge == 10 * RATE * 1000  # days 1, 2 and 13..20
    still_open = account(D(1000), D(0), DUE, [], RATE, day(40), [(day(3), None)])
    assert still_open.surcharge == 2 * RATE * 1000


def test_rounded_once():
    # 3 % of 100.05 is 3.0015 a day: four days make 12.006 -> 12.01 (rounding each day would give 12.00)
    assert account(D("100.05"), D(0), DUE, [], RATE, day(4)).surcharge == D("12.01")


def test_bad_money_refused():
    with pytest.raises(PenaltyError) as caught:
        account(D(1000), D(0), DUE, [PaymentIn(DUE, D(0))], RATE, day(1))
    assert caught.value.field == "payments[0].amount"
    with pytest.raises(PenaltyError):
        account(D(1000), D(0), DUE, [], RATE, day(1), [(day(5), day(2))])


cents = st.integers(min_value=0, max_value=10**8).map(lambda n: D(n).scaleb(-2))


@given(
    fine=cents,
    confiscation=cents,
    due_offset=st.one_of(st.none(), st.integers(0, 60)),
    payments=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 10**8)), max_size=6),
    appeals=st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers(0, 100))), max_size=2),
    today_offset=st.integers(0, 250),
)
def test_account_invariants(fine, confiscation, due_offset, payments, appeals, today_offset):
    start = date(2020, 1, 1)
    due_on = None if due_offset is None else start + timedelta(days=due_offset)
    paid_in = [PaymentIn(start + timedelta(days=d), D(c).scaleb(-2)) for d, c in payments]
    periods = [(start + timedelta(days=a), None if n is None else start + timedelta(days=a + n)) for a, n in appeals]
    acc = account(fine, confiscation, due_on, paid_in, RATE, start + timedelta(days=today_offset), periods)
    assert acc.due >= 0 and acc.overpaid >= 0
    assert 0 <= acc.surcharge <= acc.fine
    assert acc.paid + acc.due == acc.fine + acc.surcharge + acc.confiscation
    assert acc.settled == (acc.due == 0)


def test_a_decision_lowers_the_noticed_lines_the_same_way_from_any_face():
    from tracker.domain.penalties import lowered_lines

    noticed = [{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "6000.00"}, {"kind": "closure"}]
    assert lowered_lines(noticed, fine=Decimal("3000.00")) == [
        {"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "3000.00"}, {"kind": "closure"}]
    assert lowered_lines(noticed, fine=Decimal("0"), confiscation=Decimal("100")) == [
        {"kind": "confiscation", "amount": "100"}, {"kind": "closure"}]  # a zero drops the line
    assert lowered_lines(noticed) == noticed

"""Deadlines: working-day counting on the cn calendar, pausable clocks, status, a case's deadline list."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.deadlines import (
    CaseDates, DeadlineStatus, case_deadlines, deadline_status, due_date, max_extension, paused_due,
)

S = DeadlineStatus


def by_name(deadlines):
    """Deadlines keyed by name."""
    return {deadline.name: deadline for deadline in deadlines}


# --------------------------------------------------------------------------------------------- due dates


def test_filing_across_the_2020_spring_festival(cn, cal):
    # Clue on Monday 2020-01-20 (not counted). cn.toml 2020: holidays 01-24 .. 02-02 (the Spring Festival as
    # extended; the 02-01 make-up Saturday lapsed), make-up working day 01-19 (before the start, irrelevant).
    # Working days: 01-21, 01-22, 01-23 (1-3); 01-24 .. 02-02 off; 02-03 .. 02-07 (4-8); 02-10 .. 02-14 (9-13);
    # 02-17 (14), 02-18 (15).
    assert due_date(cn.deadline("filing"), date(2020, 1, 20), cal) == date(2020, 2, 18)
    # with the approved +15 WD: 02-19 .. 02-21 (16-18), 02-24 .. 02-28 (19-23), 03-02 .. 03-06 (24-28), 03-09, 03-10
    assert due_date(cn.deadline("filing"), date(2020, 1, 20), cal, extra=15) == date(2020, 3, 10)


def test_filing_across_national_day_2020(cn, cal):
    # Clue on Friday 2020-09-25. Make-up working days Sunday 09-27 and Saturday 10-10 count; 10-01 .. 10-08 are off.
    # 09-27 (1), 09-28 .. 09-30 (2-4), 10-09 (5), 10-10 (6), 10-12 .. 10-16 (7-11), 10-19 .. 10-22 (12-15).
    filing = cn.deadline("filing")
    assert due_date(filing, date(2020, 9, 25), cal) == date(2020, 10, 22)
    review = cn.deadline("review")  # 10 WD
    assert due_date(review, date(2020, 9, 25), cal) == date(2020, 10, 15)


def test_period_ending_on_a_day_off_rolls_forward(cn, cal):
    payment = cn.deadline("payment")  # 15 calendar days
    assert due_date(payment, date(2020, 9, 16), cal) == date(2020, 10, 9)  # 10-01 is National Day -> Fri 10-09
    assert due_date(payment, date(2020, 1, 9), cal) == date(2020, 2, 3)  # 01-24 Spring Festival -> Mon 02-03
    assert due_date(payment, date(2021, 3, 1), cal) == date(2021, 3, 16)  # a plain Tuesday stays
    assert due_date(payment, date(2021, 3, 6), cal) == date(2021, 3, 22)  # Sunday 03-21 -> Monday


def test_months_and_extension_limits(cn, cal):
    assert due_date(cn.deadline("lawsuit"), date(2020, 3, 31), cal) == date(2020, 9, 30)
    assert max_extension(cn.deadline("filing")) == 15 and max_extension(cn.deadline("decision")) == 30
    assert max_extension(cn.deadline("review")) is None
    with pytest.raises(ValueError):
        due_date(cn.deadline("filing"), date(2020, 3, 2), cal, extra=-1)


# --------------------------------------------------------------------------------------------- status


@pytest.mark.parametrize(("today", "met_on", "hard", "expected"), [
    (date(2020, 3, 2), None, False, S.OPEN),
    (date(2020, 3, 10), None, False, S.OPEN),  # 8 of 10 days: exactly 80 %, not past it
    (date(2020, 3, 11), None, False, S.DUE_SOON),  # 90 %
    (date(2020, 3, 12), None, False, S.DUE_SOON),  # the due day itself
    (date(2020, 3, 13), None, False, S.OVERDUE),
    (date(2020, 3, 13), date(2020, 3, 12), False, S.MET),
    (date(2020, 4, 1), date(2020, 3, 20), False, S.MET),  # met late is still met (the lateness is audited)
    (date(2020, 3, 11), None, True, S.DUE_SOON),
    (date(2020, 3, 13), None, True, S.MET),  # a party's window that passed has lapsed
])
def test_deadline_status(today, met_on, hard, expected):
    assert deadline_status(date(2020, 3, 2), date(2020, 3, 12), today, met_on, hard) == expected


# --------------------------------------------------------------------------------------------- pausable clock


def test_decision_clock_paused_by_suspension_and_hearing(cn, cal):
    filed = date(2020, 3, 2)
    assert paused_due(filed, 90, [], cal) == date(2020, 6, 1)  # 05-31 is a Sunday
    suspension = (date(2020, 3, 10), date(2020, 3, 20))  # 10 days
    assert paused_due(filed, 90, [suspension], cal) == date(2020, 6, 10)  # 05-31 + 10
    hearing = (date(2020, 5, 1), date(2020, 5, 6))  # requested -> held: 5 days
    assert paused_due(filed, 90, [suspension, hearing], cal) == date(2020, 6, 15)
    dates = CaseDates(clue_on=date(2020, 2, 20), filed_on=filed, pauses=(suspension, hearing))
    decision = by_name(case_deadlines(dates, cn, date(2020, 5, 10)))["decision"]
    assert decision.due_on == date(2020, 6, 15) and decision.status == S.OPEN


def test_pause_edges(cal):
    filed = date(2020, 3, 2)
    # suspended before filing: only the days after the start count
    assert paused_due(filed, 90, [(date(2020, 2, 25), date(2020, 3, 5))], cal) == date(2020, 6, 3)
    # a pause after the due date changes nothing
    assert paused_due(filed, 90, [(date(2020, 7, 1), date(2020, 7, 20))], cal) == date(2020, 6, 1)
    # still suspended: counted up to today (5 days), the due date if resumed now
    assert paused_due(filed, 90, [(date(2020, 3, 10), None)], cal, today=date(2020, 3, 15)) == date(2020, 6, 5)
    with pytest.raises(ValueError):
        paused_due(filed, 90, [(date(2020, 3, 10), None)], cal)
    with pytest.raises(ValueError):
        paused_due(filed, 90, [(date(2020, 3, 10), date(2020, 3, 1))], cal)


# --------------------------------------------------------------------------------------------- a case's deadlines


def test_only_started_deadlines_with_filing_met(cn):
    clue = CaseDates(clue_on=date(2020, 1, 20))
    [filing] = case_deadlines(clue, cn, date(2020, 2, 14))  # day 25 of a 29-day span: past 80 %
    assert (filing.name, filing.due_on, filing.status, filing.hard) == ("filing", date(2020, 2, 18), S.DUE_SOON, False)
    assert case_deadlines(clue, cn, date(2020, 1, 30))[0].status == S.OPEN
    assert case_deadlines(clue, cn, date(2020, 2, 19))[0].status == S.OVERDUE
    filed = CaseDates(clue_on=date(2020, 1, 20), filed_on=date(2020, 2, 10))
    deadlines = by_name(case_deadlines(filed, cn, date(2020, 2, 19)))
    assert list(deadlines) == ["filing", "decision"]
    assert deadlines["filing"].status == S.MET and deadlines["filing"].met_on == date(2020, 2, 10)
    declined = CaseDates(clue_on=date(2020, 1, 20), declined_on=date(2020, 2, 20), closable_on=date(2020, 2, 20))
    deadlines = by_name(case_deadlines(declined, cn, date(2020, 2, 21)))
    assert deadlines["filing"].status == S.MET and deadlines["closing"].status == S.OPEN


def test_statement_window_is_hard_and_lapses_to_met(cn):
    dates = CaseDates(clue_on=date(2021, 2, 1), filed_on=date(2021, 2, 3), notice_served_on=date(2021, 3, 1))
    statement = by_name(case_deadlines(dates, cn, date(2021, 3, 3)))["statement"]
    assert statement.hard and statement.due_on == date(2021, 3, 8) and statement.status == S.OPEN
    lapsed = by_name(case_deadlines(dates, cn, date(2021, 3, 9)))["statement"]
    assert lapsed.status == S.MET and lapsed.met_on is None


def test_extensions(cn):
    dates = CaseDates(
        clue_on=date(2020, 1, 20), filed_on=date(2020, 3, 2), extensions={"filing": 15, "decision": 30}
    )
    deadlines = by_name(case_deadlines(dates, cn, date(2020, 3, 3)))
    assert deadlines["filing"].extended and deadlines["filing"].due_on == date(2020, 3, 10)
    assert deadlines["decision"].extended and deadlines["decision"].due_on == date(2020, 6, 30)  # 120 days
    plain = by_name(case_deadlines(CaseDates(clue_on=date(2020, 1, 20)), cn, date(2020, 1, 21)))
    assert not plain["filing"].extended


def test_payment_and_publication_only_when_due(cn):
    base = dict(
        clue_on=date(2020, 2, 3), filed_on=date(2020, 2, 5), proposed_on=date(2020, 3, 2),
        reviewed_on=date(2020, 3, 5), notice_served_on=date(2020, 3, 6), decided_on=date(2020, 3, 20),
        decision_served_on=date(2020, 9, 16),
    )
    warning = by_name(case_deadlines(CaseDates(**base), cn, date(2020, 9, 17)))
    assert list(warning) == ["filing", "review", "statement", "decision", "decision_service"]
    fined = case_deadlines(CaseDates(**base, has_money=True, publishable=True), cn, date(2020, 9, 17))
    assert [d.name for d in fined] == [
        "filing", "review", "statement", "decision", "decision_service", "payment", "publication"]
    payment, publication = fined[-2], fined[-1]
    assert payment.starts_on == date(2020, 9, 16) and payment.due_on == date(2020, 10, 9)
    assert publication.starts_on == date(2020, 9, 16)
    assert publication.due_on == due_date(cn.deadline("publication"), date(2020, 9, 16), cn.calendar)
    settled = by_name(case_deadlines(
        CaseDates(**base, has_money=True, publishable=True,
                  settled_on=date(2020, 9, 30), published_on=date(2020, 9, 17)),
        cn, date(2020, 10, 30)))
    assert settled["payment"].status == S.MET and settled["publication"].status == S.MET
    late = settled["decision_service"]  # served months after the decision: met, late (the service audits that)
    assert late.status == S.MET and late.met_on > late.due_on


def test_a_review_from_an_earlier_round_does_not_meet_a_new_proposal(cn):
    dates = CaseDates(
        clue_on=date(2021, 3, 1), filed_on=date(2021, 3, 2), proposed_on=date(2021, 4, 6), reviewed_on=date(2021, 4, 1)
    )
    review = by_name(case_deadlines(dates, cn, date(2021, 4, 7)))["review"]
    assert review.met_on is None and review.status == S.OPEN


def test_provisional_when_the_span_reaches_2027(cn):
    [filing] = case_deadlines(CaseDates(clue_on=date(2026, 12, 21)), cn, date(2026, 12, 22))
    assert filing.provisional and filing.due_on.year == 2027
    filed = CaseDates(clue_on=date(2026, 11, 10), filed_on=date(2026, 11, 16))
    deadlines = by_name(case_deadlines(filed, cn, date(2026, 11, 17)))
    assert deadlines["decision"].provisional and not deadlines["filing"].provisional
    early = by_name(case_deadlines(CaseDates(clue_on=date(2025, 6, 2)), cn, date(2025, 6, 3)))
    assert not early["filing"].provisional

"""Properties of the working-day calendar and the case deadlines (DOMAIN.md §4), with Hypothesis."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.deadlines import (
    CaseDates, DeadlineStatus, case_deadlines, deadline_status, due_date, paused_due,
)
from tracker.domain.rulebook import DeadlineRule

# 2019-2028: years with a published calendar and provisional years (weekends only) on either side.
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))
spans = st.integers(min_value=0, max_value=120)
deadline_rules = st.builds(
    DeadlineRule, name=st.just("x"), days=st.integers(0, 120),
    unit=st.sampled_from(["working", "calendar", "months"]), from_event=st.just("x"),
)


@given(days, st.integers(1, 60))
def test_adding_working_days_lands_on_a_working_day_after_the_start(cal, start, n):
    """The start day is not counted: the n-th working day after it is later, and a working day."""
    due = cal.add_working_days(start, n)
    assert due > start and cal.is_working_day(due)
    assert cal.working_days_between(start, due) == n  # exactly n working days in (start, due]


@given(days, days, spans, spans)
def test_adding_working_days_is_monotonic(cal, a, b, m, n):
    """A later start or a longer period never gives an earlier day."""
    (a, b), (m, n) = sorted((a, b)), sorted((m, n))
    assert cal.add_working_days(a, m) <= cal.add_working_days(b, m)
    assert cal.add_working_days(a, m) <= cal.add_working_days(a, n)


@given(days, spans, st.integers(0, 72))
def test_calendar_days_and_months_never_end_before_the_start_and_end_on_a_working_day(cal, start, n, months):
    """A period ending on a day off moves to the next working day, never to an earlier one."""
    plain = cal.add_calendar_days(start, n)
    assert plain >= start + timedelta(days=n) and cal.is_working_day(plain)
    assert all(not cal.is_working_day(start + timedelta(days=n + i)) for i in range((plain - start).days - n))
    later = cal.add_months(start, months)
    assert later >= start and cal.is_working_day(later)
    assert cal.add_months(start, months) <= cal.add_months(start, months + 1)


@given(deadline_rules, days, st.integers(0, 60), st.integers(0, 60))
def test_a_due_date_is_never_before_its_start_and_an_extension_never_shortens_it(cal, rule, start, a, b):
    """due >= start; granting more days never moves the due date earlier."""
    a, b = sorted((a, b))
    assert due_date(rule, start, cal) >= start
    assert due_date(rule, start, cal, a) <= due_date(rule, start, cal, b)
    assert cal.is_working_day(due_date(rule, start, cal, a))


@st.composite
def pauses(draw, start: date):
    """Closed pauses (paused_on, resumed_on) from the start on, in any order, possibly overlapping."""
    result = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + timedelta(days=draw(st.integers(0, 150)))
        result.append((begin, begin + timedelta(days=draw(st.integers(0, 40)))))
    return result


@given(st.data(), days, st.integers(0, 120))
def test_a_pause_never_shortens_a_deadline(cal, data, start, length):
    """The 90-day clock stops while suspended: a pause moves the due date later by at most its length."""
    some = data.draw(pauses(start))
    more = some + data.draw(pauses(start))
    plain = paused_due(start, length, [], cal)
    with_some = paused_due(start, length, some, cal)
    with_more = paused_due(start, length, more, cal)
    assert plain <= with_some <= with_more
    stopped = sum((resumed - paused).days for paused, resumed in some)
    assert with_some <= cal.next_working_day(start + timedelta(days=length + stopped))
    assert plain == cal.add_calendar_days(start, length)


@given(days, st.integers(0, 60), st.integers(0, 200), st.integers(0, 200), st.booleans())
def test_status_only_moves_forward_as_days_pass(start, length, first, second, hard):
    """open -> due soon -> overdue (or, for a party's window, lapsed) as today advances; never backwards."""
    due = start + timedelta(days=length)
    order = [DeadlineStatus.OPEN, DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE, DeadlineStatus.MET]
    early, late = sorted((first, second))
    s1 = deadline_status(start, due, start + timedelta(days=early), hard=hard)
    s2 = deadline_status(start, due, start + timedelta(days=late), hard=hard)
    assert order.index(s1) <= order.index(s2)
    if late > length:
        assert s2 is (DeadlineStatus.MET if hard else DeadlineStatus.OVERDUE)


@st.composite
def case_dates(draw):
    """The dates of a case's steps, in workflow order, each some days after the one before."""
    clue = draw(st.dates(min_value=date(2019, 6, 1), max_value=date(2027, 6, 1)))
    steps = ["filed_on", "proposed_on", "reviewed_on", "notice_served_on", "decided_on", "decision_served_on",
             "settled_on", "closable_on", "closed_on", "published_on"]
    reached = draw(st.integers(0, len(steps)))
    values, d = {}, clue
    for name in steps[:reached]:
        d += timedelta(days=draw(st.integers(0, 40)))
        values[name] = d
    extensions = draw(st.dictionaries(st.sampled_from(["filing", "decision"]), st.integers(0, 30)))
    pause_list = []
    if "filed_on" in values:
        pause_list = [(p, r) for p, r in draw(pauses(values["filed_on"]))]
    return CaseDates(clue_on=clue, pauses=tuple(pause_list), extensions=extensions,
                     publishable=draw(st.booleans()), has_money=draw(st.booleans()), **values)


@given(case_dates(), st.integers(0, 400))
def test_case_deadlines_are_never_due_before_they_start(cn, dates, offset):
    """Every deadline is due on or after its start, on a working day; met exactly when its step happened."""
    today = dates.clue_on + timedelta(days=offset)
    for deadline in case_deadlines(dates, cn, today):
        assert deadline.due_on >= deadline.starts_on
        assert cn.calendar.is_working_day(deadline.due_on)
        assert (deadline.status is DeadlineStatus.MET) == (deadline.met_on is not None or (
            deadline.hard and today > deadline.due_on))
        assert deadline.extended == (dates.extensions.get(deadline.name, 0) > 0)


@given(case_dates(), st.integers(0, 400), st.integers(1, 30))
def test_an_extension_never_shortens_a_case_deadline(cn, dates, offset, extra):
    """Granting extra days on the filing or decision deadline never moves any due date earlier."""
    today = dates.clue_on + timedelta(days=offset)
    before = {d.name: d.due_on for d in case_deadlines(dates, cn, today)}
    longer = {name: dates.extensions.get(name, 0) + extra for name in ("filing", "decision")}
    after = {d.name: d.due_on for d in case_deadlines(
        CaseDates(**{**dates.__dict__, "extensions": longer}), cn, today)}
    assert before.keys() == after.keys()
    assert all(after[name] >= before[name] for name in before)

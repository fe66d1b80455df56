"""Complaints and reports (DOMAIN.md §11): number, tracking code, who may act from which status, deadlines,
duplicates and the price check on arrival."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tracker.domain import complaints as cp
from tracker.domain.complaints import ComplaintAction as A, ComplaintStatus as S
from tracker.domain.deadlines import DeadlineStatus
from tracker.domain.rulebook import RulebookError, load_rulebook


def test_rulebooks_carry_the_time_limits_of_section_11(cn, us):
    for rulebook in (cn, us):
        rules = rulebook.complaints
        assert {name: (r.days, r.unit) for name, r in rules.deadlines.items()} == {
            "triage_complaint": (7, "working"), "triage_report": (15, "working"), "mediation": (45, "working"),
            "reply": (5, "working"), "transfer": (3, "working"),
        }
        assert rules.duplicate_window_days == 30 and rules.recent_prices_days == 30
        assert rules.priority_threshold == Decimal("0.50") and rules.intake_limit == "20 per hour"


@pytest.mark.parametrize("bad, message", [
    ('intake_limit = "twenty"', "intake_limit"),
    ('priority_threshold = 0.5', "TOML float"),
    ('duplicate_window_days = 0', "at least 1"),
])
def test_a_broken_complaints_table_is_refused(cn, tmp_path, bad, message):
    text = cn.source.read_text(encoding="utf-8")
    key = bad.split(" = ")[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} ")]
    index = lines.index("[complaints]")
    lines.insert(index + 1, bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "calendars").symlink_to(cn.source.parent / "calendars")
    with pytest.raises(RulebookError, match=message):
        load_rulebook(broken)


def test_number_and_tracking_code():
    assert cp.complaint_number("CG", 2020, 12) == "CG-C-2020-0012"
    assert cp.complaint_number("CG", 2020, 12345) == "CG-C-2020-12345"
    assert cp.NUMBER_PATTERN.match("CG-C-2020-0012")
    codes = {cp.new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) >= 10 and set(code) <= set(cp.TRACKING_ALPHABET)
        assert not set(code) & set("01OIL")
    code = next(iter(codes))
    spaced = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert cp.normalise_tracking_code(spaced) == code
    assert cp.normalise_tracking_code("short") is None and cp.normalise_tracking_code("0" * 12) is None
    assert cp.tracking_hash(code) != code and len(cp.tracking_hash(code)) == 64


@given(st.text(max_size=80))
def test_any_typed_code_normalises_or_is_refused(raw):
    code = cp.normalise_tracking_code(raw)
    assert code is None or (set(code) <= set(cp.TRACKING_ALPHABET) and len(code) >= cp.TRACKING_LENGTH)


def test_who_may_act_from_which_status():
    assert cp.check_action(A.ACCEPT, S.RECEIVED, "supervisor", True) == S.ACCEPTED
    assert cp.check_action(A.ACCEPT, S.TRANSFERRED, "supervisor", True, "CG") == S.ACCEPTED
    assert cp.check_action(A.REPLY, S.ACCEPTED, "officer", True) == S.ACCEPTED
    assert cp.check_action(A.CLOSE, S.ACCEPTED, "supervisor", True) == S.CLOSED
    with pytest.raises(cp.ComplaintRefused) as refused:
        cp.check_action(A.ACCEPT, S.RECEIVED, "officer", True)
    assert refused.value.kind == "role"
    with pytest.raises(cp.ComplaintRefused) as refused:
        cp.check_action(A.ACCEPT, S.RECEIVED, "supervisor", False)
    assert refused.value.kind == "role"
    for role in ("auditor", "admin"):
        with pytest.raises(cp.ComplaintRefused):
            cp.check_action(A.REPLY, S.RECEIVED, role, True)
    with pytest.raises(cp.ComplaintRefused) as refused:
        cp.check_action(A.CLOSE, S.RECEIVED, "supervisor", True)
    assert refused.value.kind == "state"
    with pytest.raises(cp.ComplaintRefused):
        cp.check_action(A.REPLY, S.MERGED, "supervisor", True)
    with pytest.raises(cp.ComplaintRefused):  # passed to another agency: only replies remain
        cp.check_action(A.ACCEPT, S.TRANSFERRED, "supervisor", True, cp.AGENCY)
    assert cp.check_action(A.REPLY, S.TRANSFERRED, "officer", True, cp.AGENCY) == S.TRANSFERRED


@given(st.sampled_from(list(A)), st.sampled_from(list(S)), st.sampled_from(["officer", "supervisor", "auditor"]),
       st.booleans())
def test_the_action_table_is_total(action, status, role, in_unit):
    try:
        target = cp.check_action(action, status, role, in_unit)
    except cp.ComplaintRefused as refused:
        assert refused.kind in ("role", "state")
        return
    assert in_unit and role in ("officer", "supervisor") and status in cp.ALLOWED_FROM[action]
    assert target == (cp.TARGET[action] or status)


def test_triage_deadlines_count_working_days(cn):
    rules = cn.complaints
    # Received Friday 2020-01-10: 7 WD -> Monday 2020-01-20 (Sunday 19 January 2020 was a working day); 15 WD
    # runs past the extended Spring Festival holiday (to 2 February).
    complaint = cp.ComplaintDates(kind="complaint", received_on=date(2020, 1, 10))
    [triage] = cp.complaint_deadlines(complaint, rules, cn, today=date(2020, 1, 13))
    assert (triage.name, triage.due_on, triage.status) == ("triage", date(2020, 1, 20), DeadlineStatus.OPEN)
    [triage] = cp.complaint_deadlines(complaint, rules, cn, today=date(2020, 1, 19))
    assert triage.status == DeadlineStatus.DUE_SOON
    [triage] = cp.complaint_deadlines(complaint, rules, cn, today=date(2020, 1, 21))
    assert triage.status == DeadlineStatus.OVERDUE
    report = cp.ComplaintDates(kind="report", received_on=date(2020, 1, 10))
    [triage] = cp.complaint_deadlines(report, rules, cn, today=date(2020, 1, 13))
    assert triage.due_on == cn.calendar.add_working_days(date(2020, 1, 10), 15)
    assert triage.due_on > date(2020, 2, 2)


def test_mediation_and_reply_deadlines(cn):
    rules = cn.complaints
    accepted = cp.ComplaintDates(kind="complaint", received_on=date(2021, 3, 1), triaged_on=date(2021, 3, 2),
                                 accepted_on=date(2021, 3, 2))
    names = {d.name: d for d in cp.complaint_deadlines(accepted, rules, cn, today=date(2021, 3, 3))}
    assert names["triage"].status == DeadlineStatus.MET and names["triage"].met_on == date(2021, 3, 2)
    assert names["mediation"].due_on == cn.calendar.add_working_days(date(2021, 3, 2), 45)
    assert "reply" not in names
    declined = cp.ComplaintDates(kind="report", received_on=date(2021, 3, 1), triaged_on=date(2021, 3, 3),
                                 declined_on=date(2021, 3, 3), replies=(date(2021, 3, 2), date(2021, 3, 5)))
    names = {d.name: d for d in cp.complaint_deadlines(declined, rules, cn, today=date(2021, 3, 20))}
    assert set(names) == {"triage", "reply"}
    assert names["reply"].due_on == date(2021, 3, 10) and names["reply"].met_on == date(2021, 3, 5)
    decided = cp.ComplaintDates(kind="report", received_on=date(2021, 3, 1), triaged_on=date(2021, 3, 2),
                                accepted_on=date(2021, 3, 2), decided_on=date(2021, 3, 8))
    names = {d.name: d for d in cp.complaint_deadlines(decided, rules, cn, today=date(2021, 3, 20))}
    assert names["reply"].status == DeadlineStatus.OVERDUE and "mediation" not in names


def test_late_steps_need_a_reason(cn):
    rules = cn.complaints
    dates = cp.ComplaintDates(kind="complaint", received_on=date(2021, 3, 1))
    assert cp.late_step(A.ACCEPT, date(2021, 3, 10), dates, rules, cn) is None
    assert "2021-03-10" in str(cp.late_step(A.ACCEPT, date(2021, 3, 11), dates, rules, cn))
    assert cp.late_step(A.TRANSFER, date(2021, 3, 4), dates, rules, cn) is None
    assert cp.late_step(A.TRANSFER, date(2021, 3, 5), dates, rules, cn) is not None
    assert cp.late_step(A.REPLY, date(2022, 1, 1), dates, rules, cn) is None
    moved = cp.ComplaintDates(kind="complaint", received_on=date(2021, 3, 1), triage_from=date(2021, 3, 15))
    assert cp.late_step(A.ACCEPT, date(2021, 3, 20), moved, rules, cn) is None  # restarted in the receiving unit


def test_possible_duplicates():
    day = date(2020, 1, 20)
    earlier = [
        cp.Place(1, day - timedelta(days=30), premises_id=7),
        cp.Place(2, day - timedelta(days=31), premises_id=7),  # outside the window
        cp.Place(3, day - timedelta(days=3), premises_id=7, status=S.DECLINED),  # no longer open
        cp.Place(4, day - timedelta(days=2), premises_id=8),
        cp.Place(5, day - timedelta(days=1), address=cp.normalise_address("12 Dianchi Road"), town="CG"),
        cp.Place(6, day, premises_id=7, status=S.TRANSFERRED),
        cp.Place(9, day + timedelta(days=1), premises_id=7),  # later: not earlier than the new one
    ]
    assert cp.possible_duplicates(cp.Place(None, day, premises_id=7), earlier, 30) == [1, 6]
    assert cp.possible_duplicates(cp.Place(8, day, premises_id=7), earlier, 30) == [1, 6]
    assert cp.possible_duplicates(cp.Place(5, day, premises_id=7), earlier, 30) == [1]
    free = cp.Place(None, day, address=cp.normalise_address(" 12, dianchi  ROAD "), town="CG")
    assert cp.possible_duplicates(free, earlier, 30) == [5]
    other_town = cp.Place(None, day, address=cp.normalise_address("12 Dianchi Road"), town="KM")
    assert cp.possible_duplicates(other_town, earlier, 30) == []


@given(st.lists(st.decimals(min_value=0, max_value=10000, places=2), min_size=1, max_size=30))
def test_median_lies_between_and_has_two_places(values):
    result = cp.median(values)
    assert min(values) <= result <= max(values)
    assert result == result.quantize(Decimal("0.01"))


def test_median_of_an_even_count_is_the_mean_of_the_middle_two_rounded():
    assert cp.median([Decimal("2.50"), Decimal("3.00"), Decimal("1.00")]) == Decimal("2.50")
    assert cp.median([Decimal("2.50"), Decimal("3.01"), Decimal("1.00"), Decimal("9")]) == Decimal("2.76")
    assert cp.median([]) is None


def check(cn, price, **kwargs):
    base = dict(own_baseline=None, baseline_prices=[], recent_prices=[])
    base.update(kwargs)
    return cp.price_check(Decimal(price), "N95 mask", date(2020, 1, 19), rules=cn.complaints, currency="CNY",
                          place="the county", **base)


def test_price_check_states_the_figures_and_sets_the_priority(cn):
    result = check(cn, "18.00", recent_prices=[Decimal("2.50"), Decimal("3.00"), Decimal("2.00"), Decimal("4")])
    assert result.priority == "high" and result.basis == "recent_median"
    assert result.recent_median == Decimal("2.75")
    assert str(result.reasons[0]).startswith(
        "CN¥18.00 for N95 mask is 6.5 times the county's median of CN¥2.75 on 2020-01-19 (prices recorded in the 30 days up to that day: 4).")
    # The premises' own baseline comes first, whatever the medians say.
    result = check(cn, "3.00", own_baseline=(Decimal("2.00"), date(2020, 1, 1)), baseline_prices=[Decimal("1")],
                   recent_prices=[Decimal("1")])
    assert result.priority == "normal" and result.basis == "own_baseline"  # 3.00 is exactly 150 %: not more
    assert len(result.reasons) == 3
    result = check(cn, "3.01", own_baseline=(Decimal("2.00"), date(2020, 1, 1)))
    assert result.priority == "high"
    result = check(cn, "9.00", baseline_prices=[Decimal("8"), Decimal("2")], recent_prices=[Decimal("1")])
    assert result.basis == "baseline_median" and result.baseline_median == Decimal("5.00")
    assert result.priority == "high"
    nothing = check(cn, "99")
    assert nothing.priority == "normal" and "No recorded price" in str(nothing.reasons[0])
    assert cp.price_check(None, None, None, own_baseline=None, baseline_prices=[], recent_prices=[],
                          rules=cn.complaints, currency="CNY", place="x").reasons == ()
    zero = check(cn, "1", own_baseline=(Decimal("0"), date(2020, 1, 1)))
    assert zero.priority == "high" and "above" in str(zero.reasons[0])


places = st.builds(
    cp.Place,
    id=st.integers(min_value=1, max_value=40),
    received_on=st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 4, 30)),
    premises_id=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
    address=st.sampled_from(["", "12dianchiroad", "3marketlane"]),
    town=st.sampled_from(["CG", "XZ"]),
    status=st.sampled_from(list(S)),
)


@given(places, st.lists(places, max_size=25, unique_by=lambda p: p.id))
def test_duplicates_are_earlier_open_and_the_same_place(new, others):
    found = cp.possible_duplicates(new, others, 30)
    by_id = {p.id: p for p in others}
    assert len(found) == len(set(found))
    assert found == sorted(found, key=lambda i: (by_id[i].received_on, i))
    for other_id in found:
        other = by_id[other_id]
        assert other.id != new.id and other.status in cp.OPEN_STATUSES and cp.same_place(new, other)
        assert timedelta(0) <= new.received_on - other.received_on <= timedelta(days=30)
    for other in others:  # and nothing that qualifies is missed
        if (other.id not in found and other.id != new.id and other.status in cp.OPEN_STATUSES
                and cp.same_place(new, other) and timedelta(0) < new.received_on - other.received_on <= timedelta(30)):
            raise AssertionError(f"missed {other}")

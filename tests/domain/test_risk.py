"""Risk score and repeat offenders (docs/PLANNING.md), against hand computations; no app, no database."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.risk import (
    RiskFacts, RiskPartKind, add_months, is_repeat_offender, month_cutoffs, months_since, score, window_start,
)
from tracker.domain.rulebook import RiskRule

TODAY = date(2020, 12, 31)
RULE = RiskRule(
    window_months=12, repeat_offender_violations=2, points_per_violation=10, points_per_flagged_observation=3,
    points_per_month_uninspected=1, max_months_uninspected=24, never_inspected_points=24,
)


def test_the_rulebook_weights_are_the_documented_ones(cn):
    assert cn.risk == RULE


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2020, 12, 31), -12, date(2019, 12, 31)),
        (date(2020, 3, 31), -1, date(2020, 2, 29)),  # clamped to the end of a leap February
        (date(2021, 3, 31), -1, date(2021, 2, 28)),
        (date(2020, 1, 15), -1, date(2019, 12, 15)),
        (date(2020, 11, 30), 3, date(2021, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_window_is_the_last_twelve_months_inclusive():
    assert window_start(TODAY, 12) == date(2020, 1, 1)
    assert window_start(date(2020, 6, 15), 1) == date(2020, 5, 16)


@pytest.mark.parametrize(
    "last, expected",
    [
        (date(2020, 12, 31), 0),
        (date(2020, 12, 1), 0),
        (date(2020, 11, 30), 1),  # exactly one month before
        (date(2020, 7, 31), 5),
        (date(2020, 8, 1), 4),
        (date(2019, 1, 1), 23),
        (date(2018, 12, 31), 24),
        (date(2010, 1, 1), 24),  # capped
        (date(2021, 1, 5), 0),  # after today: nothing
    ],
)
def test_months_since(last, expected):
    assert months_since(last, TODAY, 24) == expected


def test_month_cutoffs_run_backwards_month_by_month():
    assert month_cutoffs(TODAY, 3) == (date(2020, 11, 30), date(2020, 10, 31), date(2020, 9, 30))


def test_score_of_the_brief_example():
    """2 violations: 20; 3 flagged observations: 9; last inspected 5 months ago: 5."""
    result = score(RiskFacts(violations=2, flagged_observations=3, last_inspected_on=date(2020, 7, 20)), RULE, TODAY)
    assert result.total == 34
    assert [(p.kind, p.count, p.points) for p in result.parts] == [
        (RiskPartKind.VIOLATIONS, 2, 20),
        (RiskPartKind.FLAGGED_OBSERVATIONS, 3, 9),
        (RiskPartKind.MONTHS_UNINSPECTED, 5, 5),
    ]
    assert result.repeat_offender is True
    assert result.window_months == 12


def test_never_inspected_counts_the_fixed_points():
    result = score(RiskFacts(0, 0, None), RULE, TODAY)
    assert result.total == 24
    assert result.parts[-1].kind is RiskPartKind.NEVER_INSPECTED
    assert result.repeat_offender is False


def test_weights_come_from_the_rule():
    rule = RiskRule(6, 3, 7, 2, 5, 4, 100)
    result = score(RiskFacts(2, 4, date(2019, 1, 1)), rule, TODAY)
    assert result.total == 2 * 7 + 4 * 2 + 4 * 5  # months capped at 4
    assert result.repeat_offender is False  # 2 < 3
    assert score(RiskFacts(0, 0, None), rule, TODAY).total == 100


def test_repeat_offender_threshold():
    assert not is_repeat_offender(1, RULE)
    assert is_repeat_offender(2, RULE)
    assert is_repeat_offender(5, RULE)


@given(st.dates(date(2015, 1, 1), date(2021, 6, 30)), st.dates(date(2018, 1, 1), date(2022, 12, 31)))
def test_months_since_agrees_with_calendar_arithmetic(last, today):
    """k whole months have passed exactly when last <= today − k months."""
    months = months_since(last, today, 60)
    if months < 60:
        assert last > add_months(today, -(months + 1))
    if months > 0:
        assert last <= add_months(today, -months)

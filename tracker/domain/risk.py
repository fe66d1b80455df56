"""Risk ranking for inspection planning: a transparent score per premises, and repeat offenders.

Pure: plain values in, plain values out; ``today`` is always a parameter. The database computes the
same score in SQL to rank thousands of premises (``tracker.services.risk``); this module defines the
rule, explains each score in parts, and gives the services the dates (window start, month cut-offs)
they compare against, so the SQL and the explanation cannot drift apart.

score = violations in the window × points_per_violation
      + flagged observations in the window × points_per_flagged_observation
      + whole months since the last inspection (at most max_months_uninspected) × points_per_month_uninspected,
        or never_inspected_points for a premises never inspected.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from tracker.domain.rulebook import RiskRule


class RiskPartKind(str, Enum):
    VIOLATIONS = "violations"
    FLAGGED_OBSERVATIONS = "flagged_observations"
    MONTHS_UNINSPECTED = "months_uninspected"
    NEVER_INSPECTED = "never_inspected"


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What is known about one premises: counts within the window and the last inspection date."""

    violations: int
    flagged_observations: int
    last_inspected_on: date | None


@dataclass(frozen=True, slots=True)
class RiskPart:
    """One term of a score: what was counted, how many, and the points it gives."""

    kind: RiskPartKind
    count: int
    points: int


@dataclass(frozen=True, slots=True)
class RiskScore:
    total: int
    parts: tuple[RiskPart, ...]
    repeat_offender: bool
    window_months: int


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative goes back), clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start(today: date, window_months: int) -> date:
    """The first day counted in the window: the day after ``today`` minus ``window_months`` months.

    With a 12-month window and today 2020-12-31 the window runs from 2020-01-01 to 2020-12-31."""
    return add_months(today, -window_months) + timedelta(days=1)


def month_cutoffs(today: date, max_months: int) -> tuple[date, ...]:
    """Cut-off dates: a premises last inspected on or before the k-th (1-based) is at least k months
    uninspected. ``cutoffs[k - 1] = today − k months``."""
    return tuple(add_months(today, -k) for k in range(1, max_months + 1))


def months_since(last: date, today: date, max_months: int) -> int:
    """Whole months from ``last`` to ``today``, at most ``max_months`` (0 when ``last`` is later)."""
    return sum(1 for cutoff in month_cutoffs(today, max_months) if last <= cutoff)


def is_repeat_offender(violations: int, rule: RiskRule) -> bool:
    """Repeat offender: at least ``repeat_offender_violations`` violations within the window."""
    return violations >= rule.repeat_offender_violations


def score(facts: RiskFacts, rule: RiskRule, today: date) -> RiskScore:
    """The score of one premises, with the parts that make it up (every part, even at 0 points)."""
    parts = [
        RiskPart(RiskPartKind.VIOLATIONS, facts.violations, facts.violations * rule.points_per_violation),
        RiskPart(
            RiskPartKind.FLAGGED_OBSERVATIONS,
            facts.flagged_observations,
            facts.flagged_observations * rule.points_per_flagged_observation,
        ),
    ]
    if facts.last_inspected_on is None:
        parts.append(RiskPart(RiskPartKind.NEVER_INSPECTED, 0, rule.never_inspected_points))
    else:
        months = months_since(facts.last_inspected_on, today, rule.max_months_uninspected)
        parts.append(RiskPart(RiskPartKind.MONTHS_UNINSPECTED, months, months * rule.points_per_month_uninspected))
    return RiskScore(
        total=sum(part.points for part in parts),
        parts=tuple(parts),
        repeat_offender=is_repeat_offender(facts.violations, rule),
        window_months=rule.window_months,
    )

"""When a declared price emergency is in force: one rule (tracker.domain.emergencies), used by the gouging
tests, the inspection service and the new-inspection form alike."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.emergencies import in_force

STARTS, ENDS = date(2020, 1, 24), date(2020, 4, 30)


@pytest.mark.parametrize("on, expected", [
    (date(2020, 1, 23), False),  # not yet started
    (STARTS, True),
    (date(2020, 2, 5), True),
    (ENDS, True),
    (date(2020, 5, 1), False),  # over
])
def test_in_force_from_its_first_day_to_its_last(on, expected):
    assert in_force(STARTS, ENDS, on) is expected


def test_without_an_end_date_it_stays_in_force_but_never_before_it_starts():
    assert in_force(STARTS, None, date(2031, 1, 1)) is True
    assert in_force(STARTS, None, date(2020, 1, 23)) is False

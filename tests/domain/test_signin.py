"""The temporary lockout rule, without an app or a database."""
from datetime import datetime, timedelta, timezone

from tracker.domain.signin import SignInReason, locked_until

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
WINDOW = DURATION = timedelta(minutes=15)


def attempts(*spec):
    """(minutes after T0, succeeded) pairs, given oldest first, returned newest first."""
    return [(T0 + timedelta(minutes=m), ok) for m, ok in reversed(spec)]


def test_five_failures_within_the_window_lock_for_the_duration_from_the_last():
    recent = attempts((0, False), (1, False), (2, False), (3, False), (4, False))
    assert locked_until(recent, 5, WINDOW, DURATION) == T0 + timedelta(minutes=19)


def test_four_failures_do_not_lock():
    assert locked_until(attempts((0, False), (1, False), (2, False), (3, False)), 5, WINDOW, DURATION) is None


def test_failures_spread_wider_than_the_window_do_not_lock():
    recent = attempts((0, False), (5, False), (10, False), (15, False), (16, False))
    assert locked_until(recent, 5, WINDOW, DURATION) is None
    assert locked_until(attempts((0, False), (5, False), (10, False), (14, False), (15, False)), 5, WINDOW,
                        DURATION) == T0 + timedelta(minutes=30)


def test_a_success_between_failures_resets_the_count():
    recent = attempts((0, False), (1, False), (2, True), (3, False), (4, False), (5, False))
    assert locked_until(recent, 5, WINDOW, DURATION) is None
    assert locked_until(recent, 3, WINDOW, DURATION) == T0 + timedelta(minutes=20)


def test_a_threshold_of_zero_turns_the_lockout_off():
    assert locked_until(attempts((0, False)), 0, WINDOW, DURATION) is None


def test_only_real_failures_count_towards_a_lockout():
    assert {r for r in SignInReason if r.counts_towards_lockout} == {
        SignInReason.UNKNOWN_USER, SignInReason.WRONG_PASSWORD, SignInReason.INACTIVE}

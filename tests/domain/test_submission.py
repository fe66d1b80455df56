"""What submitting an inspection takes (tracker.domain.submission): the outcome's rules, and what a draft still
lacks, listed from the same rules."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from tracker.domain.submission import SubmissionFacts, missing_for_submission, submission_refusal
from tracker.domain.vocabulary import InspectionOutcome as Outcome

DAY = date(2020, 2, 5)
CLEAN = SubmissionFacts(is_draft=True, inspected_on=DAY, violations=0)
FOUND = SubmissionFacts(is_draft=True, inspected_on=DAY, violations=2)


@pytest.mark.parametrize("facts, outcome, reinspect_on, field, message", [
    (CLEAN, Outcome.CORRECTED, None, "reinspect_on", "A correction order needs a re-inspection date."),
    (FOUND, Outcome.CORRECTED, DAY - timedelta(days=1), "reinspect_on",
     "The re-inspection cannot come before the inspection."),
    (CLEAN, Outcome.NO_ACTION, DAY, "reinspect_on", "Only a correction order takes a re-inspection date."),
    (FOUND, Outcome.REFERRED, DAY, "reinspect_on", "Only a correction order takes a re-inspection date."),
    (CLEAN, Outcome.REFERRED, None, "outcome", "Record at least one violation before referring the inspection."),
    (FOUND, Outcome.NO_ACTION, None, "outcome", "An inspection with violations cannot end with no action."),
])
def test_a_refused_submission_names_its_field_and_says_why(facts, outcome, reinspect_on, field, message):
    refusal = submission_refusal(facts, outcome, reinspect_on)
    assert refusal is not None
    assert (refusal.field, str(refusal.message), refusal.outcome) == (field, message, outcome)


@pytest.mark.parametrize("facts, outcome, reinspect_on", [
    (CLEAN, Outcome.NO_ACTION, None),
    (CLEAN, Outcome.CORRECTED, DAY),  # re-inspecting the same day is allowed
    (FOUND, Outcome.CORRECTED, DAY + timedelta(days=14)),
    (FOUND, Outcome.REFERRED, None),
])
def test_an_allowed_submission_is_not_refused(facts, outcome, reinspect_on):
    assert submission_refusal(facts, outcome, reinspect_on) is None


def test_a_clean_draft_misses_its_outcome_and_cannot_yet_be_referred_or_corrected_without_a_date():
    gaps = missing_for_submission(CLEAN)
    assert [(gap.outcome, gap.field) for gap in gaps] == [
        (None, "outcome"), (Outcome.CORRECTED, "reinspect_on"), (Outcome.REFERRED, "outcome"),
    ]
    assert str(gaps[0].message) == "The outcome: no action, corrected or referred, chosen below."
    assert str(gaps[2].message) == "Record at least one violation before referring the inspection."


def test_a_draft_with_violations_cannot_end_with_no_action():
    gaps = missing_for_submission(FOUND)
    assert [(gap.outcome, str(gap.message)) for gap in gaps[1:]] == [
        (Outcome.NO_ACTION, "An inspection with violations cannot end with no action."),
        (Outcome.CORRECTED, "A correction order needs a re-inspection date."),
    ]


def test_a_submitted_inspection_misses_nothing():
    assert missing_for_submission(SubmissionFacts(is_draft=False, inspected_on=DAY, violations=0)) == ()


@given(violations=st.integers(min_value=0, max_value=50), shift=st.integers(min_value=-400, max_value=400))
def test_the_list_is_exactly_the_refusals_of_each_outcome_as_the_draft_stands(violations, shift):
    """Every outcome the list does not name is one the submission accepts (a correction given a date on or after
    the inspection's day), and every outcome it names is refused: the list and the check cannot drift apart."""
    facts = SubmissionFacts(is_draft=True, inspected_on=DAY + timedelta(days=shift), violations=violations)
    named = {gap.outcome for gap in missing_for_submission(facts)} - {None}
    for outcome in Outcome:
        refused = submission_refusal(facts, outcome) is not None
        assert (outcome in named) is refused
    assert submission_refusal(facts, Outcome.CORRECTED, facts.inspected_on) is None
    assert (Outcome.REFERRED in named) is (violations == 0)
    assert (Outcome.NO_ACTION in named) is (violations > 0)

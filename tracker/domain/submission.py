"""What submitting an inspection takes, said once: the outcome's rules (the inspection service refuses a submission
with them) and, for a draft, what is still missing before each outcome can be chosen (the inspection page lists
it above the submit button, from the same rules)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.domain.text import N_, Text
from tracker.domain.vocabulary import InspectionOutcome


@dataclass(frozen=True, slots=True)
class SubmissionFacts:
    """What the rules read of an inspection: its status, its day (in its unit's time zone), its violations."""

    is_draft: bool
    inspected_on: date
    violations: int


@dataclass(frozen=True, slots=True)
class Gap:
    """One thing a submission lacks or breaks: the form field it is about, the outcome it concerns (None: any)."""

    field: str
    message: Text
    outcome: InspectionOutcome | None = None


def submission_refusal(
    facts: SubmissionFacts, outcome: InspectionOutcome, reinspect_on: date | None = None
) -> Gap | None:
    """Why submitting with ``outcome`` (and ``reinspect_on``) is refused, or None when it may be submitted.

    A correction order needs a re-inspection date on or after the inspection's day, and only a correction order
    takes one; a referral needs at least one violation; an inspection with violations cannot end with no action.
    (Whether the inspection is still a draft is the service's check: a submitted one is read-only.)"""
    if outcome is InspectionOutcome.CORRECTED:
        if reinspect_on is None:
            return Gap("reinspect_on", Text(N_("A correction order needs a re-inspection date.")), outcome)
        if reinspect_on < facts.inspected_on:
            return Gap("reinspect_on", Text(N_("The re-inspection cannot come before the inspection.")), outcome)
    elif reinspect_on is not None:
        return Gap("reinspect_on", Text(N_("Only a correction order takes a re-inspection date.")), outcome)
    if outcome is InspectionOutcome.REFERRED and not facts.violations:
        return Gap("outcome", Text(N_("Record at least one violation before referring the inspection.")), outcome)
    if outcome is InspectionOutcome.NO_ACTION and facts.violations:
        return Gap("outcome", Text(N_("An inspection with violations cannot end with no action.")), outcome)
    return None


def missing_for_submission(facts: SubmissionFacts) -> tuple[Gap, ...]:
    """What a draft still lacks: its outcome (chosen when submitting), then, for each outcome the submission
    would refuse as the draft stands now (no re-inspection date given yet), the reason. Nothing once submitted."""
    if not facts.is_draft:
        return ()
    gaps = [Gap("outcome", Text(N_("The outcome: no action, corrected or referred, chosen below.")))]
    for outcome in InspectionOutcome:
        refusal = submission_refusal(facts, outcome)
        if refusal is not None:
            gaps.append(refusal)
    return tuple(gaps)

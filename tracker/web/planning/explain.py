"""Risk scores in words: each part of a score as a translated sentence ("2 violations in 12 months: 20")."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.domain.risk import RiskPart, RiskPartKind, RiskScore


def explain_part(part: RiskPart, window_months: int, max_months: int) -> str:
    """One part of a score in words, ending with its points."""
    if part.kind is RiskPartKind.VIOLATIONS:
        return ngettext(
            "%(num)d violation in %(months)d months: %(points)d",
            "%(num)d violations in %(months)d months: %(points)d",
            part.count, months=window_months, points=part.points,
        )
    if part.kind is RiskPartKind.FLAGGED_OBSERVATIONS:
        return ngettext(
            "%(num)d flagged observation: %(points)d",
            "%(num)d flagged observations: %(points)d",
            part.count, points=part.points,
        )
    if part.kind is RiskPartKind.NEVER_INSPECTED:
        return _("never inspected: %(points)d", points=part.points)
    if part.count == 0:
        return _("last inspected less than a month ago: %(points)d", points=part.points)
    if part.count >= max_months:
        return _("last inspected %(num)d or more months ago: %(points)d", num=part.count, points=part.points)
    return ngettext(
        "last inspected %(num)d month ago: %(points)d",
        "last inspected %(num)d months ago: %(points)d",
        part.count, points=part.points,
    )


def explain(score: RiskScore, max_months: int) -> list[str]:
    """Every part of ``score`` in words."""
    return [explain_part(part, score.window_months, max_months) for part in score.parts]

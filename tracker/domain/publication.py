"""The public register of enforcement outcomes (DOMAIN.md §8): what is published, for how long, and
how a natural person's personal data is masked. Pure: plain values in, plain values out; ``today``
is always a parameter.

Rules:
- a decision is published when it is served, unless it is a warning alone;
- it is withdrawn when annulled on appeal (``withdrawn_on``); a decision varied on appeal stays in
  the register with its varied penalty (a variation down to a warning alone leaves the register);
- a *minor* decision (fines only, totalling at most the rulebook's limit for the operator type) is
  shown for ``minor_months`` months, any other for ``years`` years, counted from publication;
- personal data is masked by the rulebook's redaction profile: inside every published text, the
  profile's patterns (ID numbers, phones, bank accounts) are replaced by the mask; for a natural
  person, the name is reduced to its first character, and the credit code and address (a home)
  are withheld. A phone number is never published, whoever the operator is.
"""
from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.penalties import Penalty
from tracker.domain.rulebook import Publication, Redaction

INDIVIDUAL = "individual"
# Words of a person's name shorter than this are not masked on their own inside other text
# ("Li" would otherwise eat half the words of a stall's name); the whole name always is.
MIN_NAME_PART = 3


# ------------------------------------------------------------------------------------------ periods


def is_publishable(penalty: Penalty | None) -> bool:
    """True for a decision the register shows: there is one, and it is more than a warning alone."""
    return penalty is not None and not penalty.warning_only


def is_minor(penalty: Penalty, individual: bool, publication: Publication) -> bool:
    """A minor decision: fines only, totalling at most the rulebook's limit for the operator type."""
    if not penalty.lines or any(line.kind != "fine" for line in penalty.lines):
        return False
    limit = publication.minor_individual_max_fine if individual else publication.minor_organisation_max_fine
    return penalty.fine <= limit


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def published_until(published_on: date, minor: bool, publication: Publication) -> date:
    """The last day a decision published on ``published_on`` stays in the register (inclusive).

    3 months from 2020-03-16 is 2020-06-16, so the last day shown is 2020-06-15."""
    months = publication.minor_months if minor else publication.years * 12
    return add_months(published_on, months) - timedelta(days=1)


def register_until(
    published_on: date | None, penalty: Penalty | None, individual: bool, publication: Publication
) -> date | None:
    """The last day a decision is in the register, or None when it never is (unpublished, a warning alone).
    Withdrawal is not counted here: it ends the entry on its own date."""
    if published_on is None or not is_publishable(penalty):
        return None
    return published_until(published_on, is_minor(penalty, individual, publication), publication)


def in_register(
    published_on: date | None,
    withdrawn_on: date | None,
    penalty: Penalty | None,
    individual: bool,
    publication: Publication,
    today: date,
) -> bool:
    """True when the decision is in the public register on ``today``: published (served) by then,
    not withdrawn by then, not a warning alone, and its publication period not over."""
    if withdrawn_on is not None and withdrawn_on <= today:
        return False
    until = register_until(published_on, penalty, individual, publication)
    return until is not None and published_on <= today <= until


# ------------------------------------------------------------------------------------------ masking


def redact(text: str | None, redaction: Redaction, mask: str | None = None) -> str:
    """``text`` with every match of the profile's patterns replaced by its mask (or by ``mask``).

    All patterns are matched against the original text and overlapping matches merged, so one kind's
    mask never hides part of another's number from its pattern."""
    if not text:
        return ""
    mask = redaction.mask if mask is None else mask
    spans: list[tuple[int, int]] = []
    for kind in redaction.kinds:
        pattern = redaction.patterns.get(kind)
        if pattern is not None:
            spans += [match.span() for match in pattern.finditer(text) if match.end() > match.start()]
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, position = [], 0
    for start, end in merged:
        out += [text[position:start], mask]
        position = end
    out.append(text[position:])
    return "".join(out)


def mask_name(name: str | None, mask: str) -> str:
    """A natural person's name as published: its first character, then the mask ("Liu Dehua" -> "L**")."""
    name = (name or "").strip()
    return name[:1] + mask if name else ""


def _mask_person_in(text: str, person: str, address: str, mask: str) -> str:
    """``text`` with the person's name (whole, then each longer word of it) and home address masked."""
    words = person.split()
    if words:
        # The whole name, or its longest leading words found ("Liu Dehua" of "Liu Dehua acct"): "L**".
        for count in range(len(words), 0 if len(words) == 1 else 1, -1):
            whole = " ".join(words[:count])
            text = text.replace(whole, mask_name(whole, mask))
        for part in sorted(set(words), key=len, reverse=True):
            if len(part) >= MIN_NAME_PART:
                text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", mask, text, flags=re.IGNORECASE)
    address = address.strip()
    if len(address) >= MIN_NAME_PART:
        text = text.replace(address, mask)
    return text


@dataclass(frozen=True, slots=True)
class PublicParty:
    """The party of a decision as the register shows it."""

    name: str
    kind: str | None
    operator_type: str
    operator_name: str
    credit_code: str | None
    address: str | None


def public_party(snapshot: Mapping, operator_type: str, redaction: Redaction) -> PublicParty:
    """The party from a case's premises snapshot, masked by the redaction profile.

    :param snapshot: the premises as it stood (name, kind, operator_name, credit_code, address, phone).
    :param operator_type: ``individual`` (a natural person or individual business) or ``organisation``.
    """
    name = str(snapshot.get("name") or "")
    operator = str(snapshot.get("operator_name") or "")
    address = str(snapshot.get("address") or "")
    credit_code = snapshot.get("credit_code") or None
    kind = snapshot.get("kind") or None
    if operator_type != INDIVIDUAL:
        # An organisation's registration code is public (and would trip the bank-account pattern).
        return PublicParty(
            name=redact(name, redaction), kind=kind, operator_type=operator_type,
            operator_name=redact(operator, redaction), credit_code=credit_code,
            address=redact(address, redaction) or None,
        )
    person = " ".join(redact(operator, redaction, mask="").split())  # the name without numbers in it
    home = address if "home_address" in redaction.kinds else ""
    name = _mask_person_in(redact(name, redaction), person, home, redaction.mask)
    return PublicParty(
        name=name,
        kind=kind,
        operator_type=operator_type,
        operator_name=mask_name(person, redaction.mask),
        # An individual business's code identifies the person; the address is often a home.
        credit_code=None if "id_number" in redaction.kinds else redact(credit_code, redaction) or None,
        address=None if "home_address" in redaction.kinds else redact(address, redaction) or None,
    )

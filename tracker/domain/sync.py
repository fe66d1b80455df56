"""Records sent from a field device: the rules that make a sync happen exactly once (DOMAIN.md §13).

A record made on a device carries a ``client_id``, a UUID made there. Sending it again never makes a second
record: the server answers the one it holds, or, when the values differ, says so and shows it. Values are
compared as what they mean, not as they were spelled: ``"12.5"`` and ``"12.50"`` are one price, ``Li.Na`` and
``li.na`` one username, an omitted optional field its default, two instants in different offsets the same
moment. Plain Python, no database: the services load the records and ask these functions.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

# The canonical text of a UUID: 8-4-4-4-12 hexadecimal digits (either case on the way in, stored in lower case).
CLIENT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CLIENT_ID_PATTERN = "^" + CLIENT_ID.pattern + "$"


def canonical_client_id(raw: object) -> str | None:
    """The client id in its stored form (lower case), or None when ``raw`` is not a UUID written canonically
    (no braces, no ``urn:uuid:`` prefix, no missing hyphens)."""
    if not isinstance(raw, str) or not CLIENT_ID.fullmatch(raw):
        return None
    return raw.lower()


def normalised(value: object) -> object:
    """A value as it compares: numbers by value (``Decimal("12.5")`` equals ``Decimal("12.50")``), instants in UTC,
    text stripped, mappings and lists element by element, sets as sets. The services parse what a device sent
    (amounts to decimals, usernames to lower case) before asking, as they do before storing it."""
    if value is None:
        return value
    if isinstance(value, bool):
        return ("flag", value)  # a flag is not a count: True never equals 1
    if isinstance(value, (int, Decimal)):
        return Decimal(value).normalize()
    if isinstance(value, float):
        return Decimal(repr(value)).normalize()
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return {str(k): normalised(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(normalised(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(normalised(v) for v in value)
    return value


def unordered(values: Iterable) -> frozenset:
    """Ids or names whose order carries no meaning (a violation's linked observations)."""
    return frozenset(normalised(v) for v in values)


def differing_fields(sent: Mapping[str, object], stored: Mapping[str, object]) -> list[str]:
    """The fields whose values differ once normalised, in the order ``sent`` names them (then the others)."""
    names = list(sent) + [name for name in stored if name not in sent]
    return [name for name in names if normalised(sent.get(name)) != normalised(stored.get(name))]


@dataclass(frozen=True)
class Visit:
    """What makes two devices' inspections one visit: the premises, the unit-local day and the two officers."""

    premises_id: int
    day: date
    officers: frozenset[str]  # the two usernames, in either order

    @classmethod
    def of(cls, premises_id: int, day: date, lead: str, second: str) -> "Visit":
        return cls(premises_id, day, frozenset({lead.strip().lower(), second.strip().lower()}))


def joins(incoming: Visit, existing: Visit, existing_is_draft: bool) -> bool:
    """Whether a device's new inspection is the same visit as one the server holds, so the device joins it
    instead of making a second: same premises, same unit-local day, the same two officers (either may lead),
    and the server's inspection still a draft (a submitted one is closed; the device's becomes a new one)."""
    return existing_is_draft and incoming == existing


def split_answers(
    answers: Mapping[str, str], known_items: Iterable[str], allowed_answers: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """A device's checklist answers as (those the current checklist takes, those it cannot): an item the checklist
    no longer has, or an answer it does not offer, is kept aside, never dropped."""
    known, allowed = set(known_items), set(allowed_answers)
    taken: dict[str, str] = {}
    kept_aside: dict[str, str] = {}
    for item, answer in answers.items():
        (taken if item in known and answer in allowed else kept_aside)[item] = answer
    return taken, kept_aside

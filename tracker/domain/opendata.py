"""Pure pieces of the exports: safe CSV cells, and the rows of the LIVES open-data feed (DOMAIN.md §9).

Standard library only. The services gather the records; these functions decide what each cell says,
what a LIVES score is, and what of a natural person never leaves the tracker.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

from tracker.domain.publication import INDIVIDUAL, public_party, redact
from tracker.domain.rulebook import Redaction

# The LIVES 1.0 files and their columns, in order, exactly as DOMAIN.md §9 lists them.
LIVES_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "businesses.csv": (
        "business_id", "name", "address", "city", "state", "postal_code", "latitude", "longitude", "phone_number",
    ),
    "inspections.csv": ("business_id", "score", "date", "description", "type"),
    "violations.csv": ("business_id", "date", "code", "description"),
    "feed_info.csv": ("feed_date", "feed_version", "municipality_name", "municipality_url", "contact_email"),
}

# LIVES wants a score from 0 to 100 per inspection; the tracker records the FDA's three outcome classes
# instead, so the score is defined from the outcome: no finding scores full marks, a finding corrected on
# the spot (voluntary action) a pass with remarks, and a violation referred for enforcement (official
# action) a fail. Draft inspections are never published, so they have no score.
LIVES_SCORES: Mapping[str, int] = {"no_action": 100, "corrected": 80, "referred": 50}

# A cell a spreadsheet would read as a formula (or a DDE command) when it begins with one of these.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """One CSV cell as text, defused against formula injection.

    Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and a leading tab or
    carriage return) as a formula: a premises name such as ``=HYPERLINK("http://evil", "click")`` typed by
    anyone would become a live link or worse in the auditor's spreadsheet. Such text gets a leading
    apostrophe, which spreadsheets show as plain text. Numbers and dates are written as they are (a
    Decimal is never negative here, and is not text anyone typed).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (int, date)):
        return value.isoformat() if isinstance(value, date) else str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def lives_date(value: date | None) -> str:
    """A LIVES date: YYYYMMDD."""
    return value.strftime("%Y%m%d") if value is not None else ""


def lives_score(outcome: str | None) -> int | None:
    """The LIVES score of an inspection outcome (see LIVES_SCORES); None for a draft."""
    if outcome is None:
        return None
    return LIVES_SCORES[outcome]


@dataclass(frozen=True)
class Business:
    """What the tracker knows of a premises, as plain values."""

    id: int
    name: str
    kind: str
    operator_name: str
    operator_type: str
    credit_code: str | None
    address: str
    phone: str


def business_row(business: Business, redaction: Redaction) -> list:
    """A businesses.csv row, masked like the public register (``publication.public_party``).

    A natural person's (individual operator's) address and phone are never published: they are their home
    and their own number; the keeper's name in a name, in any form (order, spacing, case, a Chinese given
    name: ``publication.mask_person``), shows only as the register shows the keeper; any ID
    number, phone or bank account found in a name or address is masked. An organisation's business
    address and phone are published as they are. City, state, postal code and coordinates are not
    recorded by the tracker and stay empty."""
    snapshot = {
        "name": business.name, "kind": business.kind, "operator_name": business.operator_name,
        "credit_code": business.credit_code, "address": business.address,
    }
    party = public_party(snapshot, business.operator_type, redaction)
    if business.operator_type == INDIVIDUAL:
        phone = "" if "phone" in redaction.kinds else redact(business.phone, redaction)
    else:
        phone = business.phone
    return [business.id, party.name, party.address or "", "", "", "", "", "", phone]


def inspection_row(business_id: int, on: date, outcome: str, description: str, type_: str) -> list:
    """An inspections.csv row: the score follows the outcome (LIVES_SCORES)."""
    return [business_id, lives_score(outcome), lives_date(on), description, type_]


def violation_row(business_id: int, on: date, code: str, description: str) -> list:
    """A violations.csv row; the description is the rulebook's public title, never an officer's notes."""
    return [business_id, lives_date(on), code, description]


def feed_info_row(today: date, version: str, municipality: str, url: str, email: str) -> list:
    """The single feed_info.csv row."""
    return [lives_date(today), version, municipality, url, email]

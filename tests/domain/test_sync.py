"""tracker.domain.sync: client ids, comparing what a device sent with what is stored, joining a visit, and the
checklist answers a changed rulebook cannot take."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tracker.domain.sync import (
    Visit, canonical_client_id, differing_fields, joins, normalised, split_answers, unordered,
)


@given(st.uuids())
def test_every_uuid_in_its_canonical_text_is_a_client_id_stored_in_lower_case(value: uuid.UUID):
    assert canonical_client_id(str(value)) == str(value)
    assert canonical_client_id(str(value).upper()) == str(value)


@pytest.mark.parametrize("raw", [
    None, 42, "", "not-a-uuid", "3f1c2a9e8b4d4c6a9e2f5a7b8c9d0e1f", "{3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f}",
    "urn:uuid:3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f", " 3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f",
    "3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f\n", "3g1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f",
])
def test_anything_else_is_not(raw):
    assert canonical_client_id(raw) is None


def test_values_compare_by_meaning():
    assert normalised(Decimal("12.5")) == normalised(Decimal("12.50")) == normalised(Decimal("1.25E+1"))
    assert normalised(Decimal("12.5")) != normalised(Decimal("12.51"))
    eight = timezone(timedelta(hours=8))
    assert normalised(datetime(2020, 2, 5, 10, 30, tzinfo=eight)) == normalised(datetime(2020, 2, 5, 2, 30, tzinfo=timezone.utc))
    assert normalised(" text ") == "text"
    assert normalised({"a": Decimal("1.0")}) == normalised({"a": Decimal("1")})
    assert normalised(True) == normalised(True) != normalised(False) and normalised(None) is None
    assert normalised(1) != normalised(True)  # a flag is not a count


def test_differing_fields_names_what_differs_in_the_order_sent():
    sent = {"price": Decimal("3.5"), "cost": Decimal("1.20"), "notes": "Queue", "bundled": False}
    stored = {"price": Decimal("3.50"), "cost": Decimal("1.30"), "notes": "queue", "bundled": False}
    assert differing_fields(sent, stored) == ["cost", "notes"]
    assert differing_fields({"a": None}, {}) == []  # an omitted optional is its default, None
    assert differing_fields({}, {"b": 1}) == ["b"]


def test_links_compare_as_sets():
    assert unordered([3, 1, 1]) == unordered([1, 3])
    assert differing_fields({"ids": unordered([2, 1])}, {"ids": unordered([1, 2])}) == []
    assert differing_fields({"ids": unordered([2])}, {"ids": unordered([1, 2])}) == ["ids"]


def test_a_second_officers_device_joins_the_same_visit_while_it_is_a_draft():
    ours = Visit.of(7, date(2020, 2, 5), "zhang.wei", "li.na")
    assert joins(Visit.of(7, date(2020, 2, 5), "Li.Na", " zhang.wei"), ours, existing_is_draft=True)
    assert not joins(Visit.of(7, date(2020, 2, 5), "li.na", "zhang.wei"), ours, existing_is_draft=False)
    assert not joins(Visit.of(8, date(2020, 2, 5), "li.na", "zhang.wei"), ours, existing_is_draft=True)
    assert not joins(Visit.of(7, date(2020, 2, 6), "li.na", "zhang.wei"), ours, existing_is_draft=True)
    assert not joins(Visit.of(7, date(2020, 2, 5), "li.na", "wang.fang"), ours, existing_is_draft=True)


def test_answers_the_checklist_cannot_take_are_set_aside_never_dropped():
    answers = {"prices_marked": "yes", "masks_rationed": "no", "invoices_kept": "partly"}
    taken, aside = split_answers(answers, ["prices_marked", "invoices_kept"], ["yes", "no", "n/a"])
    assert taken == {"prices_marked": "yes"}
    assert aside == {"masks_rationed": "no", "invoices_kept": "partly"}
    assert {**taken, **aside} == answers

"""The inspection page's price form offers the baseline (issue 17): when the officer chooses a commodity that the
inspection's emergency covers and asks, the baseline price and cost come pre-filled from the premises' last
observation of it on or before the emergency's baseline date; the officer confirms or changes them. Commodities
are shown by name, never by code."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import post_form
from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import PriceObservation
from tracker.services import inspections as service


class World(County):
    def __init__(self):
        super().__init__()
        self.outbreak = emergency(categories=("protective_supplies",))
        self.pharmacy = premises(self.officer)
        self.other = premises(self.officer, name="Anping Pharmacy")
        self.earlier = self.observe(self.pharmacy, date(2020, 1, 19), "mask_n95", "1.20", "1.00")
        self.observe(self.pharmacy, date(2020, 1, 21), "mask_n95", "2.80", "1.00")  # after the baseline date
        self.observe(self.other, date(2020, 1, 18), "mask_n95", "9.00", "8.00")  # another premises
        self.draft = inspection(self.officer, self.officer2, self.pharmacy, self.outbreak)

    def observe(self, where, day: date, commodity: str, price: str, cost: str):
        started = datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)
        record = inspection(self.officer, self.officer2, where, None, started_at=started, type="routine")
        service.record_observation(self.officer, record, service.ObservationData(commodity, price, cost=cost))
        service.submit_inspection(self.officer, record, "no_action")
        return record


@pytest.fixture
def world(app):
    return World()


def value_of(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    found = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(found.group(1)) or None if found else None


def test_asking_for_the_baseline_fills_it_from_the_last_observation_before_the_baseline_date(world, client, as_user):
    as_user(world.officer)
    page = client.get(f"/inspections/{world.draft.id}")
    text = page.get_data(as_text=True)
    assert 'formmethod="get"' in text and f'formaction="/inspections/{world.draft.id}#observation"' in text
    asked = client.get(f"/inspections/{world.draft.id}", query_string={
        "commodity": "mask_n95", "price": "3.50", "marked_price": "", "baseline_price": "", "baseline_cost": "",
        "offer_baseline": "Offer the baseline for this commodity",
    })
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert value_of(text, "baseline_price") == "1.20" and value_of(text, "baseline_cost") == "1.00"
    assert value_of(text, "price") == "3.50"  # what the officer typed comes back
    assert re.search(r'<option[^>]*selected[^>]*value="mask_n95"|<option[^>]*value="mask_n95"[^>]*selected', text)
    assert "2020-01-19" in text and f"#{world.earlier.id}" in text
    # the officer confirms: the observation keeps the offered baseline and the tests use it
    response = post_form(client, f"/inspections/{world.draft.id}", f"/inspections/{world.draft.id}/observations",
                         data={"commodity": "mask_n95", "price": "3.50", "marked_price": "3.50", "cost": "1.20",
                               "baseline_price": value_of(text, "baseline_price"),
                               "baseline_cost": value_of(text, "baseline_cost")})
    assert response.status_code == 302
    recorded = db.session.scalars(sa.select(PriceObservation).where(
        PriceObservation.inspection_id == world.draft.id)).one()
    assert (str(recorded.baseline_price), str(recorded.baseline_cost)) == ("1.20", "1.00")
    assert "baseline_margin" in recorded.flag_tests


def test_the_forms_token_never_stays_in_the_address(world, client, as_user):
    """The browser sends the whole price form with GET, its CSRF token too: the page answers with the same address
    without it (nor the button's name), so no history or bookmark keeps the token."""
    as_user(world.officer)
    sent = client.get(f"/inspections/{world.draft.id}", query_string={
        "csrf_token": "abc", "commodity": "mask_n95", "price": "3.50", "offer_baseline": "Offer"})
    assert sent.status_code == 302
    location = sent.headers["Location"]
    assert "csrf_token" not in location and "offer_baseline" not in location
    assert "commodity=mask_n95" in location and "price=3.50" in location and location.endswith("#observation")


def test_what_the_officer_typed_as_baseline_is_kept(world, client, as_user):
    as_user(world.officer)
    text = client.get(f"/inspections/{world.draft.id}", query_string={
        "commodity": "mask_n95", "baseline_price": "1.10", "baseline_cost": ""}).get_data(as_text=True)
    assert value_of(text, "baseline_price") == "1.10" and value_of(text, "baseline_cost") == "1.00"


@pytest.mark.parametrize("commodity, says", [
    ("rice", "No price emergency covers this commodity"),  # grain: not covered by this emergency
    ("mask_surgical", "No observation of this commodity here on or before the baseline date 2020-01-19"),
])
def test_nothing_to_offer_is_said_not_guessed(world, client, as_user, commodity, says):
    as_user(world.officer)
    text = client.get(f"/inspections/{world.draft.id}", query_string={"commodity": commodity}).get_data(as_text=True)
    assert value_of(text, "baseline_price") is None and value_of(text, "baseline_cost") is None
    assert says in html.unescape(text)


def test_commodities_are_offered_by_name_not_code(world, client, as_user):
    as_user(world.officer)
    text = client.get(f"/inspections/{world.draft.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="commodity".*?</select>', text, re.S).group(0)
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert labels and "mask_n95" not in " ".join(labels) and any("N95" in label for label in labels)


def test_an_auditor_or_a_submitted_inspection_gets_no_form(world, client, as_user):
    as_user(world.auditor)
    text = client.get(f"/inspections/{world.draft.id}", query_string={"commodity": "mask_n95"}).get_data(as_text=True)
    assert 'name="baseline_price"' not in text

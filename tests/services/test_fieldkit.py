"""tracker.services.fieldkit: the baselines' one query (which observation is the last), the bundle's entity tag."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import PriceEmergency
from tracker.services import fieldkit, inspections as service
from tracker.services.rulebooks import current_rulebook


class World(County):
    def __init__(self):
        super().__init__()
        self.outbreak = emergency(categories=("protective_supplies",), starts_on=date(2020, 1, 24))
        self.pharmacy = premises(self.officer)

    def observe(self, at: datetime, commodity: str, price: str, cost: str | None = None, where=None):
        record = inspection(self.officer, self.officer2, where or self.pharmacy, None, started_at=at, type="routine")
        observed = service.record_observation(self.officer, record, service.ObservationData(commodity, price, cost=cost))
        return record, observed


@pytest.fixture
def world(app):
    return World()


def test_the_last_observation_on_the_latest_day_wins_by_its_time_then_its_order(world):
    world.observe(datetime(2020, 1, 18, 2, 0, tzinfo=timezone.utc), "mask_n95", "1.00", "0.80")
    world.observe(datetime(2020, 1, 19, 1, 0, tzinfo=timezone.utc), "mask_n95", "1.10", "0.90")
    later, _ = world.observe(datetime(2020, 1, 19, 6, 0, tzinfo=timezone.utc), "mask_n95", "1.15", "0.95")
    # 2020-01-19 20:00 UTC is already the 20th in the unit's time zone (Asia/Shanghai): after the baseline date
    world.observe(datetime(2020, 1, 19, 20, 0, tzinfo=timezone.utc), "mask_n95", "3.00", "1.00")
    (found,) = fieldkit.baselines(world.unit.id, [world.outbreak], current_rulebook())
    assert (found.on, found.inspection_id) == (date(2020, 1, 19), later.id)
    assert str(found.price) == "1.15" and str(found.cost) == "0.95"


def test_two_prices_of_one_commodity_in_one_inspection_the_later_recorded_wins(world):
    record, _first = world.observe(datetime(2020, 1, 15, 2, 0, tzinfo=timezone.utc), "mask_n95", "1.00")
    second = service.record_observation(world.officer, record, service.ObservationData("mask_n95", "1.05"))
    (found,) = fieldkit.baselines(world.unit.id, [world.outbreak], current_rulebook())
    assert str(found.price) == str(second.price) == "1.05" and found.cost is None


def test_each_emergency_gives_the_baselines_of_its_own_date_and_categories(world):
    meat = PriceEmergency(name="Pork shortage", starts_on=date(2020, 1, 14), baseline_date=date(2020, 1, 10),
                          categories=["meat"])
    db.session.add(meat)
    db.session.commit()
    world.observe(datetime(2020, 1, 9, 2, 0, tzinfo=timezone.utc), "pork_fresh", "26.00")
    world.observe(datetime(2020, 1, 12, 2, 0, tzinfo=timezone.utc), "pork_fresh", "27.00")
    world.observe(datetime(2020, 1, 12, 3, 0, tzinfo=timezone.utc), "mask_n95", "1.00")
    found = fieldkit.baselines(world.unit.id, [world.outbreak, meat], current_rulebook())
    assert sorted((b.emergency_id, b.commodity, str(b.price)) for b in found) == sorted([
        (world.outbreak.id, "mask_n95", "1.00"),  # pork is not a protective supply
        (meat.id, "pork_fresh", "26.00"),  # the meat emergency's baseline date is the 10th
    ])
    assert fieldkit.baselines(world.unit.id, [], current_rulebook()) == []


def test_the_offer_for_one_commodity(world):
    world.observe(datetime(2020, 1, 12, 3, 0, tzinfo=timezone.utc), "mask_n95", "1.00", "0.70")
    draft = inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    offer = fieldkit.baseline_offer(draft, "mask_n95")
    assert offer.applies and offer.baseline_date == date(2020, 1, 19) and str(offer.baseline.cost) == "0.70"
    assert fieldkit.baseline_offer(draft, "rice") == fieldkit.BaselineOffer(False, date(2020, 1, 19), None)
    assert fieldkit.baseline_offer(draft, "no_such_thing").baseline is None
    none = fieldkit.baseline_offer(draft, "gloves_disposable")
    assert none.applies and none.baseline is None
    without = inspection(world.officer, world.officer2, world.pharmacy, None, started_at=datetime(
        2020, 2, 6, 2, 0, tzinfo=timezone.utc))
    assert fieldkit.baseline_offer(without, "mask_n95") == fieldkit.BaselineOffer(False, None, None)


def test_the_entity_tag_follows_the_content_not_the_time_it_was_made(world):
    first = fieldkit.bundle(world.officer, date(2020, 2, 6), "en")
    again = fieldkit.bundle(world.officer, date(2020, 2, 6), "en")
    again["generated_at"] = "2099-01-01T00:00:00+00:00"
    assert fieldkit.etag(first) == fieldkit.etag(again)
    assert fieldkit.etag(first) != fieldkit.etag(fieldkit.bundle(world.officer, date(2020, 2, 6), "zh_CN"))
    assert fieldkit.bundle(world.officer, date(2020, 1, 20), "en")["emergencies"] == []  # not yet in force

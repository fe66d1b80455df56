"""The derived tables' keepers: registered by the app factory, once, whatever the number of apps built."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import count_queries, make_config
from tests.factories import County, premises
from tracker import create_app
from tracker.extensions import db
from tracker.models import Inspection
from tracker.services import keepers


def test_the_app_factory_registers_every_keeper_the_table_lists(app):
    for keeper in keepers.KEEPERS:
        assert sa.event.contains(Session, keeper.event, keeper.listener), keeper
        # The module's table names each keeper, and the event it listens to, in one row.
        name = f"{keeper.listener.__module__.rpartition('.')[2]}.{keeper.listener.__name__}"
        rows = [line for line in keepers.__doc__.splitlines() if name in line]
        assert rows and keeper.event in rows[0], name


def test_each_keeper_runs_once_per_flush_however_many_apps_are_built(app, test_database, tmp_path):
    county = County()
    place = premises(county.officer, name="Xinhua Market")

    def statements_of_a_flush(hour: int) -> int:
        db.session.add(Inspection(
            unit_id=county.unit.id, premises_id=place.id,
            started_at=datetime(2020, 3, 9, hour, 0, tzinfo=timezone.utc),
            lead_officer_id=county.officer.id, second_officer_id=county.officer2.id, type="routine", rulebook="x",
            created_by_id=county.officer.id,
        ))
        with count_queries() as statements:
            db.session.flush()
        return len(statements)

    statements_of_a_flush(1)
    once = statements_of_a_flush(2)
    for number in range(2):
        create_app(make_config(test_database, tmp_path / str(number)))
    keepers.register_keepers()
    assert statements_of_a_flush(3) == once
    db.session.rollback()

"""Daily figures stay equal to the records they summarise, whatever changes the records."""
from __future__ import annotations

from datetime import date, datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, make_config
from tests.factories import County, inspection, premises
from tests.services.test_dashboard import FEB_MAR, DashboardWorld
from tracker import create_app
from tracker.extensions import db
from tracker.models import Case, DailyFigure, Inspection, PremisesDay
from tracker.models.figures import figure_differences, rebuild_figures
from tracker.services import inspections as inspection_service
from tracker.services.dashboard import build_dashboard
from tracker.services.rulebooks import current_rulebook


def differences() -> list[str]:
    return figure_differences(db.session.connection(), current_rulebook().inspections.closure_obeyed_item)


def figures_of(unit_id: int, day: date) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        sa.select(DailyFigure.figure, DailyFigure.key, DailyFigure.count)
        .where(DailyFigure.unit_id == unit_id, DailyFigure.day == day)
    )
    return {(figure, key): count for figure, key, count in rows}


def test_figures_match_the_records_of_a_whole_world(app):
    world = DashboardWorld()
    assert differences() == []
    # 2020-01-31 16:30 UTC is already 1 February in Chengguan (Asia/Shanghai): its local day counts.
    late = db.session.scalar(sa.select(Inspection).where(Inspection.started_at == datetime(2020, 1, 31, 16, 30, tzinfo=timezone.utc)))
    assert late.day == date(2020, 2, 1)
    assert figures_of(world.unit.id, date(2020, 2, 1))[("inspections", "no_action")] >= 1


def test_each_change_to_an_inspection_refreshes_its_day(app):
    county = County()
    place = premises(county.officer, name="Xinhua Market")
    visit = inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 9, 2, 0, tzinfo=timezone.utc))
    day = date(2020, 3, 9)
    assert figures_of(county.unit.id, day) == {("inspections", "draft"): 1}
    assert db.session.scalars(sa.select(PremisesDay.premises_id)).all() == [place.id]

    obs = inspection_service.record_observation(
        county.officer, visit, inspection_service.ObservationData("rice", "4.80", marked_price=None))
    assert figures_of(county.unit.id, day)[("observations", "")] == 1
    inspection_service.record_violation(county.officer, visit, "price_marking", [obs.id])
    assert figures_of(county.unit.id, day)[("violations", "price_marking")] == 1
    assert differences() == []

    # Moving a draft to another day empties the day it left.
    data = inspection_service.InspectionData(
        premises_id=place.id, started_at=datetime(2020, 3, 10, 1, 0, tzinfo=timezone.utc),
        lead_officer=county.officer.username, second_officer=county.officer2.username, type="routine",
    )
    inspection_service.update_inspection(county.officer, visit, data)
    assert figures_of(county.unit.id, day) == {}
    assert figures_of(county.unit.id, date(2020, 3, 10))[("inspections", "draft")] == 1

    inspection_service.submit_inspection(county.officer, visit, "corrected", date(2020, 3, 20))
    assert figures_of(county.unit.id, date(2020, 3, 10))[("inspections", "corrected")] == 1
    assert ("inspections", "draft") not in figures_of(county.unit.id, date(2020, 3, 10))
    assert differences() == []

    # Deleting records (a draft discarded outside the services, say) leaves no figure behind.
    other = inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 11, 2, 0, tzinfo=timezone.utc))
    assert figures_of(county.unit.id, date(2020, 3, 11)) == {("inspections", "draft"): 1}
    db.session.delete(other)
    db.session.commit()
    assert figures_of(county.unit.id, date(2020, 3, 11)) == {}
    assert differences() == []


def test_a_rolled_back_change_leaves_the_figures_as_they_were(app):
    county = County()
    place = premises(county.officer, name="Xinhua Market")
    inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 9, 2, 0, tzinfo=timezone.utc))
    db.session.add(Inspection(
        unit_id=county.unit.id, premises_id=place.id, started_at=datetime(2020, 3, 9, 3, 0, tzinfo=timezone.utc),
        lead_officer_id=county.officer.id, second_officer_id=county.officer2.id, type="routine", rulebook="x",
        created_by_id=county.officer.id,
    ))
    db.session.flush()
    assert figures_of(county.unit.id, date(2020, 3, 9)) == {("inspections", "draft"): 2}
    db.session.rollback()
    assert figures_of(county.unit.id, date(2020, 3, 9)) == {("inspections", "draft"): 1}


def test_tampered_figures_are_reported_and_a_rebuild_restores_them(app):
    DashboardWorld()
    row = db.session.scalars(sa.select(DailyFigure).where(DailyFigure.figure == "inspections")).first()
    row.count += 5
    db.session.execute(sa.delete(PremisesDay).where(PremisesDay.day == row.day, PremisesDay.unit_id == row.unit_id))
    db.session.commit()
    found = differences()
    assert any("stored" in line and f"{row.count}" in line for line in found)
    assert any("missing" in line for line in found)
    rebuild_figures(db.session.connection(), current_rulebook().inspections.closure_obeyed_item)
    db.session.commit()
    assert differences() == []


def test_the_dashboard_reads_figures_not_records(app):
    DashboardWorld()
    with count_queries() as statements:
        board = build_dashboard(None, FEB_MAR, date(2020, 4, 30))
    assert board.inspections > 0 and board.premises_checked > 0
    touched = " ".join(str(s) for s in statements).lower()
    for table in ("from inspections", "from price_observations", "join price_observations", "from violations"):
        assert table not in touched, table


def test_the_migration_computes_days_and_figures_for_existing_records(database_factory, tmp_path):
    app = create_app(make_config(database_factory(), tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        DashboardWorld()
        before = db.session.execute(sa.select(Inspection.id, Inspection.day).order_by(Inspection.id)).all()
        figures = db.session.execute(sa.select(*DailyFigure.__table__.c).order_by(*DailyFigure.__table__.c)).all()
        register = db.session.execute(sa.select(Case.id, Case.public_until).order_by(Case.id)).all()
        assert any(until is not None for _id, until in register)  # the world has published decisions
        db.session.remove()
        flask_migrate.downgrade(revision="35e7ae3f7da2")
        assert "daily_figures" not in sa.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert db.session.execute(sa.select(Inspection.id, Inspection.day).order_by(Inspection.id)).all() == before
        assert db.session.execute(
            sa.select(*DailyFigure.__table__.c).order_by(*DailyFigure.__table__.c)
        ).all() == figures
        assert differences() == []
        assert db.session.execute(sa.select(Case.id, Case.public_until).order_by(Case.id)).all() == register
        db.session.remove()
        db.engine.dispose()


def test_the_figures_commands_verify_and_rebuild(app, runner):
    DashboardWorld()
    result = runner.invoke(args=["figures", "verify"])
    assert result.exit_code == 0 and "agree" in result.output
    db.session.execute(sa.update(DailyFigure).values(count=DailyFigure.count + 1))
    db.session.commit()
    result = runner.invoke(args=["figures", "verify"])
    assert result.exit_code == 1 and "stored" in result.output and "rebuild" in result.output
    result = runner.invoke(args=["figures", "rebuild"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert runner.invoke(args=["figures", "verify"]).exit_code == 0

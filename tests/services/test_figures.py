"""Daily figures stay equal to the records they summarise, whatever changes the records."""
from __future__ import annotations

from datetime import date, datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, make_config
from tests.factories import County, inspection, premises
from tests.services.test_dashboard import FEB_MAR, DashboardWorld, decided_case
from tracker import create_app
from tracker.extensions import db
from tracker.models import Case, DailyFigure, Inspection, PremisesDay
from tracker.models.figures import DecisionFigure, MonthlyFigure
from tracker.services import inspections as inspection_service
from tracker.services.dashboard import build_dashboard
from tracker.services.figures import figure_differences, rebuild_figures
from tracker.services.rulebooks import current_rulebook


def differences() -> list[str]:
    return figure_differences(db.session.connection(), current_rulebook().inspections.closure_obeyed_item)


def figures_of(unit_id: int, day: date) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        sa.select(DailyFigure.figure, DailyFigure.key, DailyFigure.count)
        .where(DailyFigure.unit_id == unit_id, DailyFigure.day == day)
    )
    return {(figure, key): count for figure, key, count in rows}


# A premises inspected for the first time: "new" in the year and in the month of its day.
NEW = {("premises_new_year", ""): 1, ("premises_new_month", ""): 1}


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
    assert figures_of(county.unit.id, day) == {("inspections", "draft"): 1, **NEW}
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
    moved = figures_of(county.unit.id, date(2020, 3, 10))
    assert moved[("inspections", "draft")] == 1 and NEW.items() <= moved.items()

    inspection_service.submit_inspection(county.officer, visit, "corrected", date(2020, 3, 20))
    assert figures_of(county.unit.id, date(2020, 3, 10))[("inspections", "corrected")] == 1
    assert ("inspections", "draft") not in figures_of(county.unit.id, date(2020, 3, 10))
    assert differences() == []

    # Deleting records (a draft discarded outside the services, say) leaves no figure behind.
    other = inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 11, 2, 0, tzinfo=timezone.utc))
    assert figures_of(county.unit.id, date(2020, 3, 11)) == {("inspections", "draft"): 1}  # seen on 10 March
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
    assert figures_of(county.unit.id, date(2020, 3, 9)) == {("inspections", "draft"): 2, **NEW}
    db.session.rollback()
    assert figures_of(county.unit.id, date(2020, 3, 9)) == {("inspections", "draft"): 1, **NEW}


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


def test_decisions_and_monthly_sums_stay_equal_to_the_records_through_case_actions(app):
    """Payments, appeals (pending, annulled, varied) and moves of inspections between months keep every summary
    table equal to the records: checked after each change."""
    world = DashboardWorld()
    assert differences() == []
    case = decided_case(world, "Pharmacy 1", datetime(2020, 2, 10, 2, 0, tzinfo=timezone.utc))
    assert differences() == []
    row = db.session.get(DecisionFigure, case.id)
    assert (row.in_force, row.fine, row.confiscation, row.payments, row.appeals) == (True, 40000, 10000, None, None)
    for on, amount in (("2020-03-20", "100.00"), ("2020-04-15", "300.00")):
        world.act(world.officer, case, "record_payment", on=on, amount=amount)
        assert differences() == []
    db.session.refresh(row)
    assert row.payments == [["2020-03-20", "100.00"], ["2020-04-15", "300.00"]] and row.settles_on == date(2020, 4, 15)
    world.act(world.supervisor, case, "record_appeal", reference="(2020)JF-17", on="2020-04-20", kind="lawsuit", outcome="varied",
              outcome_on="2020-05-01", lines=[{"kind": "confiscation", "amount": "100.00"}, {"kind": "fine", "amount": "200.00"}])
    assert differences() == []
    other = decided_case(world, "Pharmacy 2", datetime(2020, 2, 11, 2, 0, tzinfo=timezone.utc))
    world.act(world.officer, other, "record_appeal", on="2020-04-01", kind="reconsideration")
    assert differences() == []
    world.act(world.supervisor, other, "record_appeal", reference="(2020)JF-17", on="2020-05-20", kind="reconsideration", outcome="annulled",
              outcome_on="2020-05-20")
    assert differences() == [] and not db.session.get(DecisionFigure, other.id).in_force
    # A draft moved from February to March takes its figures from one month's sums to the other's.
    visit = db.session.get(Inspection, case.inspection_id)
    before = monthly_of(world.unit.id, date(2020, 2, 1))
    draft = inspection(world.officer, world.officer2, visit.premises, started_at=datetime(2020, 2, 27, 2, 0, tzinfo=timezone.utc))
    assert monthly_of(world.unit.id, date(2020, 2, 1))[("inspections", "draft")] == before.get(("inspections", "draft"), 0) + 1
    inspection_service.update_inspection(world.officer, draft, inspection_service.InspectionData(
        premises_id=visit.premises_id, started_at=datetime(2020, 3, 2, 2, 0, tzinfo=timezone.utc),
        lead_officer=world.officer.username, second_officer=world.officer2.username, type="routine"))
    assert monthly_of(world.unit.id, date(2020, 2, 1)) == before
    assert differences() == []


def monthly_of(unit_id: int, month: date) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        sa.select(MonthlyFigure.figure, MonthlyFigure.key, MonthlyFigure.count)
        .where(MonthlyFigure.unit_id == unit_id, MonthlyFigure.month == month)
    )
    return {(figure, key): count for figure, key, count in rows}


def test_premises_new_in_the_year_and_month_follow_every_earlier_visit(app):
    """A premises counts as new on its first day of a year and of a month: a visit added (or removed) earlier
    changes the figures of the later day, which is recomputed with it."""
    county = County()
    place = premises(county.officer, name="Xinhua Market")
    march = date(2020, 3, 9)
    inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 9, 2, 0, tzinfo=timezone.utc))
    assert NEW.items() <= figures_of(county.unit.id, march).items()
    earlier = inspection(county.officer, county.officer2, place, started_at=datetime(2020, 3, 2, 2, 0, tzinfo=timezone.utc))
    assert ("premises_new_month", "") not in figures_of(county.unit.id, march)  # seen on 2 March already
    assert NEW.items() <= figures_of(county.unit.id, date(2020, 3, 2)).items()
    assert monthly_of(county.unit.id, date(2020, 3, 1))[("premises_new_month", "")] == 1
    assert differences() == []
    inspection_service.update_inspection(county.officer, earlier, inspection_service.InspectionData(
        premises_id=place.id, started_at=datetime(2020, 2, 20, 2, 0, tzinfo=timezone.utc),
        lead_officer=county.officer.username, second_officer=county.officer2.username, type="routine"))
    assert figures_of(county.unit.id, march) == {("inspections", "draft"): 1, ("premises_new_month", ""): 1}
    assert monthly_of(county.unit.id, date(2020, 2, 1))[("premises_new_year", "")] == 1
    assert ("premises_new_year", "") not in monthly_of(county.unit.id, date(2020, 3, 1))
    assert differences() == []


def test_tampered_monthly_and_decision_figures_are_reported_and_rebuilt(app):
    world = DashboardWorld()
    db.session.execute(sa.update(MonthlyFigure).where(MonthlyFigure.figure == "observations").values(count=99))
    db.session.execute(sa.update(DecisionFigure).where(DecisionFigure.case_id == world.case_a.id).values(paid_fine=1))
    db.session.commit()
    found = differences()
    assert any("month 2020-02: observations" in line for line in found)
    assert any(f"case {world.case_a.id}: decision figures differ in paid_fine" in line for line in found)
    rebuild_figures(db.session.connection(), current_rulebook().inspections.closure_obeyed_item)
    db.session.commit()
    assert differences() == []


def test_the_new_migration_goes_down_and_up_with_the_same_figures(database_factory, tmp_path):
    app = create_app(make_config(database_factory(), tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        DashboardWorld()

        def tables():
            return [db.session.execute(sa.select(*model.__table__.c).order_by(*model.__table__.primary_key)).all()
                    for model in (DailyFigure, MonthlyFigure, DecisionFigure)]

        before = tables()
        assert all(before)
        db.session.remove()
        flask_migrate.downgrade(revision="e4f1a6b2c901")
        names = sa.inspect(db.engine).get_table_names()
        assert "decision_figures" not in names and "monthly_figures" not in names
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text(
                "SELECT count(*) FROM daily_figures WHERE figure IN ('premises_new_year', 'premises_new_month')")) == 0
        flask_migrate.upgrade()
        assert tables() == before
        assert differences() == []
        db.session.remove()
        db.engine.dispose()

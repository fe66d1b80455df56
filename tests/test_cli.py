"""The administration commands of API.md, run through Flask's CLI runner."""
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Unit, User


def test_units_and_users_create(app, runner):
    result = runner.invoke(args=["units", "create", "CG", "Chengguan station"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "CG")).name == "Chengguan station"
    result = runner.invoke(
        args=["users", "create", "wang.fang", "--role", "supervisor", "--unit", "CG", "--password", "inspect-2020", "--legal-reviewer"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "wang.fang"))
    assert user.legal_reviewer and user.unit.code == "CG" and user.check_password("inspect-2020")
    result = runner.invoke(args=["users", "create", "audit.liu", "--role", "auditor", "--password", "inspect-2020"])
    assert result.exit_code == 0, result.output


def test_bad_input_exits_non_zero_with_a_message(app, runner):
    result = runner.invoke(args=["units", "create", "CG", "Chengguan"])
    assert result.exit_code == 0
    assert runner.invoke(args=["units", "create", "CG", "Again"]).exit_code == 1
    result = runner.invoke(args=["users", "create", "li.na", "--role", "officer", "--password", "inspect-2020"])
    assert result.exit_code == 1
    assert "belong to a unit" in result.output
    result = runner.invoke(args=["users", "create", "li.na", "--role", "officer", "--unit", "CG", "--password", "short"])
    assert result.exit_code == 1 and "10 characters" in result.output
    result = runner.invoke(args=["users", "create", "li.na", "--role", "officer", "--unit", "CG", "--password", "inspect-2020", "--legal-reviewer"])
    assert result.exit_code == 1 and "legal-review" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_seed_scale_loads_an_empty_database_once(app, runner):
    from tracker.models import Case, Inspection

    for args, message in ((["--inspections", "many"], "whole number"), (["--inspections", "0"], "from 1"),
                          (["--inspections", "50", "--units", "0"], "units")):
        result = runner.invoke(args=["seed-scale", *args])
        assert result.exit_code == 1 and message in result.output, result.output
    result = runner.invoke(args=["seed-scale", "--inspections", "120", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "inspections" in result.output and "rows/s" in result.output and "scale-pass-2024" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 120
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) >= 24
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["seed-scale", "--inspections", "10"])
    assert result.exit_code == 1 and "already holds inspections" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 120

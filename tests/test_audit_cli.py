"""`flask audit verify` catches an altered event, naming the case and the event."""
import pytest
import sqlalchemy as sa

from tests.cases_helpers import CaseWorld
from tracker.extensions import db
from tracker.models import CaseEvent
from tracker.models.cases import HistoryIsAppendOnly


def _tamper(sql: str, **params) -> None:
    """Change a row behind the application's back, as an attacker with database access would."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"))
        connection.execute(sa.text(sql), params)
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only"))
    db.session.rollback()  # the command reads afresh, as a new process would


def test_intact_chains_exit_zero(app, runner):
    CaseWorld().to_state("decided")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_altered_event_is_named_and_exits_one(app, runner):
    world = CaseWorld()
    case = world.to_state("decided")
    number = case.number
    _tamper("UPDATE case_events SET reason = 'nothing happened' WHERE case_id = :c AND seq = 3", c=case.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN {number} event 3" in result.output


def test_deleted_event_is_caught(app, runner):
    case = CaseWorld().to_state("decided")
    _tamper("DELETE FROM case_events WHERE case_id = :c AND seq = 2", c=case.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event 2" in result.output


def test_events_cannot_be_changed_through_the_application(app):
    case = CaseWorld().to_state("investigating")
    event = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)).first()
    event.reason = "rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(sa.select(CaseEvent)).first())
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_database_refuses_update_and_delete_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    CaseWorld().to_state("investigating")
    for statement in ("UPDATE case_events SET reason = 'x'", "DELETE FROM case_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement))

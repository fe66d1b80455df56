"""`flask audit verify` catches an altered event, naming the case and the event; `flask audit verify-pack`
checks a downloaded case-file pack offline."""
import pytest
import sqlalchemy as sa

from tests.api.helpers import bearer
from tests.cases_helpers import CaseWorld
from tests.casepack_helpers import flip, members, zip_of
from tests.casepack_world import PackWorld
from tests.conftest import BrowserClient, login, make_config
from tracker import create_app
from tracker.domain import casepack as layout
from tracker.domain.vocabulary import Role
from tracker.extensions import db
from tracker.models import CaseEvent, User
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


# ------------------------------------------------------------------------------------------ verify-pack


def _pack_file(tmp_path, world, state="decided", name="pack.zip"):
    from tracker.services.casepack import build_case_pack
    from tracker.services.cases import load_case
    from tracker.web.exports.pack import case_record

    case = load_case(world.to_state(state).id, world.auditor)
    path = tmp_path / name
    path.write_bytes(build_case_pack(case, world.auditor, case_record(case, world.auditor)).read())
    return case, path


def test_verify_pack_of_an_intact_pack_prints_one_line_with_the_chain_head(app, runner, tmp_path):
    case, path = _pack_file(tmp_path, PackWorld())
    head = db.session.scalars(sa.select(CaseEvent.hash).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())).first()
    result = runner.invoke(args=["audit", "verify-pack", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Pack intact: case {case.number} (id {case.id}), 4 files, ")
    assert f"chain head {head}" in result.output and f"/api/v1/cases/{case.id}/history" in result.output


def test_verify_pack_names_every_problem_and_exits_one(app, runner, tmp_path):
    _case, path = _pack_file(tmp_path, PackWorld())
    contents = members(path.read_bytes())
    contents[layout.CASE] = flip(contents[layout.CASE], 10)
    contents["notes.txt"] = b"planted"
    path.write_bytes(zip_of(contents))
    result = runner.invoke(args=["audit", "verify-pack", str(path)])
    assert result.exit_code == 1
    assert "PROBLEM case.json: its SHA-256 does not match the manifest (altered)" in result.output
    assert "PROBLEM notes.txt: is in the ZIP but not listed in the manifest (added)" in result.output
    assert "2 problem(s)" in result.output


@pytest.mark.parametrize("content", [b"", b"this is not a zip", b"PK\x03\x04\x14\x00garbage"])
def test_verify_pack_of_a_file_that_is_no_zip_says_so_without_a_traceback(app, runner, tmp_path, content):
    path = tmp_path / "pack.zip"
    path.write_bytes(content)
    result = runner.invoke(args=["audit", "verify-pack", str(path)])
    assert result.exit_code == 2
    assert "is not a case-file pack: not a ZIP archive" in result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_verify_pack_of_a_missing_file_exits_two(app, runner, tmp_path):
    result = runner.invoke(args=["audit", "verify-pack", str(tmp_path / "nowhere.zip")])
    assert result.exit_code == 2 and "cannot read" in result.output
    assert isinstance(result.exception, SystemExit)


def test_verify_pack_needs_no_database(app, tmp_path):
    _case, path = _pack_file(tmp_path, PackWorld())
    offline = create_app(make_config(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite'}", tmp_path))
    result = offline.test_cli_runner().invoke(args=["audit", "verify-pack", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Pack intact")


@pytest.fixture
def own_demo_app(demo_county, tmp_path):
    """An app on a demo county of its own, not the shared demo_app: issuing the API token below writes. It is a
    copy of the county ``seed_demo_county()`` seeded once for the run (tests/conftest.py ``demo_county``)."""
    application = create_app(make_config(demo_county.copy(), tmp_path))
    application.test_client_class = BrowserClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_a_demo_county_case_pack_downloaded_by_the_auditor_verifies_end_to_end(own_demo_app, tmp_path):
    from tracker.seed.demo import DEMO_PASSWORD

    app, runner = own_demo_app, own_demo_app.test_cli_runner()
    counts = sa.select(CaseEvent.case_id, sa.func.count()).group_by(CaseEvent.case_id).order_by(sa.func.count().desc())
    case_id, events = db.session.execute(counts).first()
    auditor = db.session.scalars(sa.select(User).where(User.role == Role.AUDITOR)).first()
    client = app.test_client()
    assert login(client, auditor.username, DEMO_PASSWORD).status_code == 302
    with client.get(f"/exports/cases/{case_id}/pack.zip") as response:
        assert response.status_code == 200
        (tmp_path / "demo.zip").write_bytes(response.get_data())
    history = client.get(f"/api/v1/cases/{case_id}/history", headers=bearer(auditor)).get_json()["items"]
    result = runner.invoke(args=["audit", "verify-pack", str(tmp_path / "demo.zip")])
    assert result.exit_code == 0, result.output
    assert f"{events} events, chain head {history[-1]['hash']}" in result.output

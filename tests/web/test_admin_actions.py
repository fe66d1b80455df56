"""Administrators' actions are recorded (who, when, what, to what, from where; never a secret) in the same
transaction as the change, never changed or removed, and read by auditors and administrators at /admin/actions."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, login, post_form, signed_in
from tests.factories import County
from tracker.domain.adminlog import ActionSource, AdminActionKind as Kind, TargetKind
from tracker.extensions import db
from tracker.models import AdminAction, ApiToken, PriceEmergency, Unit, User
from tracker.models.accounts import AdminLogIsAppendOnly
from tracker.services import accounts
from tracker.services.emergencies import EmergencyData, declare_emergency
from tracker.services.tokens import issue_token, revoke_token

ADDRESS, BROWSER = "198.51.100.7", "AdminBrowser/1.0 (pytest)"
FIRST_PASSWORD, SECOND_PASSWORD = "first secret pass 2020", "second secret pass 2021"


def _last_id() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.max(AdminAction.id))) or 0


def _since(mark: int) -> list[AdminAction]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AdminAction).where(AdminAction.id > mark).order_by(AdminAction.id)))


def _assert_no_secret(secrets: list[str]) -> None:
    """No stored value of any record holds a password, a password hash, a token or a token digest."""
    db.session.rollback()
    hashes = db.session.scalars(sa.select(User.password_hash)).all() + db.session.scalars(
        sa.select(ApiToken.token_hash)).all()
    stored = repr(db.session.execute(sa.select(AdminAction.__table__)).all())
    assert db.session.scalar(sa.select(sa.func.count(AdminAction.id))), "no records to search"
    for secret in [*secrets, *hashes]:
        assert secret not in stored
    for word in ("password_hash", "token_hash", "'password'", "'token'"):
        assert word not in stored


def _admin_browser(app, admin):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER})
    assert login(client, admin.username).status_code == 302
    return client


def test_each_administrators_action_on_the_web_leaves_one_record_of_who_when_what_and_where(app):
    county = County()
    admin = _admin_browser(app, county.admin)
    created = {}

    def new_token(response):
        created["token"] = re.search(r'<code id="new-token">([^<]+)</code>', response.get_data(as_text=True)).group(1)
        created["token_id"] = db.session.scalar(sa.select(sa.func.max(ApiToken.id)))

    def person():
        return db.session.scalar(sa.select(User).where(User.username == "zhou.qi"))

    # (what the admin does, the action, the target's kind, id and name, the values before and after)
    steps = [
        (lambda: post_form(admin, "/admin/units", data={"code": "hx", "name": "Huaxi station",
                                                        "timezone": "Asia/Shanghai"}),
         Kind.UNIT_CREATED, TargetKind.UNIT, lambda: db.session.scalar(sa.select(Unit.id).where(Unit.code == "HX")),
         "HX", {}, {"code": "HX", "name": "Huaxi station", "timezone": "Asia/Shanghai"}),
        (lambda: post_form(admin, "/admin/users", data={
            "username": "Zhou.Qi", "full_name": "Zhou Qi", "role": "supervisor", "unit": "HX",
            "legal_reviewer": "y", "password": FIRST_PASSWORD}),
         Kind.ACCOUNT_CREATED, TargetKind.ACCOUNT, lambda: person().id, "zhou.qi", {},
         {"username": "zhou.qi", "full_name": "Zhou Qi", "role": "supervisor", "unit": "HX", "legal_reviewer": True,
          "active": True}),
        (lambda: post_form(admin, f"/admin/users/{person().id}/password", data={"password": SECOND_PASSWORD}),
         Kind.PASSWORD_RESET, TargetKind.ACCOUNT, lambda: person().id, "zhou.qi", {}, {}),
        (lambda: post_form(admin, "/admin/users", f"/admin/users/{person().id}/active"),
         Kind.ACCOUNT_DEACTIVATED, TargetKind.ACCOUNT, lambda: person().id, "zhou.qi", {"active": True},
         {"active": False}),
        (lambda: post_form(admin, "/admin/users", f"/admin/users/{person().id}/active"),
         Kind.ACCOUNT_REACTIVATED, TargetKind.ACCOUNT, lambda: person().id, "zhou.qi", {"active": False},
         {"active": True}),
        (lambda: post_form(admin, "/admin/emergencies", data={
            "name": "Flood relief", "jurisdiction": "County", "starts_on": "2021-07-20", "ends_on": "2021-08-31",
            "baseline_date": "2021-07-10", "categories": ["meat", "grain_oil"]}),
         Kind.EMERGENCY_DECLARED, TargetKind.EMERGENCY,
         lambda: db.session.scalar(sa.select(PriceEmergency.id).where(PriceEmergency.name == "Flood relief")),
         "Flood relief", {}, {"name": "Flood relief", "jurisdiction": "County", "starts_on": "2021-07-20",
                              "ends_on": "2021-08-31", "baseline_date": "2021-07-10",
                              "categories": ["meat", "grain_oil"]}),
        (lambda: new_token(post_form(admin, "/auth/tokens", data={"name": "admin laptop"})),
         Kind.TOKEN_ISSUED, TargetKind.API_TOKEN, lambda: created["token_id"], "admin.sun (admin laptop)", {},
         {"account": "admin.sun", "name": "admin laptop"}),
        (lambda: post_form(admin, "/auth/tokens", f"/auth/tokens/{created['token_id']}/revoke"),
         Kind.TOKEN_REVOKED, TargetKind.API_TOKEN, lambda: created["token_id"], "admin.sun (admin laptop)",
         {"revoked": False}, {"revoked": True}),
    ]
    for do, kind, target_kind, target_id, label, before, after in steps:
        mark, started = _last_id(), datetime.now(timezone.utc)
        response = do()
        assert response is None or response.status_code == 302, (kind, response.get_data(as_text=True)[:400])
        finished = datetime.now(timezone.utc)
        (entry,) = _since(mark)
        assert (entry.action, entry.target_kind, entry.target_id, entry.target_label) == (
            kind, target_kind, target_id(), label)
        assert entry.details == {"before": before, "after": after}, kind
        assert (entry.actor_id, entry.actor_username) == (county.admin.id, "admin.sun")
        assert (entry.source, entry.ip, entry.user_agent, entry.os_user) == (ActionSource.WEB, ADDRESS, BROWSER, "")
        assert started - timedelta(seconds=1) <= entry.at <= finished + timedelta(seconds=1)
    assert person().check_password(SECOND_PASSWORD) and person().is_active_account
    _assert_no_secret([FIRST_PASSWORD, SECOND_PASSWORD, created["token"]])


def test_refused_changes_and_other_peoples_tokens_leave_no_record(app):
    county = County()
    admin = _admin_browser(app, county.admin)
    mark = _last_id()
    post_form(admin, "/admin/units", data={"code": "CG", "name": "Again", "timezone": "Asia/Shanghai"})  # taken
    post_form(admin, "/admin/users", data={"username": "x", "role": "officer", "password": "short"})
    post_form(admin, "/admin/users", f"/admin/users/{county.admin.id}/active")  # not oneself
    post_form(admin, f"/admin/users/{county.officer.id}/password", data={"password": "onlyletters"})
    accounts.set_active(county.officer, True, actor=county.admin)  # already active: nothing changes
    # An officer's own token is theirs, not an administrator's action.
    officer = signed_in(app, county.officer)
    record_id = db.session.scalar(sa.select(sa.func.max(ApiToken.id)))
    assert post_form(officer, "/auth/tokens", data={"name": "field tablet"}).status_code == 200
    token_id = db.session.scalar(sa.select(sa.func.max(ApiToken.id)))
    assert token_id != record_id
    assert post_form(officer, "/auth/tokens", f"/auth/tokens/{token_id}/revoke").status_code == 302
    assert _since(mark) == []


def test_an_api_declaration_is_recorded_as_from_the_api(app, client):
    county = County()
    _record, token = issue_token(county.admin, "integration", actor=county.admin)
    mark = _last_id()
    response = client.post("/api/v1/emergencies", json={
        "name": "Flood relief", "starts_on": "2021-07-20", "baseline_date": "2021-07-10", "categories": ["meat"]},
        headers={"Authorization": f"Bearer {token}", "User-Agent": "integration/2.0"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 201, response.get_data(as_text=True)
    (entry,) = _since(mark)
    assert (entry.action, entry.target_id, entry.target_label) == (
        Kind.EMERGENCY_DECLARED, response.get_json()["id"], "Flood relief")
    assert (entry.actor_username, entry.source, entry.ip, entry.user_agent) == (
        "admin.sun", ActionSource.API, "203.0.113.9", "integration/2.0")
    _assert_no_secret([token])


def test_command_line_actions_are_recorded_with_the_operating_system_user(app, runner, monkeypatch):
    monkeypatch.setenv("LOGNAME", "deploy")
    steps = [
        (["units", "create", "CG", "Chengguan station"], Kind.UNIT_CREATED, "CG"),
        (["users", "create", "wang.fang", "--role", "supervisor", "--unit", "CG", "--password", FIRST_PASSWORD,
          "--legal-reviewer", "--full-name", "Wang Fang"], Kind.ACCOUNT_CREATED, "wang.fang"),
        (["users", "token", "wang.fang", "--name", "sync job"], Kind.TOKEN_ISSUED, "wang.fang (sync job)"),
    ]
    outputs, entries = [], []
    for args, kind, label in steps:
        mark = _last_id()
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output.strip())
        (entry,) = _since(mark)
        entries.append(entry)
        assert (entry.action, entry.target_label) == (kind, label)
        assert (entry.actor_id, entry.actor_username) == (None, "")
        assert (entry.source, entry.ip, entry.user_agent, entry.os_user) == (ActionSource.COMMAND_LINE, "", "", "deploy")
    assert entries[1].details["before"] == {} and entries[1].details["after"] == {"username": "wang.fang", "full_name": "Wang Fang", "role": "supervisor",
                                        "unit": "CG", "legal_reviewer": True, "active": True}
    mark = _last_id()
    assert runner.invoke(args=["units", "create", "CG", "Again"]).exit_code == 1  # refused: nothing recorded
    assert _since(mark) == []
    _assert_no_secret([FIRST_PASSWORD, outputs[-1]])


def test_an_action_and_its_record_are_one_commit(app):
    county = County()
    commits = []

    def committed(session):
        commits.append(session)

    session = db.session()
    sa.event.listen(session, "after_commit", committed)
    try:
        user = accounts.create_user("zhou.qi", "officer", FIRST_PASSWORD, "CG", actor=county.admin)
        accounts.set_active(user, False, actor=county.admin)
    finally:
        sa.event.remove(session, "after_commit", committed)
    assert len(commits) == 2
    kinds = db.session.scalars(sa.select(AdminAction.action).where(AdminAction.target_id == user.id,
                                                                   AdminAction.target_kind == TargetKind.ACCOUNT))
    assert list(kinds) == [Kind.ACCOUNT_CREATED, Kind.ACCOUNT_DEACTIVATED]


def _officer(county):
    db.session.expire_all()
    return db.session.get(User, county.officer.id)


# (the change, a check that it did not happen)
UNDONE = {
    "unit": (lambda c: accounts.create_unit("HX", "Huaxi", actor=c.admin),
             lambda c: db.session.scalar(sa.select(Unit).where(Unit.code == "HX")) is None),
    "account": (lambda c: accounts.create_user("zhou.qi", "officer", FIRST_PASSWORD, "CG", actor=c.admin),
                lambda c: accounts.find_user("zhou.qi") is None),
    "deactivation": (lambda c: accounts.set_active(c.officer, False, actor=c.admin),
                     lambda c: _officer(c).is_active_account),
    "password": (lambda c: accounts.reset_password(c.officer, SECOND_PASSWORD, actor=c.admin),
                 lambda c: _officer(c).check_password("inspect-2020")),
    "emergency": (lambda c: declare_emergency(c.admin, EmergencyData(
        "Flood relief", starts_on=date(2021, 7, 20), baseline_date=date(2021, 7, 10), categories=["meat"])), lambda c: db.session.scalar(sa.select(sa.func.count(PriceEmergency.id))) == 0),
    "token": (lambda c: issue_token(c.admin, "laptop", actor=c.admin),
              lambda c: db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0),
}


@pytest.mark.parametrize("change", sorted(UNDONE))
def test_when_its_record_cannot_be_written_the_change_is_not_made(app, change):
    county = County()
    do, undone = UNDONE[change]
    mark = _last_id()

    def log_unavailable(*_args):
        raise RuntimeError("the log cannot be written")

    sa.event.listen(AdminAction, "before_insert", log_unavailable)
    try:
        with pytest.raises(RuntimeError, match="the log cannot be written"):
            do(county)
    finally:
        sa.event.remove(AdminAction, "before_insert", log_unavailable)
    db.session.rollback()
    assert undone(county), change
    assert _since(mark) == []


def test_a_revocation_and_its_record_are_one_commit(app):
    county = County()
    record, _token = issue_token(county.admin, "laptop", actor=county.admin)

    def log_unavailable(*_args):
        raise RuntimeError("the log cannot be written")

    sa.event.listen(AdminAction, "before_insert", log_unavailable)
    try:
        with pytest.raises(RuntimeError):
            revoke_token(county.admin, record.id)
    finally:
        sa.event.remove(AdminAction, "before_insert", log_unavailable)
    db.session.rollback()
    assert db.session.get(ApiToken, record.id).revoked_at is None


def test_the_application_never_changes_or_removes_a_record(app):
    County()
    entry = db.session.scalars(sa.select(AdminAction)).first()
    entry.target_label = "rewritten"
    with pytest.raises(AdminLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(sa.select(AdminAction)).first())
    with pytest.raises(AdminLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_postgresql_refuses_to_update_or_delete_a_record(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    County()
    for statement in ("UPDATE admin_actions SET target_label = 'x'", "DELETE FROM admin_actions"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement))
    assert db.session.scalar(sa.select(sa.func.count(AdminAction.id))) == 9  # 2 units, 7 accounts


# ------------------------------------------------------------------------------------------ the page


def test_the_page_is_for_auditors_and_administrators_with_a_menu_entry(app, client):
    county = County()
    assert client.get("/admin/actions").headers["Location"].startswith("/auth/login")
    for person in (county.officer, county.supervisor):
        reader = signed_in(app, person)
        assert reader.get("/admin/actions").status_code == 403
        assert 'href="/admin/actions"' not in reader.get("/premises/").get_data(as_text=True)
    auditor = signed_in(app, county.auditor)
    assert 'href="/admin/actions"' in auditor.get("/reports/").get_data(as_text=True)
    page = auditor.get("/admin/actions").get_data(as_text=True)
    assert "<code>zhang.wei</code>" in page and "account created" in page
    admin = signed_in(app, county.admin)
    assert 'href="/admin/actions"' in admin.get("/admin/").get_data(as_text=True)
    assert admin.get("/admin/actions").status_code == 200


def test_the_page_filters_by_actor_action_source_target_and_period(app, runner, monkeypatch):
    monkeypatch.setenv("LOGNAME", "deploy")
    county = County()  # through the services, outside a request: the command line
    admin = _admin_browser(app, county.admin)
    post_form(admin, "/admin/users", f"/admin/users/{county.officer.id}/active")
    post_form(admin, "/admin/units", data={"code": "HX", "name": "Huaxi station", "timezone": "Asia/Shanghai"})
    auditor = signed_in(app, county.auditor)

    def rows(query: str) -> list[str]:
        html = auditor.get(f"/admin/actions?{query}").get_data(as_text=True)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return [row for row in body.split("<tr>")[1:] if "No actions match." not in row]

    everything = rows("")
    assert len(everything) == 10  # PER_PAGE: 9 from the command line, 2 from the web
    mine = rows("actor=ADMIN.S")
    assert len(mine) == 2 and all("<code>admin.sun</code>" in row and ADDRESS in row for row in mine)
    assert "account deactivated" in mine[1] and "Account active: yes → no" in mine[1]
    assert "unit created" in mine[0] and "Name: Huaxi station" in mine[0] and BROWSER in mine[0]
    assert len(rows("actor=deplo")) == 9 and "operating-system user deploy" in rows("actor=deplo")[0]
    (deactivated,) = rows("action=account_deactivated")
    assert "<code>zhang.wei</code>" in deactivated
    assert len(rows("source=web")) == 2 and len(rows("source=command_line")) == 9
    assert len(rows("target=ZHANG")) == 2  # created, then deactivated
    assert len(rows("target=hx&action=unit_created")) == 1
    assert rows("target=%25") == [] and rows("actor=_") == []  # % and _ are literal
    assert rows("date_from=2999-01-01") == [] and rows("date_to=2000-01-01") == []
    assert len(rows("date_from=2000-01-01&date_to=2999-12-31&source=web")) == 2
    # An unknown action, source or date is ignored, as on every list page.
    assert len(rows("action=bogus&source=nowhere&date_from=someday")) == 10
    assert auditor.get("/admin/actions?page=99").status_code == 200


def test_the_page_is_paged_and_runs_as_many_queries_for_a_long_log_as_for_a_short_one(app):
    county = County()  # 9 actions
    for i in range(25):
        accounts.create_user(f"bulk.{i:02d}", "auditor", FIRST_PASSWORD, actor=county.admin)
        if i == 4:  # 14 actions: page 2 holds 4
            admin = signed_in(app, county.admin)
            admin.get("/admin/actions")
            with count_queries() as few:
                short = admin.get("/admin/actions?page=2")
            assert "14 in all, page 2 of 2" in short.get_data(as_text=True)
    with count_queries() as many:
        response = admin.get("/admin/actions?page=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "34 in all, page 2 of 4" in html
    assert len(few) == len(many) <= 4, (few, many)

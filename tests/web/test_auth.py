"""Signing in and out, safe redirects, deactivated accounts, CSRF."""
from tests.conftest import csrf_token, login, post_form
from tests.factories import County
from tracker.services.accounts import set_active


def test_sign_in_and_out(app, client):
    county = County()
    response = login(client, county.officer.username)
    assert response.status_code == 302
    assert client.get("/premises/").status_code == 200
    response = post_form(client, "/", "/auth/logout")
    assert response.status_code == 302
    assert client.get("/premises/").status_code == 302  # back to the login page


def test_wrong_password_gives_one_message_for_all(app, client):
    county = County()
    wrong = login(client, county.officer.username, "not-the-password-1")
    unknown = login(client, "nobody.here", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong username or password." in wrong.get_data(as_text=True)
    assert "Wrong username or password." in unknown.get_data(as_text=True)


def test_next_is_followed_only_on_this_site(app, client):
    county = County()
    token = csrf_token(client, "/auth/login")
    data = {"username": county.officer.username, "password": "inspect-2020", "csrf_token": token}
    response = client.post("/auth/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login?next=/premises/", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/premises/"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login?next=//evil.example/", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_deactivated_account_cannot_sign_in_and_is_signed_out(app, client):
    county = County()
    login(client, county.officer.username)
    set_active(county.officer, False)
    assert client.get("/premises/").status_code == 302
    assert login(client, county.officer.username).status_code == 200


def test_post_without_csrf_token_is_refused(app, client, as_user):
    county = County()
    as_user(county.officer)
    response = client.post("/premises/new", data={"name": "X", "kind": "pharmacy", "operator_type": "individual"})
    assert response.status_code == 400


# ------------------------------------------------------------------ throttling, lockout, enumeration

import re  # noqa: E402
from datetime import timedelta  # noqa: E402

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tracker.domain.signin import SignInReason  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import SignInAttempt, User  # noqa: E402
from tracker.services import accounts as accounts_service  # noqa: E402

MESSAGE = "Wrong username or password."


def _attempts(username=None):
    stmt = sa.select(SignInAttempt).order_by(SignInAttempt.id)
    if username:
        stmt = stmt.where(SignInAttempt.username == username)
    return db.session.scalars(stmt).all()


def _backdate(minutes, attempts=None):
    """Move attempts (default: all) ``minutes`` into the past."""
    for attempt in attempts if attempts is not None else _attempts():
        attempt.at -= timedelta(minutes=minutes)
    db.session.commit()


def _lockout(app, threshold=5, window=15, minutes=15):
    app.config.update(LOGIN_LOCKOUT_THRESHOLD=threshold, LOGIN_LOCKOUT_WINDOW_MINUTES=window,
                      LOGIN_LOCKOUT_MINUTES=minutes)


def test_failed_sign_ins_from_one_address_are_throttled_with_a_clear_429_page(app, client):
    county = County()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _attempt in range(3):
        assert login(client, county.officer.username, "not-the-password-1").status_code == 200
    refused = login(client, county.officer.username)  # even the right password waits now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "Too many sign-in attempts" in page and "Traceback" not in page
    assert refused.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # The refused request never reached the view: nothing was recorded for it.
    assert len(_attempts(county.officer.username)) == 3
    # Another address is not affected.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere, county.officer.username).status_code == 302
    assert _attempts(county.officer.username)[-1].ip == "192.0.2.7"


def test_successful_sign_ins_do_not_count_against_the_address(app, client):
    county = County()
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _round in range(4):
        assert login(client, county.officer.username).status_code == 302
        assert post_form(client, "/", "/auth/logout").status_code == 302


def test_an_account_locks_after_five_failures_in_15_minutes_and_unlocks_after_15(app, client):
    county = County()
    _lockout(app)
    name = county.officer.username
    for _attempt in range(5):
        assert login(client, name, "not-the-password-1").status_code == 200
    locked = login(client, name)  # the right password, but locked
    assert locked.status_code == 200 and MESSAGE in locked.get_data(as_text=True)
    assert [a.reason for a in _attempts(name)] == [SignInReason.WRONG_PASSWORD] * 5 + [SignInReason.LOCKED]
    # Other accounts are not affected.
    assert login(app.test_client(), county.officer2.username).status_code == 302
    # Attempts while locked do not extend the lockout: 16 minutes after the failures it is over.
    _backdate(16)
    assert login(client, name).status_code == 302
    assert _attempts(name)[-1].reason is SignInReason.OK


def test_failures_spread_over_more_than_the_window_do_not_lock(app, client):
    county = County()
    _lockout(app)
    name = county.officer.username
    for minutes_ago in (40, 30, 20, 10):
        assert login(client, name, "not-the-password-1").status_code == 200
        _backdate(minutes_ago, _attempts(name)[-1:])
    assert login(client, name, "not-the-password-1").status_code == 200  # 5th failure, but spread over 40 min
    assert login(client, name).status_code == 302


def test_a_success_resets_the_failure_count(app, client):
    county = County()
    _lockout(app, threshold=3)
    name = county.officer.username
    login(client, name, "not-the-password-1")
    login(client, name, "not-the-password-1")
    assert login(client, name).status_code == 302
    post_form(client, "/", "/auth/logout")
    login(client, name, "not-the-password-1")
    assert login(client, name).status_code == 302  # 3 failures in 15 minutes, but a success between


def _normalised(response, *typed):
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    for text in typed:
        html = html.replace(text, "NAME")
    return html


def test_unknown_wrong_deactivated_and_locked_answer_exactly_alike(app, client, monkeypatch):
    county = County()
    _lockout(app, threshold=2)
    set_active(county.officer2, False)
    for _attempt in range(2):
        login(app.test_client(), county.supervisor.username, "not-the-password-1")
    checks = []
    import tracker.models.accounts as account_models
    import tracker.services.accounts as account_services

    def spy(module):
        real = module.check_password_hash
        monkeypatch.setattr(module, "check_password_hash", lambda *a: checks.append(module.__name__) or real(*a))

    spy(account_models)
    spy(account_services)
    answers = {
        "unknown": (login(app.test_client(), "no.such.person", "inspect-2020"), "no.such.person"),
        "wrong password": (login(app.test_client(), county.officer.username, "not-the-password-1"), county.officer.username),
        "deactivated": (login(app.test_client(), county.officer2.username), county.officer2.username),
        "locked": (login(app.test_client(), county.supervisor.username), county.supervisor.username),
    }
    bodies = {case: _normalised(response, name) for case, (response, name) in answers.items()}
    assert {response.status_code for response, _name in answers.values()} == {200}
    assert len(set(bodies.values())) == 1, "the four refusals differ"
    assert MESSAGE in bodies["unknown"]
    # Every attempt checks exactly one password hash (a dummy one for the unknown name): similar timing.
    assert len(checks) == 4
    reasons = [a.reason for a in _attempts()][-4:]
    assert reasons == [SignInReason.UNKNOWN_USER, SignInReason.WRONG_PASSWORD, SignInReason.INACTIVE,
                       SignInReason.LOCKED]


def test_every_sign_in_is_recorded_with_address_agent_and_reason(app, client):
    county = County()
    long_agent = "Mozilla/5.0 " + "x" * 400
    client.environ_base["HTTP_USER_AGENT"] = long_agent
    login(client, "  Nobody.Here ", "whatever-123")
    login(client, county.officer.username, "not-the-password-1")
    login(client, county.officer.username)
    unknown, wrong, ok = _attempts()
    assert unknown.user_id is None and unknown.reason is SignInReason.UNKNOWN_USER and not unknown.success
    assert unknown.username == "nobody.here"
    assert wrong.user_id == county.officer.id and wrong.reason is SignInReason.WRONG_PASSWORD
    assert ok.success and ok.reason is SignInReason.OK and ok.ip == "127.0.0.1"
    assert ok.user_agent == long_agent[:200]
    db.session.refresh(county.officer)
    assert county.officer.last_login_at == ok.at
    # The service truncates what it stores, whatever reaches it.
    accounts_service.authenticate("y" * 500, "whatever-123", ip="2001:db8::" + "1" * 80, user_agent="z" * 999)
    stored = _attempts()[-1]
    assert (len(stored.username), len(stored.ip), len(stored.user_agent)) == (64, 45, 200)


def test_a_successful_sign_in_and_its_record_commit_together(app):
    county = County()
    commits = []

    def committed(session):
        commits.append(session)

    session = db.session()
    sa.event.listen(session, "after_commit", committed)
    try:
        user = accounts_service.authenticate(county.officer.username, "inspect-2020", ip="198.51.100.1")
    finally:
        sa.event.remove(session, "after_commit", committed)
    assert user is not None and len(commits) == 1
    record = _attempts()[-1]
    assert record.success and record.user_id == user.id and user.last_login_at == record.at


def test_the_sign_in_log_is_for_admins_and_auditors_filtered_and_paged(app, client):
    from tests.conftest import count_queries, signed_in

    county = County()
    for name in ("zhang.wei", "nobody", "li.na"):
        login(app.test_client(), name, "not-the-password-1")
    for person in (county.officer, county.supervisor):
        assert signed_in(app, person).get("/admin/sign-ins").status_code == 403
    assert client.get("/admin/sign-ins").status_code == 302
    auditor = signed_in(app, county.auditor)
    admin = signed_in(app, county.admin)
    page = auditor.get("/admin/sign-ins?outcome=failed").get_data(as_text=True)
    assert page.count("<td>wrong password</td>") == 2 and page.count("<td>unknown username</td>") == 1
    assert "<code>audit.liu</code>" not in page  # the auditor's own success is filtered out
    page = admin.get("/admin/sign-ins?username=WEI&reason=wrong_password").get_data(as_text=True)
    assert "<code>zhang.wei</code>" in page and "<code>li.na</code>" not in page
    page = admin.get("/admin/sign-ins?ip=192.0.2.1").get_data(as_text=True)
    assert "No sign-ins match." in page
    page = admin.get("/admin/sign-ins?username=%25").get_data(as_text=True)  # % is literal
    assert "No sign-ins match." in page
    assert admin.get("/admin/sign-ins?date_from=2000-01-01&date_to=1999-01-01&reason=bogus&page=99").status_code == 200
    with count_queries() as few:
        assert admin.get("/admin/sign-ins").status_code == 200
    for _attempt in range(25):
        login(app.test_client(), "nobody", "not-the-password-1")
    with count_queries() as many:
        response = admin.get("/admin/sign-ins?page=2")
    assert response.status_code == 200 and "page 2 of" in response.get_data(as_text=True)
    assert len(few) == len(many) <= 4


# ------------------------------------------------------------------ the session

def _session_of(app, client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _decode(app, value):
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_sign_in_renews_the_session_and_the_old_cookie_opens_nothing(app, client):
    county = County()
    old_token = csrf_token(client, "/auth/login")
    before = _session_of(app, client)
    assert "_user_id" not in _decode(app, before)
    response = client.post("/auth/login", data={"username": county.officer.username, "password": "inspect-2020",
                                                "csrf_token": old_token})
    assert response.status_code == 302
    after = _session_of(app, client)
    assert after != before
    assert _decode(app, after)["_user_id"] == str(county.officer.id)
    assert _decode(app, after).get("csrf_token") != _decode(app, before).get("csrf_token")
    # Replaying the pre-sign-in cookie gives an anonymous visitor.
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/premises/").status_code == 302
    # The CSRF token issued before sign-in no longer works.
    refused = client.post("/premises/new", data={"name": "X", "csrf_token": old_token})
    assert refused.status_code == 400


def test_session_cookie_flags_and_no_remember_cookie(app, client):
    county = County()
    response = login(client, county.officer.username)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Expires=" not in session_cookie  # a browser-session cookie: gone when the browser closes
    assert "Secure" not in session_cookie  # plain HTTP in development
    assert not any(c.startswith("remember_token=") for c in cookies)
    assert app.permanent_session_lifetime == timedelta(hours=8)
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_behind_https_the_cookies_are_secure(test_database, tmp_path, monkeypatch):
    from tests.conftest import make_config
    from tracker import create_app
    from tracker.config import from_environment

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    settings = from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    secure = create_app(make_config(test_database, tmp_path, SESSION_COOKIE_SECURE=True))
    client = secure.test_client()
    response = client.get("/auth/login", base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with secure.app_context():
        db.engine.dispose()


def test_a_sign_in_ends_after_the_session_lifetime_however_active(app, client):
    county = County()
    login(client, county.officer.username)
    assert client.get("/premises/").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= 8 * 3600 + 1
    assert client.get("/premises/").status_code == 302
    assert client.get("/premises/").status_code == 302


def test_a_session_cookie_replayed_from_another_browser_is_signed_out(app, client):
    county = County()
    client.environ_base["HTTP_USER_AGENT"] = "Officer's browser"
    login(client, county.officer.username)
    assert client.get("/premises/").status_code == 200
    thief = app.test_client()
    thief.environ_base["HTTP_USER_AGENT"] = "Someone else's browser"
    thief.set_cookie("session", _session_of(app, client))
    assert thief.get("/premises/").status_code == 302  # Flask-Login's strong session protection
    assert client.get("/premises/").status_code == 200


def test_a_forged_forwarded_for_header_does_not_keep_a_replayed_session_alive(app, client):
    """Finding 4 of issue 15: with no trusted proxy, a thief's X-Forwarded-For naming the victim's address is not
    believed, so the stolen cookie from another address is signed out even with the victim's browser string."""
    county = County()
    client.environ_base.update(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Officer's browser")
    login(client, county.officer.username)
    thief = app.test_client()
    thief.environ_base.update(REMOTE_ADDR="203.0.113.66", HTTP_USER_AGENT="Officer's browser",
                              HTTP_X_FORWARDED_FOR="198.51.100.7")
    thief.set_cookie("session", _session_of(app, client))
    assert thief.get("/premises/").status_code == 302
    # The officer's own requests, with or without such a header, go on.
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.1"
    assert client.get("/premises/").status_code == 200


def test_behind_a_trusted_proxy_a_session_follows_the_forwarded_address(test_database, tmp_path):
    from tests.conftest import BrowserClient, _clear, make_config
    from tracker import create_app

    app = create_app(make_config(test_database, tmp_path, PROXY_FIX_X_FOR=1))
    app.test_client_class = BrowserClient
    try:
        _signed_out_behind_a_proxy(app)
    finally:
        _clear(app)  # rows removed, engine disposed


def _signed_out_behind_a_proxy(app):
    with app.app_context():
        county = County()
        officer = app.test_client()
        officer.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT="Officer's browser",
                                    HTTP_X_FORWARDED_FOR="198.51.100.7")
        login(officer, county.officer.username)
        assert officer.get("/premises/").status_code == 200
        thief = app.test_client()  # through the same proxy, from another address
        thief.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT="Officer's browser",
                                  HTTP_X_FORWARDED_FOR="203.0.113.66")
        thief.set_cookie("session", _session_of(app, officer))
        assert thief.get("/premises/").status_code == 302
        assert officer.get("/premises/").status_code == 200
        db.session.remove()


def test_sign_out_clears_the_whole_session(app, client):
    county = County()
    login(client, county.officer.username)
    post_form(client, "/", "/auth/logout")
    content = _decode(app, _session_of(app, client))
    assert "_user_id" not in content and "signed_in_at" not in content and "_id" not in content
    assert client.get("/premises/").status_code == 302


# ------------------------------------------------------------------ open redirects

@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "evil.example",
    "///evil.example", "/%09/evil.example".replace("%09", "\t"), "http:/evil.example", "data:text/html,x",
])
def test_sign_in_never_redirects_off_site(app, client, target):
    county = County()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": county.officer.username, "password": "inspect-2020", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/premises/", "/cases/?state=clue&page=2", "/planning/search?q=%E5%BA%B7"])
def test_sign_in_follows_same_site_paths(app, client, target):
    county = County()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": county.officer.username, "password": "inspect-2020", "csrf_token": token})
    assert response.headers["Location"] == target


# ------------------------------------------------------------------ password rules

@pytest.mark.parametrize("password, accepted", [
    ("short-1", False), ("onlyletterslong", False), ("12345678901234", False), ("long-enough-2020", True),
])
def test_password_rules_hold_for_new_accounts_and_resets(app, client, password, accepted):
    from tests.conftest import signed_in

    county = County()
    admin = signed_in(app, county.admin)
    response = post_form(admin, "/admin/users", data={"username": "new.person", "role": "auditor", "unit": "",
                                                      "password": password})
    assert (response.status_code == 302) is accepted
    created = db.session.scalar(sa.select(User).where(User.username == "new.person"))
    assert (created is not None) is accepted
    page = f"/admin/users/{county.officer.id}/password"
    response = post_form(admin, page, data={"password": password})
    assert (response.status_code == 302) is accepted
    db.session.refresh(county.officer)
    assert county.officer.check_password(password) is accepted


# ------------------------------------------------------------------ client addresses behind proxies

def test_a_forged_forwarded_for_header_does_not_dodge_the_throttle(app, client):
    county = County()
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for n in range(2):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        assert login(client, county.officer.username, "not-the-password-1").status_code == 200
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.99"
    assert login(client, county.officer.username).status_code == 429
    assert {a.ip for a in _attempts()} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_used(test_database, tmp_path):
    from tests.conftest import _clear, make_config
    from tracker import create_app

    proxied = create_app(make_config(test_database, tmp_path, PROXY_FIX_X_FOR=1))
    try:
        with proxied.app_context():
            County()
            client = proxied.test_client()
            client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
            login(client, "zhang.wei", "not-the-password-1")
            assert [a.ip for a in _attempts()] == ["203.0.113.5"]
            db.session.remove()
    finally:
        _clear(proxied)  # rows removed, engine disposed

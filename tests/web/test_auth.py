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

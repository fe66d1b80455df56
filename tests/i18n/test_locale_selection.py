"""Which language a request gets: the user's profile > the switcher's cookie > Accept-Language > English;
the API: Accept-Language alone. The switcher and the profile setting save the choice."""
from __future__ import annotations

import pytest
from babel import Locale
from flask import request
from flask_babel import gettext
from flask_login import login_user

from tests.conftest import csrf_token, login, post_form
from tests.factories import unit, user
from tests.i18n.helpers import page_lang, request_in
from tracker.extensions import db
from tracker.models import User
from tracker.services.localisation import best_accepted, catalog_name, supported
from tracker.web.locale import LOCALE_COOKIE, select_locale


@pytest.mark.parametrize("header, expected", [
    ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("zh-Hans", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh_CN", "zh_CN"),
    ("ZH-cn", "zh_CN"), ("zh-SG", "zh_CN"), ("en", "en"), ("en-GB", "en"), ("en-US,zh-CN;q=0.9", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"), ("fr, zh;q=0.3", "zh_CN"), ("de, en;q=0.5, zh;q=0.4", "en"),
    # Traditional Chinese: English if the reader accepts it, else Simplified rather than nothing.
    ("zh-TW, en;q=0.8", "en"), ("zh-TW", "zh_CN"), ("zh-Hant-HK", "zh_CN"),
    ("fr", None), ("*", None), ("", None), ("x-klingon, ;q=abc", None),
])
def test_accept_language_matching(app, header, expected):
    with app.test_request_context("/", headers={"Accept-Language": header}):
        assert best_accepted(request.accept_languages) == expected


def test_catalog_names_are_read_in_any_spelling():
    assert [supported(v) for v in ("zh_CN", "zh-CN", "zh-cn", "en", "EN", "fr", "", None, "zh")] == \
        ["zh_CN", "zh_CN", "zh_CN", "en", "en", None, None, None, None]


def test_the_browser_language_then_english(client):
    assert page_lang(client.get("/auth/login")) == "en"
    assert page_lang(client.get("/auth/login", headers={"Accept-Language": "zh-Hans-CN"})) == "zh-CN"
    assert page_lang(client.get("/outcomes/", headers={"Accept-Language": "zh"})) == "zh-CN"
    assert page_lang(client.get("/auth/login", headers={"Accept-Language": "fr"})) == "en"


def _switch(client, locale: str, next_url: str = "/outcomes/", page: str = "/auth/login"):
    return post_form(client, page, "/auth/language", data={"locale": locale, "next": next_url})


def test_an_anonymous_switch_is_kept_in_a_cookie_over_the_browser_language(app, client):
    response = _switch(client, "zh_CN")
    assert response.status_code == 302 and response.location.endswith("/outcomes/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{LOCALE_COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert page_lang(client.get("/outcomes/", headers=english_browser)) == "zh-CN"
    assert page_lang(client.get("/auth/login", headers=english_browser)) == "zh-CN"
    # Back to English with the switcher, whatever the browser says.
    _switch(client, "en", page="/outcomes/")
    assert page_lang(client.get("/outcomes/", headers={"Accept-Language": "zh-CN"})) == "en"
    # Empty: follow the browser again (the cookie goes).
    response = _switch(client, "", page="/outcomes/")
    assert any(c.startswith(f"{LOCALE_COOKIE}=;") for c in response.headers.getlist("Set-Cookie"))
    assert page_lang(client.get("/outcomes/", headers={"Accept-Language": "zh-CN"})) == "zh-CN"


def test_the_switch_survives_signing_in_and_is_saved_to_the_profile(app, client):
    officer = user("officer", unit("CG"), "zhang.wei")
    _switch(client, "zh_CN")
    assert login(client, officer.username).status_code == 302
    assert page_lang(client.get("/auth/tokens", headers={"Accept-Language": "en"})) == "zh-CN"
    assert db.session.get(User, officer.id).locale is None  # chosen before signing in: only the cookie knows
    _switch(client, "zh_CN", next_url="/auth/tokens", page="/auth/tokens")
    assert db.session.get(User, officer.id).locale == "zh_CN"
    # Another browser, set to English, with no cookie: the profile decides.
    other = app.test_client()
    assert login(other, officer.username).status_code == 302
    assert page_lang(other.get("/auth/tokens", headers={"Accept-Language": "en"})) == "zh-CN"


def test_the_profile_beats_the_cookie_and_the_browser(app, client):
    officer = user("officer", unit("CG"), "zhang.wei")
    officer.locale = "en"
    db.session.commit()
    client.set_cookie(LOCALE_COOKIE, "zh_CN")
    assert login(client, officer.username).status_code == 302
    assert page_lang(client.get("/auth/tokens", headers={"Accept-Language": "zh-CN"})) == "en"
    # The profile page offers the setting, showing the saved choice.
    html = client.get("/auth/tokens").get_data(as_text=True)
    assert 'id="language"' in html and '<option selected value="en">' in html
    # "Follow my browser" clears the profile and the cookie.
    response = post_form(client, "/auth/tokens", "/auth/language", data={"locale": "", "next": "/auth/tokens"})
    assert response.status_code == 302 and response.location.endswith("/auth/tokens")
    assert db.session.get(User, officer.id).locale is None
    assert page_lang(client.get("/auth/tokens", headers={"Accept-Language": "zh-CN"})) == "zh-CN"
    assert page_lang(client.get("/auth/tokens", headers={"Accept-Language": "en"})) == "en"


def test_signing_out_keeps_the_language_of_the_browser(app, client):
    officer = user("officer", unit("CG"), "zhang.wei")
    assert login(client, officer.username).status_code == 302
    _switch(client, "zh_CN", next_url="/", page="/auth/tokens")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/tokens")})
    assert page_lang(client.get("/auth/login", headers={"Accept-Language": "en"})) == "zh-CN"


@pytest.mark.parametrize("locale", ["fr", "zh_TW", "xx" * 40, "en\u202e"])
def test_a_language_not_offered_is_refused_and_nothing_changes(app, client, locale):
    officer = user("officer", unit("CG"), "zhang.wei")
    assert login(client, officer.username).status_code == 302
    response = _switch(client, locale, next_url="/auth/tokens", page="/auth/tokens")
    assert response.status_code == 302
    assert not any(c.startswith(f"{LOCALE_COOKIE}=") for c in response.headers.getlist("Set-Cookie"))
    assert db.session.get(User, officer.id).locale is None
    assert "Choose one of the languages offered." in client.get(response.location).get_data(as_text=True)


def test_the_switch_needs_the_csrf_token_and_stays_on_the_site(app, client):
    response = client.post("/auth/language", data={"locale": "zh_CN", "next": "/outcomes/"})
    assert response.status_code == 400
    response = _switch(client, "zh_CN", next_url="https://evil.example/")
    assert response.status_code == 302 and response.location == "/"


def test_every_page_carries_the_switcher_back_to_itself(client):
    html = client.get("/outcomes/?violation=price_gouging").get_data(as_text=True)
    assert 'action="/auth/language"' in html
    assert 'name="next" value="/outcomes/?violation=price_gouging"' in html
    # A button for the other language, named in that language.
    assert '<button type="submit" name="locale" value="zh_CN"' in html and 'lang="zh-CN">中文</button>' in html
    assert 'value="en"' not in html
    html = client.get("/auth/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<button type="submit" name="locale" value="en"' in html and 'lang="en">English</button>' in html
    assert 'value="zh_CN"' not in html


def test_the_api_follows_accept_language_alone(app):
    officer = user("officer", unit("CG"), "zhang.wei")
    officer.locale = "zh_CN"
    db.session.commit()
    cookie = {"Cookie": f"{LOCALE_COOKIE}=zh_CN"}
    with app.test_request_context("/api/v1/cases", headers={"Accept-Language": "en", **cookie}):
        login_user(officer)
        assert select_locale() == "en"
    with app.test_request_context("/api/v1/cases", headers={"Accept-Language": "zh-Hans"}):
        assert select_locale() == "zh_CN"
    with app.test_request_context("/cases/", headers={"Accept-Language": "en"}):
        login_user(officer)
        assert select_locale() == "zh_CN"
    with app.test_request_context("/cases/", headers={"Accept-Language": "en", **cookie}):
        assert select_locale() == "zh_CN"


def test_outside_a_request_the_default(app):
    assert select_locale() == "en"


def test_the_zh_CN_catalog_is_found_although_babel_names_the_locale_zh_Hans_CN(app):
    assert str(Locale.parse("zh_CN")) == "zh_Hans_CN"  # why tracker.services.localisation.CatalogDomain exists
    assert [catalog_name(Locale.parse(tag)) for tag in ("zh_CN", "en", "zh_Hans_CN")] == ["zh_CN", "en", "zh_CN"]
    with request_in(app, "zh-CN"):
        assert gettext("Language") == "语言"
    with request_in(app, "en"):
        assert gettext("Language") == "Language"

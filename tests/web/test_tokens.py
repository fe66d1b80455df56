"""API tokens: issued on the profile page or by the command line, stored hashed, revocable."""
import re

import sqlalchemy as sa

from tests.conftest import login, post_form
from tests.factories import County
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.services.accounts import set_active


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_cli_prints_a_token_alone_on_one_line(app, runner, client):
    county = County()
    result = runner.invoke(args=["users", "token", county.officer.username])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{40,}", lines[0])
    token = lines[0]
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash != token and token not in stored.token_hash  # only its hash is kept
    assert client.get("/api/v1/units", headers=_auth(token)).status_code == 200
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code == 1


def test_profile_page_creates_lists_and_revokes(app, client):
    county = County()
    login(client, county.officer.username)
    response = post_form(client, "/auth/tokens", data={"name": "field tablet"})
    html = response.get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', html).group(1)
    assert response.headers["Cache-Control"] == "no-store"  # finding 8 of issue 15: no cache keeps the token
    assert client.get("/api/v1/units", headers=_auth(token)).status_code == 200
    db.session.expire_all()
    record = db.session.scalars(sa.select(ApiToken)).one()
    assert record.name == "field tablet" and record.last_used_at is not None
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert "field tablet" in page and token not in page  # shown once only
    assert post_form(client, "/auth/tokens", f"/auth/tokens/{record.id}/revoke").status_code == 302
    assert client.get("/api/v1/units", headers=_auth(token)).status_code == 401


def test_a_deactivated_accounts_tokens_stop_working(app, runner, client):
    county = County()
    token = runner.invoke(args=["users", "token", county.officer.username]).output.strip()
    set_active(county.officer, False)
    response = client.get("/api/v1/units", headers=_auth(token))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_api_reference_page_lists_the_endpoints(app, client):
    html = client.get("/api-reference").get_data(as_text=True)
    assert "/api/v1/units" in html and "openapi.json" in html

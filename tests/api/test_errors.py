"""Every /api/ answer is JSON, errors are problem documents, never HTML nor a traceback."""
import pytest

from tests.factories import County
from tests.api.helpers import PROBLEM, problem
from tracker.services.tokens import issue_token



@pytest.fixture
def officer_headers(app):
    county = County()
    return {"Authorization": f"Bearer {issue_token(county.officer)[1]}"}



def test_unknown_path_and_wrong_method(app, client, officer_headers):
    problem(client.get("/api/v1/no-such-thing", headers=officer_headers), 404)
    problem(client.delete("/api/v1/units", headers=officer_headers), 405)
    problem(client.get("/api/v1/premises/99999999999999999999", headers=officer_headers), 404)


def test_no_token_bad_token_and_wrong_scheme(app, client):
    County()
    problem(client.get("/api/v1/units"), 401)
    problem(client.get("/api/v1/units", headers={"Authorization": "Bearer nope"}), 401)
    problem(client.get("/api/v1/units", headers={"Authorization": "Basic YTpi"}), 401)


def test_malformed_json_is_400(app, client, officer_headers):
    response = client.post("/api/v1/premises", data="{not json", headers={**officer_headers, "Content-Type": "application/json"})
    problem(response, 400)


def test_too_large_is_413(app, client, officer_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/premises", data="x" * 5000, headers={**officer_headers, "Content-Type": "application/json"})
    problem(response, 413)


def test_server_error_is_a_problem_without_details(app, client, officer_headers, monkeypatch):
    import tracker.api.reference as reference

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reference, "current_rulebook", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/commodities", headers=officer_headers)
    body = problem(response, 500)
    assert "secret" not in response.get_data(as_text=True) and "nothing was changed" in body["detail"]


def test_limit_out_of_range_is_422(app, client, officer_headers):
    body = problem(client.get("/api/v1/units?limit=0", headers=officer_headers), 422)
    assert "limit" in body["errors"]
    problem(client.get("/api/v1/units?limit=201", headers=officer_headers), 422)
    problem(client.get("/api/v1/units?cursor=garbage", headers=officer_headers), 422)


def test_cursor_pages_walk_everything_once(app, client, officer_headers):
    from tests.factories import unit

    for i in range(7):
        unit(f"P{i}", f"Station {i}")
    seen, cursor = [], None
    while True:
        url = "/api/v1/units?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=officer_headers).get_json()
        seen += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 9  # the county's two units and seven more


def test_openapi_document_is_public_and_describes_the_api(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/units" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_deeply_nested_json_is_malformed_not_a_crash(app, client, officer_headers):
    body = "[" * 100000 + "]" * 100000
    response = client.post("/api/v1/premises", data=body, headers={**officer_headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 413, 422)
    assert response.mimetype == PROBLEM


def test_idempotency_keys_expire_after_a_day(app, client, officer_headers):
    from datetime import timedelta

    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.models import IdempotencyRecord, Premises

    headers = {**officer_headers, "Idempotency-Key": "k-1"}
    body = {"name": "Anping Pharmacy", "kind": "pharmacy", "operator_type": "organisation"}
    first = client.post("/api/v1/premises", json=body, headers=headers)
    again = client.post("/api/v1/premises", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 1
    record = db.session.scalars(sa.select(IdempotencyRecord)).one()
    record.created_at -= timedelta(hours=25)
    db.session.commit()
    later = client.post("/api/v1/premises", json=body, headers=headers)
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 2


def test_nul_characters_are_refused_everywhere(app, client, officer_headers):
    problem(client.get("/api/v1/cases?violation_code=%00", headers=officer_headers), 400)
    response = client.post("/api/v1/premises", json={"name": "a\x00b", "kind": "pharmacy", "operator_type": "organisation"},
                           headers=officer_headers)
    problem(response, 422)

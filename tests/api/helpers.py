"""Helpers the API tests share."""
from tracker.services.tokens import issue_token

PROBLEM = "application/problem+json"


def bearer(user) -> dict:
    """Headers authenticating as ``user`` with a fresh token."""
    return {"Authorization": f"Bearer {issue_token(user)[1]}"}


def problem(response, status: int) -> dict:
    """Assert an RFC 9457 problem answer with this status, without internals; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and "detail" in body
    assert "Traceback" not in response.get_data(as_text=True)
    return body

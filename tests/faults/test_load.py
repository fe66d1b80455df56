"""Many clients acting on the same few cases at once, through gunicorn: nothing lost, nothing doubled.

16 clients x 30 actions (at most 15 s) on two served decisions (small payments) and one filed case
(suspend/resume), half with If-Match; a few requests are refused by a guard on purpose. Afterwards
every 2xx answer is exactly one new history event, seq has no gap or duplicate, every chain verifies,
payments add up, and every refusal is a 409 or 422, never a 5xx.
"""
from __future__ import annotations

from tests.faults.client import Api, hammer
from tests.faults.conftest import report
from tests.faults.jobs import future_payment, payment, suspend_or_resume

CLIENTS, PER_CLIENT, TIME_LIMIT = 16, 30, 15


def test_concurrent_actions_lose_and_duplicate_nothing(seeded, serve, ledger, request):
    server = serve()
    officer = Api(server.base_url, seeded.tokens["officer"])
    officer2 = Api(server.base_url, seeded.tokens["officer2"])
    supervisor = Api(server.base_url, seeded.tokens["supervisor"])
    paid, paused = seeded.cases["load_pay"], seeded.cases["load_pause"]
    before = ledger.book(paid + paused)

    floor = hammer([lambda rng: _openapi(server.base_url)], 4, 25, 5)  # a read-only route, for scale
    jobs = [payment(officer, paid[0]), payment(officer2, paid[0]), payment(officer, paid[1]),
            payment(officer2, paid[1]), suspend_or_resume(supervisor, paused[0]),
            suspend_or_resume(supervisor, paused[0]), future_payment(officer, paid[1])]
    load = hammer(jobs, CLIENTS, PER_CLIENT, TIME_LIMIT)
    report(request, load.summary() + f"; bare GET openapi.json: {floor.rps:.0f}/s")

    statuses = load.histogram()
    assert set(statuses) <= {"200", "409", "422"}, statuses  # refusals only; no 5xx, no dropped connection
    assert statuses.get("200", 0) >= 50 and statuses.get("409", 0) > 0, statuses
    for outcome in load.outcomes:
        if outcome.status in (409, 422):
            assert outcome.answer.headers["content-type"].startswith("application/problem+json")
    refused_dates = [o for o in load.outcomes if o.answer.body and b"2999-01-01" in o.answer.body]
    assert refused_dates and all(o.status == 422 for o in refused_dates)
    ledger.check_after(before, load.outcomes)


def _openapi(base_url: str):
    from tests.faults.client import Outcome

    return Outcome(0, "read", False, Api(base_url).get("/api/v1/openapi.json"))

"""The actions load clients repeat on shared cases, through the JSON API."""
from __future__ import annotations

import random
import uuid
from decimal import Decimal

from tests.faults.client import Api, Job, Outcome, act


def payment(api: Api, case_id: int) -> Job:
    """Record a small payment (0.01 to 1.00): repeatable thousands of times on CaseWorld's 8,060 due."""

    def job(rng: random.Random) -> Outcome:
        amount = Decimal(rng.randint(1, 100)) / 100
        receipt = f"LOAD-{uuid.uuid4().hex}"
        body = {"amount": f"{amount:.2f}", "receipt": receipt}
        return act(api, case_id, "record_payment", body, if_match=rng.random() < 0.5, amount=amount, tag=receipt)

    return job


def suspend_or_resume(api: Api, case_id: int) -> Job:
    """Suspend or resume the investigation (a supervisor, with a reason): whichever is not due answers 409."""

    def job(rng: random.Random) -> Outcome:
        action = rng.choice(("suspend", "resume"))
        reason = f"load test {action} {uuid.uuid4().hex}"
        return act(api, case_id, action, {"reason": reason}, if_match=rng.random() < 0.5, tag=reason)

    return job


def future_payment(api: Api, case_id: int) -> Job:
    """A payment dated in the future: always refused by the date guard (422), never written."""

    def job(rng: random.Random) -> Outcome:
        return act(api, case_id, "record_payment", {"amount": "0.01", "on": "2999-01-01"}, amount=Decimal("0.01"))

    return job

"""A standard-library HTTP client for the served app, and a bounded load runner (loopback only)."""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 20  # seconds; above SQLite's 15 s busy timeout


@dataclass
class Answer:
    """One HTTP answer, or the transport error that stood in for it (status None)."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    seconds: float = 0.0

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Api:
    """Requests to one server on 127.0.0.1, a fresh connection each (a killed worker never poisons the next)."""

    def __init__(self, base_url: str, token: str | None = None):
        parts = urlsplit(base_url)
        assert parts.hostname == "127.0.0.1", "fault tests talk to loopback only"
        self.host, self.port, self.token = parts.hostname, parts.port, token

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                timeout: float = REQUEST_TIMEOUT) -> Answer:
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            data = response.read()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                          seconds=time.monotonic() - started)
        except (OSError, http.client.HTTPException) as error:
            return Answer(None, error=type(error).__name__, seconds=time.monotonic() - started)
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> Answer:
        return self.request("POST", path, body=body, **kwargs)


@dataclass
class Outcome:
    """One lifecycle action sent under load and what came back."""

    case_id: int
    action: str
    if_match: bool
    answer: Answer
    amount: Decimal | None = None
    tag: str | None = None  # unique per request, recorded in the event (receipt or reason): matches answers to events

    @property
    def status(self) -> int | None:
        return self.answer.status

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def version(self) -> int | None:
        return self.answer.json["version"] if self.ok else None


def act(api: Api, case_id: int, action: str, body: dict, if_match: bool = False, amount: Decimal | None = None,
        tag: str | None = None) -> Outcome:
    """POST one action; with ``if_match`` read the case's version first (GET) and send it as If-Match."""
    headers = {}
    if if_match:
        read = api.get(f"/api/v1/cases/{case_id}")
        if read.status == 200:
            headers["If-Match"] = read.headers["etag"]
    answer = api.post(f"/api/v1/cases/{case_id}/actions/{action}", body, headers=headers)
    return Outcome(case_id, action, if_match, answer, amount, tag)


@dataclass
class LoadReport:
    outcomes: list[Outcome]
    seconds: float
    clients: int

    @property
    def sent(self) -> int:
        return len(self.outcomes)

    @property
    def rps(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def histogram(self) -> dict[str, int]:
        counts = Counter(str(o.status) if o.status is not None else f"transport:{o.answer.error}" for o in self.outcomes)
        return dict(sorted(counts.items()))

    def summary(self) -> str:
        return (f"{self.sent} actions from {self.clients} clients in {self.seconds:.1f}s "
                f"({self.rps:.0f} actions/s): {self.histogram()}")


Job = Callable[[random.Random], Outcome]


def hammer(jobs: list[Job], clients: int, per_client: int, time_limit: float, seed: int = 6,
           started: threading.Event | None = None) -> LoadReport:
    """``clients`` threads each run up to ``per_client`` jobs picked at random, stopping at ``time_limit``
    seconds whatever is left; every thread is joined before returning."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        for _ in range(per_client):
            if time.monotonic() > deadline:
                return
            outcome = rng.choice(jobs)(rng)
            with lock:
                outcomes.append(outcome)
            if started is not None:
                started.set()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit + REQUEST_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a load client did not stop in time"
    return LoadReport(outcomes, time.monotonic() - began, clients)


class Browser:
    """A signed-in browser session: cookies kept, forms posted with their CSRF token (loopback only)."""

    def __init__(self, base_url: str):
        import http.cookiejar
        import urllib.request

        assert urlsplit(base_url).hostname == "127.0.0.1"
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, timeout: float = REQUEST_TIMEOUT) -> Answer:
        return self._open(path, None, timeout)

    def sign_in(self, username: str, password: str) -> Answer:
        from urllib.parse import urlencode

        from tests.conftest import CSRF

        form = self.get("/auth/login")
        match = CSRF.search(form.text)
        assert form.status == 200 and match, form.status
        token = next(group for group in match.groups() if group)
        data = urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        return self._open("/auth/login", data, REQUEST_TIMEOUT)

    def _open(self, path: str, data: bytes | None, timeout: float) -> Answer:
        import urllib.error

        started = time.monotonic()
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=timeout) as response:
                return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(),
                              seconds=time.monotonic() - started)
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read(),
                              seconds=time.monotonic() - started)
        except OSError as error:
            return Answer(None, error=type(error).__name__, seconds=time.monotonic() - started)

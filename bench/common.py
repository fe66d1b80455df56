"""Shared pieces of the benchmark: throwaway databases, server-time and query counting, percentiles."""
from __future__ import annotations

import math
import re
import statistics
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

BENCH_PREFIX = "tracker_bench_"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def throwaway_database(base_url: str, folder: Path):
    """Yield the URL of a new empty database (``tracker_bench_*`` beside ``base_url`` on PostgreSQL, a file in
    ``folder`` on SQLite); it is dropped on the way out, also after an error or Ctrl-C."""
    if base_url.startswith("sqlite"):
        path = folder / f"{BENCH_PREFIX}{uuid.uuid4().hex[:8]}.sqlite"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    base = sa.make_url(base_url)
    name = f"{BENCH_PREFIX}{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class ServerTimer:
    """WSGI middleware: the time spent inside the app for each request, from the call to the last byte of the
    body (the body is read inside the timing, so streamed pages count in full) and the app's teardown."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.last = 0.0

    def __call__(self, environ, start_response):
        began = time.perf_counter()
        body = self.wsgi_app(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.last = time.perf_counter() - began
        return chunks


class QueryCounter:
    """Counts the SQL statements an engine runs (SQLite's explicit BEGIN is not a query) and can keep them."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.count = 0
        self.keep = False
        self.kept: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many):
        if statement.strip().upper() == "BEGIN":
            return
        self.count += 1
        if self.keep:
            self.kept.append((statement, parameters))

    def reset(self, keep: bool = False) -> None:
        self.count, self.keep, self.kept = 0, keep, []

    def remove(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    """Server times (seconds) and queries per request of one page, for one role."""

    page: str
    role: str
    url: str
    status: int = 0
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.times) and 200 <= self.status < 300

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else float("nan")

    @property
    def p95_ms(self) -> float:
        return percentile(self.times, 0.95) * 1000 if self.times else float("nan")

    @property
    def query_count(self) -> str:
        """Queries per request: one number when every request ran the same count, else the range."""
        if not self.queries:
            return "-"
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"

    @property
    def usual_queries(self) -> int | None:
        """The commonest count per request: what the page itself runs. (A request that also records an API
        token's use, at most once a minute per token, runs a few more statements for it.)"""
        return statistics.mode(self.queries) if self.queries else None

    def as_dict(self) -> dict:
        return {"page": self.page, "role": self.role, "url": self.url, "status": self.status,
                "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "queries": self.query_count,
                "usual_queries": self.usual_queries, "note": self.note}


@dataclass
class Probe:
    """One URL of one app to measure: its client, the app's timer and query counter, and the figures."""

    client: object
    timer: ServerTimer
    counter: QueryCounter | None
    timing: Timing
    headers: dict | None = None


def measure_together(probes: list[Probe], requests: int, warmup: int = 2) -> None:
    """GET each probe's URL ``warmup`` times, then ``requests`` rounds of one GET per probe, recording server time
    and queries. Alternating request by request lets an app and its references share the same machine load."""
    live = []
    for probe in probes:
        for _ in range(warmup):
            response = probe.client.get(probe.timing.url, headers=probe.headers)
            probe.timing.status = response.status_code
            if not 200 <= response.status_code < 300:
                probe.timing.note = f"answers {response.status_code}"
                break
        else:
            live.append(probe)
    for _ in range(requests):
        for probe in live:
            if probe.counter is not None:
                probe.counter.reset()
            response = probe.client.get(probe.timing.url, headers=probe.headers)
            probe.timing.status = response.status_code
            probe.timing.times.append(probe.timer.last)
            if probe.counter is not None:
                probe.timing.queries.append(probe.counter.count)


def measure(client, timer: ServerTimer, counter: QueryCounter | None, timing: Timing, requests: int,
            warmup: int = 2, headers: dict | None = None) -> Timing:
    """GET ``timing.url`` ``warmup`` times, then ``requests`` times recording server time and queries."""
    measure_together([Probe(client, timer, counter, timing, headers)], requests, warmup)
    return timing


def csrf_token(client, url: str) -> str:
    """The CSRF token of a form page, read as a browser would."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF.search(html)
    if not match:
        raise RuntimeError(f"no CSRF token on {url}")
    return next(group for group in match.groups() if group)

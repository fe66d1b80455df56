"""The issue-7 benchmark: server time and queries per page, throughput under load, CSV export speed and memory,
against the floor (bench/floor.py) and Flask-Admin (bench/admin_peer.py), for each data size.

    .venv/bin/python bench/run.py --sizes 10000,100000,1000000

For each size: create a throwaway PostgreSQL database (``tracker_bench_*``, dropped afterwards even on failure),
migrate it and seed it with ``flask seed-scale --inspections N``. With every size seeded:

1. per page and role (auditor, officer), GET it ``--requests`` times in-process through the Flask test client
   and record the server time (inside the app, body included) and the SQL statements per request; the same
   page at every size, and each size's floor (the page's captured SELECTs replayed by the floor app), are
   measured together, request by request, so that the growth from size to size is measured under the same
   machine load;

then for each size:

2. measure Flask-Admin's case list with the same page size and order, alternately with the tracker's;
3. download /exports/inspections.csv as the auditor in a fresh process (rows per second, peak RSS);
4. unless ``--no-load``: serve the tracker and the floor with gunicorn (2 sync workers) and have ``--clients``
   processes GET the case list, the API case list, the floor's case list and a bare route for
   ``--load-seconds`` each.

Finally it writes docs/PERFORMANCE.md (``--output``): machine, date, the figures, the ratios to both references
and the issue-7 targets met or not. ``--database sqlite`` runs the same on a temporary SQLite file (smoke test).
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import pickle
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench import admin_peer, load as loadtest  # noqa: E402
from bench.common import (  # noqa: E402
    DEFAULT_POSTGRES, Probe, QueryCounter, ServerTimer, Timing, csrf_token, measure_together, throwaway_database,
)
from bench.floor import create_floor_app, is_read  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Case, CaseEvent, Inspection, Payment, Premises, PriceObservation, Unit, User, Violation  # noqa: E402

PASSWORD = "bench-2020-pass"
SECRET = "bench-secret-key"
LOAD_AGENT = "tracker-bench-load"
EXPORT_URL = "/exports/inspections.csv"
ROLES = ("auditor", "officer")
# Pages whose targets are "p95 < 50 ms and within 1.5x the floor" (issue 7, target 4).
FAST_KINDS = ("list", "search", "case")
TARGET_FAST_MS = 50.0
TARGET_FLOOR_RATIO = 1.5
TARGET_FLAT_RATIO = 1.5
TARGET_DASHBOARD_MS = 200.0
TARGET_EXPORT_RPS = 50_000
TARGET_EXPORT_MB = 150.0


@dataclass
class Page:
    key: str  # the same page at every size (its name may differ: the search term, the depth)
    name: str
    kind: str  # list, search, case, dashboard, register, api
    url: str
    api: bool = False


@dataclass
class SizeResult:
    size: int
    dialect: str
    seeding: dict
    counts: dict
    per_page: int
    pages: list[dict] = field(default_factory=list)
    admin: list[dict] = field(default_factory=list)
    export: dict | None = None
    load: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def bench_config(url: str, folder: Path) -> dict:
    return {
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(folder / "evidence"),
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }


# -- seeding -----------------------------------------------------------------------------------------


def seed(app, url: str, size: int) -> dict:
    """``flask seed-scale --inspections N`` in a process of its own; the demo county if the command is missing."""
    if "seed-scale" in app.cli.commands:
        began = time.perf_counter()
        completed = subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "seed-scale", "--inspections", str(size)],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET},
            capture_output=True, text=True, timeout=3600,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"seed-scale failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
        return {"method": f"flask seed-scale --inspections {size}", "seconds": time.perf_counter() - began,
                "output": completed.stdout.strip().splitlines()[-3:]}
    from tracker.seed.demo import seed_demo_county

    began = time.perf_counter()
    with app.app_context():
        seed_demo_county()
        db.session.remove()
    return {"method": "demo county (flask seed-scale is not available: the size is ignored)",
            "seconds": time.perf_counter() - began, "output": []}


def settle(app) -> None:
    """Write the bulk load's dirty pages out before measuring (PostgreSQL CHECKPOINT), so that the requests
    measure the data at rest, not a background flush of the gigabyte just loaded."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("CHECKPOINT")
        db.session.remove()


def table_counts() -> dict:
    models = {"premises": Premises, "inspections": Inspection, "observations": PriceObservation,
              "violations": Violation, "cases": Case, "case events": CaseEvent, "payments": Payment}
    return {name: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for name, model in models.items()}


# -- the pages -----------------------------------------------------------------------------------------


@dataclass
class Fixture:
    users: dict
    tokens: dict
    pages: list[Page]
    notes: list[str]


def prepare(per_page: int, deep_page: int) -> Fixture:
    """Bench accounts (an auditor; an officer of the unit with the most cases), their API tokens and the pages
    to measure, chosen from the data: the commonest case state, a deep page, a search term, the case with the
    longest history, the year with the latest inspections."""
    from tracker.services.accounts import create_user
    from tracker.services.tokens import issue_token

    unit_id = db.session.scalar(
        sa.select(Case.unit_id).group_by(Case.unit_id).order_by(sa.func.count().desc(), Case.unit_id).limit(1)
    ) or db.session.scalar(sa.select(Unit.id).order_by(Unit.id).limit(1))
    unit = db.session.get(Unit, unit_id)
    users = {
        "auditor": create_user("bench.auditor", "auditor", PASSWORD),
        "officer": create_user("bench.officer", "officer", PASSWORD, unit.code),
    }
    tokens = {role: issue_token(user, "bench")[1] for role, user in users.items()}
    notes = []

    state_row = db.session.execute(
        sa.select(Case.state, sa.func.count()).where(Case.unit_id == unit_id)
        .group_by(Case.state).order_by(sa.func.count().desc()).limit(1)
    ).first()
    state = getattr(state_row[0], "value", state_row[0]) if state_row else "investigating"
    in_state = state_row[1] if state_row else 0
    deep = max(1, min(deep_page, math.ceil(in_state / per_page)))

    middle = db.session.scalar(
        sa.select(Premises.name).where(Premises.unit_id == unit_id).order_by(Premises.id)
        .offset(db.session.scalar(sa.select(sa.func.count()).select_from(Premises).where(Premises.unit_id == unit_id)) // 2)
        .limit(1)
    ) or "pharmacy"
    term = "".join(middle.split())[:2]
    if len(term) < 2:
        term = "ab"

    longest = db.session.execute(
        sa.select(CaseEvent.case_id, sa.func.count()).join(Case, Case.id == CaseEvent.case_id)
        .where(Case.unit_id == unit_id).group_by(CaseEvent.case_id)
        .order_by(sa.func.count().desc(), CaseEvent.case_id).limit(1)
    ).first()

    latest = db.session.scalar(sa.select(sa.func.max(Inspection.started_at)))
    year = latest.year if latest else date.today().year
    until = min(date(year, 12, 31), datetime.now(timezone.utc).date())

    pages = [Page("cases-state-1", f"Case list, state={state}, page 1", "list", f"/cases/?state={state}")]
    if deep > 1:
        pages.append(Page("cases-state-deep", f"Case list, state={state}, page {deep}", "list", f"/cases/?state={state}&page={deep}"))
    pages += [
        Page("cases-1", "Case list, no filter, page 1", "list", "/cases/"),
        Page("premises-q", f"Premises list, q={term}", "search", f"/premises/?q={term}"),
        Page("search", f"Search, q={term}", "search", f"/search?q={term}"),
    ]
    if longest:
        pages.append(Page("case", f"Case page, {longest[1]} events", "case", f"/cases/{longest[0]}"))
    else:
        notes.append("No case has a history: the case page is not measured.")
    pages += [
        Page("dashboard", f"Dashboard, {year}", "dashboard", f"/reports/?date_from={year}-01-01&date_to={until.isoformat()}"),
        Page("outcomes", "Outcomes register", "register", "/outcomes/"),
        Page("api-cases", "API /api/v1/cases", "api", "/api/v1/cases", api=True),
        Page("api-premises", "API /api/v1/premises", "api", "/api/v1/premises", api=True),
        Page("api-inspections", "API /api/v1/inspections", "api", "/api/v1/inspections", api=True),
    ]
    db.session.commit()
    return Fixture({role: user.username for role, user in users.items()}, tokens, pages, notes)


def sign_in(app, username: str, agent: str | None = None):
    """A test client of ``app`` signed in through the login form."""
    client = app.test_client()
    if agent:
        client.environ_base["HTTP_USER_AGENT"] = agent
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {username} answered {response.status_code}")
    return client


# -- one size ------------------------------------------------------------------------------------------


@dataclass
class Subject:
    """One size's data set, ready to measure: the tracker signed in as each role, and the floor app replaying
    the SELECTs each page ran (``captured``, by ``{role}-{page index}``)."""

    size: int
    url: str
    app: object
    result: SizeResult
    fixture: Fixture
    timer: ServerTimer
    counter: QueryCounter
    browsers: dict
    api_client: object
    floor_client: object
    floor_timer: ServerTimer
    floor_counter: QueryCounter
    captured: dict


def prepare_subject(size: int, url: str, args, folder: Path, engines: list) -> Subject:
    """Migrate and seed a database of ``size`` inspections, sign in, and capture each page's SQL for the floor."""
    app = create_app(bench_config(url, folder))
    with app.app_context():
        engines.append(db.engine.dispose)
        flask_migrate.upgrade()
    log(f"[{size}] migrated; seeding")
    seeding = seed(app, url, size)
    log(f"[{size}] seeded in {seeding['seconds']:.1f} s ({seeding['method']})")
    settle(app)
    per_page = app.config["PER_PAGE"]
    with app.app_context():
        counts = table_counts()
        fixture = prepare(per_page, args.deep_page)
        dialect = db.engine.dialect.name
        engine = db.engine
        db.session.remove()
    result = SizeResult(size, dialect, seeding, counts, per_page, notes=list(fixture.notes))

    timer = ServerTimer(app.wsgi_app)
    app.wsgi_app = timer
    counter = QueryCounter(engine)
    browsers = {role: sign_in(app, fixture.users[role]) for role in ROLES}
    api_client = app.test_client()

    captured: dict[str, list] = {}  # the floor app replays from it
    floor = create_floor_app(url, captured)
    floor_engine = floor.extensions["floor.engine"]
    engines.append(floor_engine.dispose)
    floor_timer = ServerTimer(floor.wsgi_app)
    floor.wsgi_app = floor_timer
    for index, page in enumerate(fixture.pages):
        for role in ROLES:
            client = api_client if page.api else browsers[role]
            counter.reset(keep=True)
            client.get(page.url, headers=_headers(fixture, page, role))
            captured[f"{role}-{index}"] = [(s, p) for s, p in counter.kept if is_read(s)]
    counter.reset()
    return Subject(size, url, app, result, fixture, timer, counter, browsers, api_client, floor.test_client(),
                   floor_timer, QueryCounter(floor_engine), captured)


def _headers(fixture: Fixture, page: Page, role: str) -> dict | None:
    return {"Authorization": f"Bearer {fixture.tokens[role]}"} if page.api else None


def measure_pages(subjects: list[Subject], requests: int) -> None:
    """Each page and role at every size, with each size's floor, measured together request by request: the
    growth from one size to the next is then not confounded with the machine's load changing during the run."""
    keys = list(dict.fromkeys(page.key for subject in reversed(subjects) for page in subject.fixture.pages))
    gc.freeze()  # as wsgi.py does in production: start-up objects stay out of the collector's passes
    for key in keys:
        for role in ROLES:
            measured = []
            for subject in subjects:
                found = [(i, page) for i, page in enumerate(subject.fixture.pages) if page.key == key]
                if not found:
                    continue
                index, page = found[0]
                client = subject.api_client if page.api else subject.browsers[role]
                ours = Probe(client, subject.timer, subject.counter, Timing(page.name, role, page.url),
                             _headers(subject.fixture, page, role))
                reference = Probe(subject.floor_client, subject.floor_timer, subject.floor_counter,
                                  Timing("floor", role, f"/replay/{role}-{index}"))
                measured.append((subject, page, ours, reference))
            measure_together([probe for _s, _p, ours, reference in measured for probe in (ours, reference)], requests)
            for subject, page, ours, reference in measured:
                timing = ours.timing
                row = timing.as_dict() | {"kind": page.kind, "key": page.key}
                if timing.ok:
                    row |= {"floor_p50_ms": reference.timing.p50_ms, "floor_p95_ms": reference.timing.p95_ms,
                            "floor_queries": reference.timing.query_count}
                subject.result.pages.append(row)
                log(f"[{subject.size}] {role:8} {page.name}: p50 {timing.p50_ms:.1f} ms p95 {timing.p95_ms:.1f} ms "
                    f"queries {timing.query_count} {timing.note} (floor p95 {reference.timing.p95_ms:.1f} ms)")
    for subject in subjects:
        subject.floor_counter.remove()
        # Rows in the fixture's page order, as the report lists them.
        order = {page.key: i for i, page in enumerate(subject.fixture.pages)}
        subject.result.pages.sort(key=lambda row: (order[row["key"]], ROLES.index(row["role"])))


def finish_subject(subject: Subject, args, folder: Path, engines: list) -> SizeResult:
    """Flask-Admin on the same list, the CSV export and the load test, for one size."""
    size, url, app, result, fixture = subject.size, subject.url, subject.app, subject.result, subject.fixture
    timer, counter, browsers, captured = subject.timer, subject.counter, subject.browsers, subject.captured
    per_page = result.per_page
    if admin_peer.available():
        # Two peers on the same list: anonymous (no sign-in at all), and behind Flask-Login with the tracker's user
        # loader, as a deployment must put it. Measured alternately with the tracker's list, request by request.
        peers = {}
        for access, signed_in in (("anonymous", False), ("signed in", True)):
            peer = admin_peer.create_admin_app(url, per_page, signed_in=signed_in)
            with peer.app_context():
                peer_engine = db.engine
                engines.append(peer_engine.dispose)
                auditor_id = db.session.scalar(sa.select(User.id).where(User.username == fixture.users["auditor"]))
                db.session.remove()
            peer_timer = ServerTimer(peer.wsgi_app)
            peer.wsgi_app = peer_timer
            client = admin_peer.sign_in_peer(peer, auditor_id) if signed_in else peer.test_client()
            peers[access] = (client, peer_timer, QueryCounter(peer_engine))
        gc.freeze()
        deep = max(1, min(args.deep_page, math.ceil(result.counts["cases"] / per_page)))
        for number in sorted({1, deep}):
            label = f"case list, no filter, page {number}"
            ours = Probe(browsers["auditor"], timer, counter, Timing(f"Tracker {label}", "auditor",
                                                                     f"/cases/?page={number}"))
            theirs = {access: Probe(client, peer_timer, peer_counter,
                                    Timing(f"Flask-Admin {label}", access, f"{admin_peer.URL}?page={number - 1}"))
                      for access, (client, peer_timer, peer_counter) in peers.items()}
            measure_together([ours, *theirs.values()], args.peer_requests)
            for access, probe in theirs.items():
                result.admin.append(probe.timing.as_dict() | {"access": access,
                                                              "tracker_p50_ms": ours.timing.p50_ms,
                                                              "tracker_p95_ms": ours.timing.p95_ms,
                                                              "tracker_queries": ours.timing.query_count})
                log(f"[{size}] Flask-Admin ({access}) {label}: p95 {probe.timing.p95_ms:.1f} ms, queries "
                    f"{probe.timing.query_count}; tracker p95 {ours.timing.p95_ms:.1f} ms")
        for _client, _timer, peer_counter in peers.values():
            peer_counter.remove()
    else:
        result.notes.append("Flask-Admin is not installed (pip install -r requirements-dev.txt): no peer figures.")
    counter.remove()

    if args.export:
        result.export = export(url, fixture.users["auditor"])
        log(f"[{size}] export: {result.export}")
    if args.load:
        result.load = load(url, app, fixture, captured, folder, args)
    return result


def export(url: str, username: str) -> dict:
    """The auditor's CSV export of every inspection, in a fresh process (bench/export_probe.py)."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "export_probe.py"), url, username, PASSWORD, EXPORT_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )
    if completed.returncode != 0:
        return {"error": (completed.stderr or completed.stdout)[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def load(url: str, app, fixture: Fixture, captured: dict, folder: Path, args) -> list[dict]:
    """Requests per second through gunicorn (2 sync workers) for the tracker's case list (auditor session cookie),
    the API case list (auditor token), the floor's case list and a bare route, ``--clients`` processes each."""
    client = sign_in(app, fixture.users["auditor"], agent=LOAD_AGENT)
    cookie = client.get_cookie("session")
    browser = {"Cookie": f"session={cookie.value}", "User-Agent": LOAD_AGENT}
    token = {"Authorization": f"Bearer {fixture.tokens['auditor']}"}
    case_list = fixture.pages[0]
    floor_file = folder / "floor.pickle"
    floor_file.write_bytes(pickle.dumps(captured))
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "BENCH_DATABASE_URL": url, "BENCH_FLOOR_FILE": str(floor_file)}
    results = []
    duration, clients = args.load_seconds, args.clients
    with loadtest.gunicorn("bench.floor:from_environment()", env) as port:
        for label, path in (("bare route (floor app)", "/bare"), (f"floor: {case_list.name}", "/replay/auditor-0")):
            results.append(loadtest.hammer(label, port, path, clients=clients, seconds=duration).as_dict())
            log(f"load {results[-1]}")
    with loadtest.gunicorn("wsgi:app", env) as port:
        for label, path, headers in ((f"tracker: {case_list.name}", case_list.url, browser),
                                     ("tracker: API /api/v1/cases", "/api/v1/cases", token)):
            results.append(loadtest.hammer(label, port, path, headers, clients=clients, seconds=duration).as_dict())
            log(f"load {results[-1]}")
    return results


# -- the report ----------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "os": platform.platform()}


def database_version(base_url: str) -> str:
    if base_url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(base_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return f"PostgreSQL {connection.execute(sa.text('SHOW server_version')).scalar_one().split()[0]}"
    finally:
        engine.dispose()


def package_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    names = ("Flask", "SQLAlchemy", "Flask-SQLAlchemy", "psycopg", "gunicorn", "Flask-Admin")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def ms(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}"


def ratio(value, reference) -> float | None:
    if value is None or reference in (None, 0) or any(math.isnan(v) for v in (value, reference)):
        return None
    return value / reference


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render(results: list[SizeResult], args, started: datetime, elapsed: float) -> str:
    info = machine()
    lines = [
        "# Performance",
        "",
        "Written by `bench/run.py` (issue 7); rerun it rather than editing these figures:",
        "",
        "```",
        f".venv/bin/python bench/run.py --sizes {','.join(str(r.size) for r in results)}",
        "```",
        "",
        f"- **Date**: {started:%Y-%m-%d %H:%M} UTC, run took {elapsed / 60:.1f} min.",
        f"- **Machine**: {info['cores']} cores ({info['cpu']}), {info['memory']} memory, {info['os']}, "
        f"Python {info['python']}; {database_version(args.database)} on the same machine.",
        f"- **Packages**: {package_versions()}.",
        f"- **Method**: server time is the time inside the WSGI app for one request, body included, measured "
        f"in-process through the Flask test client ({args.requests} requests after 2 warm-up requests; p50 and "
        f"p95 by nearest rank). Every size is seeded first; then each page is measured at every size and "
        f"against each size's floor together, one request to each in turn, so that the growth from size to "
        f"size is not confounded with the machine's load changing during the run. Queries are the statements the app's engine ran for the request. The **floor** "
        f"replays the SELECTs each page ran, on one connection, and renders every row with a minimal Jinja "
        f"template in a bare Flask app (bench/floor.py). **Flask-Admin** is `ModelView(Case, db)` with the same "
        f"page size ({results[0].per_page if results else '-'}) and order (bench/admin_peer.py), measured "
        f"alternately with the tracker's list over {args.peer_requests} requests. Load: gunicorn, "
        f"2 sync workers, {args.clients} client processes for {args.load_seconds:g} s each, on the same cores. "
        f"Between seeding and measuring, a CHECKPOINT writes the bulk load out (the data at rest), and the "
        f"process freezes its start-up objects out of the garbage collector (gc.freeze), as wsgi.py does.",
        "- **Caveat**: the machine's cores are shared (other work may run meanwhile), so the figures are "
        "pessimistic; ratios measured in the same run are the more telling figures.",
        "",
    ]
    for result in results:
        lines += render_size(result)
    lines += render_targets(results)
    return "\n".join(lines) + "\n"


def render_size(result: SizeResult) -> list[str]:
    counts = ", ".join(f"{value:,} {name}" for name, value in result.counts.items())
    lines = [
        f"## {result.size:,} inspections ({result.dialect})",
        "",
        f"Data: {counts}. Seeded by `{result.seeding['method']}` in {result.seeding['seconds']:.1f} s.",
        "",
        "| page | role | p50 ms | p95 ms | queries | floor p50 ms | floor p95 ms | p95 / floor |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.pages:
        if row["status"] and not 200 <= row["status"] < 300:
            lines.append(f"| {row['page']} | {row['role']} | {row['status']} (not allowed) | | | | | |")
            continue
        lines.append(
            f"| {row['page']} | {row['role']} | {ms(row['p50_ms'])} | {ms(row['p95_ms'])} | {row['queries']} | "
            f"{ms(row.get('floor_p50_ms'))} | {ms(row.get('floor_p95_ms'))} | "
            f"{fmt_ratio(ratio(row['p95_ms'], row.get('floor_p95_ms')))} |"
        )
    lines.append("")
    if result.admin:
        lines += ["Against Flask-Admin's list view of the cases table (not scoped or filtered, so compared with the "
                  "auditor's unfiltered case list at the same depth; the tracker and both Flask-Admin set-ups measured "
                  "alternately, request by request). *Signed in*: Flask-Admin behind Flask-Login with the tracker's "
                  "user loader (`is_accessible`), as a deployment over case files must put it; *anonymous*: no "
                  "sign-in at all.", "",
                  "| list | Flask-Admin | Flask-Admin p50 ms | p95 ms | queries | tracker p50 ms | p95 ms | queries | "
                  "tracker / Flask-Admin (p95) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for peer in result.admin:
            access = peer.get("access", "anonymous")
            if peer["status"] != 200:
                lines.append(f"| {peer['page']} | {access} | {peer['note']} | | | | | | |")
                continue
            lines.append(f"| {peer['page'].removeprefix('Flask-Admin ')} | {access} | {ms(peer['p50_ms'])} | "
                         f"{ms(peer['p95_ms'])} | {peer['queries']} | {ms(peer['tracker_p50_ms'])} | "
                         f"{ms(peer['tracker_p95_ms'])} | {peer['tracker_queries']} | "
                         f"{fmt_ratio(ratio(peer['tracker_p95_ms'], peer['p95_ms']))} |")
        lines.append("")
    if result.load:
        bare = next((row["rps"] for row in result.load if row["target"].startswith("bare")), None)
        lines += ["Throughput under load (gunicorn, loopback; latency seen by the clients):", "",
                  "| target | requests/s | share of the bare route | client p50 ms | client p95 ms | errors |",
                  "|---|---:|---:|---:|---:|---:|"]
        for row in result.load:
            share = ratio(row["rps"], bare)
            lines.append(f"| {row['target']} | {row['rps']:,.0f} | {'-' if share is None else f'{share:.0%}'} | "
                         f"{ms(row['p50_ms'])} | {ms(row['p95_ms'])} | {row['errors']} |")
        lines.append("")
    if result.export:
        e = result.export
        if "error" in e:
            lines += [f"CSV export failed: `{e['error'].strip().splitlines()[-1]}`", ""]
        else:
            lines += [f"CSV export (`{e['url']}`, auditor, streamed: {e['streamed']}): {e['rows']:,} rows, "
                      f"{e['bytes'] / 1e6:.1f} MB in {e['seconds']:.2f} s = **{e['rows_per_s']:,.0f} rows/s**; "
                      f"peak RSS of the process **{e['peak_rss_mb']:.0f} MB** ({e['rss_before_mb']:.0f} MB before "
                      f"the download).", ""]
    for note in result.notes:
        lines += [f"Note: {note}", ""]
    return lines


def floor_gap(smallest: SizeResult, largest: SizeResult) -> str:
    """Why the floor is out of reach, from the figures: how much longer than its floor each list, search and case
    page takes (p50), at the smallest and the largest size. The same gap at both sizes is fixed work per page."""

    def gaps(result: SizeResult) -> list[float]:
        return [r["p50_ms"] - r["floor_p50_ms"] for r in result.pages
                if r["status"] == 200 and r["kind"] in FAST_KINDS and r.get("floor_p50_ms") is not None]

    def span(values: list[float]) -> str:
        return f"{min(values):.1f}-{max(values):.1f} ms" if values else "-"

    small, large = gaps(smallest), gaps(largest)
    if largest is smallest or not small or not large:
        sizes = f"{span(large)} at {largest.size:,} (p50)"
    else:
        steady = max(large) <= 1.25 * max(small)
        sizes = (f"{span(small)} at {smallest.size:,} and {span(large)} at {largest.size:,} (p50), "
                 + ("about the same at every size" if steady else "more at the larger size"))
    return ("Why: the floor runs the same SQL and writes the same rows into a bare template. Beyond it, each page "
            f"takes {sizes}: the page's own work besides its queries "
            "(loading the signed-in user, the layout with its navigation and language switcher, the filter form and "
            "the pager, translated labels and localised dates, the security headers). Within 1.5x would leave "
            "the page about half the floor's time for all of it.")


def verdict(ok: bool | None) -> str:
    return {True: "**met**", False: "**not met**", None: "not measured"}[ok]


def render_targets(results: list[SizeResult]) -> list[str]:
    if not results:
        return []
    largest, smallest = results[-1], results[0]
    rows = [r for r in largest.pages if r["status"] == 200]
    fast = [r for r in rows if r["kind"] in FAST_KINDS]
    lines = [f"## Issue-7 targets (at {largest.size:,} inspections, the largest size of this run)", ""]

    worst = max(fast, key=lambda r: r["p95_ms"], default=None)
    ok = None if worst is None else worst["p95_ms"] < TARGET_FAST_MS
    lines.append(f"- List, search and case pages p95 < {TARGET_FAST_MS:g} ms: {verdict(ok)}"
                 + (f" (slowest: {worst['page']}, {worst['role']}, {worst['p95_ms']:.1f} ms)." if worst else "."))

    ratios = [(ratio(r["p95_ms"], r.get("floor_p95_ms")), r) for r in fast]
    ratios = [(value, r) for value, r in ratios if value is not None]
    worst = max(ratios, key=lambda item: item[0], default=None)
    ok = None if worst is None else worst[0] <= TARGET_FLOOR_RATIO
    lines.append(f"- ... and within {TARGET_FLOOR_RATIO:g}x the floor: {verdict(ok)}"
                 + (f" (largest ratio: {worst[1]['page']}, {worst[1]['role']}, {worst[0]:.2f}x)." if worst else "."))
    if ok is False:
        lines.append("  " + floor_gap(smallest, largest))

    if largest.admin:
        # Judged against Flask-Admin signed in (the tracker's list is signed in too); the anonymous figures are
        # given alongside, so the reader sees both.
        judged = [peer for peer in largest.admin if peer["status"] == 200 and peer.get("access") == "signed in"]
        anonymous = [peer for peer in largest.admin if peer["status"] == 200 and peer.get("access") != "signed in"]
        ok = None if not judged else all(peer["tracker_p95_ms"] < peer["p95_ms"] for peer in judged)

        def detail(pairs):
            return "; ".join(f"{peer['page'].removeprefix('Flask-Admin ')}: tracker {peer['tracker_p95_ms']:.1f} ms "
                             f"vs {peer['p95_ms']:.1f} ms" for peer in pairs)
        lines.append(f"- Faster than Flask-Admin on the same list (p95, both signed in): {verdict(ok)} "
                     f"({detail(judged) or 'not measured'}). Against Flask-Admin with no sign-in at all: "
                     + ("faster" if anonymous and all(p["tracker_p95_ms"] < p["p95_ms"] for p in anonymous)
                        else "not faster") + f" ({detail(anonymous) or 'not measured'}).")
    else:
        lines.append(f"- Faster than Flask-Admin on the same list: {verdict(None)} (Flask-Admin not installed).")

    # Each page's usual count per request is compared across sizes. An API page may show a range (say 3-6): the
    # token's last use is recorded at most once a minute, whatever the data's size. A range elsewhere varies.
    varying = [f"{r['page']} ({r['role']}: {r['queries']})" for result in results for r in result.pages
               if r["status"] == 200 and "-" in str(r["queries"]) and r["kind"] != "api"]
    by_key: dict[tuple, list] = {}
    for result in results:
        for r in result.pages:
            if r["status"] == 200:
                by_key.setdefault((r["key"], r["role"]), []).append((result.size, r))
    for (_key, role), seen in by_key.items():
        if len({r.get("usual_queries", r["queries"]) for _size, r in seen}) > 1:
            varying.append(f"{seen[-1][1]['page']} ({role}: "
                           + ", ".join(f"{size:,}: {r['queries']}" for size, r in seen) + ")")
    recorded = sorted({f"{r['page']} ({r['role']})" for result in results for r in result.pages
                       if r["status"] == 200 and "-" in str(r["queries"]) and r["kind"] == "api"})
    lines.append("- Queries per page constant in data size (each page's usual count per request, across the sizes "
                 "of this run; constancy in page size is asserted by the tests): "
                 + (verdict(True) if not varying else verdict(False) + ": " + "; ".join(varying))
                 + (f". The range shown for {', '.join(recorded)} is the API token's last use being recorded, "
                    "at most once a minute per token, whatever the size." if recorded else "."))

    if len(results) > 1:
        small = {(r["key"], r["role"]): r for r in smallest.pages if r["status"] == 200}
        flat = []
        for r in rows:
            base = small.get((r["key"], r["role"]))
            value = ratio(r["p95_ms"], base["p95_ms"]) if base else None
            if value is not None:
                flat.append((value, r))
        worst = max(flat, key=lambda item: item[0], default=None)
        ok = None if worst is None else worst[0] <= TARGET_FLAT_RATIO
        lines.append(f"- p95 at {largest.size:,} within {TARGET_FLAT_RATIO:g}x of p95 at {smallest.size:,} (same page "
                     f"and role): {verdict(ok)}" + (f" (largest growth: {worst[1]['page']}, {worst[1]['role']}, "
                                                    f"{worst[0]:.2f}x)." if worst else "."))
    else:
        lines.append(f"- p95 flat across sizes: {verdict(None)} (one size only).")

    boards = [r for r in rows if r["kind"] == "dashboard"]
    worst = max(boards, key=lambda r: r["p95_ms"], default=None)
    ok = None if worst is None else worst["p95_ms"] < TARGET_DASHBOARD_MS
    lines.append(f"- Dashboard < {TARGET_DASHBOARD_MS:g} ms: {verdict(ok)}"
                 + (f" ({worst['role']}: p95 {worst['p95_ms']:.1f} ms)." if worst else "."))

    e = largest.export
    if e and "error" not in e:
        ok = e["rows_per_s"] > TARGET_EXPORT_RPS and e["peak_rss_mb"] < TARGET_EXPORT_MB
        lines.append(f"- CSV export > {TARGET_EXPORT_RPS:,} rows/s in < {TARGET_EXPORT_MB:g} MB peak: {verdict(ok)} "
                     f"({e['rows']:,} rows at {e['rows_per_s']:,.0f} rows/s, peak RSS {e['peak_rss_mb']:.0f} MB).")
    else:
        lines.append(f"- CSV export > {TARGET_EXPORT_RPS:,} rows/s in < {TARGET_EXPORT_MB:g} MB peak: {verdict(None)}.")
    seeding = largest.seeding
    lines += [f"- Seeding (issue 7, part 1: 1 million inspections in under 5 minutes on PostgreSQL): "
              f"{largest.size:,} in {seeding['seconds']:.0f} s by `{seeding['method']}`.", ""]
    if largest.size < 1_000_000:
        lines += ["The issue's targets are stated at 1 million inspections; this run's largest size is "
                  f"{largest.size:,}, so the verdicts above hold for that size only.", ""]
    return lines


# -- command line --------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="inspections per data set, comma separated (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page and role")
    parser.add_argument("--peer-requests", type=int, default=200,
                        help="measured requests per list against Flask-Admin (a close race: more requests make "
                             "its p95 steadier)")
    parser.add_argument("--deep-page", type=int, default=20, help="the deep page of the case list")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES),
                        help="PostgreSQL server URL (a tracker_bench_* database is made beside it), or 'sqlite'")
    parser.add_argument("--no-load", dest="load", action="store_false", help="skip the gunicorn load test")
    parser.add_argument("--no-export", dest="export", action="store_false", help="skip the CSV export")
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.database == "sqlite":
        args.database = "sqlite://"
    if (not 1 <= args.requests <= 10_000 or not 1 <= args.peer_requests <= 10_000
            or not 0 < args.load_seconds <= 120 or not 1 <= args.clients <= 64):
        parser.error("keep --requests and --peer-requests in 1..10000, --load-seconds in (0, 120] and --clients "
                     "in 1..64")
    return args


def run(argv: list[str] | None = None) -> list[SizeResult]:
    """Run the benchmark and write the report; the results, for tests."""
    args = parse(argv)
    started = datetime.now(timezone.utc)
    began = time.perf_counter()
    results = []
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        # A TERM unwinds like Ctrl-C, so every throwaway database is still dropped and every server stopped.
        signal.signal(signal.SIGTERM, _terminate)
    try:
        with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder, contextlib.ExitStack() as stack:
            # Every size is seeded first and kept until the end (each database is dropped on the way out, after
            # its engines are closed), so that the pages of all sizes are measured together.
            subjects = []
            for size in args.sizes:
                url = stack.enter_context(throwaway_database(args.database, Path(folder)))
                engines: list = []
                stack.callback(lambda engines=engines: [dispose() for dispose in engines])
                subjects.append(prepare_subject(size, url, args, Path(folder), engines))
            measure_pages(subjects, args.requests)
            for subject in subjects:
                engines = []
                try:
                    result = finish_subject(subject, args, Path(folder), engines)
                finally:
                    for dispose in engines:
                        dispose()
                result.notes.append(f"Load average (1, 5, 15 min) after this size: "
                                    f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}.")
                results.append(result)
                # The report is rewritten after each size, so a run stopped during a large size keeps the others.
                write(results, args, started, time.perf_counter() - began, complete=len(results) == len(args.sizes))
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    return results


def _terminate(_signum, _frame):
    raise KeyboardInterrupt("terminated")


# Sections other benchmarks write into the same file, between their own markers: kept as they are.
KEPT_SECTIONS = (("<!-- field-budget:start -->", "<!-- field-budget:end -->"),)


def kept_sections(path: Path) -> str:
    """The other benchmarks' sections of the report at ``path`` (bench/field_budget.py's), to append unchanged."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = []
    for start, end in KEPT_SECTIONS:
        if start in text and end in text:
            kept.append(start + text.split(start, 1)[1].split(end, 1)[0] + end + "\n")
    return "".join("\n" + section for section in kept)


def write(results: list[SizeResult], args, started: datetime, elapsed: float, complete: bool) -> None:
    report = render(results, args, started, elapsed)
    if not complete:
        done = ", ".join(f"{r.size:,}" for r in results)
        report += f"\n_Partial report: sizes {done} done; the run went on with the next size._\n"
    output = Path(args.output)
    report += kept_sections(output)
    output.write_text(report, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1, default=str), encoding="utf-8")
    log(f"wrote {args.output}")


if __name__ == "__main__":
    run()

"""End-to-end journeys in Chromium: the app served from a thread on a loopback port of its own, against a
migrated database of its own, with CSRF on and real sessions; pytest-playwright drives Debian's Chromium.

Chromium is expected at /usr/bin/chromium (``apt-get install -y chromium``; ``scripts/test`` installs it).
Without it the journeys are skipped with the reason, except under CI=true, where they fail.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import make_config
from tests.e2e.world import STORY_DAY, E2EWorld
from tracker import create_app
from tracker.extensions import db

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RESULTS = Path("test-results")


def _require_chromium() -> None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = (f"Chromium is missing at {CHROMIUM}: install it with `apt-get install -y chromium` "
              "(./scripts/test does this when run as root)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}. In CI the browser journeys must run.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (``playwright install`` cannot download browsers here)."""
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _QuietHandler(WSGIRequestHandler):
    """No access log on the test output."""

    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def serving(app, name: str):
    """Serve ``app`` on a free loopback port in a thread; yields its URL and the server-side errors seen meanwhile.
    Afterwards the server stops and the app's database connections are closed."""
    errors: list[BaseException] = []

    def record(_sender, exception, **_extra):
        errors.append(exception)

    got_request_exception.connect(record, app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", errors
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@dataclass
class LiveServer:
    """The served app, the seeded world and the server-side errors seen while serving."""

    app: object
    url: str
    world: E2EWorld
    errors: list[BaseException] = field(default_factory=list)


@pytest.fixture(scope="session")
def live_server(database_factory, tmp_path_factory):
    """The tracker served on 127.0.0.1 (a free port chosen by the system) for the whole run."""
    _require_chromium()
    config = make_config(
        database_factory(migrated=True), tmp_path_factory.mktemp("e2e"),
        TESTING=False,  # behave as in production: errors become error pages, nothing is propagated
        WTF_CSRF_ENABLED=True,
        TRACKER_TODAY=STORY_DAY,  # the story reads as of 2020-04-30: every step lies in the past
    )
    app = create_app(config)
    with app.app_context():
        world = E2EWorld.seed()
        db.session.remove()
    with serving(app, "e2e-server") as (url, errors):
        yield LiveServer(app, url, world, errors)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright opens relative URLs against the live server."""
    return live_server.url


@pytest.fixture(autouse=True)
def no_server_errors(live_server):
    """A journey fails if the server raised anywhere while serving it (it would show a 500 page)."""
    before = len(live_server.errors)
    yield
    new = live_server.errors[before:]
    assert not new, f"the server raised while serving the journey: {new!r}"


@pytest.fixture
def screenshot():
    """Save a full-page screenshot of a journey's last page as test-results/<journey>.png."""

    def take(page, journey: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{journey}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

"""The database going away under a running gunicorn: a clear 503 (a page in the UI, problem+json under
/api/, Retry-After), never a 500 or a hang, and the app recovers by itself when the database returns.

PostgreSQL: gunicorn reaches the server through a TCP proxy (tests/faults/proxy.py) that the test
first turns into a black hole (connections accepted, never answered: the connect timeout must end the
wait), then cuts (connections dropped, new ones refused), then restores.
SQLite: the database's directory is moved away (a volume unmounted) and the workers restarted so no
connection opened before survives; moving it back restores the service.
"""
from __future__ import annotations

import shutil
import time
from decimal import Decimal

import sqlalchemy as sa

from tests.factories import PASSWORD
from tests.faults.client import Api, Browser, act
from tests.faults.conftest import Ledger, is_postgres, report
from tests.faults.proxy import TcpProxy
from tracker import POSTGRES_CONNECT_TIMEOUT, create_app
from tests.conftest import make_config

RECOVERY_LIMIT = 15  # seconds from the database's return to the first 200
REFUSED_WITHIN = 8  # seconds for a 503 when the database refuses outright (generous: CI machines are shared)


def assert_unavailable_page(answer, within: float) -> None:
    assert answer.status == 503, (answer.status, answer.error, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"].isdigit()
    assert "cannot reach its database" in answer.text
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT", "faults-test-secret-key"):
        assert leak not in answer.text
    assert answer.seconds < within, answer.seconds


def assert_unavailable_problem(answer, within: float) -> None:
    assert answer.status == 503, (answer.status, answer.error, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"].isdigit()
    body = answer.json
    assert body["status"] == 503 and "database" in body["detail"]
    assert "Traceback" not in answer.text and "psycopg" not in answer.text
    assert answer.seconds < within, answer.seconds


def test_database_outage_answers_503_and_recovers(seeded, serve, request, tmp_path):
    case_id = seeded.cases["outage"][0]
    if is_postgres(seeded.url):
        proxy = TcpProxy(("127.0.0.1", sa.make_url(seeded.url).port or 5432)).start()
        url = sa.make_url(seeded.url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        ledger = Ledger(seeded.app)
    else:
        proxy = None
        folder = tmp_path / "volume"
        folder.mkdir()
        url = f"sqlite:///{folder / 'tracker.sqlite'}"
        with seeded.app.app_context():  # a copy of its own: the other tests' database stays where it is
            from tracker.extensions import db

            db.engine.dispose()
        shutil.copy(sa.make_url(seeded.url).database, folder / "tracker.sqlite")
        ledger = Ledger(create_app(make_config(url, tmp_path)))
    server = serve(url)
    api = Api(server.base_url, seeded.tokens["officer"])
    browser = Browser(server.base_url)
    try:
        assert browser.sign_in("zhang.wei", PASSWORD).status == 200
        assert browser.get(f"/cases/{case_id}").status == 200
        assert api.get(f"/api/v1/cases/{case_id}").status == 200
        before = ledger.book([case_id])
        outcomes = []

        if proxy is not None:
            # A black hole: without a connect timeout every request would hang here.
            proxy.blackhole()
            hang_limit = POSTGRES_CONNECT_TIMEOUT + 7
            assert_unavailable_problem(api.get(f"/api/v1/cases/{case_id}"), hang_limit)
            assert_unavailable_page(browser.get(f"/cases/{case_id}"), hang_limit)
            proxy.cut()
        else:
            moved = folder.rename(tmp_path / "volume-away")
            server.reload()  # fresh workers: no connection opened before the outage survives
            server.wait_until_serving()  # booted (a route that needs no database)

        # Gone: refused at once.
        assert_unavailable_problem(api.get(f"/api/v1/cases/{case_id}"), REFUSED_WITHIN)
        assert_unavailable_page(browser.get(f"/cases/{case_id}"), REFUSED_WITHIN)
        assert_unavailable_page(browser.get("/outcomes/"), REFUSED_WITHIN)
        write = act(api, case_id, "record_payment", {"amount": "1.00", "receipt": "OUTAGE-1"},
                    tag="OUTAGE-1", amount=Decimal("1.00"))
        assert_unavailable_problem(write.answer, REFUSED_WITHIN)
        outcomes.append(write)

        # Back: the app recovers by itself, with no restart.
        returned = time.monotonic()
        if proxy is not None:
            proxy.restore()
        else:
            moved.rename(folder)
        while True:
            answer = api.get(f"/api/v1/cases/{case_id}")
            if answer.status == 200 or time.monotonic() - returned > RECOVERY_LIMIT:
                break
            time.sleep(0.1)
        recovery = time.monotonic() - returned
        assert answer.status == 200, (answer.status, answer.text[:300])
        assert browser.get(f"/cases/{case_id}").status == 200  # the signed-in session survived the outage
        assert browser.get("/outcomes/").status == 200
        write = act(api, case_id, "record_payment", {"amount": "1.00", "receipt": "OUTAGE-2"},
                    tag="OUTAGE-2", amount=Decimal("1.00"))
        assert write.status == 200, write.answer.text[:300]
        outcomes.append(write)
        ledger.check_after(before, outcomes)  # the write refused with 503 left nothing; the later one is there
        report(request, f"outage survived; first 200 {recovery:.2f}s after the database returned")
    finally:
        server.stop()
        if proxy is not None:
            proxy.close()
        if not is_postgres(seeded.url):
            with ledger.app.app_context():
                from tracker.extensions import db

                db.engine.dispose()
    assert "Database unavailable" in server.log()  # every 503 is logged with its cause
    assert "Traceback" in server.log() or "OperationalError" in server.log()

"""Benchmark the streamed CSV export: rows per second and peak memory for N price observations.

    .venv/bin/python bench/export_bench.py --rows 100000
    .venv/bin/python bench/export_bench.py --rows 100000 --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds a throwaway database (a temporary SQLite file, or a new PostgreSQL database created beside the one
named and dropped afterwards) by bulk inserts, not through the services, then downloads
/exports/observations.csv through the Flask test client, reading the streamed body chunk by chunk as a
server would. Two passes: one timed (rows per second), one under tracemalloc (peak Python memory during
the download). Peak memory that stays flat as --rows grows is the point: compare 10 000 and 100 000.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Inspection, Premises, PriceObservation  # noqa: E402
from tracker.services.accounts import create_unit, create_user  # noqa: E402

PASSWORD = "bench-2020"
PER_INSPECTION = 10


def throwaway_database(url: str | None, folder: Path) -> tuple[str, callable]:
    """A new empty database and a function that drops it."""
    if not url or url.startswith("sqlite"):
        path = folder / "bench.sqlite"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    base = sa.make_url(url)
    name = f"tracker_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return base.set(database=name).render_as_string(hide_password=False), drop


def seed(rows: int) -> None:
    """One unit, two officers, 100 premises, rows/10 inspections and ``rows`` observations (bulk)."""
    unit = create_unit("CG", "Chengguan station")
    lead = create_user("zhang.wei", "officer", PASSWORD, "CG")
    second = create_user("li.na", "officer", PASSWORD, "CG")
    db.session.execute(sa.insert(Premises), [
        {"unit_id": unit.id, "name": f"康健大药房 {i:03d}", "kind": "pharmacy", "operator_type": "organisation",
         "status": "active"}
        for i in range(100)
    ])
    premises_ids = db.session.scalars(sa.select(Premises.id)).all()
    start = datetime(2020, 2, 1, 2, 0, tzinfo=timezone.utc)
    inspections = rows // PER_INSPECTION + 1
    for first in range(0, inspections, 5000):
        db.session.execute(sa.insert(Inspection), [
            {"unit_id": unit.id, "premises_id": premises_ids[i % len(premises_ids)],
             "started_at": start + timedelta(minutes=i), "lead_officer_id": lead.id, "second_officer_id": second.id,
             "type": "campaign", "status": "submitted", "outcome": "no_action", "rulebook": "cn-samr@bench",
             "created_by_id": lead.id, "checklist": {}, "notes": "", "version": 1}
            for i in range(first, min(first + 5000, inspections))
        ])
    inspection_ids = db.session.scalars(sa.select(Inspection.id).order_by(Inspection.id)).all()
    flag = [{"test": "baseline_margin", "explanation": "margin 191.67% on cost against 20% on 2020-01-19", "params": {}}]
    for first in range(0, rows, 10000):
        db.session.execute(sa.insert(PriceObservation), [
            {"inspection_id": inspection_ids[i // PER_INSPECTION], "commodity": "mask_n95", "unit_of_sale": "piece",
             "price": Decimal("3.50"), "marked_price": Decimal("3.50"), "cost": Decimal("1.20"),
             "baseline_price": Decimal("1.20"), "baseline_cost": Decimal("1.00"), "margin_rate": Decimal("1.9167"),
             "baseline_margin_rate": Decimal("0.2000"), "estimated_illegal_gains": Decimal("2060.00"),
             "flags": flag, "flagged": True, "bundled": False, "rulebook": "cn-samr@bench", "recorded_by_id": lead.id,
             "cost_invoice": ""}
            for i in range(first, min(first + 10000, rows))
        ])
    db.session.commit()


def download(app, url: str) -> tuple[int, int]:
    """Stream the export as a server would; the number of CSV lines and bytes read."""
    client = FlaskClient(app, app.response_class, use_cookies=True)
    response = client.post("/auth/login", data={"username": "zhang.wei", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed
    lines = size = 0
    for chunk in response.response:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    response.close()
    return lines, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", help="a PostgreSQL URL (a database is created beside it); SQLite if omitted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = throwaway_database(args.database, Path(folder))
        try:
            app = create_app({
                "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                "UPLOAD_FOLDER": folder, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "RATELIMIT_ENABLED": False,
            })
            with app.app_context():
                flask_migrate.upgrade()
                started = time.perf_counter()
                seed(args.rows)
                seeded = time.perf_counter() - started
                dialect = db.engine.dialect.name
            began = time.perf_counter()
            lines, size = download(app, "/exports/observations.csv")
            elapsed = time.perf_counter() - began
            tracemalloc.start()
            download(app, "/exports/observations.csv")
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()
    exported = lines - 1
    assert exported == args.rows, (exported, args.rows)
    print(f"{dialect}: seeded {args.rows} observations in {seeded:.1f} s")
    print(f"{dialect}: exported {exported} rows ({size / 1e6:.1f} MB CSV) in {elapsed:.2f} s "
          f"= {exported / elapsed:,.0f} rows/s; peak traced memory during the download {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

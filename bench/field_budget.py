"""The field app's budgets (issue 17, part 7), measured in Debian's Chromium against the tracker served on loopback:

    .venv/bin/python bench/field_budget.py [--database sqlite|postgresql+psycopg://...] [--premises 300]
                                           [--inspections 50] [--photos-per-inspection 2] [--photo-mb 1]

(a) size: the app's own scripts and styles (tracker/static/field/*.js and *.css, the service worker included;
    the vendored libraries under tracker/static/vendor/ and the icons left out), gzip-compressed as the server
    sends them: under 150 KB;
(b) first load on an emulated slow 3G network (Chromium DevTools Network.emulateNetworkConditions through a CDP
    session: 400 ms latency, 400 kbit/s down and up, no cache, no service worker yet), from the navigation to
    /field/ of an officer just signed in on the web until a new inspection's first form is on the screen, ready
    to type in (the device token fetched, the bundle of the unit's ``--premises`` premises loaded, the premises
    found and chosen): under 5 s; then a repeat load with no connection at all (the service worker's cache and
    IndexedDB), navigation to the same form ready: under 1 s;
(c) sync: ``--inspections`` inspections queued on the phone while offline (each with a flagged price, its
    photos of ``--photo-mb`` MB with their SHA-256, a violation and the submission), then the connection back:
    from the ``online`` event to nothing waiting, through the real JSON API on loopback, and then in the
    database exactly one inspection per device id with every photo's hash: under 60 s.

The server is the tracker in a thread (Werkzeug, threaded) on a throwaway database (SQLite file, or
``tracker_bench_*`` beside a PostgreSQL URL, dropped afterwards), seeded with the field world of the browser tests
(tests/e2e/field_world.py). Writes the figures into docs/PERFORMANCE.md, section "Field app budgets" (``--output``;
the section is replaced, the rest of the file kept) and prints them.
"""
from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.common import throwaway_database  # noqa: E402
from tests.conftest import make_config  # noqa: E402
from tests.e2e.field_helpers import field_server, jpeg, phone, sign_in_to_field_app  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.domain.vocabulary import InspectionStatus  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Evidence, Inspection, PriceObservation, Violation  # noqa: E402

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STATIC = ROOT / "tracker" / "static" / "field"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
BUDGETS = {"size_kb": 150, "first_load_s": 5.0, "repeat_load_s": 1.0, "sync_s": 60.0}
SECTION = "## Field app budgets"
START, END = "<!-- field-budget:start -->", "<!-- field-budget:end -->"

# Queue inspections on the device as the app does (its own modules: the records, the photos as Blobs with their
# SHA-256, the submission), with no connection. A photo is the small JPEG the test made, padded to the size asked
# with APP15 segments of random bytes (still a valid JPEG, each one different).
QUEUE_JS = """async ({ count, photos, photoBytes, base, premises: places, second, emergency, rulebook }) => {
  const store = await import('/field/assets/field/store.js');
  const { sha256, withOffset } = await import('/field/assets/field/checks.js');
  const auth = await store.getMeta('auth');
  const head = Uint8Array.from(atob(base), (c) => c.charCodeAt(0));
  const photo = () => {
    const parts = [head.slice(0, 2)];
    let size = head.length;
    while (size < photoBytes) {
      const payload = Math.min(65533, photoBytes - size);
      const segment = new Uint8Array(payload + 4);
      segment[0] = 0xff; segment[1] = 0xef; segment[2] = (payload + 2) >> 8; segment[3] = (payload + 2) & 0xff;
      for (let i = 4; i < segment.length; i += 65536) crypto.getRandomValues(segment.subarray(i, Math.min(segment.length, i + 65536)));
      parts.push(segment);
      size += segment.length;
    }
    parts.push(head.slice(2));
    return new Blob(parts, { type: 'image/jpeg' });
  };
  const ids = [];
  const hashes = [];
  for (let n = 0; n < count; n += 1) {
    const premises = places[n % places.length];
    const now = withOffset(new Date(Date.now() - 60_000));
    const inspection = store.newRecord('inspection', auth.username, null, {
      premises_id: premises.id, premises_name: premises.name, started_at: now, lead_officer: auth.username,
      second_officer: second, type: 'routine', emergency_id: emergency, checklist: { prices_marked: 'yes' }, notes: `bench ${n}`,
      outcome: 'referred', reinspect_on: '', queued_at: withOffset(new Date()) }, rulebook);
    inspection.sync.state = 'pending';
    const price = store.newRecord('observation', auth.username, inspection.client_id, {
      commodity: 'mask_n95', price: '3.50', marked_price: '3.50', cost: '1.20', baseline_price: '1.20', baseline_cost: '1.00',
      quantity_sold: '100', fees: '', baseline_fees: '', bundled: false, flags: [] }, rulebook);
    price.sync.state = 'pending';
    const evidence = [];
    for (let p = 0; p < photos; p += 1) {
      const blob = photo();
      const record = store.newRecord('evidence', auth.username, inspection.client_id, {
        source: 'camera', name: `bench-${n}-${p}.jpg`, type: 'image/jpeg', size: blob.size, taken_at: now,
        latitude: '39.904220', longitude: '116.407430', accuracy_m: '8.0', position_note: '', description: `bench ${n}/${p}`,
        sha256: await sha256(blob) }, rulebook);
      record.sync.state = 'pending';
      evidence.push([record, blob]);
      hashes.push(record.data.sha256);
    }
    const violation = store.newRecord('violation', auth.username, inspection.client_id, {
      code: 'price_gouging', observation_ids: [price.client_id], evidence_ids: evidence.map(([r]) => r.client_id),
      description: `bench ${n}` }, rulebook);
    violation.sync.state = 'pending';
    await store.saveRecord(price, 'app');
    for (const [record, blob] of evidence) await store.savePhoto(record, blob);
    await store.saveRecord(violation, 'app');
    await store.saveRecord(inspection, 'app');
    ids.push(inspection.client_id);
  }
  return { ids, hashes };
}"""


@dataclass
class Figures:
    database: str
    premises: int
    size: dict = field(default_factory=dict)
    first_load: dict = field(default_factory=dict)
    repeat_load: dict = field(default_factory=dict)
    sync: dict = field(default_factory=dict)


def measure_size() -> dict:
    """The app's own scripts and styles, each gzip-compressed (level 9, as /field/assets/ sends them)."""
    files = sorted(p for p in STATIC.iterdir() if p.suffix in (".js", ".css"))
    rows = []
    for path in files:
        body = path.read_bytes()
        rows.append({"file": path.name, "bytes": len(body), "gzip": len(gzip.compress(body, 9, mtime=0))})
    return {"files": rows, "bytes": sum(r["bytes"] for r in rows), "gzip": sum(r["gzip"] for r in rows)}


def _form_ready(page) -> None:
    page.wait_for_selector(".inspection[data-step='premises'] select:not([disabled])", state="visible")


def open_inspection_form(page, premises: str) -> None:
    """From the app's start screen: New inspection, find the premises, choose it; its first form is ready."""
    page.get_by_role("link", name="New inspection").click()
    page.get_by_label("Find premises").fill(premises.split()[0])
    page.get_by_role("button", name=premises).click()
    _form_ready(page)


def measure_loads(browser, server) -> tuple[dict, dict]:
    world = server.world
    context = phone(browser, server.url)
    page = context.new_page()
    # Signed in on the web first (the login page is not the app), then the app's first load, throttled.
    page.goto("/auth/login?next=/auth/tokens")
    page.get_by_label("Username", exact=True).fill(world.officer)
    page.get_by_label("Password", exact=True).fill(world.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/auth/tokens")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    received = []
    page.on("response", lambda response: received.append(response.url))
    started = time.perf_counter()
    page.goto("/field/", wait_until="commit")
    page.wait_for_selector("body[data-bundle-ready='1']", state="attached", timeout=60_000)
    bundle_at = time.perf_counter() - started
    open_inspection_form(page, world.pharmacy)
    first = time.perf_counter() - started
    timing = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                           "return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd }; }")
    resources = page.evaluate("() => performance.getEntriesByType('resource').map((r) => ({ name: r.name.replace(location.origin, ''), "
                              "start: Math.round(r.startTime), end: Math.round(r.responseEnd), bytes: r.transferSize }))")
    transferred = page.evaluate("() => performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
                                " + performance.getEntriesByType('navigation')[0].transferSize")
    cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    form_url = page.url
    first_load = {"seconds": first, "bundle_ready_s": bundle_at, "dom_content_loaded_s": timing["domContentLoaded"] / 1000,
                  "transferred_bytes": transferred, "requests": len(received), "resources": resources}
    # The repeat load: no connection at all; the same form, from the service worker's cache and IndexedDB.
    context.set_offline(True)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        page.goto(form_url)
        _form_ready(page)
        runs.append(time.perf_counter() - started)
    started = time.perf_counter()
    page.goto("/field/")
    page.wait_for_selector("main[data-ready='1'] >> text=New inspection")
    home = time.perf_counter() - started
    context.close()
    return first_load, {"seconds": sorted(runs)[len(runs) // 2], "runs": runs, "start_screen_s": home}


def measure_sync(browser, server, inspections: int, photos: int, photo_mb: float) -> dict:
    world = server.world
    context = phone(browser, server.url)
    page = context.new_page()
    page.set_default_timeout(120_000)
    sign_in_to_field_app(page, world.officer, world.password)
    base = jpeg(page, seed=7, width=32, height=24)

    bundle = page.evaluate("async () => (await (await import('/field/assets/field/store.js')).getMeta('bundle')).data")
    places = [{"id": p["id"], "name": p["name"]} for p in bundle["premises"]]
    emergency = bundle["emergencies"][0]["id"] if bundle["emergencies"] else None
    context.set_offline(True)
    started = time.perf_counter()
    queued = page.evaluate(QUEUE_JS, {
        "count": inspections, "photos": photos, "photoBytes": int(photo_mb * 1024 * 1024),
        "base": base64.b64encode(base).decode(), "premises": places,
        "second": world.officer2, "emergency": emergency, "rulebook": bundle["rulebook"]["version"],
    })
    queue_s = time.perf_counter() - started
    page.reload()
    page.wait_for_selector("#outbox .waiting", state="attached")
    waiting = page.locator("#outbox .waiting").get_attribute("data-count")
    started = time.perf_counter()
    context.set_offline(False)  # the app's `online` handler starts the sync
    page.wait_for_function("() => document.querySelector('#outbox .waiting')?.dataset.count === '0'", timeout=600_000,
                           polling=100)
    sync_s = time.perf_counter() - started
    context.close()
    with server.app.app_context():
        held = db.session.execute(sa.select(Inspection.client_id, sa.func.count()).where(
            Inspection.client_id.in_(queued["ids"])).group_by(Inspection.client_id)).all()
        ids = [row[0] for row in held]
        inspection_ids = db.session.scalars(sa.select(Inspection.id).where(Inspection.client_id.in_(queued["ids"]))).all()
        hashes = db.session.scalars(sa.select(Evidence.sha256).where(Evidence.inspection_id.in_(inspection_ids))).all()
        observations = db.session.scalar(sa.select(sa.func.count()).select_from(PriceObservation)
                                         .where(PriceObservation.inspection_id.in_(inspection_ids)))
        violations = db.session.scalar(sa.select(sa.func.count()).select_from(Violation)
                                       .where(Violation.inspection_id.in_(inspection_ids)))
        submitted = db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)
                                      .where(Inspection.id.in_(inspection_ids), Inspection.status == InspectionStatus.SUBMITTED))
        db.session.remove()
    exactly_once = (sorted(ids) == sorted(queued["ids"]) and all(row[1] == 1 for row in held)
                    and sorted(hashes) == sorted(queued["hashes"]) and observations == inspections
                    and violations == inspections and submitted == inspections)
    return {"seconds": sync_s, "queue_s": queue_s, "inspections": inspections, "photos": len(queued["hashes"]),
            "photo_mb": photo_mb, "records_waiting": int(waiting or 0), "held_inspections": len(ids),
            "held_photos": len(hashes), "exactly_once": exactly_once,
            "megabytes": round(len(queued["hashes"]) * photo_mb, 1)}


def run(args) -> Figures:
    figures = Figures(database="PostgreSQL" if args.database.startswith("postgresql") else "SQLite",
                      premises=args.premises)
    figures.size = measure_size()
    with tempfile.TemporaryDirectory(prefix="field-budget-") as folder, \
            throwaway_database(args.database if args.database != "sqlite" else "sqlite", Path(folder)) as url:
        migrate = create_app(make_config(url, Path(folder)))
        with migrate.app_context():
            flask_migrate.upgrade()
            db.session.remove()
            db.engine.dispose()
        extra = max(0, args.premises - 3)
        with field_server(url, Path(folder), extra_premises=extra, MAX_UPLOAD_BYTES=max(10, args.photo_mb * 2) * 1024 * 1024) as server, \
                sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                figures.first_load, figures.repeat_load = measure_loads(browser, server)
                figures.sync = measure_sync(browser, server, args.inspections, args.photos_per_inspection, args.photo_mb)
            finally:
                browser.close()
            if server.errors:
                raise RuntimeError(f"the server raised: {server.errors!r}")
    return figures


def verdict(value: float, budget: float) -> str:
    return "**met**" if value < budget else "**not met**"


def report(figures: Figures, args) -> str:
    size, first, repeat, sync = figures.size, figures.first_load, figures.repeat_load, figures.sync
    bundle_kb = sum(r["bytes"] for r in first["resources"] if r["name"].startswith("/api/v1/field/bundle")) / 1024
    lines = [
        START,
        SECTION,
        "",
        f"Measured by `bench/field_budget.py` on {datetime.now(timezone.utc):%Y-%m-%d} ({platform.node()}, "
        f"{os.cpu_count()} cores, {figures.database}, Chromium {args.chromium_version}); the tracker served on "
        f"loopback from a thread (Werkzeug, threaded), the field world of the browser tests with "
        f"{figures.premises} premises in the unit. Run it again with "
        "`.venv/bin/python bench/field_budget.py` (`--database postgresql+psycopg://postgres@127.0.0.1:5432/test` "
        "for PostgreSQL; `--help` for the sizes). It rewrites only this section, and `bench/run.py` keeps it when it "
        "rewrites the rest.",
        "",
        "| budget | measured | target | |",
        "|---|---:|---:|---|",
        f"| the app's own scripts and styles, gzip | {size['gzip'] / 1024:.1f} KB ({size['bytes'] / 1024:.1f} KB "
        f"uncompressed, {len(size['files'])} files) | < {BUDGETS['size_kb']} KB | "
        f"{verdict(size['gzip'] / 1024, BUDGETS['size_kb'])} |",
        f"| first load on slow 3G to a new inspection's form | {first['seconds']:.2f} s | < {BUDGETS['first_load_s']:.0f} s "
        f"| {verdict(first['seconds'], BUDGETS['first_load_s'])} |",
        f"| repeat load offline to the same form (median of 5) | {repeat['seconds'] * 1000:.0f} ms | "
        f"< {BUDGETS['repeat_load_s'] * 1000:.0f} ms | {verdict(repeat['seconds'], BUDGETS['repeat_load_s'])} |",
        f"| sync of {sync['inspections']} queued inspections with {sync['photos']} photos of {sync['photo_mb']:g} MB | "
        f"{sync['seconds']:.1f} s | < {BUDGETS['sync_s']:.0f} s | {verdict(sync['seconds'], BUDGETS['sync_s'])} |",
        "",
        f"- Slow 3G is Chromium's DevTools throttling (Network.emulateNetworkConditions through a CDP session: "
        f"400 ms latency, 400 kbit/s each way, cache disabled). The first load starts at the navigation to /field/ of "
        f"an officer just signed in on the web, with no service worker yet; it ends when the premises step of a new "
        f"inspection is on the screen with its fields enabled: the shell, its {first['requests']} requests "
        f"({first['transferred_bytes'] / 1024:.0f} KB on the wire, the files gzip-compressed), the device token, the "
        f"bundle of {figures.premises} premises ({bundle_kb:.1f} KB on the wire, gzip-compressed; ready at "
        f"{first['bundle_ready_s']:.2f} s; DOMContentLoaded at {first['dom_content_loaded_s']:.2f} s), then the "
        f"premises found and chosen.",
        f"- The repeat load has no connection at all (`context.set_offline(True)`): the shell and the scripts from the "
        f"service worker's cache, the inspection from IndexedDB; runs {', '.join(f'{r * 1000:.0f}' for r in repeat['runs'])} ms. "
        f"The start screen offline: {repeat['start_screen_s'] * 1000:.0f} ms.",
        f"- Sync: {sync['inspections']} inspections queued offline on the phone ({sync['records_waiting']} requests waiting:"
        f" each inspection, its flagged price, {sync['photos'] // max(1, sync['inspections'])} photos, its violation and "
        f"its submission; {sync['megabytes']:g} MB of photos, queued in {sync['queue_s']:.1f} s), timed from the "
        f"connection's return to nothing waiting, one request at a time in order, each with its Idempotency-Key and "
        f"client_id. Then the database held {sync['held_inspections']} inspections for the {sync['inspections']} device "
        f"ids and {sync['held_photos']} photos whose SHA-256 are the ones computed on the phone: exactly once "
        f"**{'yes' if sync['exactly_once'] else 'NO'}**.",
        "",
        "Per file (bytes, gzip):",
        "",
        "| file | bytes | gzip |",
        "|---|---:|---:|",
        *[f"| {row['file']} | {row['bytes']:,} | {row['gzip']:,} |" for row in size["files"]],
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the section between the markers, or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> Figures:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", "sqlite"),
                        help="sqlite (a temporary file) or a PostgreSQL URL beside which a throwaway database is made")
    parser.add_argument("--premises", type=int, default=300, help="premises in the officer's unit (the bundle)")
    parser.add_argument("--inspections", type=int, default=50)
    parser.add_argument("--photos-per-inspection", type=int, default=2)
    parser.add_argument("--photo-mb", type=float, default=1.0)
    parser.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    with sync_playwright() as playwright:
        probe = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        args.chromium_version = probe.version
        probe.close()
    figures = run(args)
    section = report(figures, args)
    if args.output:
        write_section(Path(args.output), section)
    if args.json:
        Path(args.json).write_text(json.dumps(figures.__dict__, indent=1, default=str), encoding="utf-8")
    print(section)
    return figures


if __name__ == "__main__":
    main()

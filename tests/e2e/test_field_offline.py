"""The field app on a phone with no signal (issue 17): an officer signs in once, goes offline, records a whole
inspection (a flagged mask price, a photo, a violation), submits it, reloads the page offline and finds it intact
and waiting; back online it is sent, and the tracker holds it exactly once, with the photo's hash. The same with
the connection cut after the server answered the first request: the retry creates nothing new. Every screen fits a
phone (no sideways scroll at 360 px, tap targets of at least 44 px)."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.field_helpers import (
    assert_fits_a_phone, field_server, jpeg, phone, sign_in_to_field_app, wait_until_offline_ready,
)
from tests.e2e.field_world import BASELINE_COST, BASELINE_PRICE, MASK, MASK_NAME
from tracker.extensions import db
from tracker.models import ApiToken, Evidence, Inspection, PriceObservation, Violation

pytestmark = pytest.mark.e2e

# What the app keeps in IndexedDB's meta store (the device token, the bundle).
STORED_KEYS_JS = """() => new Promise((resolve) => { const r = indexedDB.open('tracker-field');
  r.onsuccess = () => { const q = r.result.transaction('meta').objectStore('meta').getAllKeys();
    q.onsuccess = () => resolve(q.result); }; })"""


@pytest.fixture(scope="module")
def server(database_factory, tmp_path_factory):
    with field_server(database_factory(migrated=True), tmp_path_factory.mktemp("field")) as served:
        yield served


@pytest.fixture(autouse=True)
def no_server_errors(server):
    """A journey fails if the server raised while serving it (replaces the shared live server's check)."""
    before = len(server.errors)
    yield
    assert not server.errors[before:], f"the server raised while serving the journey: {server.errors[before:]!r}"


@pytest.fixture
def context(browser, server):
    context = phone(browser, server.url)
    yield context
    context.close()


def start_inspection(page: Page, premises: str, second_officer: str) -> None:
    page.get_by_role("link", name="New inspection").click()
    assert_fits_a_phone(page, "premises search")
    page.get_by_label("Find premises").fill(premises.split()[0].lower())
    page.get_by_role("button", name=premises).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(premises)
    page.get_by_label("Second officer").select_option(second_officer)
    assert_fits_a_phone(page, "premises step")


def answer_checklist(page: Page) -> None:
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name="Checklist", level=2)).to_be_visible()
    for item in page.locator("fieldset.choice").all()[:3]:
        item.get_by_text("Yes", exact=True).click()
    page.locator("fieldset.choice").nth(3).get_by_text("No", exact=True).click()
    assert_fits_a_phone(page, "checklist step")


def record_price(page: Page, commodity: str, **figures: str) -> None:
    cards = page.locator("article.observation")
    before = cards.count()
    page.get_by_role("button", name="Add a price").click()
    expect(cards).to_have_count(before + 1)
    card = cards.last
    card.get_by_label("Commodity").select_option(label=commodity)
    for label, value in figures.items():
        card.get_by_label(label, exact=True).fill(value)


def flag_explanations(card) -> dict[str, str]:
    flags = card.locator("li.flag")
    return {flag.get_attribute("data-test"): flag.locator(".explanation").inner_text() for flag in flags.all()}


def server_inspections(server, client_id: str | None = None, premises_id: int | None = None) -> list[Inspection]:
    with server.app.app_context():
        statement = sa.select(Inspection).where(Inspection.client_id.is_not(None))
        if client_id:
            statement = statement.where(Inspection.client_id == client_id)
        if premises_id:
            statement = statement.where(Inspection.premises_id == premises_id)
        found = db.session.scalars(statement).all()
        db.session.expunge_all()
        return found


def test_a_whole_inspection_offline_arrives_once(context, server):
    world = server.world
    page = context.new_page()
    sign_in_to_field_app(page, world.officer, world.password)
    assert_fits_a_phone(page, "start screen")

    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Offline")
    start_inspection(page, world.pharmacy, world.officer2)
    client_id = page.evaluate("() => location.hash.split('/')[2]")
    answer_checklist(page)

    # Prices: the N95 mask's baseline (its last observation before the baseline date) is offered; the price is
    # flagged at once, with the same sentence the server will store.
    page.get_by_role("link", name="Next").click()
    record_price(page, f"{MASK_NAME} (piece)", **{"Price charged": "3.50", "Marked price": "3.50",
                                                  "Cost (invoice)": "1.20", "Quantity sold": "1000"})
    mask = page.locator("article.observation").first
    expect(mask.get_by_label("Baseline price", exact=True)).to_have_value(BASELINE_PRICE)
    expect(mask.get_by_label("Baseline cost", exact=True)).to_have_value(BASELINE_COST)
    expect(mask.locator("li.flag[data-test='baseline_margin']")).to_be_visible()
    shown = flag_explanations(mask)
    assert shown["baseline_margin"].startswith("margin 191.67% on cost against 20% on "), shown
    record_price(page, "Disposable surgical mask (piece)", **{"Price charged": "0.80", "Marked price": "0.80",
                                                             "Cost (invoice)": "0.70"})
    expect(page.locator("article.observation").last.locator(".no-flags")).to_be_visible()
    assert_fits_a_phone(page, "prices step")

    # A photo from the camera: kept as a Blob, its SHA-256 computed on the phone, the position with its accuracy.
    page.get_by_role("link", name="Next").click()
    photo = jpeg(page)
    page.get_by_label("Take a photo").set_input_files({"name": "shop.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.locator("article.photo code.hash")).to_have_text(hashlib.sha256(photo).hexdigest())
    expect(page.locator("article.photo")).to_contain_text("(within 8.0 m)")
    page.locator("article.photo").get_by_label("Description").fill("Price tag of the N95 masks")
    assert_fits_a_phone(page, "photos step")

    # A violation: the flagged price is linked already; link the photo too.
    page.get_by_role("link", name="Next").click()
    page.get_by_role("button", name="Add a violation").click()
    violation = page.locator("article.violation")
    expect(violation.get_by_label("Violation", exact=True)).to_have_value("price_gouging")
    violation.get_by_label("Photo 1 · Price tag of the N95 masks").check()
    violation.get_by_label("Description").fill("N95 masks sold at 3.50 against a baseline of 1.20")
    assert_fits_a_phone(page, "violations step")

    # Submit: what is missing is listed first; then the inspection waits on the phone.
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#missing-list")).to_contain_text("The outcome")
    expect(page.get_by_role("button", name="Submit the inspection")).to_be_disabled()
    page.get_by_text("Referred", exact=True).click()
    expect(page.locator("#missing-list")).to_have_count(0)
    assert_fits_a_phone(page, "submit step")
    page.get_by_role("button", name="Submit the inspection").click()
    expect(page.locator("#waiting-list")).to_contain_text("Price 1: N95 / KN95 respirator 3.50: waiting")
    expect(page.locator("#outbox .waiting")).to_have_text("Waiting to be sent: 6")

    # Reloaded with no signal: the service worker serves the app, IndexedDB keeps everything.
    page.reload()
    expect(page.locator("#network")).to_have_text("Offline")
    page.goto("/field/#/")
    expect(page.get_by_role("heading", name="Waiting to be sent (1)")).to_be_visible()
    expect(page.locator("#outbox .waiting")).to_have_text("Waiting to be sent: 6")
    assert_fits_a_phone(page, "start screen, waiting")
    page.get_by_role("link", name=world.pharmacy).click()
    expect(page.locator("#waiting-list li")).to_have_count(6)
    page.get_by_role("link", name="3. Prices").click()
    expect(page.locator("article.observation").first.get_by_label("Price charged", exact=True)).to_have_value("3.50")
    expect(page.locator("article.observation").first.get_by_label("Price charged", exact=True)).to_be_disabled()
    assert server_inspections(server, client_id) == []

    # Signal again: everything goes, in order, and the screen says so.
    context.set_offline(False)
    expect(page.locator("#outbox .waiting")).to_have_text("Nothing waiting to be sent", timeout=20_000)
    page.get_by_role("link", name="6. Submit").click()
    expect(page.locator("#inspection-status")).to_contain_text("Sent: the tracker holds it")

    [held] = server_inspections(server, client_id)
    with server.app.app_context():
        inspection = db.session.get(Inspection, held.id)
        assert (inspection.status.value, inspection.outcome.value) == ("submitted", "referred")
        assert inspection.lead_officer.username == world.officer and inspection.second_officer.username == world.officer2
        assert inspection.checklist == {"prices_marked": "yes", "tags_match_till": "yes", "invoices_kept": "yes",
                                        "no_unmarked_charges": "no"}
        observations = db.session.scalars(sa.select(PriceObservation).where(PriceObservation.inspection_id == held.id)
                                          .order_by(PriceObservation.id)).all()
        assert [(o.commodity, str(o.price), str(o.baseline_price), str(o.baseline_cost)) for o in observations] == [
            (MASK, "3.50", BASELINE_PRICE, BASELINE_COST), ("mask_surgical", "0.80", "None", "None")]
        # The sentence the phone showed is the one the server computed and stored.
        assert {f["test"]: f["explanation"] for f in observations[0].flags} == shown
        assert observations[1].flags == []
        [evidence] = db.session.scalars(sa.select(Evidence).where(Evidence.inspection_id == held.id)).all()
        assert evidence.sha256 == hashlib.sha256(photo).hexdigest() and evidence.size == len(photo)
        assert evidence.description == "Price tag of the N95 masks" and evidence.taken_at is not None
        assert evidence.latitude is not None and float(evidence.accuracy_m) == 8.0
        [violation_row] = db.session.scalars(sa.select(Violation).where(Violation.inspection_id == held.id)).all()
        assert violation_row.code == "price_gouging"
        assert [o.id for o in violation_row.observations] == [observations[0].id]
        assert [e.id for e in violation_row.evidence] == [evidence.id]
        db.session.remove()
    # Each record once: the device's ids name them.
    assert len(server_inspections(server, premises_id=world.pharmacy_id)) == 1


def test_an_answer_lost_on_the_way_back_is_retried_and_creates_nothing_new(context, server):
    """The connection drops after the server handled the first POST /inspections: the app sees no answer, tries
    again with the same Idempotency-Key and client_id, and the server answers with the inspection it holds."""
    world = server.world
    page = context.new_page()
    sign_in_to_field_app(page, world.officer, world.password)
    cut = []

    def drop_the_answer(route):
        if route.request.method == "POST" and not cut:
            route.fetch()  # the server receives and handles the request ...
            cut.append(route.request.headers.get("idempotency-key"))
            route.abort("connectionreset")  # ... and its answer never reaches the phone
        else:
            route.fallback()

    context.route("**/api/v1/inspections", drop_the_answer)
    start_inspection(page, "Baixing Pharmacy", world.officer2)
    client_id = page.evaluate("() => location.hash.split('/')[2]")
    page.get_by_role("link", name="3. Prices").click()
    record_price(page, f"{MASK_NAME} (piece)", **{"Price charged": "2.00", "Marked price": "2.00"})
    page.get_by_role("link", name="6. Submit").click()
    page.get_by_text("No action", exact=True).click()
    page.get_by_role("button", name="Submit the inspection").click()

    # The first attempt reached the server but the phone never heard back: it tries again after the backoff's first
    # wait, with the same key and client_id, and the server answers with the inspection it holds.
    expect(page.locator("#outbox .waiting")).to_have_text("Nothing waiting to be sent", timeout=20_000)
    expect(page.locator("#inspection-status")).to_contain_text("Sent")
    assert cut == [f"inspection:{client_id}"]
    [held] = server_inspections(server, premises_id=_premises_id(server, "Baixing Pharmacy"))
    assert held.client_id == client_id
    with server.app.app_context():
        inspection = db.session.get(Inspection, held.id)
        assert inspection.status.value == "submitted"
        assert [(o.commodity, str(o.price)) for o in inspection.observations] == [(MASK, "2.00")]
        db.session.remove()


def _premises_id(server, name: str) -> int:
    from tracker.models import Premises

    with server.app.app_context():
        found = db.session.scalar(sa.select(Premises.id).where(Premises.name == name))
        db.session.remove()
        return found


def test_signing_in_and_out_on_the_phone(browser, server):
    """Before any sign-in on the device the app says how to start (it has no token, so no data); signed in, its
    token is the person's; signing out on the phone revokes it and forgets it and the offline data."""
    context = phone(browser, server.url)
    page = context.new_page()
    page.goto("/field/")
    expect(page.get_by_role("heading", name="Sign in on this device")).to_be_visible()
    assert_fits_a_phone(page, "sign-in screen")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username", exact=True).fill(server.world.officer)
    page.get_by_label("Password", exact=True).fill(server.world.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/field/")
    wait_until_offline_ready(page)
    page.get_by_role("link", name="This device").click()
    expect(page.get_by_role("heading", name="This device")).to_be_visible()
    assert_fits_a_phone(page, "settings")
    with server.app.app_context():
        [token] = db.session.scalars(sa.select(ApiToken).where(ApiToken.name.like("Field app on %"),
                                                               ApiToken.revoked_at.is_(None))
                                     .order_by(ApiToken.id.desc()).limit(1)).all()
        token_id = token.id
        db.session.remove()
    expect(page.locator("dl.facts")).to_contain_text(token.prefix)
    page.get_by_role("button", name="Sign out on this device").click()
    expect(page.get_by_role("heading", name="Sign in on this device")).to_be_visible()
    assert page.evaluate(STORED_KEYS_JS) == []
    with server.app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        db.session.remove()
    context.close()


def test_a_record_the_server_refuses_is_shown_corrected_and_sent(context, server):
    """The second officer chosen offline was deactivated meanwhile: the tracker refuses the inspection (422 on
    second_officer); the phone shows the message on the field, the officer chooses another one, and it goes."""
    from tracker.models import User
    from tracker.services.accounts import set_active

    world = server.world
    page = context.new_page()
    sign_in_to_field_app(page, world.officer, world.password)
    context.set_offline(True)
    start_inspection(page, "Renmin Market stall 7", world.officer2)
    client_id = page.evaluate("() => location.hash.split('/')[2]")
    page.get_by_role("link", name="6. Submit").click()
    page.get_by_text("No action", exact=True).click()
    page.get_by_role("button", name="Submit the inspection").click()
    with server.app.app_context():
        set_active(db.session.scalar(sa.select(User).where(User.username == world.officer2)), False)
        db.session.remove()
    try:
        context.set_offline(False)
        expect(page.locator("#outbox .attention")).to_have_text("Needs your attention: 1", timeout=20_000)
        page.get_by_role("link", name="1. Premises").click()
        expect(page.locator(".state.fix")).to_contain_text("The tracker refused it")
        second = page.get_by_label("Second officer")
        expect(second).to_be_enabled()
        expect(second).to_have_attribute("aria-invalid", "true")
        assert_fits_a_phone(page, "a record to correct")
        second.select_option(world.supervisor)
        expect(page.locator("#outbox .waiting")).to_have_text("Nothing waiting to be sent", timeout=20_000)
        expect(page.locator("#outbox .attention")).to_have_count(0)
    finally:
        with server.app.app_context():
            set_active(db.session.scalar(sa.select(User).where(User.username == world.officer2)), True)
            db.session.remove()
    [held] = server_inspections(server, client_id)
    with server.app.app_context():
        inspection = db.session.get(Inspection, held.id)
        assert inspection.second_officer.username == world.supervisor and inspection.status.value == "submitted"
        db.session.remove()


def test_a_position_recorded_offline_never_overwrites_another_one_silently(context, server):
    """The phone records a premises' position with no signal; meanwhile someone else gives the premises another
    position. Back online, the phone's change is not applied over it: the tracker keeps the phone's version as a
    conflict for the supervisor, the phone says so, and both positions are on record."""
    from tracker.models import Premises, SyncConflict, User
    from tracker.services.premises import patch_premises

    world = server.world
    page = context.new_page()
    sign_in_to_field_app(page, world.officer, world.password)
    stall = _premises_id(server, "Renmin Market stall 7")
    context.set_offline(True)
    start_inspection(page, "Renmin Market stall 7", world.officer2)
    page.get_by_role("button", name="Record the premises' position here").click()
    expect(page.locator(".premises-position")).to_contain_text("Waiting to be sent")
    expect(page.locator("#outbox .waiting")).to_have_text("Waiting to be sent: 1")
    assert_fits_a_phone(page, "premises step with a position")

    with server.app.app_context():  # the other officer, at the desk, records another position meanwhile
        other = db.session.scalar(sa.select(User).where(User.username == world.officer2))
        patch_premises(other, db.session.get(Premises, stall), {"latitude": "39.950000", "longitude": "116.450000"},
                       source="web")
        db.session.remove()

    context.set_offline(False)
    expect(page.locator(".premises-position")).to_contain_text("Kept by the tracker for your supervisor",
                                                               timeout=20_000)
    expect(page.locator("#outbox .waiting")).to_have_text("Nothing waiting to be sent")
    with server.app.app_context():
        premises_row = db.session.get(Premises, stall)
        assert (str(premises_row.latitude), str(premises_row.longitude)) == ("39.950000", "116.450000")
        [conflict] = db.session.scalars(sa.select(SyncConflict).where(SyncConflict.kind == "premises",
                                                                      SyncConflict.record_id == stall)).all()
        assert conflict.status == "open" and conflict.base_version == 1
        assert conflict.device["latitude"].startswith("39.9042") and conflict.server["latitude"] == "39.950000"
        db.session.remove()

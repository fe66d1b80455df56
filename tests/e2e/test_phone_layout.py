"""Every officer's and supervisor's page on a phone (360 x 740, touch): nothing scrolls sideways and every button,
field, link button and checkbox label is at least 44 x 44 px (WCAG 2.5.5; links inside running text are exempt).

Each page is measured as it loads, then with everything folded unfolded (the menu, every <details>, every
collapsed panel such as the case's action forms), so hidden forms are measured too. The world is the journeys'
(tests/e2e/world.py) plus a draft inspection of a pharmacy of its own with a flagged price, a photo and a
violation, and a case with an approved penalty (its notice is a page too), so that the lists, the inspection
page's steps and its forms are all filled. Run alone:
``pytest tests/e2e/test_phone_layout.py``.
"""
from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Pages, new_page
from tests.e2e.world import STORY_DAY, _referred_case
from tests.factories import premises
from tracker.extensions import db
from tracker.models import Case, Inspection, PriceEmergency, User
from tracker.services import complaints as complaint_service
from tracker.services import inspections as inspection_service
from tracker.services.cases import run_action

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
MIN_TARGET = 44

# What the page measures: its width against the window's, and every visible control smaller than 44 x 44 px.
# A checkbox or radio is tapped through its label: its .form-check line (or its label) is measured instead.
# Links inside running text (a paragraph, small print, a form's help, an alert) are exempt (WCAG 2.5.5 "inline").
MEASURE_JS = """
(min) => {
  const doc = document.documentElement;
  const small = [];
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of controls) {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    if (el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    if (el.tagName === 'A' && !el.classList.contains('btn') && el.closest('p, small, .form-text, .alert')) continue;
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('.form-check') || (el.labels && el.labels[0]) || el;
    }
    const box = target.getBoundingClientRect();
    if (box.width < min - 0.5 || box.height < min - 0.5) {
      const name = (el.innerText || el.value || el.name || el.id || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
      small.push(`${Math.round(box.width)}x${Math.round(box.height)} <${el.tagName.toLowerCase()}> "${name}"`);
    }
  }
  const wide = [];
  if (doc.scrollWidth > doc.clientWidth) {
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.right > doc.clientWidth + 1 && el.checkVisibility()) {
        wide.push(`<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${Math.round(box.right)} px`);
        if (wide.length >= 5) break;
      }
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, small, wide};
}
"""

# Unfold everything a tap would unfold: the menu (a <details>), every other <details>, every collapsed panel.
UNFOLD_JS = """
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.collapse:not(.navbar-collapse), .accordion-collapse').forEach(p => p.classList.add('show'));
}
"""


def _png() -> bytes:
    """A real 8 x 8 PNG (a grey square), made here: the photo the officer uploads."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def draft(live_server) -> dict:
    """A draft inspection of a pharmacy of its own, with a flagged mask price and a violation (the photo is
    uploaded through the page by the test), and the ids the walk needs."""
    world = live_server.world
    with live_server.app.app_context():
        lead = db.session.scalar(sa.select(User).where(User.username == world.officer))
        second = db.session.scalar(sa.select(User).where(User.username == world.officer2))
        outbreak = db.session.scalars(sa.select(PriceEmergency)).first()
        pharmacy = premises(lead, name="Jiankang Pharmacy (phone layout)")
        record = inspection_service.start_inspection(lead, inspection_service.InspectionData(
            premises_id=pharmacy.id, started_at=datetime(2020, 4, 28, 2, 0, tzinfo=timezone.utc),
            lead_officer=lead.username, second_officer=second.username, type="campaign",
            emergency_id=outbreak.id, checklist={}, notes="Masks at the counter.",
        ))
        observation = inspection_service.record_observation(lead, record, inspection_service.ObservationData(
            "mask_n95", "3.50", marked_price="3.50", cost="1.20", baseline_price="1.20", baseline_cost="1.00",
            quantity_sold="200"))
        inspection_service.record_violation(lead, record, "price_gouging", [observation.id])
        # A case of its own with an approved penalty, for its notice (the printable page) and a fuller case page.
        boss = db.session.scalar(sa.select(User).where(User.username == world.supervisor2))
        approved = _referred_case(lead, second, premises(lead, name="Minsheng Pharmacy (phone layout)"), outbreak,
                                  lead)
        run_action(boss, approved, "file", {"on": "2020-02-12", "officers": [lead.username, second.username]},
                   today=STORY_DAY)
        run_action(second, approved, "propose_penalty", {
            "on": "2020-03-03", "illegal_gains": "2060.00", "severity": "ordinary",
            "lines": [{"kind": "confiscation", "amount": "2060.00"}, {"kind": "fine", "amount": "9000.00"}],
        }, today=STORY_DAY)
        run_action(boss, approved, "approve_penalty", {"on": "2020-03-05"}, today=STORY_DAY)
        submitted = db.session.scalar(
            sa.select(Inspection.id).where(Inspection.status == "submitted").order_by(Inspection.id))
        cases = db.session.scalars(sa.select(Case.id).order_by(Case.id)).all()
        # A complaint about the pharmacy, named and priced (its page: the person, the price check, the triage forms).
        complaint = complaint_service.file_complaint(None, {
            "kind": "complaint", "premises_id": pharmacy.id, "commodity": "mask_n95", "price_seen": "18.00",
            "description": "N95 masks at 18 yuan each at the counter; the receipt says 18.00.",
            "person": {"name": "Liu Min", "phone": "13912345678"}}).complaint
        ids = {"premises": pharmacy.id, "draft": record.id, "submitted": submitted, "cases": cases,
               "approved": approved.id, "complaint": complaint.id}
        db.session.remove()
    return ids


def _pages(ids: dict, supervisor: bool) -> list[str]:
    """The officer's pages (a supervisor's too, and the dashboard): lists, details, forms, account."""
    pages = [
        "/", "/cases/mine", "/premises/", f"/premises/{ids['premises']}", "/premises/new",
        f"/premises/{ids['premises']}/edit", "/inspections/", "/inspections/observations", "/inspections/violations",
        f"/inspections/new?premises_id={ids['premises']}", f"/inspections/{ids['draft']}",
        f"/inspections/{ids['draft']}/edit", f"/inspections/{ids['submitted']}",
        "/cases/", *[f"/cases/{case}" for case in ids["cases"]], f"/cases/{ids['approved']}/notice",
        "/cases/penalties", "/cases/payments",
        "/reports/queues", "/planning/risk", "/search?q=Pharmacy", "/auth/tokens", "/admin/rulebook", "/outcomes/",
        "/complaints/new", "/complaints/track", f"/complaints/{ids['complaint']}",
    ]
    if supervisor:
        pages.append("/reports/")
    return pages


def _menu_links(page: Page) -> list[str]:
    """Every page of the signed-in user's menu (pages added to the menu later are walked too)."""
    hrefs = page.locator("#nav a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return sorted({href for href in hrefs if href.startswith("/") and href != "#"})


def _measure(page: Page, label: str, problems: list[str]) -> None:
    result = page.evaluate(MEASURE_JS, MIN_TARGET)
    if result["clientWidth"] != PHONE["viewport"]["width"]:  # laid out for a desktop and zoomed out to fit
        problems.append(f"{label}: laid out {result['clientWidth']} px wide, not the phone's "
                        f"{PHONE['viewport']['width']} px (no device-width viewport?)")
    if result["scrollWidth"] > result["clientWidth"]:
        problems.append(f"{label}: scrolls sideways ({result['scrollWidth']} px wide in {result['clientWidth']} px): "
                        + "; ".join(result["wide"]))
    problems.extend(f"{label}: target under {MIN_TARGET}x{MIN_TARGET} px: {item}" for item in result["small"])


def _walk(page: Page, paths: list[str]) -> list[str]:
    problems: list[str] = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_load_state("load")
        _measure(page, path, problems)
        page.evaluate(UNFOLD_JS)
        _measure(page, f"{path} (unfolded)", problems)
    return problems


def _phone(new_context, live_server, username: str) -> Page:
    page = new_page(new_context(**PHONE))
    page.goto("/auth/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(live_server.world.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    Pages().check(page)  # every field of the first page labelled, as in the journeys
    return page


def test_the_menu_folds_behind_a_button_that_works_without_javascript(new_context, live_server):
    page = new_page(new_context(**PHONE, java_script_enabled=False))
    page.goto("/auth/login")
    page.get_by_label("Username", exact=True).fill(live_server.world.officer)
    page.get_by_label("Password", exact=True).fill(live_server.world.password)
    page.get_by_role("button", name="Sign in").click()
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()  # folded
    menu = page.locator(".nav-menu > summary")
    expect(menu).to_have_accessible_name("Menu")
    menu.click()
    expect(sign_out).to_be_visible()
    expect(page.get_by_role("link", name="Work queues")).to_be_visible()  # a dropdown's item, listed without a tap
    with page.expect_navigation():
        page.get_by_role("link", name="Inspections", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(sign_out).to_be_hidden()  # folded again on the next page


def test_the_inspection_page_reads_step_by_step_on_a_phone(new_context, live_server, draft, screenshot):
    page = _phone(new_context, live_server, live_server.world.officer)
    page.goto(f"/inspections/{draft['draft']}")
    steps = page.get_by_role("navigation", name="Steps").get_by_role("link")
    expect(steps).to_have_text(["Premises", "Checklist", "Prices", "Evidence", "Violations", "Submit"])
    # The photo, through the page's own form.
    evidence = page.locator("#evidence")
    evidence.locator("input[type=file]").set_input_files(
        files=[{"name": "counter.png", "mimeType": "image/png", "buffer": _png()}])
    with page.expect_navigation():
        evidence.get_by_role("button", name="Upload").click()
    expect(page.locator("#step-evidence")).to_contain_text("counter.png")
    # The steps follow each other down the page, the list of what is missing just above the submit button.
    tops = [page.locator(f"#step-{name}").bounding_box()["y"]
            for name in ("premises", "checklist", "prices", "evidence", "violations", "submit")]
    assert tops == sorted(tops), tops
    missing = page.locator("#missing li")
    expect(missing.first).to_have_text("The outcome: no action, corrected or referred, chosen below.")
    expect(missing).to_contain_text(["No action: An inspection with violations cannot end with no action."])
    submit_button = page.locator("#step-submit").get_by_role("button", name="Submit inspection")
    assert page.locator("#missing").bounding_box()["y"] < submit_button.bounding_box()["y"]
    # Each price observation is a card on a phone: no table wider than the screen, figures named.
    card = page.locator("#step-prices tbody tr").first
    assert card.bounding_box()["width"] <= 360
    expect(card.get_by_role("cell", name=re.compile(r"^Margin on cost \d"))).to_be_visible()  # its ::before label
    screenshot(page, "phone_inspection_steps")


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_no_page_scrolls_sideways_and_every_target_is_big_enough(new_context, live_server, draft, role):
    page = _phone(new_context, live_server, getattr(live_server.world, role))
    paths = _pages(draft, supervisor=role == "supervisor")
    paths += [href for href in _menu_links(page) if href not in paths]
    problems = _walk(page, paths)
    # The menu itself, unfolded by its button.
    page.goto("/")
    page.locator(".nav-menu > summary").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    _measure(page, "the menu", problems)
    assert not problems, f"{len(problems)} problems at 360 px as {role}:\n" + "\n".join(problems)
    assert len(paths) >= 20, paths
    assert not [p for p in paths if re.search(r"/None\b", p)], paths

"""Five journeys through the real pages in Chromium, told as one story (run them together, in order).

(a) an officer signs in and records a gouging mask price with the keyboard, sees the flag, records the
violation and opens a case; (b) a supervisor files it, is refused approving a proposal of their own and one
from an inspection they joined, and approves the officer's; (c) notice, decision, payment and closure;
(d) an auditor reads the timeline and sees the chain verified; (e) the public register shows the outcome
without the natural person's personal data. Every page visited is checked for unlabelled form fields (and so
is every page of each role's menu), two pages are walked through with Tab to the last control, and each
journey's last page is saved as test-results/<journey>.png. Run alone: ``pytest tests/e2e``.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    Pages,
    assert_keyboard_reaches_everything,
    new_page,
    open_action,
    sign_in,
    sign_in_with_keyboard,
    tab_to,
)
from tests.e2e.world import HOME_ADDRESS, ID_NUMBER, OPERATOR, PHONE

pytestmark = pytest.mark.e2e


class Story:
    """What the journeys hand on to each other: signed-in sessions, the case they follow, the pages seen."""

    def __init__(self):
        self.sessions: dict[str, dict] = {}  # username -> the browser's storage state after signing in
        self.case_url: str | None = None
        self.case_number: str | None = None
        self.pages = Pages()

    def need_case(self) -> str:
        if self.case_url is None:
            pytest.fail("journey (a) opens the case the later journeys follow: run the module as a whole")
        return self.case_url


@pytest.fixture(scope="module")
def story() -> Story:
    return Story()


@pytest.fixture
def as_user(new_context, live_server, story):
    """A page in a browser context of its own, signed in as ``username`` (through the form the first time)."""

    def open_as(username: str) -> Page:
        if username in story.sessions:
            return new_page(new_context(storage_state=story.sessions[username]))
        context = new_context()
        page = new_page(context)
        sign_in(page, story.pages, username, live_server.world.password)
        story.sessions[username] = context.storage_state()
        return page

    return open_as


def goto(page: Page, story: Story, url: str) -> None:
    page.goto(url)
    story.pages.check(page)


def click_to(page: Page, story: Story, locator) -> None:
    """Click a link or button that loads a new page, then check that page."""
    with page.expect_navigation():
        locator.click()
    story.pages.check(page)


def record_action(page: Page, story: Story, label: str, fields: dict[str, str], selects: dict | None = None) -> None:
    """Unfold a case action, fill its fields by their labels, press Record and expect it recorded."""
    panel = open_action(page, label)
    for name, value in fields.items():
        panel.get_by_label(name, exact=True).fill(value)
    for name, value in (selects or {}).items():
        panel.get_by_label(name, exact=True).select_option(value)
    click_to(page, story, panel.get_by_role("button", name="Record"))
    expect(page.get_by_role("alert").filter(has_text=f"{label}: recorded.")).to_be_visible()


def state_of(page: Page):
    return page.locator("h1 .badge").first


def test_a_officer_logs_gouging_inspection_and_opens_case(new_context, live_server, story, screenshot):
    world = live_server.world
    context = new_context()
    page = new_page(context)
    # Sign in and record the price with the keyboard only.
    sign_in_with_keyboard(page, story.pages, world.officer, world.password)
    story.pages.check(page)
    story.sessions[world.officer] = context.storage_state()

    click_to(page, story, page.get_by_role("link", name="Premises", exact=True))
    click_to(page, story, page.get_by_role("link", name="Kangning Pharmacy"))
    click_to(page, story, page.get_by_role("link", name="Log an inspection"))
    page.get_by_label("Started at", exact=True).fill("2020-02-05T10:30")
    page.get_by_label("Second officer", exact=True).select_option(world.officer2)
    expect(page.get_by_label("Price emergency", exact=True)).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Notes", exact=True).fill("Masks sold at the counter; invoices photographed.")
    click_to(page, story, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inspection of Kangning Pharmacy")

    # The price form, from the keyboard: Tab to each field, type, Enter submits.
    assert assert_keyboard_reaches_everything(page) > 30
    tab_to(page, "Commodity")
    page.keyboard.type("N95")
    expect(page.get_by_label("Commodity", exact=True)).to_have_value("mask_n95")
    for label, value in (("Price charged", "3.50"), ("Marked price", "3.50"), ("Purchase cost", "1.20"),
                         ("Baseline price", "1.20"), ("Baseline cost", "1.00"),
                         ("Quantity sold in the period", "1000")):
        tab_to(page, label, limit=6)
        page.keyboard.type(value)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    story.pages.check(page)
    expect(page.get_by_role("alert")).to_contain_text("The price tests flagged it")
    flag = page.locator("tr.table-warning li").filter(has_text="Margin above the baseline margin")
    expect(flag).to_contain_text("margin 191.67% on cost against 20% on 2020-01-19")

    # From the flag to the violation, prefilled with the observation and the suggested code.
    click_to(page, story, page.get_by_role("link", name="Record the violation"))
    violation = page.locator("#violation")
    expect(violation.get_by_label("Violation", exact=True)).to_have_value("price_gouging")
    violation.get_by_label("Description", exact=True).fill("N95 respirators sold at 3.50 against a cost of 1.20.")
    click_to(page, story, violation.get_by_role("button", name="Record violation"))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Price Law art. 14(3)")

    submit = page.locator("#submit")
    submit.get_by_label("Outcome", exact=True).select_option("referred")
    click_to(page, story, submit.get_by_role("button", name="Submit inspection"))
    expect(page.locator("h1 .badge")).to_have_text("Submitted")

    click_to(page, story, page.locator("#open-case").get_by_role("button", name="Open a case"))
    expect(page.get_by_role("alert")).to_contain_text("opened")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"CG-2020-\d{4}"))
    expect(state_of(page)).to_have_text("Clue")
    story.case_number = re.search(r"CG-2020-\d{4}", heading.inner_text()).group(0)
    story.case_url = re.sub(r"^https?://[^/]+", "", page.url)
    screenshot(page, "a_officer_opens_case")


def _forge_approval(page: Page, case_url: str):
    """Post the approval the page does not offer, from the signed-in browser with its CSRF token."""
    token = page.locator("input[name$='csrf_token']").first.get_attribute("value")
    version = page.locator("input[name$='-version']").first.get_attribute("value")
    return page.request.post(f"{case_url}/actions/approve_penalty", form={
        "csrf_token": token, "approve_penalty-csrf_token": token,
        "approve_penalty-version": version, "approve_penalty-on": "2020-03-10",
    })


def _case_page(page: Page, story: Story, number: str) -> str:
    goto(page, story, "/cases/")
    click_to(page, story, page.get_by_role("link", name=number))
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_b_supervisor_files_and_four_eyes_refusals(as_user, live_server, story, screenshot):
    world = live_server.world
    case_url = story.need_case()
    boss = as_user(world.supervisor)

    # Filing, from the keyboard: Tab to the action, Space unfolds it, type the date, Enter on Record.
    goto(boss, story, case_url)
    tab_to(boss, "File the case")
    boss.keyboard.press("Space")
    panel = boss.locator("#act-file")
    expect(panel).to_be_visible()
    tab_to(boss, "Date it happened", limit=5)
    boss.keyboard.type("02102020")  # the en-US date field: mm, dd, yyyy
    expect(panel.get_by_label("Date it happened", exact=True)).to_have_value("2020-02-10")
    tab_to(boss, "Record", limit=10)
    with boss.expect_navigation():
        boss.keyboard.press("Enter")
    story.pages.check(boss)
    expect(boss.get_by_role("alert").filter(has_text="File the case: recorded.")).to_be_visible()
    expect(state_of(boss)).to_have_text("Investigating")

    # Her own proposal: she is a case officer of the Renmin case and proposes its penalty herself ...
    own_url = _case_page(boss, story, world.own_case)
    record_action(boss, story, "Propose a penalty", {
        "Date it happened": "2020-03-02", "Fine": "9000.00", "Confiscation of illegal gains": "2060.00",
        "Illegal gains (as confirmed by the officer)": "2060.00",
    })
    expect(state_of(boss)).to_have_text("Penalty proposed")
    # ... and may not approve it: the page does not offer it, and a forged request is refused.
    expect(boss.get_by_role("button", name="Approve the penalty")).to_have_count(0)
    refused = _forge_approval(boss, own_url)
    assert refused.status == 403
    assert "never approves a penalty they proposed themselves" in refused.text()

    # A proposal from an inspection she took part in: not offered, and refused.
    joined_url = _case_page(boss, story, world.joined_case)
    expect(state_of(boss)).to_have_text("Penalty proposed")
    expect(boss.get_by_role("button", name="Approve the penalty")).to_have_count(0)
    refused = _forge_approval(boss, joined_url)
    assert refused.status == 403
    assert "took part in the inspection" in refused.text()
    goto(boss, story, joined_url)
    expect(state_of(boss)).to_have_text("Penalty proposed")  # nothing changed

    # The officer proposes the penalty of the case from journey (a); the supervisor approves it.
    officer = as_user(world.officer)
    goto(officer, story, case_url)
    record_action(officer, story, "Propose a penalty", {
        "Date it happened": "2020-03-02", "Fine": "6000.00", "Confiscation of illegal gains": "2060.00",
        "Illegal gains (as confirmed by the officer)": "2060.00",
        "Investigation report": "Sold 1,000 respirators at a margin far above the baseline margin.",
    })
    expect(state_of(officer)).to_have_text("Penalty proposed")
    goto(boss, story, case_url)
    record_action(boss, story, "Approve the penalty", {"Date it happened": "2020-03-04"})
    expect(state_of(boss)).to_have_text("Penalty approved")
    assert assert_keyboard_reaches_everything(boss) > 10
    screenshot(boss, "b_supervisor_approves")


def test_c_notice_decision_payment_and_closure(as_user, live_server, story, screenshot):
    world = live_server.world
    case_url = story.need_case()
    officer, boss = as_user(world.officer), as_user(world.supervisor)

    goto(officer, story, case_url)
    record_action(officer, story, "Serve the notice", {"Date it happened": "2020-03-05"},
                  {"Method of service": "in_person"})
    expect(state_of(officer)).to_have_text("Notice served")
    click_to(officer, story, officer.get_by_role("link", name="Notice of proposed penalty"))
    expect(officer.locator("main")).to_contain_text("6,000.00")

    goto(boss, story, case_url)
    record_action(boss, story, "Decide", {"Date it happened": "2020-03-13"})
    expect(state_of(boss)).to_have_text("Decided")

    goto(officer, story, case_url)
    record_action(officer, story, "Serve the decision", {"Date it happened": "2020-03-16"},
                  {"Method of service": "in_person"})
    expect(state_of(officer)).to_have_text("Decision served")
    record_action(officer, story, "Record a payment", {
        "Date it happened": "2020-03-20", "Amount paid": "8060.00", "Receipt number": "FS-2020-0316-01",
    })
    expect(state_of(officer)).to_have_text("Executed")

    goto(boss, story, case_url)
    record_action(boss, story, "Close the case", {"Date it happened": "2020-03-25"})
    expect(state_of(boss)).to_have_text("Closed")
    expect(boss.locator("main")).to_contain_text("FS-2020-0316-01")
    screenshot(boss, "c_case_closed")


def test_d_auditor_reads_timeline_and_verified_chain(as_user, live_server, story, screenshot):
    story.need_case()
    auditor = as_user(live_server.world.auditor)
    goto(auditor, story, "/cases/?q=" + story.case_number)
    click_to(auditor, story, auditor.get_by_role("link", name=story.case_number))
    events = auditor.locator("ol.list-group > li")
    expect(events).to_have_count(9)  # opened, filed, proposed, approved, notice, decided, served, paid, closed
    expect(events.first).to_contain_text("zhang.wei")
    expect(events.last).to_contain_text("Closed")
    expect(auditor.get_by_role("status")).to_have_text(
        "History chain verified: 9 events, every hash recomputed and linked."
    )
    expect(auditor.get_by_role("heading", name="What you can do now")).to_have_count(0)  # auditors change nothing
    screenshot(auditor, "d_auditor_verifies_chain")


def test_e_public_register_shows_outcome_without_personal_data(new_context, live_server, story, screenshot):
    number = story.case_number or pytest.fail("journey (a) must run first")
    page = new_page(new_context())  # nobody signed in
    goto(page, story, "/")
    click_to(page, story, page.get_by_role("link", name="Published outcomes"))
    entry = page.locator(f"section#{number}")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Price gouging")
    expect(entry).to_contain_text("Price Law art. 14(3)")
    expect(entry).to_contain_text("6,000.00")
    expect(entry).to_contain_text("2020-03-13")
    expect(entry).to_contain_text("Chengguan station")
    html = page.content()
    for secret in (ID_NUMBER, PHONE, HOME_ADDRESS, OPERATOR, OPERATOR.split()[1], "Heping Road"):
        assert secret not in html, f"the public register shows {secret!r}"
    assert live_server.world.own_case not in html and live_server.world.joined_case not in html  # undecided
    screenshot(page, "e_public_register")


@pytest.mark.parametrize("role", ["officer", "supervisor", "auditor", "admin"])
def test_every_menu_page_labels_its_fields(as_user, live_server, story, role):
    """Each page of each role's menu (and each administration page) names every form control it shows."""
    page = as_user(getattr(live_server.world, role))
    goto(page, story, "/")
    menu = page.locator("#nav a.nav-link:not(.dropdown-toggle), #nav a.dropdown-item")  # dropdown items too
    links = sorted({href for href in menu.evaluate_all("links => links.map(a => a.getAttribute('href'))")})
    assert len(links) >= 4, links
    if role == "admin":
        goto(page, story, "/admin/")
        links += sorted({href for href in page.locator("main a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))") if href.startswith("/admin/")})
    for href in links:
        response = page.goto(href)
        assert response.status == 200, (href, response.status)
        story.pages.check(page)


def test_every_page_visited_labels_its_fields(story, browser_name):
    """The journeys went through the main pages, and every form control on them has a label.

    (``browser_name`` keeps this test with the module's browser tests: pytest groups the tests of one browser
    across modules, and would otherwise run a later module's journeys first, between the story and this check.)"""
    if not story.pages.visited:
        pytest.fail("run the journeys first (the whole module)")
    kinds = {re.sub(r"/\d+", "/<id>", path.split("?")[0]) for path in story.pages.visited}
    for expected in ("/auth/login", "/premises/", "/inspections/new", "/inspections/<id>", "/cases/<id>",
                     "/outcomes/"):
        assert expected in kinds, (expected, sorted(kinds))
    controls = sum(story.pages.visited.values())
    assert controls > 100
    print(f"{len(story.pages.visited)} pages ({len(kinds)} routes) checked, {controls} form controls, all labelled")

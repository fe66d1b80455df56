"""What the journeys do in the browser besides clicking: accessible-name checks, keyboard moves, sign-in."""
from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

TIMEOUT_MS = 10_000

# The accessible name of a form control, computed as assistive technology would for our markup: aria-labelledby,
# aria-label, associated <label>s (for= or wrapping), a button's text or value, then title. A placeholder alone
# does not count: it disappears as soon as the user types.
ACCESSIBLE_NAME_JS = """
el => {
  const text = node => (node ? node.textContent : '').replace(/\\s+/g, ' ').trim();
  const by = el.getAttribute('aria-labelledby');
  if (by) {
    const name = by.split(/\\s+/).map(id => text(document.getElementById(id))).join(' ').trim();
    if (name) return name;
  }
  const aria = (el.getAttribute('aria-label') || '').trim();
  if (aria) return aria;
  const labels = [...(el.labels || [])].map(text).filter(Boolean);
  if (labels.length) return labels.join(' ');
  if (el.tagName === 'BUTTON') { const t = text(el); if (t) return t; }
  if (['submit', 'button', 'reset'].includes(el.type) && (el.value || '').trim()) return el.value.trim();
  return (el.getAttribute('title') || '').trim();
}
"""

# Every form control of the page that is not type=hidden, visible or not (a collapsed action form counts too),
# with its accessible name; the ones without a name are the failures.
UNNAMED_CONTROLS_JS = f"""
() => {{
  const nameOf = {ACCESSIBLE_NAME_JS};
  const controls = [...document.querySelectorAll('input, select, textarea, button')]
    .filter(el => el.type !== 'hidden');
  return {{
    checked: controls.length,
    unnamed: controls.filter(el => !nameOf(el)).map(el => el.outerHTML.slice(0, 160)),
  }};
}}
"""


class Pages:
    """Every page the journeys load, with the accessible-name check run on each."""

    def __init__(self):
        self.visited: dict[str, int] = {}

    def check(self, page: Page) -> None:
        """Every input, select, textarea and button of the page has an accessible name."""
        page.wait_for_load_state("domcontentloaded")
        result = page.evaluate(UNNAMED_CONTROLS_JS)
        assert not result["unnamed"], f"form controls without a label on {page.url}: {result['unnamed']}"
        path = re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]
        self.visited[path] = self.visited.get(path, 0) + result["checked"]


def new_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def active_name(page: Page) -> str:
    """The accessible name of the element that has the keyboard focus ('' for none)."""
    return page.evaluate(f"() => {{ const el = document.activeElement; return el && el !== document.body ? ({ACCESSIBLE_NAME_JS})(el) : ''; }}")


def tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element is named ``name`` (fails if it cannot be reached: a trap or no label)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = active_name(page)
        if current == name or current.startswith(name):
            return
        seen.append(current)
    raise AssertionError(f"{name!r} not reached with Tab on {page.url}; focus went through {seen[-15:]}")


FOCUSABLE_JS = """
() => {
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter(el => !el.disabled && el.checkVisibility({visibilityProperty: true}));
  all.forEach((el, i) => { el.dataset.e2eFocus = String(i); });
  return all.map(el => (el.textContent || el.name || el.id || el.tagName).trim().slice(0, 40));
}
"""


def assert_keyboard_reaches_everything(page: Page) -> int:
    """Tab from the top of the page reaches every visible link and control, and no element holds the focus."""
    names = page.evaluate(FOCUSABLE_JS)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: set[int] = set()
    for _ in range(3 * len(names) + 10):  # a date field takes one Tab per part
        page.keyboard.press("Tab")
        index = page.evaluate("() => document.activeElement ? document.activeElement.dataset.e2eFocus : undefined")
        if index is not None:
            reached.add(int(index))
        if len(reached) == len(names):
            return len(names)
    missing = [names[i] for i in range(len(names)) if i not in reached]
    raise AssertionError(f"Tab never reached {missing} on {page.url} (a keyboard trap or an unfocusable control)")


def sign_in(page: Page, pages: Pages, username: str, password: str) -> None:
    """Sign in through the form with the mouse, as most users do."""
    page.goto("/auth/login")
    pages.check(page)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_in_with_keyboard(page: Page, pages: Pages, username: str, password: str) -> None:
    """Sign in with Tab, typing and Enter only: no click."""
    page.goto("/auth/login")
    pages.check(page)
    tab_to(page, "Username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert active_name(page) == "Password", "Tab from the username must reach the password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_action(page: Page, label: str):
    """Unfold an action of the case page ("What you can do now") and return its panel."""
    page.get_by_role("button", name=label, exact=True).click()
    panel = page.locator(".accordion-collapse.show")
    expect(panel).to_be_visible()
    return panel

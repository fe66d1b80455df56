"""The field app in Chromium at a phone's size: its own served tracker (the field world, the real calendar), a phone
context, signing in and waiting for the app to work offline, a small JPEG made by the browser, and the layout checks
(no sideways scroll, tap targets of at least 44 px)."""
from __future__ import annotations

import base64
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import make_config
from tests.e2e.conftest import serving
from tests.e2e.helpers import UNNAMED_CONTROLS_JS
from tests.e2e.field_world import LATITUDE, LONGITUDE, FieldWorld
from tracker import create_app
from tracker.extensions import db

TIMEOUT_MS = 15_000
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "timezone_id": "Asia/Shanghai", "locale": "en-GB"}
# A few metres from Kangning Pharmacy.
HERE = {"latitude": float(LATITUDE) + 0.00002, "longitude": float(LONGITUDE) + 0.00003, "accuracy": 8}

# A small JPEG drawn by the browser (a canvas): a real image, as a camera would give, a few hundred bytes.
JPEG_JS = """async ([width, height, seed]) => {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = `hsl(${seed * 47 % 360} 60% 45%)`;
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#fff';
  g.fillRect(width / 8, height / 8, width / 3, height / 3);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""

# Every element a finger taps (links, buttons, fields, the labels that stand for hidden radios and file inputs)
# that is smaller than 44 x 44 CSS px; and how far the page scrolls sideways.
SMALL_TARGETS_JS = """() => {
  const targets = [...document.querySelectorAll('a[href], button, input, select, textarea, label')]
    .filter((el) => el.checkVisibility() && !(el.tagName === 'LABEL' && !el.control));
  const small = [];
  for (const el of targets) {
    if (el.tagName === 'INPUT' && ['radio', 'checkbox', 'file'].includes(el.type)) {
      // Tapped through its label (or the whole line): the label, or the line around it, must be large enough.
      const line = el.closest('.check, .file-pick, .segmented') || el.parentElement;
      const box = line.getBoundingClientRect();
      if (box.height < 44) small.push(`${el.outerHTML.slice(0, 80)} (line ${Math.round(box.height)} px)`);
      continue;
    }
    if (el.tagName === 'LABEL' && !['radio', 'checkbox', 'file'].includes(el.control.type)) continue; // a field's caption
    const box = el.getBoundingClientRect();
    if (box.width < 44 || box.height < 44) {
      small.push(`${el.outerHTML.slice(0, 80)} (${Math.round(box.width)} x ${Math.round(box.height)})`);
    }
  }
  return small;
}"""
SIDEWAYS_JS = "() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })"


@dataclass
class FieldServer:
    app: object
    url: str
    world: FieldWorld
    errors: list[BaseException] = field(default_factory=list)


@contextmanager
def field_server(database_url: str, folder, extra_premises: int = 0, **config):
    """The tracker on a loopback port of its own, on a migrated database holding the field world."""
    app = create_app(make_config(database_url, folder, TESTING=False, WTF_CSRF_ENABLED=True, **config))
    with app.app_context():
        world = FieldWorld.seed(extra_premises=extra_premises)
        db.session.remove()
    with serving(app, "field-server") as (url, errors):
        yield FieldServer(app, url, world, errors)


def phone(browser: Browser, base_url: str, **extra) -> BrowserContext:
    """A phone: 360 x 740, touch, the position a few metres from the pharmacy, allowed."""
    context = browser.new_context(base_url=base_url, geolocation=HERE, permissions=["geolocation"], **PHONE, **extra)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in_to_field_app(page: Page, username: str, password: str) -> None:
    """Sign in on the web (as an officer does once on the phone), land in the field app, and wait until it holds a
    device token and the bundle, and its service worker controls the page (it then works with no connection)."""
    page.goto("/auth/login?next=/field/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/field/")
    wait_until_offline_ready(page)


def wait_until_offline_ready(page: Page) -> None:
    page.wait_for_selector("body[data-bundle-ready='1']", state="attached")
    page.wait_for_selector("body[data-offline-ready='1']", state="attached")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("link", name="New inspection")).to_be_visible()


def jpeg(page: Page, seed: int = 1, width: int = 64, height: int = 48) -> bytes:
    return base64.b64decode(page.evaluate(JPEG_JS, [width, height, seed]))


def assert_fits_a_phone(page: Page, where: str) -> None:
    """No sideways scroll at 360 px, every tap target at least 44 x 44 px, every control named (its label)."""
    page.wait_for_selector("main[data-ready='1']", state="attached")
    unnamed = page.evaluate(UNNAMED_CONTROLS_JS)["unnamed"]
    assert not unnamed, f"{where}: controls without a label: {unnamed}"
    width = page.evaluate(SIDEWAYS_JS)
    assert width["scroll"] <= width["client"], f"{where}: the page scrolls sideways ({width})"
    small = page.evaluate(SMALL_TARGETS_JS)
    assert not small, f"{where}: tap targets under 44 px: {small}"

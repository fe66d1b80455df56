"""A journey in Chinese: an officer whose browser asks for English picks 中文 on the sign-in page, signs in
with the Chinese form, finds the menu in Chinese, opens a case and reads its deadlines in Chinese, then the
inspection behind it with the price test's flag in Chinese; saves 中文 in the profile, and a fresh browser
(English) shows the tracker in Chinese as soon as the officer signs in. Switching back to English works too.

The Chinese words are read from the zh_CN catalog (tests/i18n/helpers.in_chinese), so the journey checks that
the page is translated, not which words the translators chose. Run alone: ``pytest tests/e2e/test_journey_zh.py``.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Pages, new_page
from tests.i18n.helpers import in_chinese

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh(live_server, msgid: str) -> str:
    text = in_chinese(live_server.app, msgid)
    assert text != msgid and CJK.search(text), f"{msgid!r} has no Chinese translation in the zh_CN catalog"
    return text


def _goto_by_click(page: Page, pages: Pages, locator) -> None:
    with page.expect_navigation():
        locator.click()
    pages.check(page)


def _sign_in_in_chinese(page: Page, pages: Pages, live_server) -> None:
    zh = lambda msgid: _zh(live_server, msgid)  # noqa: E731
    world = live_server.world
    page.get_by_label(zh("Username"), exact=True).fill(world.officer)
    page.get_by_label(zh("Password"), exact=True).fill(world.password)
    _goto_by_click(page, pages, page.get_by_role("button", name=zh("Sign in"), exact=True))
    expect(page.get_by_role("button", name=zh("Sign out"), exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_officer_works_in_chinese(new_context, live_server, screenshot):
    zh = lambda msgid: _zh(live_server, msgid)  # noqa: E731
    world = live_server.world
    pages = Pages()
    page = new_page(new_context(locale="en-US"))

    # The browser asks for English: the sign-in page is English until the officer picks 中文.
    page.goto("/auth/login")
    pages.check(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _goto_by_click(page, pages, page.get_by_role("button", name="中文", exact=True))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Sign in"))
    _sign_in_in_chinese(page, pages, live_server)

    # The menu in Chinese; the cases, then the case the officer works on.
    nav = page.get_by_role("navigation", name=zh("Main"))
    for msgid in ("Premises", "Inspections", "Cases", "My work"):
        expect(nav.get_by_role("link", name=zh(msgid), exact=True)).to_be_visible()
    _goto_by_click(page, pages, nav.get_by_role("link", name=zh("Cases"), exact=True))
    _goto_by_click(page, pages, page.get_by_role("link", name=world.own_case, exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.own_case)
    deadlines = page.locator("table", has=page.get_by_role("columnheader", name=zh("Deadline"), exact=True))
    expect(deadlines).to_be_visible()
    names = [text.strip() for text in deadlines.locator("tbody tr td:first-child").all_inner_texts()]
    assert names and all(CJK.search(name) and not re.search(r"[A-Za-z]{3,}", name) for name in names), names

    # The inspection behind the case: the price test's flag, explained in Chinese with a Chinese date.
    _goto_by_click(page, pages, page.locator("main").get_by_role("link", name=zh("inspection"), exact=True))
    flag = page.locator("tr.table-warning li").filter(has_text=zh("Margin above the baseline margin")).first
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("2020年1月19日")
    assert not re.search(r"\bmargin\b|\bagainst\b", flag.inner_text()), flag.inner_text()
    screenshot(page, "zh_officer_reads_flag")

    # The profile keeps 中文 for every browser the officer signs in with.
    page.locator("#nav-account").click()  # the account menu
    _goto_by_click(page, pages, page.get_by_role("link", name=zh("Language and API tokens"), exact=True))
    page.get_by_role("combobox", name=zh("Language"), exact=True).select_option("zh_CN")
    _goto_by_click(page, pages, page.get_by_role("button", name=zh("Save language"), exact=True))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    elsewhere = new_page(new_context(locale="en-US"))
    elsewhere.goto("/auth/login")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    elsewhere.get_by_label("Username", exact=True).fill(world.officer)
    elsewhere.get_by_label("Password", exact=True).fill(world.password)
    _goto_by_click(elsewhere, pages, elsewhere.get_by_role("button", name="Sign in", exact=True))
    expect(elsewhere.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(elsewhere.get_by_role("button", name=zh("Sign out"), exact=True)).to_be_visible()

    # And back to English with the switcher: saved to the profile as well.
    _goto_by_click(elsewhere, pages, elsewhere.get_by_role("button", name="English", exact=True))
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    expect(elsewhere.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")

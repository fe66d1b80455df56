"""Shared by the language tests: the page's language and a message as the zh_CN catalog translates it."""
from __future__ import annotations

import re
from contextlib import contextmanager

from flask_babel import gettext, pgettext, refresh

LANG = re.compile(r'<html lang="([^"]+)"')


def page_lang(response) -> str | None:
    """The <html lang> of an HTML response (None for anything else)."""
    match = LANG.search(response.get_data(as_text=True))
    return match.group(1) if match else None


@contextmanager
def request_in(app, language: str = "en", path: str = "/", **kwargs):
    """A request context in ``language``. The tests' app context outlives it, and Flask-Babel keeps the chosen
    locale and time zone on ``g`` (the app context's), so they are chosen afresh here, as for a real request."""
    with app.test_request_context(path, headers={"Accept-Language": language}, **kwargs) as context:
        refresh()
        yield context
    refresh()


def in_chinese(app, msgid: str, context: str | None = None) -> str:
    """``msgid`` as a zh_CN page shows it (the catalog's translation, whatever words the translators chose)."""
    with request_in(app, "zh-CN"):
        return pgettext(context, msgid) if context else gettext(msgid)

"""Localisation without the request: the supported languages and their catalogs, matching a browser's languages to
them, the catalog domain Flask-Babel translates with, and lazy strings.

Which language a request gets (the profile, the switcher's cookie, Accept-Language) is chosen in the web layer:
tracker.web.locale.
"""
from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations
from flask import current_app, has_app_context, has_request_context
from flask.globals import _cv_app
from flask_babel import Domain, get_locale
from flask_babel.speaklater import LazyString

from tracker.extensions import babel

# Catalog names (tracker/translations/<name>/LC_MESSAGES/messages.po); the first is the default, in
# which the msgids are written. Adding a language: README "Languages".
SUPPORTED_LOCALES = ("en", "zh_CN")
# Each language named in itself, as switchers do, so a reader finds their own whatever the page's language.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}
DEFAULT_TIMEZONE = "Asia/Shanghai"


def supported(value: str | None) -> str | None:
    """``value`` if it names a supported catalog (zh-CN and zh_CN alike), else None."""
    if not value:
        return None
    value = value.replace("-", "_")
    return next((name for name in SUPPORTED_LOCALES if name.lower() == value.lower()), None)


def _likely(tag: str) -> Locale | None:
    """A language tag with its likely script and region filled in (zh → zh_Hans_CN, zh-TW → zh_Hant_TW)."""
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None


_SUPPORTED_LIKELY = {name: Locale.parse(name) for name in SUPPORTED_LOCALES}


def best_accepted(header_values) -> str | None:
    """The supported catalog that best fits the browser's languages, in their order of preference.

    First a language in the same script (zh, zh-CN, zh-Hans, zh-Hans-CN, zh-SG: zh_CN; en-GB: en), then,
    if none fits, one in the same language whatever the script (zh-TW alone: zh_CN, better than English).
    """
    wanted = [locale for locale in (_likely(tag) for tag, _quality in header_values if tag != "*") if locale]
    for locale in wanted:
        for name, candidate in _SUPPORTED_LIKELY.items():
            if candidate.language == locale.language and candidate.script == locale.script:
                return name
    for locale in wanted:
        for name, candidate in _SUPPORTED_LIKELY.items():
            if candidate.language == locale.language:
                return name
    return None


def default_locale() -> str:
    """The deployment's default language (TRACKER_LOCALE), English unless set."""
    if not has_app_context():
        return SUPPORTED_LOCALES[0]
    return supported(current_app.config.get("BABEL_DEFAULT_LOCALE")) or SUPPORTED_LOCALES[0]


def catalog_name(locale: Locale | None) -> str:
    """The catalog of a selected locale: Babel reads ``zh_CN`` as zh_Hans_CN, whose name gettext would
    look for as ``zh_Hans_CN`` or ``zh`` and never find the ``zh_CN`` catalog."""
    if locale is None:
        return SUPPORTED_LOCALES[0]
    for name, candidate in _SUPPORTED_LIKELY.items():
        if candidate == locale:
            return name
    return str(locale)


def current_locale_name() -> str:
    """The catalog name of this request's language (``en`` outside a request)."""
    return catalog_name(get_locale()) if has_request_context() else default_locale()


def html_lang(name: str | None = None) -> str:
    """The BCP 47 tag for <html lang>: ``zh-CN``, ``en``."""
    return (name or current_locale_name()).replace("_", "-")


class CatalogDomain(Domain):
    """Flask-Babel's domain, loading each locale's catalog by its catalog name (see ``catalog_name``)."""

    def get_translations(self):
        app_context = _cv_app.get(None)
        if app_context is None:  # no app context: as Flask-Babel's own domain does
            return NullTranslations()
        # A page asks for its translations a hundred times or more; keep them in Flask-Babel's per-request
        # context (``babel_translations``, which force_locale and refresh reset).
        context = getattr(app_context.g, "_flask_babel", None)
        cached = getattr(context, "babel_translations", None)
        if cached is not None:
            return cached
        locale = get_locale()
        directories = tuple(self.translation_directories)
        # The directories are part of the key: apps with other catalogs (tests) share this process-wide cache.
        key = (directories, str(locale), self.domain[0])
        cache = self.cache
        if key not in cache:
            translations = Translations()
            for index, dirname in enumerate(directories):
                domain = self.domain[0] if len(self.domain) == 1 else self.domain[index]
                catalog = Translations.load(dirname, [catalog_name(locale)], domain)
                translations.merge(catalog)
                if hasattr(catalog, "plural"):  # merge() copies the messages only (as Flask-Babel notes)
                    translations.plural = catalog.plural
            cache[key] = translations
        translations = cache[key]
        if context is None:
            context = getattr(app_context.g, "_flask_babel", None)  # get_locale() has created it
        if context is not None:
            context.babel_translations = translations
        return translations


# Lazy strings (form labels, enum labels) are rendered on every page, many times: these resolve them through the
# one catalog domain directly, where Flask-Babel's own lazy_gettext looks the domain up again on every use.
def _gettext(string: str, **variables) -> str:
    if _cv_app.get(None) is None:  # outside an app: the English msgid, as Flask-Babel answers there
        return string % variables if variables else string
    return babel.domain_instance.gettext(string, **variables)


def _pgettext(context: str, string: str, **variables) -> str:
    if _cv_app.get(None) is None:
        return string % variables if variables else string
    return babel.domain_instance.pgettext(context, string, **variables)


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's lazy_gettext: translated when shown, in the reader's language."""
    return LazyString(_gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    """Flask-Babel's lazy_pgettext (a message with a context, such as "case state")."""
    return LazyString(_pgettext, context, string, **variables)

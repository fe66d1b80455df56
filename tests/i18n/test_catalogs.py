"""The catalogs cover every user-facing string: extracted with scripts/i18n's own settings, each message must
be in the zh_CN catalog, translated, not fuzzy, with the same placeholders; the en catalog must list them all;
the catalogs compile; and without compiled catalogs the tracker still answers, in English."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import make_config
from tests.i18n.helpers import page_lang
from tracker import create_app
from tracker.config import PROJECT_ROOT, TRANSLATIONS_DIR
from tracker.services.localisation import SUPPORTED_LOCALES

PYBABEL = str(Path(sys.executable).parent / "pybabel")


def _script(*args: str) -> None:
    result = subprocess.run([str(PROJECT_ROOT / "scripts" / "i18n"), *args], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "PYBABEL": PYBABEL}, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Every message of the code and templates, as ``scripts/i18n`` extracts them now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    _script("extract", str(pot))
    with pot.open("rb") as handle:
        return read_po(handle)


def _catalog(name: str):
    with (TRANSLATIONS_DIR / name / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=name)


def _shown(message) -> str:
    key = message.id if isinstance(message.id, str) else message.id[0]
    context = f" [context {message.context}]" if message.context else ""
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    return f"{key!r}{context} ({where})"


def test_every_message_is_translated_in_chinese(template):
    catalog = _catalog("zh_CN")
    missing, untranslated, fuzzy = [], [], []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            missing.append(_shown(message))
        elif entry.fuzzy:
            fuzzy.append(_shown(message))
        elif not all(entry.string) if isinstance(entry.string, (list, tuple)) else not entry.string:
            untranslated.append(_shown(message))
    problems = [f"{len(missing)} missing from zh_CN (run scripts/i18n):", *missing,
                f"{len(untranslated)} untranslated:", *untranslated, f"{len(fuzzy)} fuzzy:", *fuzzy]
    assert not (missing or untranslated or fuzzy), "\n".join(problems)


def test_translations_keep_the_placeholders():
    """A translation that drops, adds or renames a %(name)s placeholder would fail (or lie) when formatted."""
    catalog = _catalog("zh_CN")
    problems = [f"{_shown(message)}: {'; '.join(str(e) for e in errors)}" for message, errors in catalog.check()]
    assert problems == []


def test_every_catalog_lists_every_message(template):
    for name in SUPPORTED_LOCALES:
        catalog = _catalog(name)
        missing = [_shown(m) for m in template if m.id and catalog.get(m.id, context=m.context) is None]
        assert missing == [], f"{name} lacks {len(missing)} messages (run scripts/i18n): " + "\n".join(missing)
        assert catalog.locale is not None and str(catalog.locale.language) == name.split("_")[0]


def test_the_catalogs_compile(tmp_path):
    for name in SUPPORTED_LOCALES:
        target = tmp_path / f"{name}.mo"
        result = subprocess.run([PYBABEL, "compile", "-i", str(TRANSLATIONS_DIR / name / "LC_MESSAGES" / "messages.po"),
                                 "-o", str(target), "-l", name], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and "error" not in result.stderr.lower(), result.stderr
        with target.open("rb") as handle:
            compiled = read_mo(handle)
        if name == "zh_CN":
            assert compiled.get("Language").string == "语言"


def test_without_compiled_catalogs_the_pages_are_english(test_database, tmp_path):
    """A checkout that has not run set-up (no .mo files) still works: English, and no error."""
    empty = tmp_path / "translations"
    (empty / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    app = create_app(make_config(test_database, tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(empty)))
    response = app.test_client().get("/auth/login", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200 and page_lang(response) == "zh-CN"
    assert "Sign in" in response.get_data(as_text=True)


def test_the_compiled_catalogs_are_not_committed():
    ignored = (PROJECT_ROOT / ".gitignore").read_text().split()
    assert "*.mo" in ignored

"""Every page of the web interface, as each role and anonymous visitor, in Chinese and in English: no error,
and the page says its language (<html lang="zh-CN">). The URLs come from the app's URL map, filled from the
authorization matrix's world (tests/matrix_helpers.py), so a new page is covered without being listed here."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import signed_in
from tests.i18n.helpers import page_lang
from tests.matrix_helpers import ROLES, matrix_rules, matrix_site, probes_for
from tests.web.test_authorization_matrix import BODIES, QUERIES

LANGUAGES = {"zh-CN,zh;q=0.9": "zh-CN", "en-US,en;q=0.9": "en"}
MINIMUM_PAGES = 150  # (route, role, variant) GETs that answered a page: the walk is not vacuous


@pytest.fixture(scope="module")
def site(test_database, tmp_path_factory):
    with matrix_site(test_database, tmp_path_factory.mktemp("i18n-pages")) as (application, world):
        clients = {"anonymous": application.test_client()}
        for role in ROLES[1:]:
            clients[role] = signed_in(application, world.user_of(role))
        yield application, world, clients


@pytest.mark.parametrize("header", list(LANGUAGES))
def test_every_page_renders_in_each_language(site, header):
    app, world, clients = site
    expected_lang = LANGUAGES[header]
    failures, tally = [], Counter()
    for rule in matrix_rules(app, api=False):
        if "GET" not in rule.methods:
            continue
        for role in ROLES:
            for probe in probes_for(app, rule, "GET", role, world, BODIES, QUERIES):
                response = clients[role].get(probe.url, headers={"Accept-Language": header}, buffered=True)
                where = f"GET {probe.url} as {role} ({probe.variant})"
                tally[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                elif response.mimetype == "text/html" and response.status_code < 300:
                    tally["pages"] += 1
                    if page_lang(response) != expected_lang:
                        failures.append(f"{where}: <html lang> is {page_lang(response)!r}")
                elif response.mimetype == "text/html" and response.status_code >= 400:
                    # Refusals (403, 404) are pages too, in the reader's language.
                    if page_lang(response) != expected_lang:
                        failures.append(f"{where}: the {response.status_code} page's <html lang> is "
                                        f"{page_lang(response)!r}")
    print(f"\n{header}: {dict(tally)}")
    assert failures == [], "\n".join(failures)
    assert tally["pages"] >= MINIMUM_PAGES, tally

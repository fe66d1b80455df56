"""A newcomer's walk through the list pages (issue 15, finding 9): a page opened with no filter shows no form
error, and tables and filter options name commodities, violations, price tests, penalties, kinds and states in
the reader's language, never by the codes the database and the files hold.

Every GET route of the URL map is opened in the demo county, as each role, in English and in Chinese.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.demo_walk import clients, demo_reader, get_urls, route_values
from tests.i18n.helpers import in_chinese, request_in
from tracker.domain.lifecycle import CaseState
from tracker.domain.vocabulary import (
    InspectionOutcome,
    InspectionStatus,
    InspectionType,
    OperatorType,
    PremisesKind,
    PremisesStatus,
)
from tracker.services.listings import PENALTY_KINDS
from tracker.services.rulebooks import current_rulebook
from tracker.web.labels import TEST_LABELS

LANGUAGES = {"en": "en", "zh-CN": "zh_CN"}
FORM_ERRORS = ("is-invalid", "invalid-feedback", "Not a valid choice", "不是有效的选择")
# Pages whose tables hold every kind of code: flagged observations, and the lists as they open.
# Pages that list codes on purpose: the rulebook's (each rule under its code, for administrators who adapt the
# file) and the API reference (the values a program sends and receives).
CODE_PAGES = {"/admin/rulebook", "/api-reference"}
EXTRA_URLS = ("/inspections/observations?flagged=y", "/search?q=pharmacy", "/search?q=Renhe&kind=premises")


@pytest.fixture(scope="module")
def demo(demo_app, tmp_path_factory):
    with demo_reader(demo_app, tmp_path_factory.mktemp("names")) as app:
        yield app


class _Page(HTMLParser):
    """The text of each table cell, and the page's own GET forms (not the menu's search box) with their options
    (value, text)."""

    def __init__(self):
        super().__init__()
        self.cells, self.options, self.get_forms = [], [], 0
        self._cell = self._option = None
        self._in_get_form = False
        self._nav = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self._nav += 1
        elif tag == "form" and not self._nav and (attrs.get("method") or "get").lower() == "get":
            self.get_forms += 1
            self._in_get_form = True
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "option" and self._in_get_form:
            self._option = (attrs.get("value", ""), [])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav -= 1
        elif tag == "form":
            self._in_get_form = False
        elif tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "option" and self._option is not None:
            self.options.append((self._option[0], "".join(self._option[1]).strip()))
            self._option = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._option is not None:
            self._option[1].append(data)


def _page(response) -> _Page:
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


def _codes(app) -> set[str]:
    """The codes readers must never see in a table: the rulebook's commodities, violations and price tests, the
    penalties, and every vocabulary of kinds and states (a premises' name holds words, never these codes)."""
    rulebook = current_rulebook()
    codes = set(rulebook.commodities) | set(rulebook.violations) | set(TEST_LABELS) | set(PENALTY_KINDS)
    for vocabulary in (PremisesKind, PremisesStatus, InspectionType, InspectionStatus, InspectionOutcome,
                       OperatorType, CaseState):
        codes |= {member.value for member in vocabulary}
    codes |= set(rulebook.deadlines)
    return codes


def _html_pages(app, role, client, language):
    """(url, response) for every GET route and EXTRA_URLS answering an HTML page to ``role``."""
    for url in [*get_urls(app), *EXTRA_URLS]:
        if url.startswith(("/api/", "/static/", "/bootstrap/")):
            continue
        response = client.get(url, headers={"Accept-Language": language}, buffered=True)
        if response.mimetype == "text/html":
            yield url, response


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_opens_without_a_form_error_and_names_things_instead_of_codes(demo, language):
    codes = _codes(demo)
    if language == "en":
        # Some English names are their codes' words ("active"): in English only a code no word could be.
        codes = {code for code in codes if not code.isalpha()}
    failures, filter_pages, cells = [], set(), 0
    for role, client in clients(demo):
        for url, response in _html_pages(demo, role, client, language):
            page = _page(response)
            where = f"{role} {url} ({language})"
            if page.get_forms and "?" not in url and response.status_code in (200, 400):
                filter_pages.add(url)
                if response.status_code == 400:
                    failures.append(f"{where}: a page with a filter form opened with no filter answers 400")
                shown = [marker for marker in FORM_ERRORS if marker in response.get_data(as_text=True)]
                if shown:
                    failures.append(f"{where}: a form error before anything was chosen ({shown})")
            if response.status_code != 200:
                continue
            cells += len(page.cells)
            for text in page.cells if url not in CODE_PAGES else ():
                raw = _raw_codes(text, codes)
                if raw:
                    failures.append(f"{where}: a table shows the code(s) {raw} in {text[:80]!r}")
                    break
            for value, text in page.options:
                if value and text == value and value in codes | _category_codes():
                    failures.append(f"{where}: a filter offers the code {value!r} as its own label")
                    break
    # The walk is not vacuous: it opened every list and read thousands of cells.
    assert {"/inspections/", "/inspections/observations", "/inspections/violations", "/cases/", "/cases/penalties",
            "/cases/payments", "/premises/", "/outcomes/", "/admin/sign-ins", "/reports/"} <= filter_pages, filter_pages
    assert cells > 3000, cells
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])


def _raw_codes(text: str, codes: set[str]) -> list[str]:
    """The codes a table cell consists of ("mask_n95", "baseline_margin; cost_unchanged", "fine 6000.00;
    closure"), or none when it holds anything else (names, prose that happens to use a word like "fine")."""
    parts = [re.sub(r"\s+[\d.,]+$", "", part.strip()) for part in re.split(r"[;；]", text)]
    parts = [part for part in parts if part]
    return parts if parts and all(part in codes for part in parts) else []


def _category_codes() -> set[str]:
    return set(current_rulebook().categories)


def _cells(client, url, language) -> list[str]:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return _page(response).cells


def test_the_observations_list_names_commodities_and_price_tests_in_the_readers_language(demo):
    rulebook = current_rulebook()
    _role, auditor = next(clients(demo, ("auditor",)))
    with request_in(demo, "zh-CN"):
        chinese = {code: str(c.name) for code, c in rulebook.commodities.items()}
        chinese_units = {str(c.unit) for c in rulebook.commodities.values()}
    english_units = {str.__str__(c.unit) for c in rulebook.commodities.values()} - chinese_units
    english = {code: str.__str__(c.name) for code, c in rulebook.commodities.items()}
    for language, names, margin in (("en", english, "Margin above the baseline margin"),
                                    ("zh-CN", chinese, in_chinese(demo, "Margin above the baseline margin"))):
        cells = _cells(auditor, "/inspections/observations?flagged=y", language)
        assert names["mask_n95"] in cells or names["mask_surgical_box"] in cells, (language, cells[:40])
        assert not set(rulebook.commodities) & set(cells)
        assert not any("baseline_margin" in cell or "unmarked_price" in cell for cell in cells)
        cells = _cells(auditor, "/inspections/observations?test=baseline_margin", language)
        assert any(margin in cell for cell in cells), (language, margin)
        assert not any("baseline_margin" in cell for cell in cells)
    # The unit of sale recorded from the rulebook reads in Chinese too.
    cells = _cells(auditor, "/inspections/observations", "zh-CN")
    assert chinese_units & set(cells) and not english_units & set(cells)
    # The category filter names categories.
    response = auditor.get("/inspections/observations", headers={"Accept-Language": "zh-CN"})
    options = dict(_page(response).options)
    with request_in(demo, "zh-CN"):
        assert options["medicine"] == str(rulebook.categories["medicine"].name) == "药品"


def test_violations_penalties_kinds_and_states_read_as_names(demo):
    rulebook = current_rulebook()
    _role, auditor = next(clients(demo, ("auditor",)))
    with request_in(demo, "zh-CN"):
        gouging = str(rulebook.violation("price_gouging").title)
        basis = str(rulebook.violation("price_gouging").legal_basis)
    fine, closure = in_chinese(demo, "Fine"), in_chinese(demo, "Closure")
    violations = _cells(auditor, "/inspections/violations?code=price_gouging", "zh-CN")
    assert gouging in violations and basis in violations and "price_gouging" not in violations
    penalties = " | ".join(_cells(auditor, "/cases/penalties", "zh-CN"))
    assert gouging in penalties and fine in penalties and closure in penalties
    assert not re.search(r"\b(fine|closure|confiscation|warning|price_gouging)\b", penalties), penalties[:400]
    premises = _cells(auditor, "/premises/", "zh-CN")
    assert in_chinese(demo, "Pharmacy") in premises and "pharmacy" not in premises
    for state, name in (("decided", in_chinese(demo, "Decided")), ("closed", in_chinese(demo, "Closed", "case state"))):
        cases = _cells(auditor, f"/cases/?state={state}", "zh-CN")
        assert name in cases and state not in cases, (state, cases[:20])


def test_a_chinese_decision_names_commodities_and_units_of_sale_in_chinese(demo):
    rulebook = current_rulebook()
    with request_in(demo, "zh-CN"):
        chinese_units = {str(c.unit) for c in rulebook.commodities.values()}
        names = {code: str(c.name) for code, c in rulebook.commodities.items()}
    english_units = {str.__str__(c.unit) for c in rulebook.commodities.values()} - chinese_units
    _role, officer = next(clients(demo, ("officer",)))
    case_id = route_values()["case_id"][0]
    text = officer.get(f"/cases/{case_id}/decision", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert any(f"（{unit}）" in text for unit in chinese_units)
    assert not [unit for unit in english_units if f"（{unit}）" in text]
    assert any(name in text for name in names.values())
    assert not [code for code in names if re.search(rf"(?<![\w/.]){code}(?![\w.])", text)]

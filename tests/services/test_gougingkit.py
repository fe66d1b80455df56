"""The bundle's ``gouging`` (tracker.services.gougingkit): the rulebook's price tests and the flags' sentences in
the reader's language, enough for the browser to explain a flag exactly as the server's pages do."""
from __future__ import annotations

import re
from pathlib import Path

from babel import Locale
from babel.dates import get_month_names
from flask_babel import force_locale

from tests.domain.test_gouging_vectors import VECTORS, rendered
from tracker.domain.gouging import explain
from tracker.services import gougingkit
from tracker.services.rulebooks import current_rulebook

GOUGING_PY = Path(__file__).resolve().parents[2] / "tracker" / "domain" / "gouging.py"


def test_the_message_ids_are_every_sentence_of_the_price_tests():
    source = GOUGING_PY.read_text(encoding="utf-8")
    marked = {"".join(re.findall(r'"((?:[^"\\]|\\.)*)"', call))
              for call in re.findall(r'N_\(((?:\s*"(?:[^"\\]|\\.)*"\s*)+)\)', source)}
    assert marked and set(gougingkit.message_ids()) == marked
    assert len(gougingkit.message_ids()) == len(marked)


def test_the_payload_carries_the_rulebooks_price_tests(app):
    rulebook = current_rulebook()
    payload = gougingkit.payload(rulebook, "en")
    assert payload["rulebook"] == rulebook.label == VECTORS["rulebooks"]["cn-samr"]["label"]
    assert payload["rules"] == VECTORS["rulebooks"]["cn-samr"]["rules"]  # the shape the vectors and the JS read
    assert payload["locale"] == "en" and payload["date_pattern"] == "yyyy-MM-dd"
    assert payload["messages"] == {msgid: msgid for msgid in gougingkit.message_ids()}
    assert "months" not in payload


def test_in_chinese_the_payload_explains_every_vector_flag_as_the_server_does(app):
    payload = gougingkit.payload(current_rulebook(), "zh_CN")
    assert payload["locale"] == "zh_CN" and payload["date_pattern"] == "y年M月d日"
    translated = [msgid for msgid, sentence in payload["messages"].items() if sentence != msgid]
    assert len(translated) == len(payload["messages"])  # the zh_CN catalog translates every sentence
    flags = [flag for case in VECTORS["cases"] for flag in case["expected"]["flags"]]
    with app.test_request_context(), force_locale("zh_CN"):
        server = [explain(flag) for flag in flags]
    assert rendered(flags, payload) == server
    assert "进销差价率191.67%，高于2020年1月19日的20%" in server


def test_a_babel_locale_is_read_as_its_catalog(app):
    payload = gougingkit.payload(current_rulebook(), Locale.parse("zh_CN"))
    assert payload["locale"] == "zh_CN"
    assert payload["messages"] == gougingkit.payload(current_rulebook(), "zh_CN")["messages"]


def test_a_date_pattern_that_spells_the_month_brings_the_month_names(app):
    payload = gougingkit.payload(current_rulebook(), "fr")  # no catalog: English sentences, French dates
    assert payload["date_pattern"] == "d MMMM y"
    assert payload["months"]["wide"][0] == get_month_names("wide", "format", locale="fr")[1] == "janvier"
    assert [len(names) for names in payload["months"].values()] == [12, 12, 12]

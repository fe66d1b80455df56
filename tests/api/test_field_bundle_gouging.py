"""The offline bundle's ``gouging`` (GET /api/v1/field/bundle): the rulebook's price tests and the flag sentences in
the caller's language, which tracker/static/field/gouging.js reads (tracker.services.gougingkit builds it)."""
from __future__ import annotations

from tests.api.test_field_bundle import URL, World
from tests.domain.test_gouging_vectors import VECTORS
from tracker.services import gougingkit
from tracker.services.rulebooks import current_rulebook

import pytest


@pytest.fixture
def world(app):
    return World()


def test_the_bundle_carries_the_price_tests_in_the_callers_language(world, client):
    english = client.get(URL, headers=world.headers("officer")).get_json()["gouging"]
    assert english == gougingkit.payload(current_rulebook(), "en")
    assert english["rules"] == VECTORS["rulebooks"]["cn-samr"]["rules"] and english["rulebook"] == current_rulebook().label

    chinese = client.get(URL, headers=world.headers("officer", **{"Accept-Language": "zh-CN"})).get_json()["gouging"]
    assert chinese["locale"] == "zh_CN" and chinese["date_pattern"] == "y年M月d日"
    assert chinese["messages"]["no marked price"] == "未明码标价"
    assert chinese["messages"].keys() == english["messages"].keys() == set(gougingkit.message_ids())


def test_the_openapi_document_describes_the_bundles_gouging(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "gouging" in schemas["BundleOut"]["required"]
    gouging = schemas["BundleGouging"]
    assert set(gouging["required"]) == {"rulebook", "rules", "locale", "date_pattern", "messages"}
    assert set(gouging["properties"]) == set(gougingkit.payload(current_rulebook(), "fr"))  # months included
    rules = schemas["GougingRules"]
    assert set(rules["properties"]) == set(rules["required"]) == set(VECTORS["rulebooks"]["cn-samr"]["rules"])

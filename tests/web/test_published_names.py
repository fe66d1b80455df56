"""An individual operator's name, in whatever form the premises name carries it (another order,
spacing or case; a Chinese given name), is masked in every published field: the register page, its
Atom feed, the API and the LIVES open-data businesses.csv (issue 15, finding 3)."""
from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.api.test_outcomes_api import served_case
from tests.cases_helpers import TODAY, CaseWorld
from tests.conftest import signed_in
from tests.factories import premises
from tests.names_helpers import NamedStall, chinese_stalls, latin_stalls

ATOM = "{http://www.w3.org/2005/Atom}"
HEAVY = [{"kind": "fine", "amount": "60000.00"}]
REPORTED = [  # operator, premises name, the premises name as published
    ("Li Na", "Na Li Noodles", "L** Noodles"),
    ("Zhao Jinbao", "ZhaoJinbao Fresh Pork", "Z** Fresh Pork"),
    ("赵金宝", "老金宝鲜肉店", "老**鲜肉店"),
]


@pytest.fixture
def world(app):
    app.config["TRACKER_TODAY"] = TODAY
    return CaseWorld()


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def published_fields(client, reader, case, place) -> dict[str, str]:
    """Every published text about the case's party, by where it is published: the party of the register
    page's entry, the feed entry (title and content), the API item's party, the businesses.csv row."""
    page = client.get("/outcomes/").get_data(as_text=True)
    section = re.search(rf'<section class="card mb-3" id="{re.escape(case.number)}">(.*?)</section>', page, re.S)
    assert section, case.number
    party = re.search(r"<dd[^>]*>(.*?)</dd>", section.group(1), re.S).group(1)  # the first: the party
    feed = ET.fromstring(client.get("/outcomes/feed.atom").data)
    [entry] = [e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(f"#{case.number}")]
    api = client.get("/api/v1/outcomes").get_json()
    [item] = [item for item in api["items"] if item["number"] == case.number]
    lives = reader.get("/exports/lives.zip?unit=CG&date_to=2020-12-31", buffered=True)
    assert lives.status_code == 200
    rows = csv.reader(io.StringIO(zipfile.ZipFile(io.BytesIO(lives.get_data())).read("businesses.csv").decode()))
    [row] = [row for row in rows if row[0] == str(place.id)]
    return {
        "page": _text(party),
        "feed": entry.findtext(f"{ATOM}title") + "\n" + _text(entry.findtext(f"{ATOM}content")),
        "api": "\n".join(str(value) for value in item["party"].values() if value is not None),
        "businesses.csv": "\n".join(row),
        "api name": item["party"]["name"],
        "api operator": item["party"]["operator_name"],
        "csv name": row[1],
    }


def served_stall(world, name: str, operator: str):
    place = premises(world.officer, name=name, kind="meat_vendor", operator_type="individual",
                     operator_name=operator, address="Flat 3, 12 Willow Lane", phone="13800138000")
    return place, served_case(world, place, "price_gouging", HEAVY)


@pytest.mark.parametrize("operator, name, published", REPORTED)
def test_each_reported_form_of_the_name_is_masked_on_every_published_surface(app, world, client, operator, name,
                                                                               published):
    place, case = served_stall(world, name, operator)
    fields = published_fields(client, signed_in(app, world.auditor), case, place)
    assert fields["api name"] == fields["csv name"] == published
    assert fields["api operator"] == operator[0] + "**"
    for where in ("page", "feed"):
        assert published in fields[where], where
    leaked = {"Li Na": ("Na Li", "Li Na"), "Zhao Jinbao": ("ZhaoJinbao", "Jinbao"), "赵金宝": ("金宝",)}[operator]
    for where, text in fields.items():
        for secret in leaked:
            assert secret not in text, (where, secret)


# Each example serves two cases through the service, so a few examples, and no shrinking: a failure is
# reported as first found (its message names the stall), not after minutes of shrinking on a database.
@settings(max_examples=6, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(latin=latin_stalls(), chinese=chinese_stalls())
def test_no_generated_name_survives_on_any_published_surface(app, world, client, latin: NamedStall,
                                                              chinese: NamedStall):
    reader = signed_in(app, world.auditor)
    for stall in (latin, chinese):
        place, case = served_stall(world, stall.name, stall.operator)
        fields = published_fields(client, reader, case, place)
        for where, text in fields.items():
            assert stall.leaks(text) == [], (stall, where, text)
        assert fields["api operator"] == stall.masked_operator()
        for filler in stall.fillers:
            assert filler in fields["api name"] and filler in fields["csv name"], (stall, filler)

"""GET /api/v1/field/bundle compressed for a phone that accepts gzip (the field app's first load on a slow network:
docs/PERFORMANCE.md, "Field app budgets"): the same JSON, a fraction of the bytes; plain for a client that does not
ask; a 304 stays empty."""
from __future__ import annotations

import gzip
import json

from tests.api.test_field_bundle import URL, World
from tests.factories import premises


def test_the_bundle_is_gzip_compressed_when_the_phone_accepts_it(app, client):
    world = World()
    for number in range(40):
        premises(world.officer, name=f"Shop {number:03d}", address=f"{number} Long Street")
    plain = client.get(URL, headers=world.headers("officer"))
    packed = client.get(URL, headers=world.headers("officer", **{"Accept-Encoding": "gzip, deflate, br"}))
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert plain.headers["ETag"] == packed.headers["ETag"]
    unpacked = json.loads(gzip.decompress(packed.get_data()))
    assert {k: v for k, v in unpacked.items() if k != "generated_at"} == {
        k: v for k, v in plain.get_json().items() if k != "generated_at"}
    assert len(packed.get_data()) * 4 < len(plain.get_data())
    again = client.get(URL, headers=world.headers("officer", **{"Accept-Encoding": "gzip",
                                                                "If-None-Match": packed.headers["ETag"]}))
    assert again.status_code == 304 and again.get_data() == b"" and "Content-Encoding" not in again.headers

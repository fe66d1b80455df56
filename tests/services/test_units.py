"""The units' pick list (tracker.services.units): read once and kept, dropped when a unit changes here, and
re-read when another process's new unit is asked for."""
from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import count_queries, signed_in
from tests.factories import unit, user
from tracker.extensions import db
from tracker.models import Unit
from tracker.services import units


def test_the_list_is_read_once_and_kept(app):
    unit("CG", "Chenggu bureau")
    unit("HZ", "Hanzhong bureau")
    db.session.commit()
    first = units.unit_list()
    assert ("CG", "Chenggu bureau") in first and ("HZ", "Hanzhong bureau") in first
    with count_queries() as statements:
        assert units.unit_list() == first
    assert statements == []


def test_a_unit_added_or_renamed_here_shows_at_once(app):
    unit("CG", "Chenggu bureau")
    db.session.commit()
    assert [code for code, _ in units.unit_list()] == ["CG"]
    unit("AB", "Abei station")
    db.session.commit()
    assert [code for code, _ in units.unit_list()] == ["AB", "CG"]
    db.session.scalar(sa.select(Unit).where(Unit.code == "AB")).name = "Abei bureau"
    db.session.commit()
    assert ("AB", "Abei bureau") in units.unit_list()


def test_another_process_s_unit_shows_after_the_minute_or_when_asked_for(app, monkeypatch):
    unit("CG", "Chenggu bureau")
    db.session.commit()
    units.unit_list()
    # Another worker adds a unit: this process's mapper events do not see it.
    db.session.execute(sa.insert(Unit).values(code="ZZ", name="Zhangzhai station", timezone="Asia/Shanghai"))
    db.session.commit()
    assert "ZZ" not in [code for code, _ in units.unit_list()]
    assert "ZZ" in [code for code, _ in units.unit_list(refresh=True)]

    db.session.execute(sa.insert(Unit).values(code="ZY", name="Zhangyi station", timezone="Asia/Shanghai"))
    db.session.commit()
    assert "ZY" not in [code for code, _ in units.unit_list()]
    monkeypatch.setattr(units, "UNIT_LIST_SECONDS", 0.0)  # the minute has passed
    assert "ZY" in [code for code, _ in units.unit_list()]


def test_the_unit_filter_knows_a_unit_another_process_just_added(app):
    unit("CG", "Chenggu bureau")
    auditor = user("auditor")
    db.session.commit()
    client = signed_in(app, auditor)
    assert client.get("/cases/").status_code == 200  # the list is now kept
    db.session.execute(sa.insert(Unit).values(code="ZZ", name="Zhangzhai station", timezone="Asia/Shanghai"))
    db.session.commit()
    html = client.get("/cases/?unit=ZZ").get_data(as_text=True)
    assert "Not a valid choice" not in html
    assert '<option selected value="ZZ">ZZ Zhangzhai station</option>' in html

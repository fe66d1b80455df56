"""Downloading a case-file pack: auditors anywhere, supervisors in their unit, nobody else."""
from __future__ import annotations

import sqlalchemy as sa

from tests.casepack_helpers import members
from tests.casepack_world import PNG, PackWorld
from tests.conftest import signed_in
from tests.factories import user
from tracker.domain.casepack import verify_pack
from tracker.extensions import db
from tracker.models import CaseEvent


def _get(client, url: str):
    """GET and close the response (a download holds its file open until the server closes it)."""
    with client.get(url) as response:
        response.get_data()
    return response


def _head(case_id: int) -> str:
    return db.session.scalars(
        sa.select(CaseEvent.hash).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq.desc())
    ).first()


def test_an_auditor_downloads_a_pack_that_verifies(app):
    world = PackWorld()
    case = world.to_state("decided")
    response = _get(signed_in(app, world.auditor), f"/exports/cases/{case.id}/pack.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"case-pack-{case.number}.zip" in response.headers["Content-Disposition"]
    report = verify_pack(response.data)
    assert report.problems == []
    assert report.chain_head == response.headers["X-Chain-Head"] == _head(case.id)
    assert PNG in members(response.data).values()


def test_supervisors_download_their_units_cases_only(app):
    world = PackWorld()
    case = world.to_state("penalty_proposed")
    assert _get(signed_in(app, world.supervisor), f"/exports/cases/{case.id}/pack.zip").status_code == 200
    elsewhere = user("supervisor", world.other_unit, "he.jun")
    assert signed_in(app, elsewhere).get(f"/exports/cases/{case.id}/pack.zip").status_code == 404


def test_officers_and_admins_are_refused_and_strangers_sent_to_sign_in(app, client):
    world = PackWorld()
    case = world.to_state("investigating")
    url = f"/exports/cases/{case.id}/pack.zip"
    assert signed_in(app, world.officer).get(url).status_code == 403
    assert signed_in(app, world.admin).get(url).status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_an_unknown_case_is_not_found(app):
    world = PackWorld()
    assert signed_in(app, world.auditor).get("/exports/cases/999999/pack.zip").status_code == 404


def test_the_case_page_offers_the_pack_only_to_those_who_may_download_it(app):
    world = PackWorld()
    case = world.to_state("decided")
    link = f'href="/exports/cases/{case.id}/pack.zip"'
    for person, shown in ((world.auditor, True), (world.supervisor, True), (world.officer, False)):
        page = signed_in(app, person).get(f"/cases/{case.id}")
        assert page.status_code == 200
        assert (link in page.get_data(as_text=True)) is shown, person.username

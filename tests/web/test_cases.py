"""A supervisor and two officers carry a case from clue to closed through the browser forms."""
import sqlalchemy as sa

from tests.cases_helpers import CaseWorld
from tests.conftest import login, post_form
from tracker.extensions import db
from tracker.models import Case


def _act(client, case_id, action, **fields):
    page = f"/cases/{case_id}"
    html = client.get(page).get_data(as_text=True)
    assert f'/cases/{case_id}/actions/{action}"' in html, f"{action} not offered"
    version = db.session.get(Case, case_id).version
    data = {f"{action}-{key}": value for key, value in fields.items()}
    data[f"{action}-version"] = version
    return post_form(client, page, f"{page}/actions/{action}", data=data)


def test_clue_to_closed_in_the_browser(app):
    world = CaseWorld()
    officer, supervisor, supervisor2 = app.test_client(), app.test_client(), app.test_client()
    login(officer, world.officer.username)
    login(supervisor, world.supervisor.username)
    login(supervisor2, world.supervisor2.username)
    # The officer opens the case from the referred inspection.
    page = f"/inspections/{world.inspection.id}"
    response = post_form(officer, page, "/cases/open", data={"inspection_id": world.inspection.id, "violation_ids": [world.violation.id]})
    assert response.status_code == 302
    case = db.session.scalars(sa.select(Case)).one()
    assert "CG-2020-0001" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    steps = [
        (supervisor, "file", "2020-02-10", {"officers": ["zhang.wei", "li.na"]}),
        (officer, "propose_penalty", "2020-03-02",
         {"confiscation": "2060.00", "fine": "6000.00", "illegal_gains": "2060.00", "severity": "ordinary"}),
        (supervisor2, "approve_penalty", "2020-03-04", {}),
        (officer, "serve_notice", "2020-03-05", {"method": "in_person"}),
        (supervisor2, "decide", "2020-03-13", {}),
        (officer, "serve_decision", "2020-03-16", {"method": "in_person"}),
        (officer, "record_payment", "2020-03-31", {"amount": "8060.00", "receipt": "R-7"}),
        (supervisor, "close", "2020-04-01", {}),
    ]
    for client, action, on, fields in steps:
        response = _act(client, case.id, action, on=on, **fields)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-3000:])
        db.session.expire_all()
    assert db.session.get(Case, case.id).state.value == "closed"
    html = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    for label in ("Case opened", "File the case", "Approve the penalty", "Close the case"):
        assert label in html


def test_only_allowed_actions_are_offered_and_four_eyes_holds(app):
    world = CaseWorld()
    case = world.to_state("penalty_proposed")
    officer = app.test_client()
    login(officer, world.officer.username)
    html = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "/actions/approve_penalty" not in html
    response = post_form(officer, f"/cases/{case.id}", f"/cases/{case.id}/actions/approve_penalty",
                         data={"approve_penalty-on": "2020-03-04", "approve_penalty-version": case.version})
    assert response.status_code == 403
    other = app.test_client()
    login(other, world.other_officer.username)
    assert other.get(f"/cases/{case.id}").status_code == 404


def test_guard_failure_names_the_rule_and_stale_version_asks_to_reload(app):
    world = CaseWorld()
    case = world.to_state("notice_served")
    supervisor2 = app.test_client()
    login(supervisor2, world.supervisor2.username)
    response = _act(supervisor2, case.id, "decide", on="2020-03-10")
    assert response.status_code == 422
    assert "state and defend until 2020-03-12" in response.get_data(as_text=True)
    page = f"/cases/{case.id}"
    response = post_form(supervisor2, page, f"{page}/actions/decide",
                         data={"decide-on": "2020-03-13", "decide-version": case.version - 1})
    assert response.status_code == 302
    assert "changed meanwhile" in supervisor2.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state.value == "notice_served"


def test_auditor_sees_the_verified_timeline_and_no_actions(app):
    world = CaseWorld()
    case = world.to_state("decided")
    auditor = app.test_client()
    login(auditor, world.auditor.username)
    html = auditor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "History chain verified" in html
    assert "/actions/" not in html


def test_my_work_and_printable_notice(app):
    world = CaseWorld()
    case = world.to_state("penalty_approved")
    supervisor2 = app.test_client()
    login(supervisor2, world.supervisor2.username)
    assert supervisor2.get("/cases/mine").status_code == 200
    officer = app.test_client()
    login(officer, world.officer.username)
    assert case.number in officer.get("/cases/mine").get_data(as_text=True)
    notice = officer.get(f"/cases/{case.id}/notice").get_data(as_text=True)
    assert "Notice of proposed administrative penalty" in notice and "6,000.00" in notice
    assert officer.get(f"/cases/{case.id}/decision").status_code == 404
    assert case.number in officer.get("/cases/?q=CG-2020").get_data(as_text=True)


def test_simplified_procedure_on_the_spot(app):
    from tests.factories import inspection as make_inspection
    from tracker.services import inspections as svc

    world = CaseWorld()
    record = make_inspection(world.officer, world.officer2, world.pharmacy, world.outbreak)
    violation = svc.record_violation(world.officer, record, "price_marking")
    svc.submit_inspection(world.officer, record, "referred")
    officer = app.test_client()
    login(officer, world.officer.username)
    page = f"/inspections/{record.id}"
    too_big = post_form(officer, page, "/cases/on-the-spot", data={
        "spot-inspection_id": record.id, "spot-violation_ids": [violation.id], "spot-fine": "5000.00", "spot-method": "in_person"})
    assert too_big.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    response = post_form(officer, page, "/cases/on-the-spot", data={
        "spot-inspection_id": record.id, "spot-violation_ids": [violation.id], "spot-fine": "200.00", "spot-method": "in_person"})
    assert response.status_code == 302
    case = db.session.scalars(sa.select(Case)).one()
    assert case.simplified and case.state.value == "decision_served"
    assert [e.action for e in case.events] == ["open", "decide_on_the_spot"]


def test_amending_an_inspection_appends_to_its_case_history(app):
    from tracker.services.inspections import amend_inspection

    world = CaseWorld()
    case = world.open()
    amend_inspection(world.officer, world.inspection, "notes", "N95 boxes counted: 40", "Count added")
    db.session.refresh(case)
    assert case.events[-1].action == "amend_inspection"
    assert case.events[-1].reason == "Count added"


def _outcome_choices(html: str) -> list[str]:
    import re

    select = re.search(r'<select[^>]*name="record_appeal-outcome"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no appeal outcome field"
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(1))


def test_the_appeal_form_offers_each_person_only_the_outcomes_they_may_record(app):
    from tests.cases_helpers import TODAY
    from tests.factories import user

    app.config["TRACKER_TODAY"] = TODAY
    world = CaseWorld()
    case = world.to_state("decision_served")
    plain = user("officer", world.unit, "wu.lei")
    officer, supervisor = app.test_client(), app.test_client()
    login(officer, plain.username)
    login(supervisor, world.supervisor.username)  # filed the case, but is not one of its officers
    assert _outcome_choices(officer.get(f"/cases/{case.id}").get_data(as_text=True)) == ["pending", "upheld", "withdrawn"]
    html = supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _outcome_choices(html) == ["varied", "annulled"] and 'name="record_appeal-reference"' in html
    # An officer who posts a varied outcome anyway changes nothing.
    version = db.session.get(Case, case.id).version
    response = _act(officer, case.id, "record_appeal", on="2020-04-01", kind="reconsideration", outcome="varied",
                    reference="(2020)JF-17", fine="100000.00")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == version
    # Without the appeal body's decision number the form says what is missing; with it the penalty is varied.
    response = _act(supervisor, case.id, "record_appeal", on="2020-04-01", kind="reconsideration", outcome="varied",
                    fine="3000.00", confiscation="2060.00")
    assert response.status_code == 422 and "number of the appeal body" in response.get_data(as_text=True)
    response = _act(supervisor, case.id, "record_appeal", on="2020-04-01", kind="reconsideration", outcome="varied",
                    reference="(2020)JF-17", fine="3000.00", confiscation="2060.00")
    assert response.status_code == 302
    db.session.expire_all()
    html = supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "(2020)JF-17" in html and "3,000.00" in html

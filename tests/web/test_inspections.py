"""Logging an inspection in the browser forms: the gouging flag, violations, evidence, submission."""
import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from tests.conftest import post_form
from tests.factories import County, emergency, inspection, premises
from tracker.extensions import db
from tracker.models import Evidence, Inspection, PriceEmergency, PriceObservation, Violation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def _world():
    county = County()
    outbreak = emergency()
    pharmacy = premises(county.officer, name="Kangjian Pharmacy")
    return county, outbreak, pharmacy


def test_officer_logs_inspection_with_gouging_mask_price_and_sees_the_flag(app, client, as_user):
    county, outbreak, pharmacy = _world()
    as_user(county.officer)
    started = datetime(2020, 2, 5, 10, 30)  # local time in Asia/Shanghai
    response = post_form(
        client,
        f"/inspections/new?premises_id={pharmacy.id}",
        data={
            "premises_id": pharmacy.id,
            "started_at": started.strftime("%Y-%m-%dT%H:%M"),
            "lead_officer": county.officer.username,
            "second_officer": county.officer2.username,
            "type": "campaign",
            "emergency_id": outbreak.id,
            "check_prices_marked": "yes",
            "notes": "N95 masks behind the counter.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    record = db.session.scalars(sa.select(Inspection)).one()
    assert record.started_at.hour == 2  # stored in UTC: 10:30 in Shanghai is 02:30 UTC
    assert record.checklist == {"prices_marked": "yes"}
    page = f"/inspections/{record.id}"
    response = post_form(
        client,
        page,
        f"{page}/observations",
        data={
            "commodity": "mask_n95",
            "price": "3.50",
            "marked_price": "3.50",
            "cost": "1.20",
            "baseline_price": "1.20",
            "baseline_cost": "1.00",
            "quantity_sold": "1000",
        },
    )
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "margin 191.67% on cost against 20% on 2020-01-19" in html
    assert "2,060.00" in html  # estimated illegal gains
    observation = db.session.scalars(sa.select(PriceObservation)).one()
    assert observation.flagged and observation.flag_tests == ["baseline_margin"]
    assert observation.rulebook.startswith("cn-samr@")
    # The flag offers to record the matching violation, preselected.
    suggest = client.get(f"{page}?suggest_violation={observation.id}").get_data(as_text=True)
    assert f'value="{observation.id}" selected' in suggest or f'selected value="{observation.id}"' in suggest
    response = post_form(
        client,
        page,
        f"{page}/violations",
        data={"code": "price_gouging", "observation_ids": [observation.id], "description": "Masks at 3x margin"},
    )
    assert response.status_code == 302
    violation = db.session.scalars(sa.select(Violation)).one()
    assert violation.legal_basis and [o.id for o in violation.observations] == [observation.id]
    response = post_form(client, page, f"{page}/submit", data={"outcome": "referred"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Inspection, record.id).outcome.value == "referred"


def test_same_officer_twice_and_future_start_are_field_errors(app, client, as_user):
    county, outbreak, pharmacy = _world()
    as_user(county.officer)
    future = datetime.now() + timedelta(days=3)
    response = post_form(
        client,
        f"/inspections/new?premises_id={pharmacy.id}",
        data={
            "premises_id": pharmacy.id,
            "started_at": future.strftime("%Y-%m-%dT%H:%M"),
            "lead_officer": county.officer.username,
            "second_officer": county.officer.username,
            "type": "routine",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This date lies in the future." in html
    response = post_form(
        client,
        f"/inspections/new?premises_id={pharmacy.id}",
        data={
            "premises_id": pharmacy.id,
            "started_at": "2020-02-05T10:00",
            "lead_officer": county.officer.username,
            "second_officer": county.officer.username,
            "type": "routine",
        },
    )
    assert "The second officer must be a different person." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_officer_of_another_unit_cannot_be_second_officer(app, client, as_user):
    county, outbreak, pharmacy = _world()
    as_user(county.officer)
    response = post_form(
        client,
        f"/inspections/new?premises_id={pharmacy.id}",
        data={
            "premises_id": pharmacy.id,
            "started_at": "2020-02-05T10:00",
            "lead_officer": county.officer.username,
            "second_officer": county.other_officer.username,
            "type": "routine",
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_bad_prices_get_messages_next_to_the_fields(app, client, as_user):
    county, outbreak, pharmacy = _world()
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    as_user(county.officer)
    page = f"/inspections/{record.id}"
    for price, message in [("-1", "Enter an amount from"), ("abc", "Not a valid decimal value"), ("1.234", "two decimal places")]:
        response = post_form(client, page, f"{page}/observations", data={"commodity": "mask_n95", "price": price})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), price
    response = post_form(client, page, f"{page}/observations", data={"commodity": "unicorn", "price": "2"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(PriceObservation.id))) == 0


def test_evidence_is_checked_by_content_and_served_only_in_scope(app, client, as_user):
    import io

    county, outbreak, pharmacy = _world()
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    as_user(county.officer)
    page = f"/inspections/{record.id}"
    response = post_form(client, page, f"{page}/evidence", data={"file": (io.BytesIO(ELF), "receipt.jpg")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Only photos" in response.get_data(as_text=True)
    response = post_form(client, page, f"{page}/evidence", data={"file": (io.BytesIO(PNG), "shelf.png"), "description": "Shelf"},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    evidence = db.session.scalars(sa.select(Evidence)).one()
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    assert evidence.content_type == "image/png"
    served = client.get(f"{page}/evidence/{evidence.id}")
    assert served.status_code == 200 and served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    other = app.test_client()
    from tests.conftest import login

    login(other, county.other_officer.username)
    assert other.get(f"{page}/evidence/{evidence.id}").status_code == 404


def test_submitted_inspection_is_read_only_and_amended_with_a_reason(app, client, as_user):
    county, outbreak, pharmacy = _world()
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    as_user(county.officer)
    page = f"/inspections/{record.id}"
    assert post_form(client, page, f"{page}/submit", data={"outcome": "no_action"}).status_code == 302
    response = post_form(client, page, f"{page}/observations", data={"commodity": "mask_n95", "price": "2"})
    assert response.status_code == 302
    assert "read-only" in client.get(page).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PriceObservation.id))) == 0
    response = post_form(client, page, f"{page}/amend", data={"field": "notes", "new_value": "Counter checked.", "reason": ""})
    assert response.status_code == 422
    response = post_form(client, page, f"{page}/amend", data={"field": "notes", "new_value": "Counter checked.", "reason": "Typo"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Counter checked." in html and "Typo" in html


def test_corrected_outcome_needs_a_reinspection_date(app, client, as_user):
    county, outbreak, pharmacy = _world()
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    as_user(county.officer)
    page = f"/inspections/{record.id}"
    response = post_form(client, page, f"{page}/submit", data={"outcome": "corrected"})
    assert response.status_code == 422
    assert "re-inspection date" in response.get_data(as_text=True)
    response = post_form(client, page, f"{page}/submit", data={"outcome": "corrected", "reinspect_on": "2020-02-12"})
    assert response.status_code == 302


def test_auditor_reads_but_cannot_record(app, client, as_user):
    county, outbreak, pharmacy = _world()
    record = inspection(county.officer, county.officer2, pharmacy, outbreak)
    as_user(county.auditor)
    page = f"/inspections/{record.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Record a price" not in html
    assert post_form(client, page, f"{page}/observations", data={"commodity": "mask_n95", "price": "2"}).status_code == 403
    assert post_form(client, page, f"{page}/submit", data={"outcome": "no_action"}).status_code == 403


def test_inspection_list_filters_flagged(app, client, as_user):
    from tracker.services.inspections import ObservationData, record_observation

    county, outbreak, pharmacy = _world()
    quiet = inspection(county.officer, county.officer2, premises(county.officer, name="Quiet Shop"), outbreak)
    loud = inspection(county.officer, county.officer2, pharmacy, outbreak)
    record_observation(county.officer, quiet, ObservationData(commodity="rice", price="5.00", marked_price="5.00"))
    record_observation(county.officer, loud, ObservationData(commodity="mask_n95", price="3.50", cost="1.20",
                                                             baseline_price="1.20", baseline_cost="1.00", marked_price="3.50"))
    as_user(county.officer)
    html = client.get("/inspections/?flagged=y").get_data(as_text=True)
    assert "Kangjian Pharmacy" in html and "Quiet Shop" not in html


def _preselected_emergency(client, pharmacy) -> str | None:
    """The price emergency the new-inspection form chooses by itself (the option marked selected), if any."""
    page = client.get(f"/inspections/new?premises_id={pharmacy.id}").get_data(as_text=True)
    field = re.search(r'<select[^>]*name="emergency_id".*?</select>', page, re.DOTALL).group(0)
    chosen = re.findall(r'<option[^>]*\bselected\b[^>]*>', field)
    values = [re.search(r'value="([^"]*)"', option).group(1) for option in chosen]
    return values[0] if values and values[0] else None


def test_the_new_inspection_form_preselects_only_an_emergency_in_force_on_the_day(app, client, as_user):
    """Not one declared to start later (the form once ignored starts_on), nor one that has ended."""
    county, outbreak, pharmacy = _world()  # the outbreak: from 2020-01-24, no end date
    coming = emergency(starts_on=date(2020, 3, 1))
    coming.name = "Spring flood relief"
    ended = PriceEmergency(name="Summer drought", jurisdiction="County", starts_on=date(2019, 6, 1),
                           ends_on=date(2019, 9, 30), baseline_date=date(2019, 5, 20), categories=["meat"])
    db.session.add(ended)
    db.session.commit()
    as_user(county.officer)
    app.config["TRACKER_TODAY"] = date(2020, 2, 5)  # the form starts the inspection today
    assert _preselected_emergency(client, pharmacy) == str(outbreak.id)  # the flood relief has not started yet
    app.config["TRACKER_TODAY"] = date(2020, 3, 1)  # its first day: in force (newest first)
    assert _preselected_emergency(client, pharmacy) == str(coming.id)
    app.config["TRACKER_TODAY"] = date(2020, 1, 10)  # before the outbreak, after the drought
    assert _preselected_emergency(client, pharmacy) is None
    app.config["TRACKER_TODAY"] = date(2019, 9, 30)  # the drought's last day
    assert _preselected_emergency(client, pharmacy) == str(ended.id)

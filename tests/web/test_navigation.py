"""Pages every role relies on: the rulebook page and the navigation."""
from __future__ import annotations

from tests.factories import County


def test_rulebook_page_shows_publication_redaction_risk_and_inspection_rules(app, client, as_user):
    county = County()
    as_user(county.officer)
    page = client.get("/admin/rulebook").get_data(as_text=True)
    assert "published for 3 years once served; minor decisions for 3 months" in page
    assert "at most 3,000.00 for a natural person or 10,000.00 for an organisation" in page
    assert "id_number, home_address, phone, bank_account" in page
    assert "Repeat offender: 2 or more violations within 12 months." in page
    assert "a follow-up answering yes confirms a closure" in page
    assert "suggests the violation price_marking when only the marking tests flag it, otherwise price_gouging" in page
    assert ("more than 5 minutes before the inspection began or after it was received, or more than 200 m from "
            "the premises' recorded position") in page


def test_navigation_offers_the_oversight_pages_by_role(app, client, as_user):
    county = County()
    public = client.get("/outcomes/").get_data(as_text=True)
    assert 'href="/outcomes/"' in public and "Sign in" in public
    as_user(county.supervisor)
    page = client.get("/premises/").get_data(as_text=True)
    for href in ('href="/reports/"', 'href="/reports/queues"', 'href="/planning/risk"', 'action="/search"', 'href="/outcomes/"'):
        assert href in page



def test_officers_get_no_dashboard_link(app, client, as_user):
    county = County()
    as_user(county.officer)
    page = client.get("/premises/").get_data(as_text=True)
    assert 'href="/reports/queues"' in page and 'href="/reports/"' not in page

"""The inspection page reads step by step (premises, checklist, prices, evidence, violations, submit), and lists
above the submit button what the draft still lacks, from the rules the submission applies
(tracker.domain.submission through services.inspections.missing_for_submission)."""
from __future__ import annotations

import re

from tests.conftest import post_form
from tests.factories import County, emergency, inspection, premises
from tracker.services import inspections as inspection_service

STEPS = ("step-premises", "step-checklist", "step-prices", "step-evidence", "step-violations", "step-submit")


def _draft():
    county = County()
    outbreak = emergency()
    pharmacy = premises(county.officer, name="Kangjian Pharmacy")
    return county, inspection(county.officer, county.officer2, pharmacy, outbreak)


def _missing(html: str) -> list[str]:
    block = re.search(r'<div class="missing[^"]*" id="missing">(.*?)</div>', html, re.S)
    if block is None:
        return []
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def _div(html: str, name: str) -> int:
    """Where the <div id=name> opens (the buttons of the forms carry id="submit" too)."""
    return re.search(rf'<div[^>]* id="{name}"', html).start()


def test_the_steps_come_in_order_each_with_its_form_and_listed_at_the_top(client, as_user):
    county, draft = _draft()
    as_user(county.officer)
    html = client.get(f"/inspections/{draft.id}").get_data(as_text=True)
    positions = [html.index(f'id="{step}"') for step in STEPS]
    assert positions == sorted(positions), "the steps are out of order"
    nav = re.search(r'<nav class="steps[^"]*"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="#([\w-]+)"', nav) == list(STEPS)
    # Each form sits in its own step, the submit button after the list of what is missing.
    for step, form in (("step-prices", "observation"), ("step-evidence", "evidence"),
                       ("step-violations", "violation"), ("step-submit", "missing"), ("step-submit", "submit")):
        start, end = html.index(f'id="{step}"'), html.index("</section>", html.index(f'id="{step}"'))
        assert start < _div(html, form) < end, f"#{form} is not inside #{step}"
    assert _div(html, "missing") < _div(html, "submit")


def test_a_draft_lists_what_it_still_lacks_and_the_list_follows_its_violations(client, as_user):
    county, draft = _draft()
    as_user(county.officer)
    page = f"/inspections/{draft.id}"
    assert _missing(client.get(page).get_data(as_text=True)) == [
        "The outcome: no action, corrected or referred, chosen below.",
        "Corrected: A correction order needs a re-inspection date.",
        "Referred: Record at least one violation before referring the inspection.",
    ]
    # Referring is refused for exactly the reason listed.
    refused = post_form(client, page, f"{page}/submit", data={"outcome": "referred"})
    assert refused.status_code == 422
    assert "Record at least one violation before referring the inspection." in refused.get_data(as_text=True)

    response = post_form(client, page, f"{page}/violations", data={"code": "price_marking", "description": "No tags"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _missing(client.get(page).get_data(as_text=True)) == [
        "The outcome: no action, corrected or referred, chosen below.",
        "No action: An inspection with violations cannot end with no action.",
        "Corrected: A correction order needs a re-inspection date.",
    ]
    refused = post_form(client, page, f"{page}/submit", data={"outcome": "no_action"})
    assert refused.status_code == 422
    assert "An inspection with violations cannot end with no action." in refused.get_data(as_text=True)

    assert post_form(client, page, f"{page}/submit", data={"outcome": "referred"}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert _missing(html) == [] and "<div id=\"submit\">" not in html
    assert inspection_service.missing_for_submission(draft) == ()


def test_a_reader_sees_what_is_missing_but_no_form(client, as_user):
    county, draft = _draft()
    as_user(county.auditor)
    html = client.get(f"/inspections/{draft.id}").get_data(as_text=True)
    assert _missing(html)[0] == "The outcome: no action, corrected or referred, chosen below."
    assert "<div id=\"submit\">" not in html and "<div id=\"observation\">" not in html

"""Names that display other than they are (issue 15, finding 8): bidirectional overrides, zero-width characters
and line breaks are refused in every one-line name, with a message naming them, and nothing is written."""
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import post_form
from tests.factories import County
from tracker.domain.characters import hidden_characters, without_hidden_characters
from tracker.extensions import db
from tracker.models import Premises, PriceEmergency, Unit, User
from tracker.services import accounts
from tracker.services.emergencies import EmergencyData, declare_emergency
from tracker.services.errors import Invalid

REVERSED = "Noodles \u202eshop"


def test_the_hidden_characters_are_named_once_each_in_order():
    assert hidden_characters("a\u202eb\u200bc\u202e") == ["U+202E", "U+200B"]
    assert hidden_characters("康健大药房 Kangjian-1") == []
    assert without_hidden_characters("Li\u2066 Na\u2069\u200d\n") == "Li Na"


@given(st.text())
def test_removing_leaves_nothing_hidden(text):
    assert hidden_characters(without_hidden_characters(text)) == []


def test_the_premises_form_names_the_characters(app, as_user):
    county = County()
    client = as_user(county.officer)
    response = post_form(client, "/premises/new", data={"name": REVERSED, "kind": "restaurant",
                                                       "operator_type": "organisation"})
    assert response.status_code in (200, 422)  # the form again, with its error
    assert "Remove the invisible characters U+202E" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Premises.id))) == 0


@pytest.mark.parametrize("field", ["code_name", "full_name"])
def test_units_and_accounts_refuse_them(app, field):
    County()
    units, users = db.session.scalar(sa.select(sa.func.count(Unit.id))), db.session.scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(Invalid) as refusal:
        if field == "code_name":
            accounts.create_unit("XX", "West\u202e station")
        else:
            accounts.create_user("wu.lei", "officer", "inspect-2020!", "CG", full_name="Wu\u200b Lei")
    assert "U+202E" in str(refusal.value.errors) or "U+200B" in str(refusal.value.errors)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == units
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


def test_emergencies_refuse_them(app):
    from datetime import date

    County()
    with pytest.raises(Invalid) as refusal:
        declare_emergency(None, EmergencyData(name="Outbreak\u202e", starts_on=date(2020, 1, 24),
                                              baseline_date=date(2020, 1, 19), categories=["meat"]))
    assert "name" in refusal.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(PriceEmergency.id))) == 0

"""Every route declares who may use it; roles are held to their declarations."""
import pytest

from tests.conftest import login
from tests.factories import County
from tracker.domain.vocabulary import Role

EXEMPT = {"static", "bootstrap.static"}


def test_every_route_declares_its_access(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT and not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert undeclared == []


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/premises/", {"officer", "supervisor", "auditor"}),
        ("/premises/new", {"officer", "supervisor"}),
        ("/inspections/", {"officer", "supervisor", "auditor"}),
        ("/admin/", {"admin"}),
        ("/admin/users", {"admin"}),
        ("/admin/units", {"admin"}),
        ("/admin/emergencies", {"admin"}),
        ("/admin/rulebook", {"officer", "supervisor", "auditor", "admin"}),
    ],
)
def test_roles_reach_only_their_pages(app, client, path, allowed):
    county = County()
    people = {
        "officer": county.officer,
        "supervisor": county.supervisor,
        "auditor": county.auditor,
        "admin": county.admin,
    }
    assert client.get(path).status_code == 302  # anonymous: to the login page
    for role, person in people.items():
        c = app.test_client()
        assert login(c, person.username).status_code == 302
        status = c.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_roles_vocabulary_matches_the_contract():
    assert [r.value for r in Role] == ["officer", "supervisor", "auditor", "admin"]

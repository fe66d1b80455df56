"""What a record of an administrator's action may say: the values changed, before and after, never a secret."""
from datetime import date

import pytest

from tracker.domain.adminlog import SECRET_KEYS, SecretInRecord, changes
from tracker.domain.vocabulary import Role


def test_a_new_record_has_every_value_after_and_nothing_before():
    assert changes({}, {"username": "li.na", "role": Role.OFFICER, "starts_on": date(2020, 1, 24),
                        "categories": ("meat", "rice"), "unit": None}) == {
        "before": {},
        "after": {"username": "li.na", "role": "officer", "starts_on": "2020-01-24", "categories": ["meat", "rice"],
                  "unit": None},
    }


def test_a_change_keeps_only_the_values_that_differ():
    before = {"active": True, "role": "officer", "unit": "CG"}
    after = {"active": False, "role": "officer", "unit": "XZ"}
    assert changes(before, after) == {"before": {"active": True, "unit": "CG"}, "after": {"active": False, "unit": "XZ"}}
    assert changes({"active": True}, {"active": True}) == {"before": {}, "after": {}}
    assert changes({}, {}) == {"before": {}, "after": {}}


@pytest.mark.parametrize("key", sorted(SECRET_KEYS))
def test_a_secret_is_refused_before_or_after(key):
    with pytest.raises(SecretInRecord):
        changes({}, {"username": "li.na", key: "inspect-2020"})
    with pytest.raises(SecretInRecord):
        changes({key: "old"}, {})

"""The field-by-field merge of a device's changes, the supervisor's choice between two versions, and a premises'
position (tracker.domain.merging)."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tracker.domain.merging import (
    PositionError, choice_errors, degrees_text, merge_fields, parse_position, resolution_reason,
)

SERVER = {"name": "Kangjian Pharmacy", "phone": "0931-1", "address": "1 Road", "latitude": "31.000000",
          "longitude": "104.000000"}


def test_a_current_version_applies_every_change():
    merge = merge_fields({"phone": "0931-2", "address": "2 Road"}, SERVER, base=None, current=True)
    assert merge.apply == {"phone": "0931-2", "address": "2 Road"} and merge.conflicts == () and merge.clean


def test_a_stale_version_applies_what_nobody_else_changed():
    server = {**SERVER, "address": "9 Road"}  # someone else moved the address since the device's base
    merge = merge_fields({"phone": "0931-2", "address": "2 Road"}, server,
                         base={"phone": "0931-1", "address": "1 Road"}, current=False)
    assert merge.apply == {"phone": "0931-2"}
    assert merge.conflicts == ("address",)
    assert not merge.clean


def test_the_same_value_on_both_sides_is_already_merged():
    server = {**SERVER, "phone": "0931-2"}
    merge = merge_fields({"phone": "0931-2"}, server, base={"phone": "0931-1"}, current=False)
    assert merge.apply == {} and merge.conflicts == () and merge.already == ("phone",)


def test_without_a_base_a_stale_change_merges_nothing():
    merge = merge_fields({"phone": "0931-2", "name": "Kangjian Pharmacy"}, SERVER, base=None, current=False)
    assert merge.apply == {} and merge.conflicts == ("phone",) and merge.already == ("name",)


def test_a_field_the_base_does_not_name_cannot_be_merged():
    merge = merge_fields({"phone": "0931-2", "address": "2 Road"}, SERVER, base={"phone": "0931-1"}, current=False)
    assert merge.apply == {"phone": "0931-2"} and merge.conflicts == ("address",)


def test_latitude_and_longitude_merge_together():
    server = {**SERVER, "latitude": "31.500000"}  # the server moved the latitude only
    device = {"latitude": "31.100000", "longitude": "104.100000"}
    base = {"latitude": "31.000000", "longitude": "104.000000"}
    merge = merge_fields(device, server, base=base, current=False)
    # The longitude alone could merge, but a position is never half one version and half the other.
    assert merge.apply == {} and merge.conflicts == ("latitude", "longitude")


def test_conflicts_keep_the_order_the_device_gave():
    server = {**SERVER, "phone": "x", "name": "y", "address": "z"}
    merge = merge_fields({"address": "a", "phone": "b", "name": "c"}, server, base={}, current=False)
    assert merge.conflicts == ("address", "phone", "name")


values = st.sampled_from(["a", "b", "c", None])


@given(device=st.dictionaries(st.sampled_from(["name", "phone", "address"]), values, min_size=1),
       server=st.fixed_dictionaries({"name": values, "phone": values, "address": values}),
       base=st.dictionaries(st.sampled_from(["name", "phone", "address"]), values),
       current=st.booleans())
def test_every_changed_field_is_applied_already_merged_or_in_conflict_never_lost(device, server, base, current):
    merge = merge_fields(device, server, base, current)
    assert set(merge.apply) | set(merge.conflicts) | set(merge.already) == set(device)
    assert not set(merge.apply) & set(merge.conflicts)
    assert all(merge.apply[f] == device[f] for f in merge.apply)
    if current:
        assert merge.clean
    for field in merge.apply:  # applied over a stale version only when nobody else changed it
        assert current or base[field] == server[field]


# ------------------------------------------------------------------------------------------ choosing


def test_a_complete_choice_passes():
    assert choice_errors(["name", "phone"], {"name": "device", "phone": "server"}) == {}


def test_missing_unknown_and_bad_choices_are_named():
    errors = choice_errors(["name", "phone"], {"name": "both", "address": "device"})
    assert set(errors) == {"name", "phone", "address"}
    assert str(errors["name"][0]) == 'Choose "device" or "server".'
    assert str(errors["phone"][0]) == "Choose the device's or the server's version of this field."
    assert str(errors["address"][0]) == "This field is not in conflict."


def test_a_position_is_kept_from_one_version():
    errors = choice_errors(["latitude", "longitude"], {"latitude": "device", "longitude": "server"})
    assert set(errors) == {"latitude", "longitude"}
    assert choice_errors(["latitude", "longitude"], {"latitude": "server", "longitude": "server"}) == {}


def test_the_reason_names_the_conflict_and_the_version_kept():
    assert str(resolution_reason(7, "device")) == "Sync conflict 7: the supervisor kept the device's version."
    assert "kept the server's version" in str(resolution_reason(7, "server"))


# ------------------------------------------------------------------------------------------ positions


def test_a_position_is_read_and_rounded_to_a_millionth_of_a_degree():
    assert parse_position("31.2304167", "-104.0665") == (Decimal("31.230417"), Decimal("-104.066500"))
    assert parse_position(" 90 ", "180") == (Decimal("90.000000"), Decimal("180.000000"))
    assert parse_position(None, "") == (None, None)


@pytest.mark.parametrize("latitude, longitude, bad", [
    ("31.2", None, {"longitude"}),
    ("", "104.1", {"latitude"}),
    ("90.0001", "104", {"latitude"}),
    ("31", "-180.5", {"longitude"}),
    ("north", "east", {"latitude", "longitude"}),
    ("1e2", "104", {"latitude"}),
    ("NaN", "104", {"latitude"}),
])
def test_bad_positions_name_each_bad_field(latitude, longitude, bad):
    with pytest.raises(PositionError) as caught:
        parse_position(latitude, longitude)
    assert set(caught.value.errors) == bad


def test_degrees_are_written_with_six_places():
    assert degrees_text(Decimal("31.2")) == "31.200000"
    assert degrees_text("-104.0665") == "-104.066500"
    assert degrees_text(None) is None
    assert degrees_text("somewhere") == "somewhere"  # compared as it is: it equals no stored coordinate

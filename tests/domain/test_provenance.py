"""A photo's provenance (DOMAIN.md §13): great-circle distance, what a device declares, EXIF, and the two flags."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tracker.domain.provenance import (
    EARTH_RADIUS_M,
    Capture,
    CaptureError,
    capture_flags,
    choose_capture,
    declared_capture,
    distance_m,
    exif_capture,
    exif_position,
    exif_time,
    explain,
    parse_instant,
)
from tracker.domain.rulebook import EvidenceRules
from tracker.domain.text import install, uninstall

RULES = EvidenceRules(max_minutes_outside=5, max_distance_m=200)
SHANGHAI = "Asia/Shanghai"
UTC8 = timezone(timedelta(hours=8))
STARTED = datetime(2020, 2, 6, 10, 0, tzinfo=UTC8)
RECEIVED = datetime(2020, 2, 6, 10, 40, tzinfo=UTC8)
# The People's Square pharmacy of the examples, and points due north of it.
PREMISES = (Decimal("31.230416"), Decimal("121.473701"))
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def north_of(metres: float) -> tuple[Decimal, Decimal]:
    return (PREMISES[0] + Decimal(metres / METRES_PER_DEGREE).quantize(Decimal("0.000001")), PREMISES[1])


def flags(capture: Capture, premises=PREMISES, rules=RULES):
    return capture_flags(capture, started_at=STARTED, received_at=RECEIVED, premises=premises, rules=rules,
                         tz_name=SHANGHAI)


# ------------------------------------------------------------------------------------------ distance


def test_known_distances():
    # One degree of latitude along a meridian: pi R / 180.
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.01)
    # Quarter of the equator, and the antipode: half the circumference.
    assert distance_m(0, 0, 0, 90) == pytest.approx(math.pi * EARTH_RADIUS_M / 2)
    assert distance_m(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert distance_m(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_M)
    # Shanghai People's Square to the Bund (about 1.6 km east, a little north).
    assert distance_m(31.230416, 121.473701, 31.240018, 121.490317) == pytest.approx(1_906, abs=5)
    # Across the antimeridian: 0.2 degrees of longitude at the equator, not 359.8.
    assert distance_m(0, 179.9, 0, -179.9) == pytest.approx(0.2 * METRES_PER_DEGREE, rel=1e-9)


latitudes = st.decimals(min_value=-90, max_value=90, places=6)
longitudes = st.decimals(min_value=-180, max_value=180, places=6)


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_a_symmetric_bounded_measure(lat1, lon1, lat2, lon2):
    there = distance_m(lat1, lon1, lat2, lon2)
    assert there == pytest.approx(distance_m(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= there <= math.pi * EARTH_RADIUS_M + 1e-6
    assert distance_m(lat1, lon1, lat1, lon1) == 0


@given(latitudes, longitudes, latitudes, longitudes, latitudes, longitudes)
def test_distance_obeys_the_triangle_inequality(lat1, lon1, lat2, lon2, lat3, lon3):
    assert distance_m(lat1, lon1, lat3, lon3) <= distance_m(lat1, lon1, lat2, lon2) + distance_m(lat2, lon2, lat3, lon3) + 1e-3


@given(st.decimals(min_value=-89, max_value=89, places=6), longitudes, st.floats(min_value=0, max_value=0.5))
def test_along_a_meridian_distance_is_the_arc(lat, lon, step):
    assert distance_m(lat, lon, float(lat) + step, lon) == pytest.approx(step * METRES_PER_DEGREE, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------------------------------ what a device declares


def test_declared_capture_parses_time_position_and_accuracy():
    capture = declared_capture("2020-02-06T10:02:00+08:00", "31.2304161", " 121.473701 ", "15")
    assert capture.taken_at == datetime(2020, 2, 6, 2, 2, tzinfo=timezone.utc)
    assert capture.position == (Decimal("31.230416"), Decimal("121.473701"))
    assert capture.accuracy_m == Decimal("15.0")
    assert declared_capture("2020-02-06T02:02:00Z").taken_at == datetime(2020, 2, 6, 2, 2, tzinfo=timezone.utc)
    assert declared_capture() == Capture() and declared_capture("", "", "", "").empty


@pytest.mark.parametrize(("fields", "errors"), [
    ({"latitude": "31.2"}, {"longitude"}),
    ({"longitude": "121.4"}, {"latitude"}),
    ({"latitude": "90.000001", "longitude": "0"}, {"latitude"}),
    ({"latitude": "-90", "longitude": "180.5"}, {"longitude"}),
    ({"latitude": "north", "longitude": "1e2"}, {"latitude", "longitude"}),
    ({"latitude": "NaN", "longitude": "0"}, {"latitude"}),
    ({"taken_at": "2020-02-06T10:02:00"}, {"taken_at"}),
    ({"taken_at": "yesterday"}, {"taken_at"}),
    ({"accuracy_m": "-3", "latitude": "0", "longitude": "0"}, {"accuracy_m"}),
    ({"accuracy_m": "15"}, {"accuracy_m"}),
])
def test_declared_capture_refuses_bad_fields(fields, errors):
    with pytest.raises(CaptureError) as error:
        declared_capture(**fields)
    assert set(error.value.errors) == errors


def test_the_position_bounds_are_included():
    assert declared_capture(latitude="-90", longitude="-180").position == (Decimal(-90), Decimal(-180))
    assert declared_capture(latitude="90", longitude="180").position == (Decimal(90), Decimal(180))


def test_parse_instant_needs_an_offset():
    assert parse_instant(" ") is None
    assert parse_instant("2020-02-06T10:02:00-05:00").utcoffset() == timedelta(hours=-5)
    with pytest.raises(CaptureError):
        parse_instant(datetime(2020, 2, 6, 10, 2))


# ------------------------------------------------------------------------------------------ EXIF


def test_exif_time_with_and_without_an_offset():
    assert exif_time("2020:02:06 10:02:00", "+08:00", "America/Los_Angeles") == datetime(2020, 2, 6, 2, 2, tzinfo=timezone.utc)
    assert exif_time("2020:02:06 10:02:00\x00", "-05:30", SHANGHAI) == datetime(2020, 2, 6, 15, 32, tzinfo=timezone.utc)
    # No offset: the unit's time zone (Los Angeles is UTC-8 in February, UTC-7 in July).
    assert exif_time("2020:02:06 10:02:00", None, "America/Los_Angeles") == datetime(2020, 2, 6, 18, 2, tzinfo=timezone.utc)
    assert exif_time("2020:07:06 10:02:00", "", "America/Los_Angeles") == datetime(2020, 7, 6, 17, 2, tzinfo=timezone.utc)
    for bad in ("0000:00:00 00:00:00", "2020-02-06 10:02:00", "    :  :     :  :  ", None, b"2020:02:06 10:02:00"):
        assert exif_time(bad, "+08:00", SHANGHAI) is None
    assert exif_time("2020:02:06 10:02:00", "+25:00", SHANGHAI) is None


def test_exif_position_from_degrees_minutes_seconds():
    # 31° 13' 49.4976" N, 121° 28' 25.3236" E; rationals as (numerator, denominator) pairs or numbers.
    lat = ((31, 1), (13, 1), (494976, 10000))
    lon = (Fraction(121), Fraction(28), Fraction(253236, 10000))
    assert exif_position("N", lat, "E", lon) == (Decimal("31.230416"), Decimal("121.473701"), None)
    assert exif_position(b"S", lat, "W\x00", lon, (15, 1)) == (Decimal("-31.230416"), Decimal("-121.473701"), Decimal("15.0"))
    assert exif_position("N", (31.5,), "E", (121, 30.0), 7.25)[:2] == (Decimal("31.5"), Decimal("121.5"))
    assert exif_position("N", lat, None, lon) is None  # no reference
    assert exif_position("X", lat, "E", lon) is None
    assert exif_position("N", ((91, 1), (0, 1), (0, 1)), "E", lon) is None
    assert exif_position("N", ((31, 0), (0, 1), (0, 1)), "E", lon) is None  # a zero denominator
    assert exif_position("N", "31.2", "E", lon) is None
    assert exif_position("N", lat, "E", lon, (-1, 1))[2] is None  # a negative error is no accuracy


def test_exif_capture_reads_what_it_can():
    tags = {"DateTimeOriginal": "2020:02:06 10:02:00", "GPSLatitudeRef": "N", "GPSLatitude": (31, 13, 49.4976),
            "GPSLongitudeRef": "E", "GPSLongitude": (121, 28, 25.3236), "GPSHPositioningError": 12.5}
    capture = exif_capture(tags, SHANGHAI)
    assert capture == Capture(datetime(2020, 2, 6, 2, 2, tzinfo=timezone.utc), Decimal("31.230416"),
                              Decimal("121.473701"), Decimal("12.5"))
    assert exif_capture({"GPSLatitudeRef": "N", "GPSLatitude": (31, 0, 0)}, SHANGHAI) == Capture()


def test_the_device_wins_over_exif_whole():
    device = Capture(taken_at=STARTED)
    exif = Capture(STARTED - timedelta(days=1), *PREMISES, Decimal(3))
    assert choose_capture(device, exif) == (device, "device")
    assert choose_capture(Capture(), exif) == (exif, "exif")
    assert choose_capture(Capture(), Capture()) == (Capture(), "")


# ------------------------------------------------------------------------------------------ flags


def test_a_photo_in_time_and_place_is_not_flagged():
    assert flags(Capture(STARTED + timedelta(minutes=3), *north_of(150), Decimal(15))) == ()
    # Exactly at the limits is not "more than".
    assert flags(Capture(STARTED - timedelta(minutes=5))) == ()
    assert flags(Capture(RECEIVED + timedelta(minutes=5))) == ()
    assert flags(Capture(None, *north_of(199.9))) == ()


def test_a_photo_taken_before_the_inspection_is_flagged_with_the_figures():
    (flag,) = flags(Capture(STARTED - timedelta(minutes=8)))
    assert flag.test == "outside_inspection_time"
    assert str(flag.explanation) == ("Taken at 2020-02-06 09:52:00 +08:00, 8 min before the inspection began at "
                                     "2020-02-06 10:00:00 +08:00; the limit is 5 min.")
    (flag,) = flags(Capture(STARTED - timedelta(minutes=5, seconds=0.2)))
    assert "5 min 1 s before" in flag.explanation  # a gap over the limit never reads as the limit
    (flag,) = flags(Capture(STARTED - timedelta(days=3, minutes=1)))
    assert "3 d 1 h before" in flag.explanation


def test_a_photo_taken_after_the_server_received_it_is_flagged():
    (flag,) = flags(Capture(RECEIVED + timedelta(hours=2, minutes=30)))
    assert str(flag.explanation) == ("Taken at 2020-02-06 13:10:00 +08:00, 2 h 30 min after the server received it at "
                                     "2020-02-06 10:40:00 +08:00; the limit is 5 min.")
    assert flag.params["side"] == "after" and flag.params["gap_seconds"] == "9000"


def test_a_photo_far_from_the_premises_is_flagged_whatever_the_accuracy():
    (flag,) = flags(Capture(None, *north_of(412), Decimal(15)))
    assert flag.test == "far_from_premises"
    assert str(flag.explanation) == ("Taken 412 m from the premises' recorded position (accuracy ±15 m); "
                                     "the limit is 200 m.")
    (flag,) = flags(Capture(None, *north_of(250), Decimal("500.5")))  # the accuracy is shown, never subtracted
    assert "(accuracy ±500.5 m)" in flag.explanation
    (flag,) = flags(Capture(None, *north_of(200.3)))
    assert str(flag.explanation) == ("Taken 200.3 m from the premises' recorded position (accuracy not reported); "
                                     "the limit is 200 m.")
    (flag,) = flags(Capture(None, *north_of(1_234_567)))
    assert "Taken 1,234,567 m" in flag.explanation


def test_both_flags_and_the_unknowns():
    both = flags(Capture(STARTED - timedelta(hours=1), *north_of(5000)))
    assert [flag.test for flag in both] == ["outside_inspection_time", "far_from_premises"]
    assert flags(Capture(None, *north_of(5000)), premises=None) == ()  # the premises has no recorded position
    assert flags(Capture()) == ()


def test_the_limits_come_from_the_rulebook():
    strict = EvidenceRules(max_minutes_outside=1, max_distance_m=50)
    capture = Capture(STARTED - timedelta(minutes=2), *north_of(100))
    assert flags(capture) == ()
    assert [flag.test for flag in flags(capture, rules=strict)] == ["outside_inspection_time", "far_from_premises"]
    assert "the limit is 50 m" in flags(capture, rules=strict)[1].explanation


minutes = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60)


@given(minutes, st.integers(min_value=0, max_value=59), st.integers(min_value=1, max_value=30))
def test_the_time_flag_is_the_rule(offset_minutes, seconds, limit):
    taken = STARTED + timedelta(minutes=offset_minutes, seconds=seconds)
    rules = EvidenceRules(max_minutes_outside=limit, max_distance_m=200)
    flagged = [f for f in flags(Capture(taken), rules=rules) if f.test == "outside_inspection_time"]
    expected = taken < STARTED - timedelta(minutes=limit) or taken > RECEIVED + timedelta(minutes=limit)
    assert bool(flagged) == expected
    if flagged:
        gap = int(flagged[0].params["gap_seconds"])
        assert gap > limit * 60
        assert f"the limit is {limit} min" in flagged[0].explanation


@given(st.floats(min_value=0, max_value=20_000), st.integers(min_value=1, max_value=5000),
       st.none() | st.decimals(min_value=0, max_value=10_000, places=1))
def test_the_distance_flag_is_the_rule(metres, limit, accuracy):
    capture = Capture(None, *north_of(metres), accuracy)
    actual = distance_m(*capture.position, *PREMISES)
    assume(abs(actual - limit) > 1e-6)
    rules = EvidenceRules(max_minutes_outside=5, max_distance_m=limit)
    flagged = flags(capture, rules=rules)
    assert bool(flagged) == (actual > limit)
    if flagged:
        shown = Decimal(flagged[0].params["distance_text"].replace(",", ""))
        assert shown > limit  # never reads as within the limit
        assert ("accuracy not reported" in flagged[0].explanation) == (accuracy is None)


def test_stored_flags_are_explained_again_in_the_readers_language():
    (flag,) = flags(Capture(None, *north_of(412), Decimal(15)))
    stored = flag.stored()
    assert stored["explanation"] == str(flag.explanation) and set(stored) == {"test", "explanation", "params"}
    catalog = {"Taken %(distance)s m from the premises' recorded position (accuracy ±%(accuracy)s m); the limit is "
               "%(limit)s m.": "在距离场所登记位置 %(distance)s 米处拍摄（精度 ±%(accuracy)s 米）；限值为 %(limit)s 米。"}
    install(lambda msgid: catalog.get(msgid, msgid), lambda: "zh_CN")
    try:
        assert explain(stored) == "在距离场所登记位置 412 米处拍摄（精度 ±15 米）；限值为 200 米。"
        assert explain({"test": "far_from_premises", "explanation": "as stored", "params": {}}) == "as stored"
    finally:
        uninstall()
    assert explain(stored) == stored["explanation"]

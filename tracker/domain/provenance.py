"""Where and when a photo was taken, and what that shows (DOMAIN.md §13): positions, EXIF, and the two flags.

A photo carries the capture time and position the device declared, or else those embedded in the file (EXIF);
``choose_capture`` keeps the device's when it declared any and says which it kept. ``capture_flags`` then
compares the capture with the inspection: ``outside_inspection_time`` when the photo was taken more than the
rulebook's ``max_minutes_outside`` minutes before the inspection began or after the server received it (a clock
running ahead), ``far_from_premises`` when it was taken more than ``max_distance_m`` metres from the premises'
recorded position (great-circle distance, whatever the accuracy, which the explanation shows beside it).

Each flag is stored as ``{"test", "explanation", "params"}`` like the price tests' flags: the explanation is the
English sentence with the figures, and ``explain`` builds it again from the params in the reader's language.
Plain Python: Pillow reads the file in the services; this module interprets what it found.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from zoneinfo import ZoneInfo

from tracker.domain.rulebook import EvidenceRules
from tracker.domain.text import N_, Text

# The mean radius of the WGS 84 ellipsoid, R1 = (2a + b) / 3, in metres.
EARTH_RADIUS_M = 6_371_008.8
OUTSIDE_INSPECTION_TIME = "outside_inspection_time"
FAR_FROM_PREMISES = "far_from_premises"
TESTS = (OUTSIDE_INSPECTION_TIME, FAR_FROM_PREMISES)
# Where a photo's capture time and position came from: declared by the device, read from the file, or neither.
DEVICE, EXIF, NONE = "device", "exif", ""
SOURCES = (DEVICE, EXIF, NONE)

LIMITS = {"latitude": Decimal(90), "longitude": Decimal(180)}
POSITION_QUANTUM = Decimal("0.000001")  # stored to a millionth of a degree (about 0.1 m)
ACCURACY_QUANTUM = Decimal("0.1")
MAX_ACCURACY_M = Decimal("99999999.9")  # what the column holds
_DEGREES = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{1,15})?")
_ACCURACY = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")


class CaptureError(ValueError):
    """What a device declared about a capture is malformed; ``errors`` maps field names to messages (Texts)."""

    def __init__(self, errors: dict[str, list[Text]]):
        super().__init__("; ".join(str(message) for messages in errors.values() for message in messages))
        self.errors = errors


@dataclass(frozen=True)
class Capture:
    """When and where a photo was taken (an aware time; WGS 84 degrees; the position's accuracy in metres)."""

    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: Decimal | None = None

    @property
    def empty(self) -> bool:
        """True when it says neither when nor where."""
        return self.taken_at is None and self.latitude is None

    @property
    def position(self) -> tuple[Decimal, Decimal] | None:
        return None if self.latitude is None or self.longitude is None else (self.latitude, self.longitude)


@dataclass(frozen=True)
class Flag:
    """One flag of a capture: the test, its sentence (a Text: English as a string), and the figures as strings."""

    test: str
    explanation: Text
    params: Mapping[str, str] = field(default_factory=dict)

    def stored(self) -> dict:
        """The flag as it is stored with the evidence (and answered by the API)."""
        return {"test": self.test, "explanation": str.__str__(self.explanation), "params": dict(self.params)}


# ------------------------------------------------------------------------------------------ distance


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """The great-circle distance in metres between two WGS 84 positions (degrees), by the haversine formula on a
    sphere of the ellipsoid's mean radius (within about 0.5 % of the distance on the ellipsoid)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))


# ------------------------------------------------------------------------------------------ what a device declares


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


_DEGREE_FORMAT = {
    "latitude": N_("Give the latitude as a decimal number of degrees, such as \"31.230416\"."),
    "longitude": N_("Give the longitude as a decimal number of degrees, such as \"121.473701\"."),
}
_DEGREE_RANGE = {
    "latitude": N_("The latitude lies between -90 and 90 degrees."),
    "longitude": N_("The longitude lies between -180 and 180 degrees."),
}


def _degrees(name: str, raw, errors: dict) -> Decimal | None:
    if isinstance(raw, Decimal) and raw.is_finite():
        text = format(raw, "f")
    else:
        text = raw.strip() if isinstance(raw, str) else ""
    if not _DEGREES.fullmatch(text):
        errors[name] = [Text(_DEGREE_FORMAT[name])]
        return None
    value = Decimal(text)
    if not -LIMITS[name] <= value <= LIMITS[name]:
        errors[name] = [Text(_DEGREE_RANGE[name])]
        return None
    return value.quantize(POSITION_QUANTUM, rounding=ROUND_HALF_UP)


def parse_instant(raw) -> datetime | None:
    """A capture time sent as text: ISO 8601 with its offset ("2020-02-06T10:02:00+08:00" or "...Z"); None when
    blank. Raises CaptureError on ``taken_at`` when it is not a time or carries no offset."""
    if isinstance(raw, datetime):
        moment = raw
    elif _blank(raw):
        return None
    else:
        try:
            moment = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise CaptureError({"taken_at": [Text(N_(
            "Give the capture time in ISO 8601 with its offset, such as 2020-02-06T10:02:00+08:00."))]})
    return moment


def declared_capture(taken_at=None, latitude=None, longitude=None, accuracy_m=None) -> Capture:
    """What a device declared about a capture, checked: the time with its offset; latitude and longitude both or
    neither, within [-90, 90] and [-180, 180]; the accuracy (metres, zero or more) only with a position. Raises
    CaptureError naming every bad field."""
    errors: dict[str, list[Text]] = {}
    try:
        moment = parse_instant(taken_at)
    except CaptureError as error:
        errors.update(error.errors)
        moment = None
    lat = lon = accuracy = None
    if not (_blank(latitude) and _blank(longitude)):
        if _blank(latitude):
            errors["latitude"] = [Text(N_("Give the latitude with the longitude, or neither."))]
        if _blank(longitude):
            errors["longitude"] = [Text(N_("Give the longitude with the latitude, or neither."))]
        lat = None if _blank(latitude) else _degrees("latitude", latitude, errors)
        lon = None if _blank(longitude) else _degrees("longitude", longitude, errors)
    if not _blank(accuracy_m):
        text = format(accuracy_m, "f") if isinstance(accuracy_m, Decimal) else str(accuracy_m).strip()
        if not _ACCURACY.fullmatch(text) or Decimal(text) > MAX_ACCURACY_M:
            errors["accuracy_m"] = [Text(N_("Give the accuracy as a number of metres, zero or more, such as 15."))]
        elif _blank(latitude) and _blank(longitude):
            errors["accuracy_m"] = [Text(N_("An accuracy goes with a position: give the latitude and longitude too."))]
        else:
            accuracy = Decimal(text).quantize(ACCURACY_QUANTUM, rounding=ROUND_HALF_UP)
    if errors:
        raise CaptureError(errors)
    return Capture(moment, lat, lon, accuracy)


# ------------------------------------------------------------------------------------------ EXIF


def exif_time(original: object, offset: object, tz_name: str) -> datetime | None:
    """The capture time EXIF records: DateTimeOriginal ("2020:02:06 10:02:00") in the offset OffsetTimeOriginal
    gives ("+08:00"), or without one in the unit's time zone ``tz_name``. None when absent or unreadable."""
    if not isinstance(original, str):
        return None
    text = original.strip().strip("\x00").strip()
    try:
        local = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = None
    if isinstance(offset, str) and offset.strip("\x00 "):
        match = re.fullmatch(r"([+-])([01][0-9]|2[0-3]):([0-5][0-9])", offset.strip("\x00 "))
        if match is None:
            return None
        sign = 1 if match.group(1) == "+" else -1
        zone = timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    return local.replace(tzinfo=zone or ZoneInfo(tz_name))


def _rational(value) -> Fraction | None:
    """An EXIF rational (a number, or a (numerator, denominator) pair) as a Fraction; None when unreadable."""
    try:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return Fraction(int(value[0]), int(value[1]))
        if isinstance(value, float):
            return Fraction(value) if math.isfinite(value) else None
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _exif_degrees(reference: object, dms: object, positive: str, negative: str, limit: int) -> Decimal | None:
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    if not isinstance(reference, str) or reference.strip("\x00 ").upper() not in (positive, negative):
        return None
    if not isinstance(dms, Sequence) or isinstance(dms, (str, bytes)) or not 1 <= len(dms) <= 3:
        return None
    parts = [_rational(part) for part in dms]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if degrees > limit:
        return None
    if reference.strip("\x00 ").upper() == negative:
        degrees = -degrees
    return (Decimal(degrees.numerator) / Decimal(degrees.denominator)).quantize(POSITION_QUANTUM, rounding=ROUND_HALF_UP)


def exif_position(lat_ref, lat, lon_ref, lon, error=None) -> tuple[Decimal, Decimal, Decimal | None] | None:
    """The position EXIF records (GPSLatitudeRef "N"/"S" and GPSLatitude as degrees, minutes, seconds; the same for
    the longitude with "E"/"W"), with GPSHPositioningError as the accuracy in metres when present. None when the
    position is absent, incomplete or out of range."""
    latitude = _exif_degrees(lat_ref, lat, "N", "S", 90)
    longitude = _exif_degrees(lon_ref, lon, "E", "W", 180)
    if latitude is None or longitude is None:
        return None
    accuracy = _rational(error) if error is not None else None
    if accuracy is not None and 0 <= accuracy <= MAX_ACCURACY_M:
        value = (Decimal(accuracy.numerator) / Decimal(accuracy.denominator)).quantize(ACCURACY_QUANTUM, rounding=ROUND_HALF_UP)
    else:
        value = None
    return latitude, longitude, value


def exif_capture(tags: Mapping[str, object], tz_name: str) -> Capture:
    """The capture an image's EXIF tags record (names as in the standard: DateTimeOriginal, OffsetTimeOriginal,
    GPSLatitudeRef, GPSLatitude, GPSLongitudeRef, GPSLongitude, GPSHPositioningError); what is unreadable is left
    out."""
    moment = exif_time(tags.get("DateTimeOriginal"), tags.get("OffsetTimeOriginal"), tz_name)
    position = exif_position(tags.get("GPSLatitudeRef"), tags.get("GPSLatitude"), tags.get("GPSLongitudeRef"),
                             tags.get("GPSLongitude"), tags.get("GPSHPositioningError"))
    if position is None:
        return Capture(moment)
    return Capture(moment, *position)


def choose_capture(device: Capture, exif: Capture) -> tuple[Capture, str]:
    """The capture to record and where it came from: the device's whenever it declared a time or a position (it
    is never mixed with the file's, so the source names every value), else the file's EXIF, else nothing."""
    if not device.empty:
        return device, DEVICE
    if not exif.empty:
        return exif, EXIF
    return Capture(), NONE


# ------------------------------------------------------------------------------------------ flags


def _local(moment: datetime, tz_name: str) -> str:
    """A moment as the unit reads it, with its offset: "2020-02-06 10:02:00 +08:00"."""
    local = moment.astimezone(ZoneInfo(tz_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _gap_text(seconds: int) -> Text:
    """A positive gap, rounded up so that a gap over the limit never reads as the limit: seconds under an hour,
    minutes under two days, hours beyond."""
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        if rest:
            return Text(N_("%(minutes)s min %(seconds)s s"), minutes=minutes, seconds=rest)
        return Text(N_("%(minutes)s min"), minutes=minutes)
    minutes = -(-seconds // 60)
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        if rest:
            return Text(N_("%(hours)s h %(minutes)s min"), hours=hours, minutes=rest)
        return Text(N_("%(hours)s h"), hours=hours)
    hours = -(-minutes // 60)
    days, rest = divmod(hours, 24)
    if rest:
        return Text(N_("%(days)s d %(hours)s h"), days=f"{days:,}", hours=rest)
    return Text(N_("%(days)s d"), days=f"{days:,}")


def _distance_text(metres: float, limit: int) -> str:
    """Whole metres, or tenths when whole metres would read as the limit itself."""
    whole = Decimal(metres).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if whole <= limit:
        return str(Decimal(metres).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return f"{int(whole):,}"


def _accuracy_text(accuracy: Decimal) -> str:
    value = accuracy.quantize(ACCURACY_QUANTUM, rounding=ROUND_HALF_UP)
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,}"


def _explain_time(p: Mapping[str, str]) -> Text:
    figures = {"taken": p["taken_at_local"], "gap": _gap_text(int(p["gap_seconds"])), "limit": p["limit_minutes"]}
    if p["side"] == "before":
        return Text(N_("Taken at %(taken)s, %(gap)s before the inspection began at %(started)s; the limit is "
                       "%(limit)s min."), started=p["started_at_local"], **figures)
    if p["side"] != "after":
        raise ValueError(f"unknown side {p['side']!r}")
    return Text(N_("Taken at %(taken)s, %(gap)s after the server received it at %(received)s; the limit is "
                   "%(limit)s min."), received=p["received_at_local"], **figures)


def _explain_distance(p: Mapping[str, str]) -> Text:
    figures = {"distance": p["distance_text"], "limit": p["limit_m"]}
    if p.get("accuracy_text"):
        return Text(N_("Taken %(distance)s m from the premises' recorded position (accuracy ±%(accuracy)s m); the "
                       "limit is %(limit)s m."), accuracy=p["accuracy_text"], **figures)
    return Text(N_("Taken %(distance)s m from the premises' recorded position (accuracy not reported); the limit "
                   "is %(limit)s m."), **figures)


_EXPLAIN = {OUTSIDE_INSPECTION_TIME: _explain_time, FAR_FROM_PREMISES: _explain_distance}


def time_flag(taken_at: datetime, started_at: datetime, received_at: datetime, rules: EvidenceRules,
              tz_name: str) -> Flag | None:
    """``outside_inspection_time`` when the photo was taken more than the limit before the inspection began, or
    more than the limit after the server received it; None otherwise."""
    limit = timedelta(minutes=rules.max_minutes_outside)
    params = {"taken_at": taken_at.astimezone(timezone.utc).isoformat(), "taken_at_local": _local(taken_at, tz_name),
              "limit_minutes": str(rules.max_minutes_outside)}
    if taken_at < started_at - limit:
        gap = started_at - taken_at
        params.update(side="before", started_at=started_at.astimezone(timezone.utc).isoformat(),
                      started_at_local=_local(started_at, tz_name))
    elif taken_at > received_at + limit:
        gap = taken_at - received_at
        params.update(side="after", received_at=received_at.astimezone(timezone.utc).isoformat(),
                      received_at_local=_local(received_at, tz_name))
    else:
        return None
    params["gap_seconds"] = str(math.ceil(gap.total_seconds()))
    return Flag(OUTSIDE_INSPECTION_TIME, _explain_time(params), params)


def distance_flag(capture: Capture, premises: tuple[Decimal, Decimal] | None, rules: EvidenceRules) -> Flag | None:
    """``far_from_premises`` when the photo was taken more than the limit from the premises' recorded position,
    whatever the accuracy; None when it was not, or when either position is unknown."""
    if capture.position is None or premises is None:
        return None
    metres = distance_m(*capture.position, *premises)
    if metres <= rules.max_distance_m:
        return None
    params = {"distance_m": f"{metres:.1f}", "distance_text": _distance_text(metres, rules.max_distance_m),
              "limit_m": str(rules.max_distance_m),
              "accuracy_text": "" if capture.accuracy_m is None else _accuracy_text(capture.accuracy_m)}
    return Flag(FAR_FROM_PREMISES, _explain_distance(params), params)


def capture_flags(capture: Capture, *, started_at: datetime, received_at: datetime,
                  premises: tuple[Decimal, Decimal] | None, rules: EvidenceRules, tz_name: str) -> tuple[Flag, ...]:
    """The flags of a capture against its inspection (began ``started_at``), the moment the server received the
    photo, and the premises' recorded position (None when it has none): time first, then place."""
    flags = []
    if capture.taken_at is not None:
        flags.append(time_flag(capture.taken_at, started_at, received_at, rules, tz_name))
    flags.append(distance_flag(capture, premises, rules))
    return tuple(flag for flag in flags if flag is not None)


def explanation(test: str, params: Mapping[str, str]) -> Text | None:
    """The sentence of a stored capture flag from its params, or None when they do not make one."""
    build = _EXPLAIN.get(test)
    if build is None:
        return None
    try:
        return build(params)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return None


def explain(flag: Mapping) -> str:
    """A stored capture flag explained in the reader's language, else its stored text."""
    params = flag.get("params")
    text = explanation(str(flag.get("test")), params) if isinstance(params, Mapping) else None
    return str(text) if text is not None else str(flag.get("explanation") or "")

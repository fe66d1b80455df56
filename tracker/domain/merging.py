"""Merging a device's changes into a record the server may have changed meanwhile (DOMAIN.md §13), and the
premises' position (WGS 84 degrees, both or neither).

The rule, field by field, for a change a device made to a record at version ``base_version``:

- a field the device sets to the value the server already holds is already merged (nothing to do);
- when the server's record is still at the device's version (or the device names no version: last write wins),
  every other field is applied;
- when the server's record moved on, a field is applied only if the server still holds the value the device
  started from (``base``, the values the device last saw): nobody else changed it meanwhile;
- any other field was changed on both sides to different values (or the device did not say what it started
  from): it cannot be merged, and a person chooses between the two versions.

Fields that belong together (latitude and longitude: one position) are merged together: if one of them cannot
be merged, neither is applied.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tracker.domain.provenance import POSITION_QUANTUM, CaptureError, declared_capture
from tracker.domain.text import N_, Text

# Fields merged as one: a position is never half the device's and half the server's.
LINKED_FIELDS: tuple[frozenset[str], ...] = (frozenset({"latitude", "longitude"}),)


@dataclass(frozen=True)
class Merge:
    """What to do with a device's changes: ``apply`` (field -> the device's value), the fields that cannot be
    merged (``conflicts``, in the order the device gave them) and those already equal on both sides."""

    apply: dict
    conflicts: tuple[str, ...]
    already: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_fields(
    device: Mapping[str, object],
    server: Mapping[str, object],
    base: Mapping[str, object] | None,
    current: bool,
    linked: Iterable[frozenset[str]] = LINKED_FIELDS,
) -> Merge:
    """Merge ``device`` (field -> new value) into ``server`` (field -> value now held).

    ``current``: the server's record is still at the version the device edited (or no version was named).
    ``base``: the values the device last saw for the fields it changes (None: it did not say). Values are
    compared as given: normalise them first (the same spelling on both sides)."""
    apply: dict = {}
    conflicts: list[str] = []
    already: list[str] = []
    for field, value in device.items():
        if field in server and server[field] == value:
            already.append(field)
        elif current or (base is not None and field in base and field in server and base[field] == server[field]):
            apply[field] = value
        else:
            conflicts.append(field)
    for group in linked:
        if group & set(conflicts):
            for field in device:
                if field in group and field in apply:
                    del apply[field]
                    conflicts.append(field)
    order = list(device)
    return Merge(apply, tuple(sorted(conflicts, key=order.index)), tuple(already))


# ------------------------------------------------------------------------------------------ positions


class PositionError(ValueError):
    """A position is malformed; ``errors`` maps "latitude"/"longitude" to messages (Texts)."""

    def __init__(self, errors: dict[str, list[Text]]):
        super().__init__("; ".join(str(message) for messages in errors.values() for message in messages))
        self.errors = errors


def parse_position(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A premises' latitude and longitude (decimal strings or Decimals, WGS 84 degrees) read by the same rule as
    a photo's (``tracker.domain.provenance``): both or neither, within [-90, 90] and [-180, 180], rounded to a
    millionth of a degree. Raises PositionError naming each bad field."""
    try:
        capture = declared_capture(latitude=latitude, longitude=longitude)
    except CaptureError as error:
        raise PositionError(dict(error.errors)) from None
    return capture.latitude, capture.longitude


def degrees_text(value) -> str | None:
    """A coordinate as the API writes and compares it: a decimal string with six places ("31.230416"), or None;
    text that is not a number stays as it is (it then equals no stored coordinate)."""
    if value is None:
        return None
    try:
        return format(Decimal(str(value).strip()).quantize(POSITION_QUANTUM, rounding=ROUND_HALF_UP), "f")
    except (InvalidOperation, ValueError):
        return value


# ------------------------------------------------------------------------------------------ choosing


CHOICES = ("device", "server")


def choice_errors(
    fields: Iterable[str], choice: Mapping[str, object], linked: Iterable[frozenset[str]] = LINKED_FIELDS
) -> dict[str, list[Text]]:
    """What is wrong with a supervisor's choice between a conflict's two versions (empty: nothing): every field
    that could not be merged needs "device" or "server", no other field may be named, and fields merged together
    (a position) take the same version."""
    fields = list(fields)
    errors: dict[str, list[Text]] = {}
    for field in fields:
        if field not in choice:
            errors[field] = [Text(N_("Choose the device's or the server's version of this field."))]
        elif choice[field] not in CHOICES:
            errors[field] = [Text(N_('Choose "device" or "server".'))]
    for field in choice:
        if field not in fields:
            errors[field] = [Text(N_("This field is not in conflict."))]
    for group in linked:
        named = [field for field in fields if field in group and choice.get(field) in CHOICES]
        if len({choice[field] for field in named}) > 1:
            for field in named:
                errors.setdefault(field, []).append(
                    Text(N_("Latitude and longitude are one position: keep both from the same version.")))
    return errors


def resolution_reason(conflict_id: int, kept: str) -> Text:
    """The reason a record's history gives for a change (or a kept value) a supervisor chose in a conflict."""
    if kept == "device":
        return Text(N_("Sync conflict %(id)s: the supervisor kept the device's version."), id=conflict_id)
    return Text(N_("Sync conflict %(id)s: the supervisor kept the server's version; the device's stays in the "
                   "conflict."), id=conflict_id)

"""Registering and editing premises, their version and their history of changes.

Every change (web form, API, a field device, a supervisor resolving a sync conflict) goes through ``_write``: it
bumps the premises' ``version`` (SQLAlchemy's version counter, which also refuses a write over a change another
transaction made meanwhile) and appends a PremisesChange {version, changes {field: [old, new]}, source,
changed_by} in the same transaction. A device's change to an older version is merged field by field
(``tracker.domain.merging``); what cannot be merged is kept as a SyncConflict (``tracker.services.conflicts``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.credit_code import (
    CreditCodeError, normalize_credit_code, suggested_operator_type, validate_credit_code,
)
from tracker.domain.merging import PositionError, degrees_text, merge_fields, parse_position
from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.extensions import db
from tracker.models import Premises, PremisesChange, SyncConflict, User
from tracker.models.types import utcnow
from tracker.services.conflicts import raise_conflict
from tracker.services.errors import Conflict, Invalid
from tracker.services.risk import repeat_offenders
from tracker.services.scope import require_field_role
from tracker.services.search import premises_match
from tracker.services.wording import operator_type as operator_type_name, refuse_hidden_characters

# The fields of a premises record that change and are compared, in the order pages and the API show them.
FIELDS = ("name", "kind", "operator_name", "operator_type", "credit_code", "address", "phone", "status",
          "latitude", "longitude")
# Where a change came from: a page, the API, a field device's sync, a supervisor's choice in a conflict, or the
# status a case (a closure order) or an inspection (a closure obeyed or breached) gives the premises.
SOURCES = ("web", "api", "device", "conflict", "case", "inspection")


@dataclass
class PremisesData:
    """What a form or API request gives for a premises (plain values)."""

    name: str
    kind: str
    operator_type: str | None = None
    operator_name: str = ""
    credit_code: str | None = None
    address: str = ""
    phone: str = ""
    status: str | None = None
    latitude: str | Decimal | None = None
    longitude: str | Decimal | None = None


@dataclass(frozen=True)
class SavedPremises:
    premises: Premises
    notes: tuple[str, ...] = ()
    conflict: SyncConflict | None = None  # a device's change that could not be merged, kept for a supervisor


def _clean(data: PremisesData) -> dict:
    errors: dict[str, list[str]] = {}
    values: dict = {}
    values["name"] = (data.name or "").strip()
    if not values["name"]:
        errors["name"] = [_("A name is required.")]
    try:
        values["kind"] = PremisesKind(data.kind)
    except ValueError:
        errors["kind"] = [_("Unknown kind %(kind)s.", kind=repr(data.kind))]
    values["credit_code"] = None
    if data.credit_code and data.credit_code.strip():
        try:
            values["credit_code"] = validate_credit_code(data.credit_code)
        except CreditCodeError as error:
            errors["credit_code"] = [str(error)]
    operator_type = data.operator_type or (
        suggested_operator_type(values["credit_code"]) if values["credit_code"] else None
    )
    if not operator_type:
        errors["operator_type"] = [_("Say whether the operator is an individual or an organisation.")]
    else:
        try:
            values["operator_type"] = OperatorType(operator_type)
        except ValueError:
            errors["operator_type"] = [_("Unknown operator type %(type)s.", type=repr(operator_type))]
    if data.status is not None:
        try:
            values["status"] = PremisesStatus(data.status)
        except ValueError:
            errors["status"] = [_("Unknown status %(status)s.", status=repr(data.status))]
    for name in ("operator_name", "address", "phone"):
        values[name] = (getattr(data, name) or "").strip()
    try:
        values["latitude"], values["longitude"] = parse_position(data.latitude, data.longitude)
    except PositionError as error:
        for field, messages in error.errors.items():
            errors[field] = [str(message) for message in messages]
    refuse_hidden_characters(errors, name=values["name"], operator_name=values["operator_name"],
                             address=values["address"], phone=values["phone"])
    if errors:
        raise Invalid(_("The premises was not saved."), errors)
    return values


def _notes(values: dict) -> tuple[str, ...]:
    suggested = suggested_operator_type(values["credit_code"]) if values["credit_code"] else None
    if suggested and suggested != values["operator_type"].value:
        return (
            _("The credit code registers an %(suggested)s operator, but the operator type says %(given)s: "
              "please check.", suggested=operator_type_name(suggested),
              given=operator_type_name(values["operator_type"].value)),
        )
    return ()


# ------------------------------------------------------------------------------------------ values


def _plain(field: str, value):
    """A field's value as JSON holds it (history, conflicts, the API): enums by value, degrees as text."""
    if field in ("latitude", "longitude"):
        return degrees_text(value)
    return getattr(value, "value", value)


def snapshot(premises: Premises) -> dict:
    """Every field of the record as plain JSON values."""
    return {field: _plain(field, getattr(premises, field)) for field in FIELDS}


def data_of(premises: Premises, **changes) -> PremisesData:
    """The record's values as form data, with ``changes`` (plain values) over them."""
    return PremisesData(**{**snapshot(premises), **changes})


def _as_compared(field: str, raw):
    """What a device says it last saw, spelled as the server stores it (so that "31.2" meets "31.200000", a
    lower-case credit code its upper-case form); a value that cannot be read is compared as it is."""
    if raw is None:
        return None
    if field in ("latitude", "longitude"):
        return degrees_text(raw)
    if field == "credit_code" and isinstance(raw, str):
        return normalize_credit_code(raw) or None
    return raw.strip() if isinstance(raw, str) else raw


# ------------------------------------------------------------------------------------------ the one write path


def _write(actor: User, premises: Premises, values: dict, source: str,
           conflict: SyncConflict | None = None, always: bool = False) -> PremisesChange | None:
    """Set ``values`` (cleaned) on the record; when anything changed (or ``always``), flush the new version and
    append its PremisesChange, linked to ``conflict``. Does not commit. A write over a change another transaction
    committed since the record was read is refused (409)."""
    assert source in SOURCES, source
    before = snapshot(premises)
    for field, value in values.items():
        setattr(premises, field, value)
    after = snapshot(premises)
    changes = {field: [before[field], after[field]] for field in FIELDS if before[field] != after[field]}
    if not changes and not always:
        return None
    if not changes:
        premises.updated_at = utcnow()  # a resolution keeping the server's values is still a version of its own
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("This premises was changed by someone else meanwhile: reload it and try again.")) from None
    change = PremisesChange(premises_id=premises.id, version=premises.version, changes=changes, source=source,
                            conflict_id=conflict.id if conflict is not None else None, changed_by_id=actor.id)
    db.session.add(change)
    return change


def register_premises(actor: User, data: PremisesData, source: str = "web") -> SavedPremises:
    """Add a premises to the actor's unit; its history starts with version 1."""
    require_field_role(actor)
    values = _clean(data)
    premises = Premises(unit_id=actor.unit_id, **values)
    db.session.add(premises)
    db.session.flush()
    created = {field: [None, value] for field, value in snapshot(premises).items() if value not in (None, "")}
    db.session.add(PremisesChange(premises_id=premises.id, version=premises.version, changes=created,
                                  source=source, changed_by_id=actor.id))
    db.session.commit()
    return SavedPremises(premises, _notes(values))


def update_premises(actor: User, premises: Premises, data: PremisesData, source: str = "web",
                    expected_version: int | None = None) -> SavedPremises:
    """Change a premises of the actor's unit (every field, as a form sends them). With ``expected_version``, a
    record changed since that version is refused (409) instead of overwritten."""
    require_field_role(actor, premises.unit_id)
    values = _clean(data)
    if expected_version is not None and expected_version != premises.version:
        raise Conflict(_("This premises was changed meanwhile (it is now at version %(version)s): check the "
                         "current values and save again.", version=premises.version))
    _write(actor, premises, values, source)
    db.session.commit()
    return SavedPremises(premises, _notes(values))


def patch_premises(actor: User, premises: Premises, changes: dict, source: str = "api",
                   expected_version: int | None = None, base: dict | None = None) -> SavedPremises:
    """Change some fields of a premises (``changes``: plain values), without overwriting anyone silently.

    No ``expected_version``, or the record's own: the changes are applied. An older version: merged field by
    field against ``base`` (the values the device last saw for the fields it changes; see
    tracker.domain.merging): what nobody else changed is applied, and what was changed on both sides to
    different values is kept as a SyncConflict (returned in ``conflict``) for a supervisor, in the same
    transaction. Invalid values are refused (422) whatever the version."""
    require_field_role(actor, premises.unit_id)
    changes = {field: value for field, value in changes.items() if field in FIELDS}
    if ("latitude" in changes) != ("longitude" in changes):
        missing = "longitude" if "latitude" in changes else "latitude"
        raise Invalid.field(missing, _("Give the latitude and the longitude together, or neither."))
    values = _clean(data_of(premises, **changes))
    device = {field: _plain(field, values[field]) for field in changes}
    server = snapshot(premises)
    seen = None if base is None else {field: _as_compared(field, value) for field, value in base.items()}
    current = expected_version is None or expected_version == premises.version
    merge = merge_fields(device, server, seen, current)
    conflict = None
    if not merge.clean:
        conflict = raise_conflict(
            actor, "premises", premises.id, premises.unit_id,
            device=device, server={field: server[field] for field in device}, fields=list(merge.conflicts),
            base_version=expected_version, server_version=premises.version,
        )
        db.session.flush()
    _write(actor, premises, {field: values[field] for field in merge.apply}, source, conflict)
    db.session.commit()
    notes = _notes({"credit_code": premises.credit_code, "operator_type": premises.operator_type})
    return SavedPremises(premises, notes, conflict)


def apply_resolution(actor: User, premises: Premises, conflict: SyncConflict, chosen: dict) -> PremisesChange:
    """Write a resolved conflict's chosen device values (``chosen``: plain values) onto the record, as a change
    from source "conflict" linked to it (even when every field kept the server's value). Does not commit."""
    values = _clean(data_of(premises, **chosen))
    return _write(actor, premises, {field: values[field] for field in chosen}, "conflict", conflict, always=True)


def change_status(actor: User, premises: Premises, status: PremisesStatus, source: str) -> PremisesChange | None:
    """Give the premises a status as a case or an inspection decides (``source`` "case" or "inspection"): a new
    version in its history like any other change. Does not commit (the caller's transaction does)."""
    return _write(actor, premises, {"status": PremisesStatus(status)}, source)


def order_closed(actor: User, premises: Premises) -> PremisesChange | None:
    """A decided closure orders the premises closed, as a version in its history, without flushing: a case
    action writes nothing before its single commit, where a concurrent loser fails (tracker.services.cases)."""
    before = premises.status
    if before is PremisesStatus.ORDERED_CLOSED:
        return None
    premises.status = PremisesStatus.ORDERED_CLOSED
    # SQLAlchemy's version counter adds one at the UPDATE the commit flushes.
    change = PremisesChange(premises_id=premises.id, version=premises.version + 1,
                            changes={"status": [_plain("status", before), _plain("status", premises.status)]}, source="case",
                            changed_by_id=actor.id)
    db.session.add(change)
    return change


def history(premises_id: int) -> sa.Select:
    """The premises' changes, newest first, with who made them and the conflict each resolved or raised."""
    return (
        sa.select(PremisesChange)
        .where(PremisesChange.premises_id == premises_id)
        .options(joinedload(PremisesChange.changed_by), joinedload(PremisesChange.conflict))
        .order_by(PremisesChange.version.desc(), PremisesChange.id.desc())
    )


def search_premises(
    stmt: sa.Select,
    text: str | None,
    kind: str | None,
    status: str | None,
    unit_id: int | None,
    repeat: bool = False,
) -> sa.Select:
    """Apply the list filters: name/credit-code/operator text (wildcards literal), kind, status, unit,
    and ``repeat`` (repeat offenders only: see ``tracker.services.risk``)."""
    if text and text.strip():
        text = text.strip()
        stmt = stmt.where(premises_match(text))
    if kind:
        stmt = stmt.where(Premises.kind == PremisesKind(kind))
    if status:
        stmt = stmt.where(Premises.status == PremisesStatus(status))
    if unit_id:
        stmt = stmt.where(Premises.unit_id == unit_id)
    if repeat:
        stmt = stmt.where(Premises.id.in_(repeat_offenders()))
    return stmt

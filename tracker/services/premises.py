"""Registering and editing premises."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.domain.credit_code import CreditCodeError, suggested_operator_type, validate_credit_code
from tracker.domain.vocabulary import OperatorType, PremisesKind, PremisesStatus
from tracker.extensions import db
from tracker.models import Premises, User
from tracker.services.errors import Invalid
from tracker.services.risk import repeat_offenders
from tracker.services.scope import require_field_role
from tracker.services.search import premises_match
from tracker.services.wording import operator_type as operator_type_name, refuse_hidden_characters


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


@dataclass(frozen=True)
class SavedPremises:
    premises: Premises
    notes: tuple[str, ...] = ()


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


def register_premises(actor: User, data: PremisesData) -> SavedPremises:
    """Add a premises to the actor's unit."""
    require_field_role(actor)
    values = _clean(data)
    premises = Premises(unit_id=actor.unit_id, **values)
    db.session.add(premises)
    db.session.commit()
    return SavedPremises(premises, _notes(values))


def update_premises(actor: User, premises: Premises, data: PremisesData) -> SavedPremises:
    """Change a premises of the actor's unit."""
    require_field_role(actor, premises.unit_id)
    values = _clean(data)
    for key, value in values.items():
        setattr(premises, key, value)
    db.session.commit()
    return SavedPremises(premises, _notes(values))


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

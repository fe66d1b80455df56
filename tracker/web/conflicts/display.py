"""How the fields and values of a premises' history and of a sync conflict read on a page: each field by its
label, each value in the reader's words (kinds and statuses by label, commodities and checklist items by name, a
device's observation or violation as a short sentence). Template filters, registered with the conflicts pages."""
from __future__ import annotations

import json

from flask_babel import gettext as _

from tracker.services.localisation import lazy_gettext as _l
from tracker.services.rulebooks import current_rulebook
from tracker.web.labels import commodity_name, label, violation_title

FIELD_LABELS = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "operator_name": _l("Operator"),
    "operator_type": _l("Operator type"),
    "credit_code": _l("Credit code"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "status": _l("Status"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "type": _l("Type"),
    "emergency_id": _l("Price emergency"),
    "notes": _l("Notes"),
    "reinspect_on": _l("Re-inspection date"),
    "observation": _l("A price observation"),
    "violation": _l("A violation"),
}
SOURCE_LABELS = {
    "web": _l("web page"),
    "api": _l("API"),
    "device": _l("field device"),
    "conflict": _l("conflict resolution"),
    "case": _l("case"),
    "inspection": _l("inspection"),
}
STATUS_LABELS = {"open": _l("open"), "resolved": _l("resolved")}
KIND_LABELS = {"premises": _l("Premises"), "inspection": _l("Inspection")}
CHOICE_LABELS = {"device": _l("the device's"), "server": _l("the server's")}


def field_label(field: str) -> str:
    """A field by its label; a checklist answer ("checklist.<item>") by the item's text."""
    if field.startswith("checklist."):
        code = field.removeprefix("checklist.")
        item = next((item for item in current_rulebook().checklist if item.code == code), None)
        return _("Checklist: %(item)s", item=str(item.text) if item is not None else code)
    return str(FIELD_LABELS.get(field, field))


def field_value(value, field: str = "") -> str:
    """A value as the page shows it: "—" for none, enum values by label, a device's record as a sentence."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if field == "observation" or "commodity" in value:
            return " · ".join(part for part in (
                commodity_name(value.get("commodity")), str(value.get("price") or ""),
                _("recorded by %(name)s", name=value["recorded_by"]) if value.get("recorded_by") else "",
            ) if part)
        if field == "violation" or "code" in value:
            return " · ".join(part for part in (violation_title(value.get("code")), value.get("description") or "")
                              if part)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and field in ("kind", "operator_type", "status", "type"):
        return label(value)
    return str(value)


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def choice_label(choice: str) -> str:
    return str(CHOICE_LABELS.get(choice, choice))


FILTERS = {
    "field_label": field_label,
    "field_value": field_value,
    "change_source": source_label,
    "conflict_status": status_label,
    "conflict_kind": kind_label,
    "conflict_choice": choice_label,
}

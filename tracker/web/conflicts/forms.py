"""The resolve form: per field in conflict, a choice between the device's version and the server's."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from tracker.services.localisation import lazy_gettext as _l
from tracker.web.labels import options


class FilterForm(FlaskForm):
    """GET filters of the list; no CSRF needed for reading."""

    class Meta:
        csrf = False

    status = RadioField(_l("Show"),
                        choices=options([("open", _l("Open")), ("resolved", _l("Resolved")), ("all", _l("All"))]),
                        default="open", validate_choice=True)


def resolve_form(fields: list[str], labels: list[str], formdata=None) -> FlaskForm:
    """A form with one radio group per field in conflict (``choice_<n>``, in the order of ``fields``)."""

    class ResolveForm(FlaskForm):
        submit = SubmitField(_l("Apply these choices"))

    for index, label in enumerate(labels):
        setattr(ResolveForm, f"choice_{index}", RadioField(
            label, choices=options([("device", _l("Keep the device's")), ("server", _l("Keep the server's"))]),
            validators=[InputRequired(message=_l("Choose one version."))],
        ))
    form = ResolveForm(formdata=formdata) if formdata is not None else ResolveForm()
    form.conflict_fields = list(fields)
    return form


def chosen(form) -> dict[str, str]:
    """The form's choices as {field: "device" | "server"} (fields left unchosen are absent)."""
    choice = {}
    for index, field in enumerate(form.conflict_fields):
        value = getattr(form, f"choice_{index}").data
        if value in ("device", "server"):
            choice[field] = value
    return choice

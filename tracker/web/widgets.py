"""WTForms widgets that write the same HTML as WTForms' own, faster.

WTForms formats every attribute through ``Markup.format``; a list page's filter form (a dozen fields, a few dozen
options) paid about two milliseconds for it on every request. These build the same attributes, in the same
(sorted) order and with the same escaping, with plain string formatting.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.fields.choices import Choice, _normalize_iter_choice
from wtforms.widgets.core import clean_key


def html_params(**attributes) -> Markup:
    """WTForms' ``html_params`` (sorted, ``class_`` → ``class``, ``data_x`` → ``data-x``, True → bare name,
    False → left out) without Markup.format."""
    params = []
    for key, value in sorted(attributes.items()):
        if value is True:
            params.append(clean_key(key))
        elif value is not False:
            text = str(escape(value))
            if '"' in text:  # a Markup value is not escaped again: its quotes still must not end the attribute
                text = text.replace('"', "&quot;")
            params.append(f'{clean_key(key)}="{text}"')
    return Markup(" ".join(params))


class TextInput(widgets.TextInput):
    html_params = staticmethod(html_params)


class DateInput(widgets.DateInput):
    html_params = staticmethod(html_params)


class CheckboxInput(widgets.CheckboxInput):
    html_params = staticmethod(html_params)


class Select(widgets.Select):
    """A single select without option groups (anything else is left to WTForms' own)."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = vars(field.flags)  # the flags set (a Flags object answers None for any other name)
        for name in self.validation_attrs:
            if name in flags and name not in kwargs:
                kwargs[name] = flags[name]
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            if not isinstance(choice, Choice) or choice.render_kw:  # an old-style tuple, or extra attributes
                html.append(self.render_option(_normalize_iter_choice(choice)))
                continue
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            selected = "selected " if choice.selected else ""
            html.append(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')
        html.append("</select>")
        return Markup("".join(html))

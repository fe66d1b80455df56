"""tracker.web.widgets writes exactly the HTML WTForms' own widgets write (it only writes it faster)."""
from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, fields, widgets as wtforms_widgets
from wtforms.validators import DataRequired, Length

from tracker.web import widgets
from tracker.web.forms import BooleanField, LocalDateField, SelectField, StringField

ATTRIBUTES = [
    {"class_": "form-select is-invalid", "id": "unit"},
    {"name": "q", "value": 'He said "<hi>" & left', "placeholder": "Search"},
    {"data_role": "filter", "aria_label": "Unit", "for_": "x"},
    {"checked": True, "disabled": False, "required": True},
    {"title": Markup('a "quoted" <b>markup</b>')},
    {"value": 0, "min": 1.5, "maxlength": None},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_html_params_match_wtforms(attributes):
    assert widgets.html_params(**attributes) == wtforms_widgets.html_params(**attributes)


UNITS = [SelectChoice("", "All units"), SelectChoice("CG", "CG Chenggu <bureau>"), SelectChoice("HZ", 'Hanzhong "east"')]
FLAGS = [SelectChoice(True, "Yes"), SelectChoice(False, "No")]
LETTERS = [SelectChoice("a", "A"), SelectChoice("b", "B")]
EXTRA = [SelectChoice("a", "A", render_kw={"data-x": "1"}), SelectChoice("b", "B", render_kw={"disabled": True})]
GROUPS = [SelectChoice("n1", "N1", optgroup="North"), SelectChoice("s1", "S1", optgroup="South")]


def as_flag(value) -> bool:
    return value in (True, "True")


class Ours(Form):
    unit = SelectField("Unit", choices=UNITS)
    flag = SelectField("Flag", choices=FLAGS, coerce=as_flag)
    required = SelectField("Required", choices=LETTERS, validators=[DataRequired()])
    extra = SelectField("Extra", choices=EXTRA)
    groups = SelectField("Groups", choices=GROUPS)
    q = StringField("Q", validators=[Length(max=100)])
    overdue = BooleanField("Overdue")
    since = LocalDateField("Since")


class Theirs(Form):
    unit = fields.SelectField("Unit", choices=UNITS)
    flag = fields.SelectField("Flag", choices=FLAGS, coerce=as_flag)
    required = fields.SelectField("Required", choices=LETTERS, validators=[DataRequired()])
    extra = fields.SelectField("Extra", choices=EXTRA)
    groups = fields.SelectField("Groups", choices=GROUPS)
    q = fields.StringField("Q", validators=[Length(max=100)])
    overdue = fields.BooleanField("Overdue")
    since = fields.DateField("Since")


QUERIES = [
    {},
    {"unit": "HZ", "flag": "True", "required": "b", "extra": "b", "groups": "s1", "q": 'x "y" <z>', "overdue": "y",
     "since": "2020-03-09"},
    {"unit": "nowhere", "q": "a" * 150, "since": "not a date"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_fields_render_as_wtforms_renders_them(app, query):
    ours, theirs = Ours(MultiDict(query)), Theirs(MultiDict(query))
    ours.validate(), theirs.validate()
    for name in [field.name for field in theirs]:
        mine, reference = ours[name], theirs[name]
        assert mine(class_="form-control") == reference(class_="form-control"), name
        assert mine() == reference(), name


def test_the_filter_forms_use_the_faster_widgets():
    assert isinstance(SelectField("x").bind(Form(), "x").widget, widgets.Select)
    assert isinstance(StringField("x").bind(Form(), "x").widget, widgets.TextInput)
    assert isinstance(BooleanField("x").bind(Form(), "x").widget, widgets.CheckboxInput)
    assert isinstance(LocalDateField("x").bind(Form(), "x").widget, widgets.DateInput)

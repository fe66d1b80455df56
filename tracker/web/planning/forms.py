"""Planning forms: the search box (GET, no CSRF: it only reads)."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.services.localisation import lazy_gettext as _l
from tracker.services.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Name, credit code, operator, case number or words in inspection notes"),
        validators=[DataRequired(), Length(min=MIN_QUERY_LENGTH, max=MAX_QUERY_LENGTH)],
    )

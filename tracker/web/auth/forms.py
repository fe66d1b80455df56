"""Sign-in, API token and language forms."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from tracker.services.localisation import LANGUAGE_NAMES, SUPPORTED_LOCALES
from tracker.services.localisation import lazy_gettext as _l


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Sign in"))


class NewTokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create a token"))


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


class LanguageForm(FlaskForm):
    """The interface language: the profile's select and the switcher's buttons (name="locale") post it.
    Empty means "follow my browser"."""

    locale = SelectField(_l("Language"), choices=[])
    next = HiddenField()
    save = SubmitField(_l("Save language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [("", _l("Follow my browser"))] + [
            (name, LANGUAGE_NAMES[name]) for name in SUPPORTED_LOCALES]

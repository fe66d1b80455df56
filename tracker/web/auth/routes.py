"""Sign in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker.extensions import db
from tracker.models import User
from tracker.services.accounts import authenticate
from tracker.web.access import PUBLIC, SIGNED_IN, allow
from tracker.services.errors import Invalid
from tracker.services.tokens import issue_token, revoke_token, tokens_of
from tracker.web.auth.forms import LoginForm, NewTokenForm, RevokeTokenForm
from tracker.web.forms import apply_errors

bp = Blueprint("auth", __name__, url_prefix="/auth")


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: only active accounts stay signed in."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in, never another host."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            # One message whether the account exists or not: no user enumeration.
            form.password.errors.append(_("Wrong username or password."))
        else:
            session.clear()  # a fresh session at sign-in
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@allow(SIGNED_IN)
def tokens():
    """The signed-in user's API tokens: create (shown once), list with last use, revoke."""
    form = NewTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _record, new_token = issue_token(current_user, form.name.data)
        except Invalid as error:
            apply_errors(form, error)
        else:
            form = NewTokenForm(formdata=None)
    return render_template(
        "auth/tokens.html", form=form, revoke=RevokeTokenForm(), tokens=tokens_of(current_user), new_token=new_token
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(SIGNED_IN)
def revoke(token_id: int):
    if RevokeTokenForm().validate_on_submit():
        revoke_token(current_user, token_id)
        flash(_("Token revoked: it no longer opens the API."), "success")
    return redirect(url_for("auth.tokens"))

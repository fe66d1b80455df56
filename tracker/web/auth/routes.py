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
from tracker.web.auth.forms import LoginForm

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

"""Sign in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker.extensions import db, limiter
from tracker.models import User
from tracker.services.accounts import authenticate
from tracker.web.access import PUBLIC, SIGNED_IN, allow
from tracker.services.errors import Invalid
from tracker.services.tokens import issue_token, revoke_token, tokens_of
from tracker.web.auth.forms import LanguageForm, LoginForm, NewTokenForm, RevokeTokenForm
from tracker.web.security import mark_signed_in
from tracker.web.forms import apply_errors
from tracker.web.locale import LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE

bp = Blueprint("auth", __name__, url_prefix="/auth")


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: only active accounts stay signed in."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in, never another host.

    Browsers read a backslash as a slash and drop tabs and newlines, so ``/\\evil.example``, or a
    slash, a tab and ``/evil.example``, would leave the site: any backslash, control character or space
    is refused.
    """
    home = url_for("main.home")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if any(ch == "\\" or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _not_signed_in(response) -> bool:
    """Only sign-ins that fail count against the per-address limit (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_not_signed_in)
@allow(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            form.username.data,
            form.password.data,
            ip=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
        if user is None:
            # One message for an unknown name, a wrong password, a deactivated or a locked account.
            form.password.errors.append(_("Wrong username or password."))
        else:
            # A fresh session (and CSRF token) at sign-in: the old cookie opens nothing. The session stays a
            # browser-session cookie (a permanent one would weaken Flask-Login's "strong" protection);
            # it ends at most PERMANENT_SESSION_LIFETIME after sign-in (tracker.web.security).
            session.clear()
            login_user(user)
            mark_signed_in()
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    logout_user()
    session.clear()
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
            _record, new_token = issue_token(current_user, form.name.data, actor=current_user)
        except Invalid as error:
            apply_errors(form, error)
        else:
            form = NewTokenForm(formdata=None)
    language = LanguageForm(formdata=None, locale=current_user.locale or "", next=url_for("auth.tokens"))
    return render_template(
        "auth/tokens.html", form=form, revoke=RevokeTokenForm(), tokens=tokens_of(current_user), new_token=new_token,
        language=language,
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(SIGNED_IN)
def revoke(token_id: int):
    if RevokeTokenForm().validate_on_submit():
        revoke_token(current_user, token_id)
        flash(_("Token revoked: it no longer opens the API."), "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def language():
    """Choose the interface language (the switcher on every page, the profile's setting).

    Kept in a cookie, so the choice holds before signing in and after signing out; a signed-in user's choice
    is also saved to their profile, so it follows them to another browser. Empty: follow the browser again.
    """
    form = LanguageForm()
    target = safe_next(form.next.data)
    if not form.validate_on_submit():
        flash(_("Choose one of the languages offered."), "danger")
        return redirect(target)
    chosen = form.locale.data or None
    if current_user.is_authenticated:
        current_user.locale = chosen
        db.session.commit()
    response = redirect(target)
    if chosen:
        response.set_cookie(LOCALE_COOKIE, chosen, max_age=LOCALE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    else:
        response.delete_cookie(LOCALE_COOKIE, httponly=True, samesite="Lax")
    return response

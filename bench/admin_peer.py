"""The peer: Flask-Admin's list view of the cases table (``ModelView(Case, db)``, per ECOSYSTEM.md) with the
tracker's page size and the case list's order, on the same database. Flask-Admin is pinned in requirements-dev.txt."""
from __future__ import annotations

import warnings

from flask import Flask

from tracker.extensions import db
from tracker.models import Case

URL = "/admin/case/"


def available() -> bool:
    """Whether Flask-Admin is installed (pinned in requirements-dev.txt)."""
    try:
        import flask_admin  # noqa: F401
    except ImportError:
        return False
    return True


def create_admin_app(database_url: str, page_size: int, signed_in: bool = False) -> Flask:
    """A Flask app with Flask-Admin over the tracker's models: its case list at ``/admin/case/``.

    ``signed_in``: the list behind Flask-Login with the tracker's own user loader, as any real deployment of an
    admin over case files must put it (Flask-Admin's documented ``is_accessible``); sign in with
    :func:`sign_in_peer`. Otherwise anyone may read it (a sign-in-less reference, the cheapest there is)."""
    with warnings.catch_warnings():
        # The peer is measured, not tested: a deprecation inside Flask-Admin must not stop a -W error run.
        warnings.simplefilter("ignore")
        from flask_admin import Admin
        from flask_admin.contrib.sqla import ModelView

        class CaseView(ModelView):
            can_create = can_edit = can_delete = False
            column_list = ("number", "premises", "state", "clue_on", "next_deadline", "next_due_on")
            column_default_sort = [("clue_on", True), ("id", True)]
            form_columns = ("number",)

        app = Flask("admin_peer", template_folder=None)  # Flask-Admin's own templates, never the tracker's
        app.config.update(SECRET_KEY="bench-peer", SQLALCHEMY_DATABASE_URI=database_url)
        db.init_app(app)
        try:  # Flask-Admin translates through Flask-Babel whenever it is installed, so it must be set up
            from flask_babel import Babel
        except ImportError:
            pass
        else:
            Babel(app)
        if signed_in:
            from flask_login import LoginManager, current_user

            from tracker.web.auth.routes import load_user

            manager = LoginManager(app)
            manager.user_loader(load_user)

            class SignedInCaseView(CaseView):
                def is_accessible(self):
                    return current_user.is_authenticated and current_user.can_read_records

            CaseView = SignedInCaseView  # noqa: N806
        admin = Admin(app, name="Flask-Admin peer", url="/admin")
        view = CaseView(Case, db)
        view.page_size = page_size
        admin.add_view(view)
    return app


def sign_in_peer(app: Flask, user_id: int):
    """A test client of the signed-in peer with a session for ``user_id`` (Flask-Login's session keys)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client

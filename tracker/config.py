"""Settings read from the environment; tests build their own mapping per app."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url(instance_path: str) -> str:
    """SQLite file under instance/, so a newcomer needs no database server."""
    return f"sqlite:///{Path(instance_path) / 'tracker.sqlite'}"


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables.

    SECRET_KEY is required unless FLASK_DEBUG or TRACKER_DEV says this is a developer machine.
    """
    env = os.environ
    development = env.get("TRACKER_DEV") == "1" or env.get("FLASK_DEBUG") == "1"
    secret = env.get("SECRET_KEY")
    if not secret and development:
        secret = "dev-only-insecure-key"
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_database_url(instance_path),
        "TRACKER_RULEBOOK": env.get("TRACKER_RULEBOOK", "cn-samr"),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(Path(instance_path) / "evidence"),
        "MAX_UPLOAD_BYTES": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "DEVELOPMENT": development,
        # Demo and training sites only: run the business clock as of this date (tracker.services.clock).
        "TRACKER_TODAY": business_date(env.get("TRACKER_TODAY")),
    }


def business_date(value: str | None) -> date | None:
    """TRACKER_TODAY as a date; a malformed value stops start-up rather than being ignored."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuntimeError(f"TRACKER_TODAY must be a date written YYYY-MM-DD, not {value!r}.") from None


BASE = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BOOTSTRAP_SERVE_LOCAL": True,
    "BOOTSTRAP_BOOTSWATCH_THEME": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "PER_PAGE": 25,
}

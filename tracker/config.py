"""Settings read from the environment; tests build their own mapping per app."""
from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The one place the message catalogs live (scripts/i18n writes them, Flask-Babel reads them).
TRANSLATIONS_DIR = PROJECT_ROOT / "tracker" / "translations"


def default_database_url(instance_path: str) -> str:
    """SQLite file under instance/, so a newcomer needs no database server."""
    return f"sqlite:///{Path(instance_path) / 'tracker.sqlite'}"


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables.

    SECRET_KEY is required unless FLASK_DEBUG or TRACKER_DEV says this is a developer machine, which then
    uses a random key of its own instance folder (``instance_secret_key``).
    """
    env = os.environ
    development = env.get("TRACKER_DEV") == "1" or env.get("FLASK_DEBUG") == "1"
    secret = env.get("SECRET_KEY")
    if not secret and development:
        secret = instance_secret_key(instance_path)
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or default_database_url(instance_path),
        "TRACKER_RULEBOOK": env.get("TRACKER_RULEBOOK", "cn-samr"),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(Path(instance_path) / "evidence"),
        "MAX_UPLOAD_BYTES": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        # A sign-in lasts this long at most (and ends when the browser closes).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_number(env, "SESSION_LIFETIME_HOURS", 8, float)),
        # Sign-in throttling (tracker.web.security): counters live in RATELIMIT_STORAGE_URI. memory:// is
        # per process, so under gunicorn with N workers each keeps its own count; use redis://host:6379
        # (or memcached://) to share them. The per-account lockout is counted in the database.
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "API_AUTH_FAILURE_LIMIT": env.get("API_AUTH_FAILURE_LIMIT", "20 per minute"),
        "LOGIN_LOCKOUT_THRESHOLD": _number(env, "LOGIN_LOCKOUT_THRESHOLD", 5, int),
        "LOGIN_LOCKOUT_WINDOW_MINUTES": _number(env, "LOGIN_LOCKOUT_WINDOW_MINUTES", 15, int),
        "LOGIN_LOCKOUT_MINUTES": _number(env, "LOGIN_LOCKOUT_MINUTES", 15, int),
        # Behind N reverse proxies, trust N X-Forwarded-For/-Proto hops for the client address (0: none).
        "PROXY_FIX_X_FOR": _number(env, "PROXY_FIX_X_FOR", 0, int),
        "DEVELOPMENT": development,
        # Demo and training sites only: run the business clock as of this date (tracker.services.clock).
        "TRACKER_TODAY": business_date(env.get("TRACKER_TODAY")),
        # The language of the command line, and of pages whose reader states no supported language.
        "BABEL_DEFAULT_LOCALE": default_locale(env.get("TRACKER_LOCALE")),
    }


SECRET_KEY_FILE = "secret_key"


def instance_secret_key(instance_path: str) -> str:
    """A developer machine's session key: random, made once per instance folder and kept there (readable by its
    owner only), so sessions survive a restart. A key written in the source would let anyone who can reach the
    port forge a session as any user."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= 64:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    temporary = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    try:
        if existing or path.exists():
            os.replace(temporary, path)  # an empty or damaged key file is replaced
        else:
            os.link(temporary, path)  # the first writer wins: workers starting together share one key
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink(missing_ok=True)
    return key


def default_locale(value: str | None) -> str:
    """TRACKER_LOCALE as a catalog name (en, zh_CN; zh-CN is accepted); a language without a catalog stops start-up."""
    from tracker.services.localisation import SUPPORTED_LOCALES, supported

    if not value:
        return SUPPORTED_LOCALES[0]
    chosen = supported(value)
    if chosen is None:
        raise RuntimeError(f"TRACKER_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, not {value!r}.")
    return chosen


def _number(env, name: str, default, kind):
    """A numeric setting; a malformed value stops start-up rather than being ignored."""
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        number = kind(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, not {value!r}.") from None
    if number < 0:
        raise RuntimeError(f"{name} must not be negative.")
    return number


def business_date(value: str | None) -> date | None:
    """TRACKER_TODAY as a date; a malformed value stops start-up rather than being ignored."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuntimeError(f"TRACKER_TODAY must be a date written YYYY-MM-DD, not {value!r}.") from None


BASE = {
    # No pool_pre_ping: idle connections are pinged before use, busy ones are not (tracker.ping_idle_connections).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "BOOTSTRAP_SERVE_LOCAL": True,
    "BOOTSTRAP_BOOTSWATCH_THEME": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(hours=8),
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_HEADERS_ENABLED": False,
    # If a shared counter store (redis) goes down, count in memory meanwhile instead of failing requests.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "PER_PAGE": 25,
}

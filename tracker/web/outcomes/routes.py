"""The public outcomes register (DOMAIN.md §8): web page and Atom feed, no sign-in."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

"""API: outcomes (docs/API.md)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_outcomes", __name__, url_prefix="/api/v1", description="outcomes")

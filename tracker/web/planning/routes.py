"""Finding things and planning inspections: search, repeat offenders and the risk ranking."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planning", __name__)

"""Downloads: filtered lists as CSV or XLSX, the LIVES open-data ZIP, and the auditor's case-file pack."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

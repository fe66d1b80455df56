"""The exports blueprint, on its own so that its two view modules (files and lists in ``routes``, the auditor's
case-file pack in ``pack``) both attach to it without importing each other."""
from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

"""Oversight for supervisors and auditors: the dashboard and the work queues."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

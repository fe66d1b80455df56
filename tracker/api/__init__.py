"""The JSON API v1 (docs/API.md): flask-smorest blueprints whose marshmallow schemas validate the
requests and generate the OpenAPI 3 document served at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Flask

from tracker.extensions import api, csrf

API_CONFIG = {
    "API_TITLE": "Price inspection case tracker",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def register_api(app: Flask) -> None:
    """Wire the API blueprints; the OpenAPI document is public."""
    from tracker.api import (
        cases, complaints, conflicts, emergencies, evidence, field, inspections, outcomes, premises, reference,
    )
    from tracker.api.core import open_document
    from tracker.api.problem_schema import ProblemSchema

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api.error_schema = ProblemSchema  # every error response is documented as a problem document
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "flask users token USERNAME"}
    )
    for module in (
        reference, emergencies, premises, inspections, evidence, cases, complaints, outcomes, conflicts, field,
    ):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    endpoint = "api-docs.openapi_json"
    app.view_functions[endpoint] = open_document(app.view_functions[endpoint])

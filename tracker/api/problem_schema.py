"""The problem document (RFC 9457) every API error answers with, as a schema for the OpenAPI document."""
import marshmallow as ma


class ProblemSchema(ma.Schema):
    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))

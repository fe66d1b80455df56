"""API: evidence from a device (docs/API.md, "Evidence from a device"): a photo or PDF uploaded to a draft
inspection as multipart/form-data, with the SHA-256 computed on the device, and the capture time and position.

The body is one multipart form: the file under ``file`` and the other fields beside it. flask-smorest documents a
``files`` argument as a multipart request body; the parser here reads the form fields with the files, so one
schema validates and documents the whole body.
"""
from __future__ import annotations

import functools

import marshmallow as ma
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from tracker.api.core import IDEMPOTENCY_KEY, PROBLEM, ApiBlueprint, StrictParser, api_allow, caller, idempotent, problem
from tracker.api.fields import DecimalString, OffsetDateTime, Text, problems
from tracker.api.problem_schema import ProblemSchema
from tracker.domain import provenance
from tracker.domain.sync import CLIENT_ID_PATTERN
from tracker.models import Evidence, Inspection
from tracker.services import evidence as service
from tracker.services.access import FIELD
from tracker.services.clientids import DifferentContent
from tracker.services.scope import get_visible

SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"
DEGREES_PATTERN = r"^[+-]?[0-9]{1,3}(\.[0-9]{1,15})?$"
ACCURACY_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,6})?$"


class MultipartParser(StrictParser):
    """Reads a multipart body whole: the ``files`` location holds the form's fields and its files, and an unknown
    field is refused (422) as in a JSON body."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**StrictParser.DEFAULT_UNKNOWN_BY_LOCATION, "files": None}

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class MultipartBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = MultipartParser()


blp = MultipartBlueprint(
    "api_evidence", __name__, url_prefix="/api/v1", description="Evidence: photos and PDFs with their provenance"
)


# ------------------------------------------------------------------------------------------ fields


class File(ma.fields.Field):
    """A file part of a multipart body."""

    default_error_messages = {"invalid": "Send the file as a file part of a multipart/form-data body."}

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": "string", "format": "binary", **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class Degrees(ma.fields.Field):
    """A latitude or longitude: a decimal string of degrees in, six places out."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": DEGREES_PATTERN, "example": "31.230416",
                    "description": "WGS 84 degrees as a decimal string; latitude and longitude come together."}
        super().__init__(metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value.quantize(provenance.POSITION_QUANTUM))

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value


# ------------------------------------------------------------------------------------------ schemas


class CaptureFlagOut(ma.Schema):
    test = ma.fields.String(
        required=True, metadata={"enum": list(provenance.TESTS), "description": "outside_inspection_time or far_from_premises."}
    )
    explanation = ma.fields.String(required=True, metadata={"description": "One sentence with the figures."})
    params = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class EvidenceOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    inspection_id = ma.fields.Integer(required=True)
    client_id = ma.fields.String(required=True, allow_none=True, metadata={"format": "uuid"})
    sha256 = ma.fields.String(
        required=True, metadata={"pattern": SHA256_PATTERN, "description": "Computed by the server while receiving."}
    )
    sha256_sent = ma.fields.String(
        required=True, allow_none=True,
        metadata={"description": "The SHA-256 the sender declared (always equal to `sha256`: a mismatch is refused); "
                                 "null when none was sent (a web upload without JavaScript)."},
    )
    media_type = ma.fields.String(
        required=True, attribute="content_type", metadata={"description": "Detected from the content."}
    )
    size = ma.fields.Integer(required=True)
    original_name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    taken_at = ma.fields.AwareDateTime(required=True, allow_none=True, metadata={"description": "The capture time."})
    latitude = Degrees(required=True, allow_none=True)
    longitude = Degrees(required=True, allow_none=True)
    accuracy_m = DecimalString(places=1, digits=8, required=True, allow_none=True,
                               metadata={"description": "The position's accuracy in metres, as reported."})
    provenance = ma.fields.String(
        required=True, validate=ma.validate.OneOf(provenance.SOURCES),
        metadata={"description": "Where the capture time and position come from: `device` (declared with the "
                                 "upload), `exif` (read from the photo), or empty (neither)."},
    )
    flags = ma.fields.List(ma.fields.Nested(CaptureFlagOut), required=True)
    received_at = ma.fields.AwareDateTime(required=True, attribute="uploaded_at")


class EvidenceIn(ma.Schema):
    file = File(required=True, metadata={"description": "A photo (JPEG, PNG, WebP, GIF) or a PDF, told by its content."})
    sha256 = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(SHA256_PATTERN, error="Give the SHA-256 as 64 hexadecimal digits."),
        metadata={"pattern": SHA256_PATTERN,
                  "description": "The file's SHA-256 computed on the device (hex); a mismatch is refused (422)."},
    )
    taken_at = OffsetDateTime(load_default=None, metadata={"description": "The capture time, with its offset."})
    latitude = Degrees(load_default=None)
    longitude = Degrees(load_default=None)
    accuracy_m = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(ACCURACY_PATTERN, error="Give the accuracy in metres, such as 15."),
        metadata={"pattern": ACCURACY_PATTERN, "description": "The position's accuracy in metres; only with a position."},
    )
    description = Text(load_default="", validate=ma.validate.Length(max=300))
    client_id = ma.fields.String(
        load_default=None,
        metadata={"format": "uuid", "pattern": CLIENT_ID_PATTERN,
                  "description": "A UUID made on the device. Sent again with the same file and values: that evidence "
                                 "(200); with others: 409 with it under `current`."},
    )

    @ma.pre_load
    def _blank_is_absent(self, data, **kwargs):
        """A multipart form cannot send null: an empty optional field is an absent one."""
        return {key: value for key, value in data.items()
                if not (key not in ("file", "sha256") and isinstance(value, str) and not value.strip())}


class EvidenceConflictProblem(ProblemSchema):
    current = ma.fields.Nested(EvidenceOut, metadata={"description": "The evidence the client_id names, as stored."})


# ------------------------------------------------------------------------------------------ views


def _inspection_in_scope_first(view):
    """Another unit's inspection answers 404 whatever the upload holds: the scope is checked before the form is
    read and validated (as a JSON body's endpoints answer for a record the caller may not see)."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        get_visible(Inspection, kwargs["inspection_id"], caller())
        return view(*args, **kwargs)
    return checked


@blp.route("/inspections/<int(min=1, max=2147483647):inspection_id>/evidence", methods=["POST"])
@api_allow(*FIELD)
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_KEY])
@_inspection_in_scope_first
@blp.arguments(EvidenceIn, location="files")
@blp.response(201, EvidenceOut, description="Stored, with its provenance and flags.")
@blp.alt_response(200, schema=EvidenceOut, description="Stored nothing: the evidence this client_id names.")
@blp.alt_response(
    409, schema=EvidenceConflictProblem, content_type=PROBLEM,
    description="The inspection is submitted (read-only), or the client_id names evidence with another file or other "
                "values: `current` holds it.",
)
@blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM, description="The file is over the size limit.")
@problems(blp, 400, 403, 404, 422)
def upload(data, inspection_id: int):
    """Upload a photo or PDF to a draft inspection with its SHA-256, capture time and position; the server recomputes
    the SHA-256, reads a photo's EXIF when the device declared no time or position, and flags a photo taken outside
    the inspection's time or far from the premises."""
    inspection = get_visible(Inspection, inspection_id, caller(), joinedload(Inspection.premises),
                             joinedload(Inspection.unit))
    file = data.pop("file")
    try:
        synced = service.upload_evidence(caller(), inspection, service.EvidenceUpload(
            stream=file.stream, original_name=file.filename or "", **data))
    except DifferentContent as error:
        return problem(409, str(error), error.errors, extra={"current": EvidenceOut().dump(error.current)})
    return synced.record, 201 if synced.created else 200

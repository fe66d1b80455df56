"""Evidence: photos and PDFs attached to a draft inspection, with their provenance (DOMAIN.md §13).

A file is streamed to a temporary file in the upload folder while its SHA-256 is computed; it is refused, and the
temporary file removed, when it is empty, too large (413), not a photo or PDF by its content, or when its SHA-256 is
not the one the device declared. The capture time and position come from the device when it declared any, else
from the photo's EXIF (read with Pillow); the rulebook's ``[evidence]`` limits flag a photo taken outside the
inspection's time or far from the premises. The record and its file land together: one commit, and the file is
removed if the commit fails. A ``client_id`` already naming this inspection's evidence answers that record and
writes nothing (tracker.services.clientids).
"""
from __future__ import annotations

import hashlib
import os
import re
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

import filetype
from flask import current_app
from flask_babel import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from tracker.domain import provenance
from tracker.domain.characters import without_hidden_characters
from tracker.domain.evidence import EVIDENCE_EXTENSIONS, EVIDENCE_TYPES, evidence_file_name
from tracker.domain.sync import differing_fields
from tracker.extensions import db
from tracker.models import Evidence, Inspection, User
from tracker.models.types import utcnow
from tracker.services import clientids
from tracker.services.errors import Conflict, Invalid, TooLarge
from tracker.services.rulebooks import current_rulebook
from tracker.services.scope import require_field_role

CHUNK = 64 * 1024
HEAD = 8192  # what filetype reads to tell a type by its content
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
PHOTO_TYPES = frozenset(mime for mime in EVIDENCE_TYPES if mime.startswith("image/"))
# The fields compared when a client_id is sent again (what the device sent, as stored).
COMPARED = ("sha256", "description", "taken_at", "latitude", "longitude", "accuracy_m")
_GPS_TAGS = {
    ExifTags.GPS.GPSLatitudeRef: "GPSLatitudeRef",
    ExifTags.GPS.GPSLatitude: "GPSLatitude",
    ExifTags.GPS.GPSLongitudeRef: "GPSLongitudeRef",
    ExifTags.GPS.GPSLongitude: "GPSLongitude",
    ExifTags.GPS.GPSHPositioningError: "GPSHPositioningError",
}
_EXIF_TAGS = {
    ExifTags.Base.DateTimeOriginal: "DateTimeOriginal",
    ExifTags.Base.OffsetTimeOriginal: "OffsetTimeOriginal",
}


@dataclass
class EvidenceUpload:
    """One file sent for an inspection, and what the sender declared about it (all optional but the file)."""

    stream: IO[bytes]
    original_name: str = ""
    description: str = ""
    sha256: str | None = None  # hex, computed on the device: the server refuses a file that does not match
    taken_at: object = None  # ISO 8601 with offset (or an aware datetime)
    latitude: object = None  # WGS 84 degrees, decimal strings; both or neither
    longitude: object = None
    accuracy_m: object = None  # metres
    client_id: str | None = None  # a UUID made on the device


@dataclass
class _Received:
    """A file streamed to a temporary path, with its digest, size and detected type."""

    path: Path
    sha256: str
    size: int
    content_type: str


def _require_draft(inspection: Inspection) -> None:
    if not inspection.is_draft:
        raise Conflict(_("This inspection is submitted and read-only; record an amendment instead."))


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _receive(stream: IO[bytes]) -> _Received:
    """Stream the upload to a temporary file in the upload folder, hashing it; refuse (and remove the temporary
    file) when it is empty, over the size limit or not a photo or PDF by its content."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    path = _folder() / f".{uuid.uuid4().hex}.part"
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge.field("file", _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid.field("file", _("The file is empty."))
        kind = filetype.guess(head)
        if kind is None or kind.mime not in EVIDENCE_TYPES:
            raise Invalid.field("file", _("Only photos (JPEG, PNG, WebP, GIF) and PDF documents are accepted."))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Received(path, digest.hexdigest(), size, kind.mime)


def read_exif(path: Path) -> dict[str, object]:
    """The EXIF tags of a photo that say when and where it was taken, by their standard names; rationals as
    (numerator, denominator) pairs. Empty when the file has none or Pillow cannot read them."""
    found: dict[str, object] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decompression-bomb warning: the pixels are never decoded here
            with Image.open(path) as image:
                exif = image.getexif()
                groups = ((exif.get_ifd(ExifTags.IFD.Exif), _EXIF_TAGS), (exif.get_ifd(ExifTags.IFD.GPSInfo), _GPS_TAGS))
                for tags, names in groups:
                    for tag, name in names.items():
                        if tag in tags:
                            found[name] = _plain(tags[tag])
    except (UnidentifiedImageError, OSError, ValueError, TypeError, KeyError, SyntaxError, Image.DecompressionBombError):
        return {}
    return found


def _plain(value):
    """Pillow's EXIF values as plain Python: rationals as pairs, tuples element by element."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if hasattr(value, "numerator") and hasattr(value, "denominator") and not isinstance(value, int):
        return (int(value.numerator), int(value.denominator))
    return value


def _declared(upload: EvidenceUpload) -> provenance.Capture:
    try:
        return provenance.declared_capture(upload.taken_at, upload.latitude, upload.longitude, upload.accuracy_m)
    except provenance.CaptureError as error:
        raise Invalid(_("The evidence was not stored."),
                      {name: [str(message) for message in messages] for name, messages in error.errors.items()}) from None


def _declared_sha256(raw: str | None) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    if not SHA256.fullmatch(str(raw).strip()):
        raise Invalid.field("sha256", _("Give the SHA-256 as 64 hexadecimal digits."))
    return str(raw).strip().lower()


def _clean_name(original_name: str) -> str:
    return without_hidden_characters(Path(original_name or "upload").name)[:255] or "upload"


def _values(evidence: Evidence) -> dict[str, object]:
    return {name: getattr(evidence, name) for name in COMPARED}


def _answer_repeat(found: clientids.Holder, inspection: Inspection, sent: Mapping[str, object]) -> clientids.Synced:
    """A client_id already held: this inspection's evidence with the same content is answered, with other content
    refused with it (409); any other record is another id's business (422)."""
    if found.kind != "evidence" or found.inspection_id != inspection.id:
        raise clientids.reused()
    evidence = db.session.get(Evidence, found.id)
    fields = differing_fields(sent, _values(evidence))
    if fields:
        raise clientids.DifferentContent(
            _("This client_id names evidence with other content: %(fields)s.", fields=", ".join(fields)), evidence, fields
        )
    return clientids.Synced(evidence, created=False)


def upload_evidence(actor: User, inspection: Inspection, upload: EvidenceUpload) -> clientids.Synced[Evidence]:
    """Store a photo or PDF for a draft inspection with its provenance and flags; a repeated client_id answers the
    record it names (``created`` False) and writes nothing."""
    require_field_role(actor, inspection.unit_id)
    client_id = clientids.client_id_of(upload.client_id)
    if client_id is None:
        _require_draft(inspection)  # before reading the file: nothing to answer but the refusal
    declared_hash = _declared_sha256(upload.sha256)
    declared = _declared(upload)
    description = (upload.description or "").strip()
    if len(description) > 300:
        raise Invalid.field("description", _("The description is limited to 300 characters."))
    received = _receive(upload.stream)
    stored_path = None
    try:
        if declared_hash is not None and declared_hash != received.sha256:
            raise Invalid.field("sha256", _("The file's SHA-256 is %(computed)s, not the %(declared)s sent with it: "
                                            "the file changed or arrived incomplete. Nothing was stored.",
                                            computed=received.sha256, declared=declared_hash))
        exif = provenance.Capture()
        if declared.empty and received.content_type in PHOTO_TYPES:
            exif = provenance.exif_capture(read_exif(received.path), inspection.unit.timezone)
        capture, source = provenance.choose_capture(declared, exif)
        sent = {"sha256": received.sha256, "description": description, "taken_at": capture.taken_at,
                "latitude": capture.latitude, "longitude": capture.longitude, "accuracy_m": capture.accuracy_m}
        if client_id is not None:
            found = clientids.holder(client_id)
            if found is not None:
                return _answer_repeat(found, inspection, sent)
            _require_draft(inspection)
        received_at = utcnow()
        premises = inspection.premises
        flags = provenance.capture_flags(
            capture, started_at=inspection.started_at, received_at=received_at,
            premises=(premises.latitude, premises.longitude) if premises.latitude is not None else None,
            rules=current_rulebook().evidence, tz_name=inspection.unit.timezone,
        )
        stored_name = f"{uuid.uuid4().hex}.{EVIDENCE_EXTENSIONS[received.content_type]}"
        stored_path = _folder() / stored_name
        os.replace(received.path, stored_path)
        evidence = Evidence(
            inspection=inspection,
            original_name=_clean_name(upload.original_name),
            stored_name=stored_name,
            content_type=received.content_type,
            size=received.size,
            uploaded_by_id=actor.id,
            uploaded_at=received_at,
            client_id=client_id,
            sha256_sent=declared_hash,
            provenance=source,
            flags=[flag.stored() for flag in flags],
            **sent,
        )
        db.session.add(evidence)
        try:
            db.session.commit()
        except IntegrityError:
            # Another request stored the same client_id first: answer as a repeat, keeping nothing of this one.
            db.session.rollback()
            stored_path.unlink(missing_ok=True)
            stored_path = None
            found = clientids.holder(client_id) if client_id is not None else None
            if found is None:
                raise
            return _answer_repeat(found, db.session.get(Inspection, inspection.id), sent)
        stored_path = None
        return clientids.Synced(evidence, created=True)
    except BaseException:
        db.session.rollback()
        if stored_path is not None:
            stored_path.unlink(missing_ok=True)  # no file without its record
        raise
    finally:
        received.path.unlink(missing_ok=True)


def attach_evidence(actor: User, inspection: Inspection, stream, original_name: str, description: str = "",
                    **declared) -> Evidence:
    """Store an uploaded photo or PDF (see ``upload_evidence``) and answer the record."""
    return upload_evidence(actor, inspection, EvidenceUpload(stream, original_name, description, **declared)).record


def flagged_evidence(inspection: Inspection) -> list[Evidence]:
    """The inspection's photos whose capture time or place is flagged, in upload order."""
    return [evidence for evidence in inspection.evidence if evidence.flags]


def evidence_download_name(evidence: Evidence) -> str:
    """The name an evidence file is downloaded under: the uploader's, safe, with the detected type's extension."""
    return evidence_file_name(evidence.original_name, evidence.content_type)


def evidence_path(evidence: Evidence) -> Path:
    """Where an evidence file is stored."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / evidence.stored_name

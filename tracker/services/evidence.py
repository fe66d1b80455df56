"""Evidence: photos and PDFs attached to an inspection, stored outside static/, checked by content."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _

from tracker.domain.characters import without_hidden_characters
from tracker.domain.evidence import EVIDENCE_EXTENSIONS, EVIDENCE_TYPES, evidence_file_name
from tracker.extensions import db
from tracker.models import Evidence, Inspection, User
from tracker.services.errors import Conflict, Invalid
from tracker.services.scope import require_field_role


def _require_draft(inspection: Inspection) -> None:
    if not inspection.is_draft:
        raise Conflict(_("This inspection is submitted and read-only; record an amendment instead."))


def attach_evidence(actor: User, inspection: Inspection, stream, original_name: str, description: str = "") -> Evidence:
    """Store an uploaded photo or PDF outside static/, checked by content, with its SHA-256."""
    require_field_role(actor, inspection.unit_id)
    _require_draft(inspection)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise Invalid.field("file", _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    if not content:
        raise Invalid.field("file", _("The file is empty."))
    kind = filetype.guess(content)
    if kind is None or kind.mime not in EVIDENCE_TYPES:
        raise Invalid.field("file", _("Only photos (JPEG, PNG, WebP, GIF) and PDF documents are accepted."))
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{uuid.uuid4().hex}.{EVIDENCE_EXTENSIONS[kind.mime]}"
    path = folder / stored_name
    path.write_bytes(content)
    try:
        evidence = Evidence(
            inspection=inspection,
            original_name=without_hidden_characters(Path(original_name or "upload").name)[:255] or "upload",
            stored_name=stored_name,
            content_type=kind.mime,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            description=(description or "").strip()[:300],
            uploaded_by_id=actor.id,
        )
        db.session.add(evidence)
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)  # no file without its record
        raise
    return evidence


def evidence_download_name(evidence: Evidence) -> str:
    """The name an evidence file is downloaded under: the uploader's, safe, with the detected type's extension."""
    return evidence_file_name(evidence.original_name, evidence.content_type)


def evidence_path(evidence: Evidence) -> Path:
    """Where an evidence file is stored."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / evidence.stored_name



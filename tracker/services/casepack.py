"""The auditor's case-file pack: one ZIP per case (layout and verifier in tracker.domain.casepack).

The ZIP is written into a spooled temporary file (in memory while small, on disk beyond that); evidence files
are copied in chunks, hashed on the way, so a case with large photos never sits in memory whole.
"""
from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from tempfile import SpooledTemporaryFile
from typing import IO

import sqlalchemy as sa

from tracker.domain import casepack as layout
from tracker.extensions import db
from tracker.models import Case, CaseEvent, Evidence, User
from tracker.services.evidence import evidence_path
from tracker.services.rulebooks import current_rulebook

SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class CasePack:
    """A built pack: the open file (at its start), the name to download it as, and its manifest."""

    file: IO[bytes]
    filename: str
    manifest: dict

    def read(self) -> bytes:
        """The whole pack as bytes, closing the file (for small packs and tests; downloads stream the file)."""
        with self.file:
            return self.file.read()


def case_events(case: Case) -> list[dict]:
    """The case's history items, exactly as GET /api/v1/cases/{id}/history lists them."""
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    return [event.as_item() for event in events]


def case_evidence(case: Case) -> list[Evidence]:
    """The evidence of the case's inspection and of the inspections its violations were found in."""
    inspections = {violation.inspection_id for violation in case.violations}
    if case.inspection_id is not None:
        inspections.add(case.inspection_id)
    if not inspections:
        return []
    stmt = (
        sa.select(Evidence)
        .where(Evidence.inspection_id.in_(inspections))
        .order_by(Evidence.inspection_id, Evidence.id)
    )
    return list(db.session.scalars(stmt))


def build_case_pack(case: Case, actor: User, record: Mapping, now: datetime | None = None) -> CasePack:
    """Write the case-file pack of a case the actor may read (the caller checks scope and role).

    :param record: the case as GET /api/v1/cases/{id} answers it, JSON-ready (``caserecord.case_record``).
    :param now: when the pack is made (default: the real time, UTC).
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = now.timetuple()[:6]
    items = case_events(case)
    out = SpooledTemporaryFile(max_size=SPOOL_BYTES)
    files: list[dict] = []
    evidence_entries: list[dict] = []
    try:
        with zipfile.ZipFile(out, "w") as archive:
            _add_bytes(archive, layout.CASE, layout.json_bytes(dict(record)), stamp, files)
            _add_bytes(archive, layout.HISTORY, layout.json_bytes({"items": items}), stamp, files)
            for evidence in case_evidence(case):
                evidence_entries.append(_add_evidence(archive, evidence, stamp, files))
            manifest = {
                "format": layout.FORMAT,
                "format_version": layout.FORMAT_VERSION,
                "case": {"id": case.id, "number": case.number},
                "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "created_by": {"username": actor.username, "role": actor.role.value},
                "rulebook": current_rulebook().label,
                "files": files,
                "evidence": evidence_entries,
                "flagged_evidence": [entry["id"] for entry in evidence_entries if entry["flagged"]],
                "chain": {"events": len(items), "head": layout.chain_head(items)},
            }
            info = zipfile.ZipInfo(layout.MANIFEST, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, layout.manifest_bytes(manifest))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return CasePack(out, f"case-pack-{case.number}.zip", manifest)


def _add_bytes(archive: zipfile.ZipFile, path: str, content: bytes, stamp, files: list[dict]) -> None:
    info = zipfile.ZipInfo(path, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content)
    files.append({"path": path, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()})


def _add_evidence(archive: zipfile.ZipFile, evidence: Evidence, stamp, files: list[dict]) -> dict:
    """Copy one stored file into the pack in chunks; a file gone from storage is described as missing."""
    entry = {
        "id": evidence.id,
        "inspection_id": evidence.inspection_id,
        "original_name": evidence.original_name,
        "content_type": evidence.content_type,
        "recorded_size": evidence.size,
        "recorded_sha256": evidence.sha256,
        "uploaded_at": evidence.uploaded_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "provenance": layout.provenance_entry(
            source=evidence.provenance, taken_at=evidence.taken_at, latitude=evidence.latitude,
            longitude=evidence.longitude, accuracy_m=evidence.accuracy_m, sha256_sent=evidence.sha256_sent,
            sha256=evidence.sha256, flags=evidence.flags or [],
        ),
        "flagged": bool(evidence.flags),
        "path": None,
    }
    source = evidence_path(evidence)
    try:
        stream = source.open("rb")
    except OSError:
        return entry
    path = layout.evidence_member(evidence.inspection_id, evidence.id, evidence.original_name, evidence.content_type)
    info = zipfile.ZipInfo(path, stamp)
    info.compress_type = zipfile.ZIP_STORED  # photos and PDFs are compressed already
    hasher, size = hashlib.sha256(), 0
    with stream, archive.open(info, "w", force_zip64=True) as member:
        while chunk := stream.read(layout.CHUNK):
            hasher.update(chunk)
            member.write(chunk)
            size += len(chunk)
    files.append({"path": path, "size": size, "sha256": hasher.hexdigest()})
    return {**entry, "path": path}

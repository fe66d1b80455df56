"""A case whose inspection carries evidence, for case-file pack tests (through the real services)."""
from __future__ import annotations

import io
from unittest import mock

from tests.cases_helpers import CaseWorld
from tracker.services import evidence as evidence_service, inspections as inspection_service

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
# Larger than one read chunk, so the pack copies it in pieces.
BIG_PDF = b"%PDF-1.4\n" + bytes(range(256)) * 6000 + b"\n%%EOF\n"


class PackWorld(CaseWorld):
    """CaseWorld whose inspection had a photo and a large PDF uploaded before it was submitted."""

    def __init__(self):
        submit = inspection_service.submit_inspection

        def attach_then_submit(actor, inspection, *args, **kwargs):
            self.photo = evidence_service.attach_evidence(actor, inspection, io.BytesIO(PNG), "shelf tag 价签.png")
            self.invoice = evidence_service.attach_evidence(actor, inspection, io.BytesIO(BIG_PDF), "invoice.pdf")
            return submit(actor, inspection, *args, **kwargs)

        with mock.patch.object(inspection_service, "submit_inspection", attach_then_submit):
            super().__init__()

"""The auditor's case-file pack: one ZIP per case, checked offline with `flask audit verify-pack` (docs/AUDIT.md)."""
from __future__ import annotations

from flask import send_file
from flask_login import current_user

from tracker.domain.vocabulary import Role
from tracker.services import casepack as service
from tracker.services.caserecord import case_record
from tracker.services.cases import load_case
from tracker.web.access import allow
from tracker.web.exports.blueprint import bp

PACK_ROLES = (Role.AUDITOR, Role.SUPERVISOR)


def may_download_case_pack(user) -> bool:
    """Auditors, and supervisors for the cases of their unit (the only ones they see), download packs."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in PACK_ROLES


@bp.app_context_processor
def _pack_helpers() -> dict:
    return {"may_download_case_pack": may_download_case_pack}


@bp.route("/cases/<int:case_id>/pack.zip")
@allow(*PACK_ROLES)
def case_pack(case_id: int):
    case = load_case(case_id, current_user)  # another unit's case: 404
    pack = service.build_case_pack(case, current_user, case_record(case, current_user))
    response = send_file(pack.file, mimetype="application/zip", as_attachment=True,
                         download_name=pack.filename, max_age=0)
    response.headers["X-Chain-Head"] = pack.manifest["chain"]["head"]
    return response

"""Backup and restore (docs/BACKUP.md): scripts/backup copies the demo county and its evidence, scripts/restore
brings it back into an empty database, and the copy holds the same records with intact history chains.

Runs on the dialect of the current run (SQLite, or PostgreSQL when TEST_DATABASE_URL names a server).
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.conftest import make_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import Case, CaseEvent, Evidence, Premises, User
from tracker.services.audit import verify_all
from tracker.seed.demo import DEMO_TODAY
from tracker.services.evidence import attach_evidence
from tracker.services.inspections import InspectionData, start_inspection

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

TOOLS_MISSING = shutil.which("sqlite3") is None or shutil.which("pg_dump") is None
if TOOLS_MISSING and os.environ.get("CI") == "true":  # in CI the backups must be proven, never skipped
    raise RuntimeError("the backup tests need the sqlite3 and PostgreSQL client programs (apt-get install sqlite3 postgresql-client)")
pytestmark = pytest.mark.skipif(
    TOOLS_MISSING, reason="the backup scripts need the sqlite3 and PostgreSQL client programs"
)


def run(script: str, *args: str, url: str, uploads: Path) -> subprocess.CompletedProcess:
    """Run scripts/<script> as an operator would, with DATABASE_URL and UPLOAD_FOLDER set."""
    env = {**os.environ, "DATABASE_URL": url, "UPLOAD_FOLDER": str(uploads)}
    return subprocess.run([str(ROOT / "scripts" / script), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), ordered, read straight from the database."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(
                    sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(demo_county, tmp_path_factory):
    """A demo county of our own (a copy of the one seeded for the run: the test writes evidence), with two
    evidence files."""
    folder = tmp_path_factory.mktemp("backup-source")
    url = demo_county.copy()
    app = create_app(make_config(url, folder, TRACKER_TODAY=DEMO_TODAY))
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.username == "zhang.wei"))
        premises = db.session.scalar(sa.select(Premises).where(Premises.unit_id == officer.unit_id).limit(1))
        inspection = start_inspection(officer, InspectionData(
            premises_id=premises.id, started_at=datetime(2020, 12, 30, 2, 0, tzinfo=timezone.utc),
            lead_officer="zhang.wei", second_officer="li.na", type="routine"))
        attach_evidence(officer, inspection, io.BytesIO(PNG), "shelf.png", "Shelf")
        attach_evidence(officer, inspection, io.BytesIO(PDF), "invoice.pdf", "Invoice")
        db.session.remove()
        db.engine.dispose()
    yield SimpleNamespace(app=app, url=url, uploads=folder / "evidence")
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory):
    """The source backed up by scripts/backup."""
    dest = tmp_path_factory.mktemp("backups") / "tracker-backup"
    result = run("backup", str(dest), url=source.url, uploads=source.uploads)
    assert result.returncode == 0, result.stderr
    assert "2 evidence file(s)" in result.stdout
    return dest


@pytest.fixture(scope="module")
def restored(source, backup, database_factory, tmp_path_factory):
    """The backup restored by scripts/restore into a new, empty database and upload folder."""
    url = database_factory()
    uploads = tmp_path_factory.mktemp("restored") / "evidence"
    result = run("restore", str(backup), url=url, uploads=uploads)
    assert result.returncode == 0, result.stderr
    app = create_app(make_config(url, uploads.parent, TRACKER_TODAY=DEMO_TODAY))
    yield SimpleNamespace(app=app, url=url, uploads=uploads)
    with app.app_context():
        db.engine.dispose()


def test_the_backup_lists_every_file_with_its_sha256(source, backup):
    sums = dict(reversed(line.split(maxsplit=1)) for line in (backup / "SHA256SUMS").read_text().splitlines())
    files = sorted(str(p.relative_to(backup)) for p in backup.rglob("*") if p.is_file()
                   and p.name not in ("SHA256SUMS", "BACKUP-INFO"))
    assert sorted(sums) == files and len([f for f in files if f.startswith("evidence/")]) == 2
    for name, digest in sums.items():
        assert hashlib.sha256((backup / name).read_bytes()).hexdigest() == digest
    info = (backup / "BACKUP-INFO").read_text()
    assert f"dialect={sa.make_url(source.url).get_backend_name()}\n" in info
    assert "alembic_revision=" in info and "alembic_revision=\n" not in info


def test_the_restored_database_holds_the_same_rows_in_every_table(source, restored):
    before, after = snapshot(source.url), snapshot(restored.url)
    assert before.keys() == after.keys()
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the restore"
    assert len(before["cases"]) > 10 and len(before["case_events"]) > 50  # the demo county, not an empty copy
    assert len(before["admin_actions"]) > 10  # its units, accounts and emergency, created from the command line


def test_cases_states_versions_and_event_hashes_survive(source, restored):
    def read(app):
        with app.app_context():
            cases = [(c.number, c.state, c.version) for c in db.session.scalars(sa.select(Case).order_by(Case.number))]
            hashes = list(db.session.scalars(sa.select(CaseEvent.hash).order_by(CaseEvent.case_id, CaseEvent.seq)))
            broken = list(verify_all())
            db.session.remove()
            return cases, hashes, broken

    cases, hashes, broken = read(source.app)
    assert read(restored.app) == (cases, hashes, [])
    assert broken == [] and len({state for _n, state, _v in cases}) >= 10


def test_flask_audit_verify_passes_on_the_restored_copy(restored):
    with restored.app.app_context():
        result = restored.app.test_cli_runner().invoke(args=["audit", "verify"])
        db.session.remove()
    assert result.exit_code == 0, result.output
    assert "All history chains are intact." in result.output


def test_evidence_files_are_identical_and_match_their_upload_hashes(source, restored):
    with restored.app.app_context():
        evidence = list(db.session.scalars(sa.select(Evidence)))
        db.session.remove()
    assert len(evidence) == 2
    for item in evidence:
        copy = (restored.uploads / item.stored_name).read_bytes()
        assert copy == (source.uploads / item.stored_name).read_bytes()
        assert hashlib.sha256(copy).hexdigest() == item.sha256 and len(copy) == item.size
    assert sorted(p.name for p in restored.uploads.iterdir()) == sorted(p.name for p in source.uploads.iterdir())


def test_the_restored_database_keeps_history_append_only(restored):
    """On PostgreSQL the restore recreates the triggers that refuse changing or deleting a history event or the
    record of an administrator's action."""
    engine = sa.create_engine(restored.url, poolclass=sa.pool.NullPool)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("the append-only trigger is PostgreSQL's")
        for statement in ("UPDATE case_events SET reason = 'rewritten' WHERE seq = 1",
                          "UPDATE admin_actions SET target_label = 'rewritten'", "DELETE FROM admin_actions"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only|never updated|not allowed|refuse"):
                with engine.begin() as connection:
                    connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_restore_refuses_a_non_empty_database_without_force(source, backup, restored):
    before = snapshot(restored.url)
    result = run("restore", str(backup), url=restored.url, uploads=restored.uploads)
    assert result.returncode == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert snapshot(restored.url) == before
    # With --force the same backup replaces it, and the records are the same again.
    forced = run("restore", "--force", str(backup), url=restored.url, uploads=restored.uploads)
    assert forced.returncode == 0, forced.stderr
    assert snapshot(restored.url) == snapshot(source.url)


def test_restore_refuses_a_non_empty_upload_folder_without_force(backup, database_factory, tmp_path):
    uploads = tmp_path / "evidence"
    uploads.mkdir()
    (uploads / "someone-elses.png").write_bytes(PNG)
    result = run("restore", str(backup), url=database_factory(), uploads=uploads)
    assert result.returncode == 2 and "upload folder" in result.stderr
    assert [p.name for p in uploads.iterdir()] == ["someone-elses.png"]


def test_restore_refuses_a_tampered_backup(backup, database_factory, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    victim = next((tampered / "evidence").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    url = database_factory()
    result = run("restore", str(tampered), url=url, uploads=tmp_path / "evidence")
    assert result.returncode == 1 and "SHA-256" in result.stderr
    assert not (tmp_path / "evidence").exists()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        assert sa.inspect(engine).get_table_names() == []  # nothing restored
    finally:
        engine.dispose()


def test_backup_refuses_a_non_empty_destination(source, backup):
    result = run("backup", str(backup), url=source.url, uploads=source.uploads)
    assert result.returncode == 1 and "not empty" in result.stderr

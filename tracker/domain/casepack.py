"""The auditor's case-file pack: its layout, its manifest, and an offline verifier (docs/AUDIT.md).

A pack is a ZIP holding ``case.json`` (the case as GET /api/v1/cases/{id} answers it), ``history.json``
(exactly the body of GET /api/v1/cases/{id}/history), the evidence files of the case's inspections under
``evidence/``, and ``manifest.json`` last: the format version, the case, who made the pack and when, the
rulebook, every other member's path, size and SHA-256, the evidence recorded at upload with each photo's
provenance (capture time, position, source, the SHA-256 as sent and as computed, flags; flagged photos marked and
listed), the chain head, and a seal (the SHA-256 of the manifest's own canonical form without the seal).

Nothing is signed: the verifier proves that a pack is internally consistent (no member added, removed or
altered since the manifest was written, a history chain that recomputes, a chain head that is the last
event). Whether the chain is the tracker's own is settled by comparing the printed chain head with the
live history. Standard library only: ``verify_pack`` works from bytes, a path or a binary file.
"""
from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from os import PathLike
from typing import BinaryIO

from tracker.domain.evidence import evidence_file_name
from tracker.domain.history import GENESIS, verify_chain

FORMAT = "tracker-case-pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CASE = "case.json"
HISTORY = "history.json"
EVIDENCE_DIR = "evidence/"
SEAL = "seal"
CHUNK = 1024 * 1024
MAX_JSON_BYTES = 256 * 1024 * 1024  # a case record or history larger than this is not a pack we made
REQUIRED_KEYS = ("format", "format_version", "case", "created_at", "created_by", "rulebook", "files", "evidence",
                 "chain", SEAL)


class PackUnreadable(Exception):
    """The file is not a ZIP at all (or cannot be opened): there is nothing to verify."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack: the member concerned and what."""

    member: str
    message: str

    def __str__(self) -> str:
        return f"{self.member}: {self.message}"


@dataclass
class PackReport:
    """The outcome of verifying a pack: what it claims to hold, and every problem found."""

    case_id: int | None = None
    number: str | None = None
    events: int = 0
    files: int = 0
    chain_head: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def add(self, member: str, message: str) -> None:
        self.problems.append(Problem(member, message))


# ------------------------------------------------------------------------------------------ writing


def json_bytes(value) -> bytes:
    """How every JSON member is written: keys sorted, indented, non-ASCII kept, one final newline."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def seal_of(manifest: Mapping) -> str:
    """SHA-256 of the manifest's compact canonical JSON without its seal (guards against edits, not forgery)."""
    body = {key: value for key, value in manifest.items() if key != SEAL}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def manifest_bytes(manifest: Mapping) -> bytes:
    """The manifest, sealed, in the exact bytes the verifier expects."""
    sealed = {**manifest, SEAL: seal_of(manifest)}
    return json_bytes(sealed)


def evidence_member(inspection_id: int, evidence_id: int, original_name: str, content_type: str) -> str:
    """The path of an evidence file inside the pack: unique by its id, named safely for any unzip tool, and ending
    in the extension of its detected type, never the uploader's (an HTML page named so would run when opened)."""
    return f"{EVIDENCE_DIR}inspection-{inspection_id}/{evidence_id}-{evidence_file_name(original_name, content_type)}"


def provenance_entry(*, source: str, taken_at: datetime | None, latitude: Decimal | None, longitude: Decimal | None,
                     accuracy_m: Decimal | None, sha256_sent: str | None, sha256: str, flags: Sequence[Mapping]) -> dict:
    """Where and when a photo was taken as the manifest records it (DOMAIN.md §13): the source of the capture time
    and position (``device``, ``exif`` or empty), the time in UTC, the position as decimal strings with its
    accuracy in metres, the SHA-256 as the device sent it (null: none sent) and as the tracker computed it, and
    the flags with their explanations."""
    return {
        "source": source,
        "taken_at": None if taken_at is None else taken_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "latitude": None if latitude is None else str(latitude),
        "longitude": None if longitude is None else str(longitude),
        "accuracy_m": None if accuracy_m is None else str(accuracy_m),
        "sha256_sent": sha256_sent,
        "sha256_computed": sha256,
        "flags": [{"test": flag.get("test"), "explanation": flag.get("explanation")} for flag in flags],
    }


def chain_head(items: Iterable[Mapping]) -> str:
    """The hash of the last event (64 zeros for an empty history)."""
    head = GENESIS
    for item in items:
        head = item["hash"]
    return head


# ------------------------------------------------------------------------------------------ verifying


def verify_pack(source: bytes | str | PathLike | BinaryIO) -> PackReport:
    """Check a pack offline; every problem is reported, none raised.

    :param source: the pack's bytes, its path, or a binary file open for reading.
    :raises PackUnreadable: when the source is not a ZIP archive (or cannot be read at all).
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise PackUnreadable(f"not a ZIP archive ({error})") from error
    with archive:
        return _verify(archive)


def _verify(archive: zipfile.ZipFile) -> PackReport:
    report = PackReport()
    names = [info.filename for info in archive.infolist()]
    for name, count in Counter(names).items():
        if count > 1:
            report.add(name, f"appears {count} times in the ZIP")
    manifest = _manifest(archive, report)
    if manifest is None:
        return report
    case = manifest.get("case") if isinstance(manifest.get("case"), Mapping) else {}
    report.case_id, report.number = case.get("id"), case.get("number")
    listed = _check_files(archive, manifest, names, report)
    record = _check_case(archive, case, listed, report)
    _check_history(archive, manifest, listed, record, report)
    _check_evidence(manifest, listed, report)
    return report


def _manifest(archive: zipfile.ZipFile, report: PackReport) -> dict | None:
    """The parsed manifest, when it is present, canonical, sealed and of a known format."""
    raw = _read_json_member(archive, MANIFEST, report)
    if raw is None:
        return None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.add(MANIFEST, f"is not valid JSON ({error})")
        return None
    if not isinstance(manifest, dict):
        report.add(MANIFEST, "is not a JSON object")
        return None
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        report.add(MANIFEST, f"lacks {', '.join(missing)}")
        return None
    if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
        report.add(MANIFEST, f"is format {manifest['format']!r} version {manifest['format_version']!r}, "
                             f"not {FORMAT!r} version {FORMAT_VERSION}")
        return None
    if manifest[SEAL] != seal_of(manifest):
        report.add(MANIFEST, "its content does not match its seal (altered)")
    elif json_bytes(manifest) != raw:
        report.add(MANIFEST, "is not byte for byte as written (altered layout)")
    return manifest


def _read_json_member(archive: zipfile.ZipFile, name: str, report: PackReport) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        report.add(name, "is missing")
        return None
    if info.file_size > MAX_JSON_BYTES:
        report.add(name, f"is {info.file_size} bytes, too large to be ours")
        return None
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError, EOFError) as error:
        report.add(name, f"cannot be read ({error})")
        return None


def _digest(archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    """Size and SHA-256 of a member, read in chunks (evidence may be large)."""
    hasher, size = hashlib.sha256(), 0
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()


def _check_files(archive: zipfile.ZipFile, manifest: dict, names: list[str], report: PackReport) -> dict[str, dict]:
    """Every listed member is present with its size and SHA-256; nothing is unlisted. Returns the listing."""
    files = manifest["files"]
    listed: dict[str, dict] = {}
    if not isinstance(files, list) or not all(isinstance(entry, dict) for entry in files):
        report.add(MANIFEST, "its file list is not a list of objects")
        return listed
    present = set(names)
    for entry in files:
        path = entry.get("path")
        if not isinstance(path, str) or path == MANIFEST:
            report.add(MANIFEST, f"lists an invalid path {path!r}")
            continue
        if path in listed:
            report.add(path, "is listed twice in the manifest")
            continue
        listed[path] = entry
        if path not in present:
            report.add(path, "is listed in the manifest but missing from the ZIP")
            continue
        try:
            size, sha256 = _digest(archive, path)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError, EOFError) as error:
            report.add(path, f"cannot be read ({error})")
            continue
        if size != entry.get("size"):
            report.add(path, f"is {size} bytes; the manifest says {entry.get('size')!r}")
        if sha256 != entry.get("sha256"):
            report.add(path, "its SHA-256 does not match the manifest (altered)")
    for name in sorted(present - set(listed) - {MANIFEST}):
        report.add(name, "is in the ZIP but not listed in the manifest (added)")
    report.files = len(listed)
    return listed


def _listed_json(archive: zipfile.ZipFile, name: str, listed: dict, report: PackReport):
    if name not in listed:
        report.add(name, "is not listed in the manifest")
        return None
    if name not in archive.namelist():
        return None  # already reported as missing
    raw = _read_json_member(archive, name, report)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.add(name, f"is not valid JSON ({error})")
        return None


def _check_case(archive: zipfile.ZipFile, case: Mapping, listed: dict, report: PackReport) -> dict | None:
    """The case record, checked against the manifest's case id and number."""
    record = _listed_json(archive, CASE, listed, report)
    if record is None:
        return None
    if not isinstance(record, dict):
        report.add(CASE, "is not a JSON object")
        return None
    for key in ("id", "number"):
        if record.get(key) != case.get(key):
            report.add(CASE, f"its {key} {record.get(key)!r} differs from the manifest's {case.get(key)!r}")
    return record


def _check_history(
    archive: zipfile.ZipFile, manifest: dict, listed: dict, record: dict | None, report: PackReport
) -> None:
    """The chain recomputes, the manifest's head and count are its own, the case is in the last event's state."""
    history = _listed_json(archive, HISTORY, listed, report)
    if history is None:
        return
    items = history.get("items") if isinstance(history, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        report.add(HISTORY, "is not an object whose items are events")
        return
    report.events = len(items)
    for brk in verify_chain(items):
        report.add(HISTORY, f"event {brk.seq}: {brk.problem}")
    head = items[-1].get("hash") if items else GENESIS
    report.chain_head = head if isinstance(head, str) else None
    chain = manifest["chain"] if isinstance(manifest["chain"], Mapping) else {}
    if chain.get("head") != head:
        report.add(MANIFEST, "its chain head is not the hash of the last event")
    if chain.get("events") != len(items):
        report.add(MANIFEST, f"counts {chain.get('events')!r} events; {HISTORY} holds {len(items)}")
    if record is not None and items and items[-1].get("to_state") != record.get("state"):
        report.add(CASE, f"its state {record.get('state')!r} is not the state the last event leads to")


def _check_evidence(manifest: dict, listed: dict, report: PackReport) -> None:
    """Each evidence file is in the pack and matches the SHA-256 the tracker recorded at upload."""
    evidence = manifest["evidence"]
    if not isinstance(evidence, list) or not all(isinstance(entry, dict) for entry in evidence):
        report.add(MANIFEST, "its evidence list is not a list of objects")
        return
    described = set()
    for entry in evidence:
        label = f"evidence #{entry.get('id')} ({entry.get('original_name')})"
        path = entry.get("path")
        if path is None:
            report.add(label, "was missing from the tracker's storage when the pack was made")
            continue
        _check_provenance(label, entry, report)
        described.add(path)
        if path not in listed:
            report.add(label, f"{path} is not listed in the manifest's files")
        elif listed[path].get("sha256") != entry.get("recorded_sha256"):
            report.add(path, "differs from the SHA-256 the tracker recorded at upload")
    for path in sorted(p for p in listed if p.startswith(EVIDENCE_DIR) and p not in described):
        report.add(path, "is an evidence file the manifest does not describe")


def _check_provenance(label: str, entry: Mapping, report: PackReport) -> None:
    """A photo's provenance agrees with itself: the hash the device sent is the one computed, which is the one
    recorded at upload, and the photo is marked flagged exactly when it has flags."""
    provenance = entry.get("provenance")
    if provenance is None:
        return  # a pack made before photos carried their provenance
    if not isinstance(provenance, Mapping):
        report.add(label, "its provenance is not an object")
        return
    if provenance.get("sha256_computed") != entry.get("recorded_sha256"):
        report.add(label, "its provenance's computed SHA-256 is not the one recorded at upload")
    if provenance.get("sha256_sent") not in (None, provenance.get("sha256_computed")):
        report.add(label, "the SHA-256 the device sent is not the one computed")
    if entry.get("flagged") != bool(provenance.get("flags")):
        report.add(label, "is marked flagged or not against its own flags")


# ------------------------------------------------------------------------------------------ command line


@dataclass(frozen=True)
class Outcome:
    """What checking a pack file prints and how it exits: 0 intact, 1 problems, 2 no pack at all."""

    code: int
    out: list[str]
    err: list[str]


def check_file(path: str | PathLike) -> Outcome:
    """Verify the pack at ``path`` and word the result for a terminal (`flask audit verify-pack`)."""
    try:
        with open(path, "rb") as stream:
            report = verify_pack(stream)
    except OSError as error:
        return Outcome(2, [], [f"Error: cannot read {path}: {error.strerror or error}"])
    except PackUnreadable as error:
        return Outcome(2, [], [f"Error: {path} is not a case-file pack: {error}"])
    if not report.intact:
        lines = [f"PROBLEM {problem.member}: {problem.message}" for problem in report.problems]
        summary = f"{len(report.problems)} problem(s): the pack of case {report.number or '?'} is not intact."
        return Outcome(1, lines, [summary])
    return Outcome(0, [
        f"Pack intact: case {report.number} (id {report.case_id}), {report.files} files, {report.events} events, "
        f"chain head {report.chain_head}; compare it with GET /api/v1/cases/{report.case_id}/history."
    ], [])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tracker.domain.casepack PACK.zip``: the same check without building the app."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("Usage: python -m tracker.domain.casepack PACK.zip", file=sys.stderr)
        return 2
    outcome = check_file(args[0])
    for line in outcome.out:
        print(line)
    for line in outcome.err:
        print(line, file=sys.stderr)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())

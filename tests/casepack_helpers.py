"""Tampering with case-file packs in tests, as a forger would (pure: no app, no database)."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

from tracker.domain import casepack as layout


def members(data: bytes) -> dict[str, bytes]:
    """Every member of a pack, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(contents: dict[str, bytes]) -> bytes:
    """A fresh ZIP holding these members (CRCs computed anew, as a forger's tool would)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
    return out.getvalue()


def flip(content: bytes, position: int) -> bytes:
    """The content with one bit of one byte changed."""
    return content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1:]


def forge(data: bytes, change: Callable[[dict[str, bytes]], None], manifest_change=None) -> bytes:
    """Change members, then rewrite the manifest's file list and seal to match, as a careful forger would."""
    contents = members(data)
    change(contents)
    manifest = json.loads(contents.pop(layout.MANIFEST))
    manifest["files"] = [
        {"path": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in contents.items()
    ]
    if manifest_change:
        manifest_change(manifest)
    contents[layout.MANIFEST] = layout.manifest_bytes(manifest)
    return zip_of(contents)


def history_items(data: bytes) -> list[dict]:
    return json.loads(members(data)[layout.HISTORY])["items"]


def set_history(contents: dict[str, bytes], items: list[dict]) -> None:
    contents[layout.HISTORY] = layout.json_bytes({"items": items})

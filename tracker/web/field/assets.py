"""The files the field app is made of, read once at start-up: served compressed, precached by the service worker
under a cache name derived from their contents (so a deploy that changes any of them refreshes every phone)."""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from tracker.config import PROJECT_ROOT, TRANSLATIONS_DIR

STATIC = PROJECT_ROOT / "tracker" / "static"
# The folders under tracker/static/ whose files the app loads: its own, and the vendored libraries it imports.
FOLDERS = ("field", "vendor")
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
COMPRESSED = {".js", ".mjs", ".css", ".svg"}
SERVICE_WORKER = STATIC / "field" / "sw.js"  # served at /field/sw.js, not as an asset (its scope is /field/)
# Besides the assets, what changes the app a phone runs: the shell's template, its messages and their catalogs.
ALSO_HASHED = (
    PROJECT_ROOT / "templates" / "field",
    PROJECT_ROOT / "tracker" / "web" / "field",
    TRANSLATIONS_DIR,
)
ASSET_PREFIX = "/assets/"  # under the blueprint's /field


@dataclass(frozen=True)
class Asset:
    """One file: its bytes, compressed when worth it, and an ETag from its contents."""

    name: str  # its path under tracker/static/, with forward slashes: "field/app.js"
    media_type: str
    body: bytes
    gzipped: bytes | None
    etag: str


@dataclass(frozen=True)
class Shell:
    """Everything the app is made of, and the version that names the service worker's cache."""

    assets: dict[str, Asset]  # by name
    version: str

    def url(self, name: str) -> str:
        return f"/field{ASSET_PREFIX}{name}"


_CACHE: dict[tuple, Asset] = {}


def _asset(path: Path) -> Asset:
    """The file as an Asset; the compressed bytes are kept per process while the file is unchanged."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(key)
    if cached is None:
        body = path.read_bytes()
        suffix = path.suffix.lower()
        gzipped = gzip.compress(body, compresslevel=9, mtime=0) if suffix in COMPRESSED else None
        cached = Asset(path.relative_to(STATIC).as_posix(), MEDIA_TYPES[suffix], body, gzipped,
                       f'"{hashlib.sha256(body).hexdigest()[:20]}"')
        _CACHE[key] = cached
    return cached


def asset_paths() -> list[Path]:
    """The files served as assets, in a stable order: scripts, styles and images of the app and its libraries."""
    found = []
    for folder in FOLDERS:
        base = STATIC / folder
        if base.is_dir():
            found.extend(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_TYPES
                         and p != SERVICE_WORKER)
    return sorted(found)


def _hashed_files() -> list[Path]:
    files = [SERVICE_WORKER] if SERVICE_WORKER.is_file() else []
    for place in ALSO_HASHED:
        if place.is_dir():
            files.extend(p for p in place.rglob("*") if p.is_file() and p.suffix in (".html", ".py", ".mo", ".po"))
    return sorted(files)


def load_shell() -> Shell:
    """Read the app's files and compute its version (the first 16 hex digits of a SHA-256 over all of them)."""
    assets = {asset.name: asset for asset in map(_asset, asset_paths())}
    digest = hashlib.sha256()
    for name, asset in assets.items():
        digest.update(name.encode() + b"\0" + asset.etag.encode() + b"\0")
    for path in _hashed_files():
        name = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        digest.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return Shell(assets, digest.hexdigest()[:16])

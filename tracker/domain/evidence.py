"""Evidence files: the types accepted (by content, never by name) and the names they are saved under.

An uploader's file name is kept as a record of what they sent, but never decides how a file opens: a file is
saved, downloaded and packed under a name that ends in the extension of the type detected from its content.
"""
from __future__ import annotations

import re

# The media types accepted as evidence, and the extension each is saved under.
EVIDENCE_EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}
EVIDENCE_TYPES = frozenset(EVIDENCE_EXTENSIONS)

# Letters and digits of any script, "-" and "_" are kept; anything else (dots, slashes, spaces, controls,
# bidirectional overrides) becomes "_", so no name can climb out of a folder or carry a second extension.
_UNSAFE = re.compile(r"[^\w\-]+")
STEM_LIMIT = 100


def evidence_file_name(original_name: str | None, content_type: str) -> str:
    """A safe file name for evidence of ``content_type``: the uploader's name without its folders and extension,
    made safe, then the detected type's extension (``../../evil.html`` holding a JPEG is ``evil.jpg``)."""
    extension = EVIDENCE_EXTENSIONS.get(content_type)
    if extension is None:
        raise ValueError(f"not an evidence type: {content_type!r}")
    base = (original_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    safe = _UNSAFE.sub("_", stem).strip("_-")[:STEM_LIMIT].strip("_-") or "evidence"
    return f"{safe}.{extension}"

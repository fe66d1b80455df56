"""Characters a name or other one-line text may not hold.

Format characters (Unicode category Cf: bidirectional overrides and isolates, zero-width spaces and joiners,
the byte-order mark) show nothing themselves but change how the text around them displays: a name holding
U+202E reads backwards, one holding U+200B looks like another name. Control characters (Cc: line breaks,
tabs, NUL) have no place in a one-line text either. Such text is refused where it is entered, and removed from
anything published.
"""
from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = frozenset({"Cf", "Cc"})


def hidden_characters(text: str | None) -> list[str]:
    """The hidden characters in ``text``, each once as ``U+XXXX`` in order of first appearance."""
    found: dict[str, None] = {}
    for character in text or "":
        if unicodedata.category(character) in HIDDEN_CATEGORIES:
            found[f"U+{ord(character):04X}"] = None
    return list(found)


def without_hidden_characters(text: str | None) -> str:
    """``text`` with every hidden character removed (for what is published from records made before the check)."""
    return "".join(c for c in text or "" if unicodedata.category(c) not in HIDDEN_CATEGORIES)

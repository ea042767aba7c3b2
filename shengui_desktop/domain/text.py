"""Normalising what people type or paste (full-width forms, stray spaces)."""

from __future__ import annotations

import re
import unicodedata

# U+3000 ideographic space and U+FF01–U+FF5E full-width ASCII → their half-width forms
_HALF_WIDTH = {0x3000: 0x20, **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}}
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]")
# str → clean str, the cache of clean(): a spreadsheet import cleans every cell of every row
# (and the validation cleans the result again), and townships, units, people and codes repeat
# down a column. Public so the spreadsheet readers' hot loops can look a cell up in it first.
CLEANED: dict[str, str] = {}
_SEEN_LIMIT = 50_000


def to_half_width(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，　) to half-width; Chinese characters stay as they are."""
    # translate walks every character through the table: only worth it when there is one
    return text.translate(_HALF_WIDTH) if _FULL_WIDTH.search(text) else text


def _clean_str(s: str) -> str:
    # ASCII is already NFC and half-width: only the whitespace needs collapsing
    if not s.isascii():
        if not unicodedata.is_normalized("NFC", s):
            s = unicodedata.normalize("NFC", s)
        if _FULL_WIDTH.search(s):
            s = s.translate(_HALF_WIDTH)
    return " ".join(s.split())


def clean(text: object) -> str:
    """Trim, half-width, collapse inner runs of whitespace; None → ''."""
    if text is None:
        return ""
    if type(text) is not str:
        return _clean_str(str(text))
    found = CLEANED.get(text)
    if found is None:
        if len(CLEANED) >= _SEEN_LIMIT:
            CLEANED.clear()
        found = CLEANED[text] = _clean_str(text)
    return found

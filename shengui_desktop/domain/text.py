"""Normalising what people type or paste (full-width forms, stray spaces)."""

from __future__ import annotations

import unicodedata

# U+3000 ideographic space and U+FF01–U+FF5E full-width ASCII → their half-width forms
_HALF_WIDTH = {0x3000: 0x20, **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}}


def to_half_width(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，　) to half-width; Chinese characters stay as they are."""
    return text.translate(_HALF_WIDTH)


def clean(text: object) -> str:
    """Trim, half-width, collapse inner runs of whitespace; None → ''."""
    if text is None:
        return ""
    s = text if type(text) is str else str(text)
    # ASCII is already NFC and half-width: only the whitespace needs collapsing (the import
    # cleans every cell of every row, and most cells are ASCII or plain Chinese)
    if not s.isascii():
        if not unicodedata.is_normalized("NFC", s):
            s = unicodedata.normalize("NFC", s)
        s = s.translate(_HALF_WIDTH)
    return " ".join(s.split())

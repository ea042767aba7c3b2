"""Normalising what people type or paste (full-width forms, stray spaces)."""

from __future__ import annotations

import unicodedata


def to_half_width(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，　) to half-width; Chinese characters stay as they are."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def clean(text: object) -> str:
    """Trim, half-width, collapse inner runs of whitespace; None → ''."""
    if text is None:
        return ""
    s = to_half_width(unicodedata.normalize("NFC", str(text)))
    return " ".join(s.split())

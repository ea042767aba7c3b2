"""Search keys: pinyin initials and full pinyin of a name, computed once when it is saved."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict


def _fallback(text: str) -> list[str]:
    return list(text.lower())


@lru_cache(maxsize=20000)
def _single(ch: str) -> str | None:
    """The one reading of a character that has only one; None for polyphones (多音字)."""
    readings = pinyin_dict.get(ord(ch))
    if readings is None or "," in readings:
        return None
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


@lru_cache(maxsize=50000)
def _in_context(window: str, index: int) -> str:
    """A polyphone (多音字) read by pypinyin's phrase dictionary within a few neighbours
    (银行 → hang, 行走 → xing); windows repeat across names, so this is cached."""
    return lazy_pinyin(window, style=Style.NORMAL, errors=_fallback)[index]


def _syllables(name: str) -> list[str]:
    out = []
    for i, ch in enumerate(name):
        if ch.isascii():
            out.append(ch.lower())
            continue
        reading = _single(ch)
        if reading is None:
            start = max(0, i - 2)
            window = name[start:i + 3]
            if all(not c.isascii() for c in window):
                reading = _in_context(window, i - start)
            else:
                reading = lazy_pinyin(ch, style=Style.NORMAL, errors=_fallback)[0]
        out.append(reading)
    return out


def search_key(name: str | None) -> str | None:
    """'秀水机械' → 'xsjx xiushuijixie' (letters and digits in the name are kept as typed)."""
    if not name:
        return None
    syllables = _syllables(name)
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    full = "".join(s for s in syllables if s.isalnum())
    return f"{initials} {full}".lower()

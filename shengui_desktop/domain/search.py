"""Search keys: pinyin initials and full pinyin of a name, computed once when it is saved."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def search_key(name: str | None) -> str | None:
    """'秀水机械' → 'xsjx xiushuijixie' (letters and digits in the name are kept as typed)."""
    if not name:
        return None
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: list(s.lower()))
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    full = "".join(s for s in syllables if s.isalnum())
    return f"{initials} {full}".lower()

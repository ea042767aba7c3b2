"""Search keys: pinyin initials and full pinyin of a name, computed once when it is saved."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin
from pypinyin.pinyin_dict import pinyin_dict

from .text import to_half_width


def _fallback(text: str) -> list[str]:
    # pypinyin takes a list from its `errors` callback (one item per character), though its
    # type hints say str: hence the type: ignore where it is passed
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
    return lazy_pinyin(window, style=Style.NORMAL, errors=_fallback)[index]  # type: ignore[arg-type]


# lazy_pinyin splits a string into words (runs of Chinese, then its phrase dictionary's
# longest matches) and reads each word on its own. Reading a window a word at a time, each
# word once (有限, 公司, 机械 … recur in every list), gives the same syllables for a fraction
# of the time: 10,000 distinct names 0.8 s -> 0.2 s. tests/test_search_key.py compares.
_SEGMENT = Pinyin().seg


@lru_cache(maxsize=50000)
def _word(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors=_fallback))  # type: ignore[arg-type]


@lru_cache(maxsize=50000)
def _window(window: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(map(_word, _SEGMENT(window))))


def _in_words(window: str, index: int) -> str:
    """_in_context, read a word at a time."""
    return _window(window)[index]


@lru_cache(maxsize=2000)
def _alone(ch: str) -> str:
    """A polyphone read without its neighbours (they include letters or digits)."""
    return lazy_pinyin(ch, style=Style.NORMAL, errors=_fallback)[0]  # type: ignore[arg-type]


_ASCII = re.compile(r"[\x00-\x7f]")


def _syllables(name: str, in_context=_in_context) -> list[str]:
    """One reading per character: what a search key is made of (see _pieces for the
    cached way search_key reads a name)."""
    out = []
    for i, ch in enumerate(name):
        if ch.isascii():
            out.append(ch.lower())
            continue
        reading = _single(ch)
        if reading is None:
            start = max(0, i - 2)
            window = name[start:i + 3]
            if _ASCII.search(window) is None:
                reading = in_context(window, i - start)
            else:
                reading = _alone(ch)
        out.append(reading)
    return out


def _initials_and_full(syllables: list[str]) -> tuple[str, str]:
    return ("".join(s[0] for s in syllables if s and s[0].isalnum()),
            "".join(s for s in syllables if s.isalnum()))


# A name as runs of ASCII and of other characters: "盂县第12机械制造有限公司" is 盂县第 | 12 |
# 机械制造有限公司. A character's reading depends only on its run and on whether ASCII
# stands within two places of it, so a run is read once for all the names it appears in
# (a list of 10,000 "…第N…有限公司" names reads two runs, not 170,000 characters).
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=20000)
def _pieces(run: str, ascii_before: bool, ascii_after: bool) -> tuple[str, str]:
    """(initials, full pinyin) of a run of non-ASCII characters; one ASCII letter on each
    side where the name has ASCII stands in for it (only its presence matters)."""
    padded = ("a" if ascii_before else "") + run + ("a" if ascii_after else "")
    syllables = _syllables(padded, _in_words)
    return _initials_and_full(syllables[ascii_before:len(syllables) - ascii_after])


def search_key(name: str | None) -> str | None:
    """'秀水机械' → 'xsjx xiushuijixie' (letters and digits in the name are kept, in
    lower case and half-width: a name stored with ＡＢＣ or （１） is found by abc and 1)."""
    if not name:
        return None
    name = to_half_width(name)
    runs = _RUNS.findall(name)
    if len(runs) == 1 and not runs[0].isascii():
        initials, full = _pieces(name, False, False)
    else:
        initials_parts, full_parts = [], []
        last = len(runs) - 1
        for n, run in enumerate(runs):
            if run.isascii():  # a letter's or a digit's syllable is itself, lower-cased
                kept = run.lower()
                if not kept.isalnum():
                    kept = _NOT_ALNUM.sub("", kept)
                initials_parts.append(kept)
                full_parts.append(kept)
            else:  # runs alternate: any neighbour run is ASCII
                i, f = _pieces(run, n > 0, n < last)
                initials_parts.append(i)
                full_parts.append(f)
        initials, full = "".join(initials_parts), "".join(full_parts)
    return f"{initials} {full}".lower()

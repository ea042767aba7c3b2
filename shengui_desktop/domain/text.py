"""What people type or paste, made ready for storing, and the keys it is matched by.

Three kinds of text, three treatments:

- a name (an enterprise's, a township's, a department's, a person's): stored as given, only
  trimmed and its runs of spaces collapsed — clean_name. 盂县晋航（山西）耐材有限公司 stays as
  the business licence writes it.
- a narrative (a visit's summary, an issue, its result, a note, an address, a reason): stored
  as typed, paragraphs and punctuation kept — clean_narrative; control characters other than
  the line break and the tab are refused by the validation (control_characters).
- a code, a number, a date, a choice from a list: normalised — clean (full-width to
  half-width, spaces collapsed), so ９１１１… and 2024／3／5 are read as what they mean.

Matching, search and duplicate detection never compare stored text directly: they compare
match_key()s, which ignore width, the kind of bracket, spaces and the case of Latin letters,
so a list that writes (山西) finds the enterprise stored as （山西）.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import ValidationError

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
    """A code, a number, a date or a choice as typed → its normal form: trimmed, NFC,
    full-width to half-width, inner runs of whitespace collapsed; None → ''.

    Not for names or narratives (clean_name, clean_narrative): it would change what
    people wrote (（山西） → (山西), paragraphs joined into one line)."""
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


def clean_name(text: object) -> str:
    """A name as given: trimmed, each run of whitespace (line breaks, tabs, ideographic
    spaces included) made one space; width, brackets and punctuation kept; None → ''."""
    if text is None:
        return ""
    return " ".join(str(text).split())


# line endings that are not "\n": Windows and old Mac ones, Unicode's line and paragraph
# separators (Word and some web pages paste them)
_LINE_ENDINGS = re.compile("\r\n?|[\u2028\u2029]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+(?=\n|\Z)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_narrative(text: object) -> str:
    """A narrative as typed: line endings made "\\n", spaces at the end of each line and
    blank lines before and after the text dropped; punctuation, width, paragraphs and the
    indentation of a line kept; None → ''. Control characters are left for the validation
    to refuse (control_characters)."""
    if text is None:
        return ""
    s = str(text)
    if "\r" in s or "\u2028" in s or "\u2029" in s:
        s = _LINE_ENDINGS.sub("\n", s)
    s = _TRAILING_SPACE.sub("", s)
    # blank lines before the first line of text (that line keeps its indentation)
    start = 0
    while True:
        end = s.find("\n", start)
        if end == -1 or s[start:end].strip():
            break
        start = end + 1
    return s[start:].rstrip()


def control_characters(text: str) -> list[str]:
    """The control characters in `text` other than the line break and the tab, each once,
    as U+XXXX (what a validation message names)."""
    found = dict.fromkeys(_CONTROL.findall(text or ""))
    return [f"U+{ord(ch):04X}" for ch in found]


# match_key: one translation table does it all in one pass — full-width to half-width,
# Latin capitals (either width) to small, every bracket to ( or ), whitespace and the
# invisible characters pasted text brings (zero-width space, byte-order mark) deleted
_OPENING = "（［【〔〖﹙[{｛"
_CLOSING = "）］】〕〗﹚]}｝"
_MATCH_TABLE: dict[int, int | None] = dict(_HALF_WIDTH)
for _code in range(ord("A"), ord("Z") + 1):
    _MATCH_TABLE[_code] = _code + 32
    _MATCH_TABLE[_code + 0xFEE0] = _code + 32
_MATCH_TABLE.update({ord(c): ord("(") for c in _OPENING})
_MATCH_TABLE.update({ord(c): ord(")") for c in _CLOSING})
for _code in (*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200C),
              0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF):
    _MATCH_TABLE[_code] = None
del _code
_MATCH_CHANGES = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_MATCH_TABLE)) + "]")


def _glob_class(codes: list[int]) -> str:
    """An SQLite GLOB character class of these code points (ranges where they run on; none
    of them is "-" or "^", which would need care)."""
    parts: list[str] = []
    codes = sorted(codes)
    close = ord("]")
    if close in codes:  # "]" is only literal first in the class
        codes.remove(close)
        parts.append("]")
    start = prev = codes[0]
    for code in [*codes[1:], None]:
        if code is not None and code == prev + 1:
            prev = code
            continue
        parts.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
        if code is not None:
            start = prev = code
    return "[" + "".join(parts) + "]"


# `name GLOB MATCH_KEY_CHANGES_GLOB`: true exactly when match_key(name) != name, so a query
# can compare most names as they are and call match_key only for the others
MATCH_KEY_CHANGES_GLOB = "*" + _glob_class(list(_MATCH_TABLE)) + "*"


def match_key(text: object) -> str:
    """The form two spellings of one name share: 盂县晋航（山西）耐材有限公司,
    盂县晋航(山西)耐材有限公司 and 盂县晋航 【山西】耐材有限公司 all give
    盂县晋航(山西)耐材有限公司. Width, bracket kind, whitespace and the case of Latin
    letters are ignored; for matching, searching and finding duplicates, never stored."""
    if text is None:
        return ""
    s = text if type(text) is str else str(text)
    return s.translate(_MATCH_TABLE) if _MATCH_CHANGES.search(s) else s


# -- names and codes that cannot hide anything -------------------------------------------------
# The longest name of each kind accepted (characters). The longest registered enterprise names
# run to about 60 characters; a township's or a department's to about 15. A limit keeps a
# pasted paragraph out of a name, and the file names and table cells made from names sane.
NAME_LIMITS = {
    "enterprise": 100,
    "office": 40,        # the office's own name at set-up (a township office's is its township's too)
    "township": 40,
    "department": 40,
    "person": 40,        # a legal person, a contact, a liaison cadre, a user's display name
    "people": 200,       # several people's names in one field (a visit's 走访人员)
    "user": 32,          # a user name (what a person types to unlock)
    "code": 40,          # a code (an area code, a credit code) before its own format check
}
# Unicode's categories of characters that show nothing or change how the text around them is
# shown: Cc control characters (a terminal's escape sequences start with one), Cf format
# characters (the bidi overrides and isolates that make 公司A read as A司公, zero-width
# spaces and joiners that make two equal-looking names differ, the byte-order mark, the soft
# hyphen), Cs lone surrogates (bytes that were not UTF-8), Zl/Zp line and paragraph separators.
# Private-use characters (Co) stay allowed: some offices' fonts put rare characters of people's
# names there.
HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` that show nothing or turn the text around (HIDDEN_CATEGORIES),
    each once, as U+XXXX, in the order met."""
    if text.isascii() and text.isprintable():
        return []
    found = dict.fromkeys(ch for ch in text if unicodedata.category(ch) in HIDDEN_CATEGORIES)
    return [f"U+{ord(ch):04X}" for ch in found]


def shown(text: str, limit: int = 40) -> str:
    """`text` safe to put in a message or on a terminal: each hidden character written as
    \\uXXXX, cut at `limit` characters with …"""
    out = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in HIDDEN_CATEGORIES else ch
                  for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def name_problem(text: str, label: str, kind: str) -> str | None:
    """What is wrong with a cleaned name (or code) of this `kind` (a key of NAME_LIMITS), in
    Chinese naming the field by `label`; None when it may be stored. The one check every
    service that takes a name calls (enterprises, townships, departments, users, people,
    the office at set-up, the spreadsheet import row by row)."""
    found = hidden_characters(text)
    if found:
        return (f"{label}“{shown(text)}”含有不可见或改变文字方向的字符（{'、'.join(found[:5])}），"
                "可能是从别处复制带来的，请删除后重新输入")
    limit = NAME_LIMITS[kind]
    if len(text) > limit:
        return f"{label}过长（{len(text)}个字），最多{limit}个字：“{shown(text, 20)}”"
    return None


def checked_name(value: object, label: str, kind: str, *, key: str = "name") -> str:
    """clean_name(value), or ValidationError({key: message}) when name_problem finds
    something. Empty stays empty: whether a name is required is the caller's rule."""
    text = clean_name(value)
    problem = name_problem(text, label, kind)
    if problem:
        raise ValidationError({key: problem})
    return text


def user_name_problem(name: str) -> str | None:
    """What is wrong with a trimmed user name (what a person types to unlock): empty, too
    long, or with a space or an invisible character in it; None when it is fine."""
    if not name:
        return "用户名不能为空"
    limit = NAME_LIMITS["user"]
    if len(name) > limit:
        return f"用户名最多{limit}个字符"
    if any(unicodedata.category(ch)[0] in "CZ" for ch in name):
        return f"用户名“{shown(name)}”含有空格或不可见字符，请只用字母、数字、汉字或 . _ -"
    return None


def checked_user_name(value: object) -> str:
    """The trimmed user name, or ValidationError({"username": message})."""
    name = str(value or "").strip()
    problem = user_name_problem(name)
    if problem:
        raise ValidationError({"username": problem})
    return name

"""Money is integer yuan everywhere; people read and type 万元."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .text import clean

YUAN_PER_WAN = 10_000
UNIT_FACTORS = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
# An amount this large is surely typed in a smaller unit than read (1e12 yuan = 1万亿): the
# spreadsheet import and the figures grid refuse it.
IMPLAUSIBLE_YUAN = 10 ** 12


def parse_amount(raw: object, unit: str = "万元") -> int | None:
    """'1,650.5' (万元) → 16505000 yuan. Accepts a unit suffix in the text. None when empty.

    Raises ValueError with a Chinese message on text that is not a number.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError("金额不能是是/否")
    if isinstance(raw, int):
        return raw * UNIT_FACTORS[unit]
    if isinstance(raw, float):
        raw = repr(raw)
    text = clean(raw).replace(",", "").replace("，", "").replace(" ", "")
    if not text or text in {"-", "—", "/"}:
        return None
    for suffix, factor in sorted(UNIT_FACTORS.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], suffix
            break
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{raw}”不是有效的金额") from None
    if not value.is_finite():
        raise ValueError(f"“{raw}”不是有效的金额")
    yuan = (value * UNIT_FACTORS[unit]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(yuan)


def cut_wan(yuan: int, decimals: int = 2) -> tuple[bool, int, int]:
    """The one rounding of money people read: integer yuan in 万元, cut (toward zero) to
    `decimals` places. Returns (negative, whole 万, the decimals as an integer).

    Cut, not rounded half up, so a shown amount is on the same side of every threshold as
    the amount itself: 19,999,999 yuan reads 1,999.99万, never 2,000.00万 beside "below the
    2,000万 standard". Every display of money (window, PDFs, reason texts, sync notes) goes
    through this. Integer arithmetic: the rules run it for every enterprise.
    """
    steps = abs(yuan) // 10 ** (4 - decimals)  # decimals ≤ 4: whole units of the last place
    whole, part = divmod(steps, 10 ** decimals)
    return yuan < 0 and steps > 0, whole, part


def to_wan(yuan: int | None, decimals: int = 2) -> Decimal | None:
    """万元 as a number, `decimals` places (cut_wan's rule): what a chart labels."""
    if yuan is None:
        return None
    negative, whole, part = cut_wan(yuan, decimals)
    return Decimal(f"{'-' if negative else ''}{whole}.{part:0{decimals}d}" if decimals else
                   f"{'-' if negative else ''}{whole}")


def format_wan(yuan: int | None, decimals: int = 2) -> str:
    """16505000 → '1,650.50' (the caller adds 万元 where the column header does not);
    cut_wan's rule, `decimals` places (0–4)."""
    if yuan is None:
        return ""
    negative, whole, part = cut_wan(yuan, decimals)
    return f"{'-' if negative else ''}{whole:,}" + (f".{part:0{decimals}d}" if decimals else "")


def format_wan_short(yuan: int | None) -> str:
    """For reason texts: 16500000 → '1,650万元', 16505000 → '1,650.5万元' (two places at
    most, cut_wan's rule, trailing zeros dropped)."""
    if yuan is None:
        return "—"
    negative, whole, part = cut_wan(yuan)
    decimals = f".{part:02d}".rstrip("0") if part else ""
    return f"{'-' if negative else ''}{whole:,}{decimals}万元"


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_int(raw: object) -> int | None:
    """An integer count (kWh, employees) from text with separators; None when empty."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float):
        if raw != int(raw):
            raise ValueError(f"“{raw}”应为整数")
        return int(raw)
    text = clean(raw).replace(",", "").replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValueError(f"“{raw}”不是有效的数字")
    value = Decimal(text)
    if value != value.to_integral_value():
        raise ValueError(f"“{raw}”应为整数")
    return int(value)

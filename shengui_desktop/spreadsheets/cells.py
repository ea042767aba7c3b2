"""Turning one cell as a spreadsheet holds it into a clean value.

Cells arrive as str, int, float, bool, date or datetime (calamine and the CSV reader give
these). Each parser returns the clean value or raises ValueError with a Chinese message;
the import puts that message in its report beside the row and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..domain.money import UNIT_FACTORS, parse_amount
from ..domain.text import CLEANED as _CLEANED
from ..domain.text import clean, clean_name, clean_narrative

# Excel's day 0 is 1899-12-30 (the 1900 leap-year bug included); serials in this range
# are dates from 1950 to 2100, so a plain number like 2024 is never taken for one.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (18264, 73051)

_DATE_FORMS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_PERIOD_FORMS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]


def clean_text(value: str) -> str:
    """domain.text.clean for a str (kept for callers of this name)."""
    return clean(value)


def text(value: object) -> str:
    """A cell as text: trimmed, half-width; whole floats lose their '.0' (codes, phones,
    dates, choices; a name or a narrative: name_text, narrative_text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # most cells were seen before (in data_rows, or higher up the column): skip the call
        return _CLEANED.get(value) or clean(value)
    if type(value) is int:  # 序号 and codes as numbers: digits are already clean
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean(value)


def name_text(value: object) -> str:
    """A cell holding a name (an enterprise's, a township's, a person's): as written,
    trimmed, runs of spaces made one (domain.text.clean_name); width and brackets kept."""
    if type(value) is str:
        return clean_name(value)
    return text(value)


def narrative_text(value: object) -> str:
    """A cell holding a narrative (an address, a note): as written, its line breaks kept
    (domain.text.clean_narrative)."""
    if type(value) is str:
        return clean_narrative(value)
    return text(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _excel_serial(number: float) -> date | None:
    if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return _EXCEL_EPOCH + timedelta(days=int(number))
    return None


_SERIAL_TEXT = re.compile(r"\d{5}(\.\d+)?")
# date text → ISO date: a list repeats the same dates down its date columns
_DATES_SEEN: dict[str, str] = {}


def parse_date(value: object) -> str | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, a date cell or an Excel serial
    number → '2024-03-05'. None when blank."""
    if type(value) is str:
        found = _DATES_SEEN.get(value)
        if found is None:
            found = _parse_date(value)
            if found is not None:
                if len(_DATES_SEEN) >= 20_000:
                    _DATES_SEEN.clear()
                _DATES_SEEN[value] = found
        return found
    return _parse_date(value)


def _parse_date(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = _excel_serial(float(value))
        if found:
            return found.isoformat()
        raise ValueError(f"“{text(value)}”不是有效日期")
    raw = text(value).replace(" ", "")
    if _SERIAL_TEXT.fullmatch(raw):
        found = _excel_serial(float(raw))
        if found:
            return found.isoformat()
    for form in _DATE_FORMS:
        m = form.match(raw)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                break
    raise ValueError(f"“{text(value)}”不是有效日期（可写2024-03-05、2024/3/5或2024年3月5日）")


_PERIODS_SEEN: dict[tuple[str, int | None], str] = {}


def parse_period(value: object, default_year: int | None = None) -> str | None:
    """A month: 2024-03, 2024/3, 2024年3月, 202403, a date cell, or '3月' with a known year."""
    if type(value) is str:
        key = (value, default_year)
        found = _PERIODS_SEEN.get(key)
        if found is None:
            found = _parse_period(value, default_year)
            if found is not None:
                if len(_PERIODS_SEEN) >= 20_000:
                    _PERIODS_SEEN.clear()
                _PERIODS_SEEN[key] = found
        return found
    return _parse_period(value, default_year)


def _parse_period(value: object, default_year: int | None) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = _excel_serial(float(value))
        if found:
            return f"{found.year:04d}-{found.month:02d}"
    raw = text(value).replace(" ", "")
    if len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit() \
            and 1 <= int(raw[5:]) <= 12:
        return raw  # already YYYY-MM
    for form in _PERIOD_FORMS:
        m = form.match(raw)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = re.fullmatch(r"(\d{1,2})月(?:份)?", raw)
    if m and default_year and 1 <= int(m.group(1)) <= 12:
        return f"{default_year:04d}-{int(m.group(1)):02d}"
    try:  # a full date names its month too
        iso = parse_date(raw)
    except ValueError:
        iso = None
    if iso:
        return iso[:7]
    raise ValueError(f"“{text(value)}”不是有效月份（可写2024-03或2024年3月）")


def scaled_number(value: float, factor: int) -> int | None:
    """value × factor as an int when the float product is plainly a whole number (the
    common case, and fast); None when the exact decimal path must decide (counts with
    fractions are an error, amounts are rounded half up)."""
    scaled = value * factor
    whole = round(scaled)
    if abs(scaled - whole) <= abs(scaled) * 1e-12 + 1e-9:
        return whole
    return None


def parse_money(value: object, unit: str) -> int | None:
    """An amount in `unit` (元/千元/万元/亿元) → integer yuan; '1,650.5', '1650.5万元', 1650.5."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # repr: the shortest exact decimal, so 1650.5 stays 1650.5
        number = Decimal(repr(value)) * UNIT_FACTORS[unit]
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return parse_amount(value, unit)


def parse_count(value: object, factor: int = 1) -> int | None:
    """kWh or head counts: '12,000', '1.2' (万千瓦时, factor 10000) → int."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value) * factor
    raw = repr(value) if isinstance(value, float) else text(value)
    raw = raw.replace(",", "").replace("，", "").replace(" ", "")
    raw = re.sub(r"(千瓦时|万千瓦时|kwh|KWH|kWh|度|人)$", "", raw)
    if raw in {"-", "—", "/"}:
        return None
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise ValueError(f"“{text(value)}”不是有效的数字")
    number = Decimal(raw) * factor
    if number != number.to_integral_value():
        if factor == 1:
            raise ValueError(f"“{text(value)}”应为整数")
        number = number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(number)


def credit_code(value: object) -> str:
    """domain.credit_code.normalise, on the fast cleaner."""
    return text(value).replace(" ", "").upper()


# -- the precision a number cell carries ---------------------------------------------------
# A list saved "as shown" from Excel, WPS or LibreOffice carries 万元 to two decimals (what
# the cells showed), not the yuan the ledger holds: 3,289,512 yuan comes back as 328.95.
# Such a value agrees with the ledger at the precision the file carries and is no change.
_STEP_TEXT = re.compile(r"-?\d+(?:\.(\d+))?")


def carried_step(value: object, factor: int) -> int | None:
    """How much of the smallest unit (yuan, kWh) one step of a number cell's last written
    digit stands for, the cell being in units of `factor` of those: in 万元 (10000) 328.95 →
    100, 328.9512 → 1, 329 → 10000, '1,234.50' → 100; '3289512元' → 1 (a unit in the cell
    wins). Never below 1; None for a blank or a cell that is not a number.

    A float's decimals are the fewest that give it (328.95000000000005, what a formula may
    leave, is 328.95), with the tolerance `scaled_number` takes a product as whole with."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return factor
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        step = factor
        while step > 1:
            scaled = value * factor / step
            if abs(scaled - round(scaled)) <= abs(scaled) * 1e-12 + 1e-9:
                return step
            step //= 10
        return 1
    if not isinstance(value, str):
        return None
    raw = clean(value).replace(",", "").replace("，", "").replace(" ", "")
    for suffix, unit_factor in sorted(UNIT_FACTORS.items(), key=lambda kv: -len(kv[0])):
        if raw.endswith(suffix):
            raw, factor = raw[: -len(suffix)], unit_factor
            break
    m = _STEP_TEXT.match(raw)
    if not m:
        return None
    decimals = len(m.group(1) or "")
    return max(1, factor // 10 ** decimals) if 10 ** decimals < factor else 1


def common_step(steps) -> int:
    """The step most of a column's number cells carry (the finer one on a tie); 1 when the
    column has none. A whole 100.00 saved as shown reads back as 100, so a cell is taken at
    the finer of its own step and its column's."""
    counts: dict[int, int] = {}
    for s in steps:
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return 1
    return min(counts, key=lambda s: (-counts[s], s))


def equal_at_step(stored: int | None, given: int, step: int) -> bool:
    """Whether `given` (read at `step`) is the stored value as the file could write it:
    equal when the step is 1, else the stored value rounded to the step (either way at
    the half: Excel rounds half away from zero, binary floats either way)."""
    if stored is None:
        return False
    if step <= 1:
        return stored == given
    return abs(stored - given) * 2 <= step

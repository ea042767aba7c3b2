"""Finding the table inside a sheet as offices send it.

A real list starts with title rows (often one merged cell), a "填报单位：… 单位：万元" line,
blank rows, sometimes a two-row header (a merged group such as "主营业务收入（万元）" over
"1月 … 12月"); it has a 序号 column, 合计/小计 rows, and notes (注：…) at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import cells
from .column_values import cut_columns
from .column_values import texts as cell_texts
from .columns import FIGURE_FIELDS, LABELS, UNIT_LINE, Header, annual_of, parse_header
from .reader import Grid

HEADER_SEARCH_ROWS = 40
_TOTAL = re.compile(r"^.{0,20}?(合计|小计|总计)$")
_NOTE = re.compile(
    r"^(注|说明|备注|附注|注释)\s*[0-9一二三四五六七八九十]*\s*[:：.、]"
    r"|^(填表人|制表人|审核人|单位负责人|统计负责人|负责人|填报人|填报日期|报出日期|制表日期|制表时间)")
_OFFICE = re.compile(r"填报单位\s*[:：]\s*([^\s:：]+?)(?:\s|单位|盖章|\(|（|$)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_EXAMPLE = {"示例", "例", "样例", "填写示例"}


@dataclass
class Column:
    index: int
    header: Header
    group: str = ""  # the merged group header above, in a two-row header

    @property
    def field(self) -> str | None:
        return self.header.field

    @property
    def shown(self) -> str:
        return f"{self.group}/{self.header.text}" if self.group and self.group != self.header.text \
            else self.header.text


@dataclass
class Skipped:
    row: int  # grid index
    reason: str


@dataclass
class Layout:
    grid: Grid
    header_rows: tuple[int, ...]
    columns: list[Column]
    unit: str | None = None  # from a "单位：万元" line
    office: str | None = None  # from "填报单位：…"
    year: int | None = None  # from the title, for headers like "3月" (and a list's 年度数)
    title: str = ""
    _by_field: dict | None = field(default=None, repr=False)
    _month_columns: list | None = field(default=None, repr=False)

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1

    def by_field(self) -> dict[str, Column]:
        """The first column of each field (month columns of a wide layout, and columns whose
    header names a year, aside)."""
        if self._by_field is None:
            found: dict[str, Column] = {}
            for col in self.columns:
                if col.field and not col.header.month and not col.header.annual \
                        and col.field not in found:
                    found[col.field] = col
            self._by_field = found
        return self._by_field

    @property
    def month_columns(self) -> list[Column]:
        if self._month_columns is None:  # asked once per imported row
            self._month_columns = [c for c in self.columns if c.header.month]
        return self._month_columns

    def annual_columns(self) -> list[Column]:
        """The figure columns of an enterprise list: a list gives a year's amounts (年度数),
        in columns whose header names the year ("2025年营业收入", "上年营业收入") or not
        ("营业收入（万元）": the list's year). In their order, duplicates included."""
        plain = self.by_field()
        return [c for c in self.columns if c.field in FIGURE_FIELDS and not c.header.month
                and (c.header.annual or plain.get(c.field) is c)]

    @property
    def kind(self) -> str:
        fields = self.by_field()
        if "period" in fields or ("year" in fields and "month" in fields) or self.month_columns:
            return "figures"
        return "enterprises"


def _row_texts(grid: Grid, r: int) -> list[str]:
    return [cells.text(v) for v in (grid.rows[r] if r < len(grid.rows) else [])]


def _merged_across(grid: Grid, r: int) -> dict[int, str]:
    """Column → text of a merged cell spanning it in row r (group headers)."""
    out = {}
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 <= r <= r1 and c1 > c0:
            value = cells.text(grid.cell(r0, c0))
            for c in range(c0, c1 + 1):
                out[c] = value
    return out


def _score(headers: list[Header]) -> tuple[int, bool]:
    fields = {h.field for h in headers if h.field and not h.month}
    identified = bool(fields & {"name", "credit_code"})
    return len(fields) + sum(1 for h in headers if h.month), identified


SKIPPED_BY_CHOICE = "已选择不导入此列"
MONEY_UNITS = ("亿元", "万元", "千元", "元")


@dataclass(frozen=True)
class Overrides:
    """What the person said about some columns, by their header text as shown: the field a
    column holds (None: 不导入), and the money unit of a figure column. The one place they
    are applied is parse() below, so every planner (by column or by row) sees the same."""

    columns: dict[str, str | None] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for text, name in self.columns.items():
            if name is not None and name not in LABELS:
                raise ValueError(f"unknown field {name!r} for column {text!r}")
        for text, unit in self.units.items():
            if unit not in MONEY_UNITS:
                raise ValueError(f"unknown unit {unit!r} for column {text!r}")

    def __bool__(self) -> bool:
        return bool(self.columns or self.units)

    def parse(self, text: object) -> Header:
        header = parse_header(text)
        if header.text in self.columns:
            chosen = self.columns[header.text]
            header.field = chosen
            header.note = None if chosen else SKIPPED_BY_CHOICE
            if chosen not in FIGURE_FIELDS:  # neither a month's nor a year's amount
                header.figure_year = header.year_offset = None
                header.month = None
        if header.text in self.units:
            header.unit = self.units[header.text]
        return header


NO_OVERRIDES = Overrides()


def find_layout(grid: Grid, overrides: Overrides = NO_OVERRIDES) -> Layout | None:
    """The header row(s) and what each column holds; None when no table is recognised.
    `overrides`: the fields and units the person chose for some columns."""
    parse = overrides.parse if overrides else parse_header
    best = None
    for r in range(min(HEADER_SEARCH_ROWS, len(grid.rows))):
        headers = [parse(t) for t in _row_texts(grid, r)]
        score, identified = _score(headers)
        if identified and score >= 2 and (best is None or score > best[0]):
            best = (score, r, headers)
    if best is None:
        return None
    _, h, headers = best
    header_rows: tuple[int, ...] = (h,)
    columns = [Column(c, hd) for c, hd in enumerate(headers) if hd.text]
    sub = _sub_header(grid, h, parse)
    if sub is not None:
        header_rows = (h, h + 1)
        columns = sub
    above = [t for r in range(h) for t in _row_texts(grid, r) if t]
    title = " ".join(above)
    unit = UNIT_LINE.search(title.replace(" ", ""))
    office = _OFFICE.search(title)
    year = _YEAR.search(title)
    layout = Layout(grid, header_rows, columns, unit=unit.group(1) if unit else None,
                    office=office.group(1) if office else None,
                    year=int(year.group(1)) if year else None, title=title)
    _fill_merged_data(grid, layout.first_data_row)
    return layout


def _sub_header(grid: Grid, h: int, parse=parse_header) -> list[Column] | None:
    """Columns of a two-row header, when row h + 1 is a second header line."""
    if h + 1 >= len(grid.rows):
        return None
    sub_texts = _row_texts(grid, h + 1)
    subs = [parse(t) for t in sub_texts]
    filled = [s for s in subs if s.text]
    known = [s for s in filled if s.field or s.month]
    if not known or len(known) * 2 < len(filled):
        return None
    raw = grid.rows[h + 1]
    if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
        return None  # numbers: a data row
    if any(re.fullmatch(r"[0-9A-Z]{18}", t) for t in sub_texts):
        return None  # a data row with a credit code
    group = _merged_across(grid, h)
    main = _row_texts(grid, h)
    width = max(len(main), len(sub_texts))
    columns = []
    for c in range(width):
        top = group.get(c) or (main[c] if c < len(main) else "")
        below = subs[c] if c < len(subs) else Header("")
        if not below.text:
            if top:
                columns.append(Column(c, parse(top)))
            continue
        header = below
        if header.field in FIGURE_FIELDS and not header.month and not header.annual and top:
            when = annual_of(top)  # a group "2025年" over 营业收入, 工业总产值 …
            if isinstance(when, tuple):
                header.figure_year, header.year_offset = when
        if header.month and not header.field:
            parent = parse(top)
            header.field = parent.field if parent.field in FIGURE_FIELDS else None
            header.unit = header.unit or parent.unit
        elif not header.field and top:
            combined = parse(top + below.text)
            if combined.field:
                header = combined
        columns.append(Column(c, header, group=top if top != below.text else ""))
    return columns


def _fill_merged_data(grid: Grid, first_data_row: int) -> None:
    """A township merged down over its enterprises counts for each of them."""
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 < first_data_row:
            continue
        value = grid.cell(r0, c0)
        for r in range(r0, r1 + 1):
            row = grid.rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value


# First characters of what _NOTE and _TOTAL can match: the regexes run only on those rows.
_NOTE_FIRST = frozenset("注说备附填制审单统负报")
_TOTAL_END = ("合计", "小计", "总计")


def _filled(v) -> bool:
    return v is not None and v != "" and not (isinstance(v, str) and v.isspace())


def data_rows(layout: Layout, *, screen: bool = True) -> tuple[list[int], list[Skipped]]:
    """Grid indices of the rows to import, and the rows skipped with the reason.

    With `screen`, a row whose first three cells are filled and can be none of a note, a
    total, an example or a repeated header is kept at once; every other row is judged by
    the rules below (tests/test_excel_layout.py checks both ways agree)."""
    grid = layout.grid
    seq_col = layout.by_field().get("seq")
    name_col = layout.by_field().get("name")
    seq_index = seq_col.index if seq_col else None
    name_index = name_col.index if name_col else None
    header_texts = {c.header.text.replace(" ", "") for c in layout.columns if c.header.text}
    text = cells.text
    keep, skipped = [], []
    in_notes = False
    rows = grid.rows
    start = layout.first_data_row
    plain = _plain_rows(layout, header_texts, seq_index, name_index) if screen else None
    if plain is not None and all(plain):  # every row plain (the usual sheet): all kept
        return list(range(start, len(rows))), []
    for r in range(start, len(rows)):
        if plain is not None and plain[r - start]:
            keep.append(r)
            continue
        row = rows[r]
        # the first three filled cells say what the row is; the rest are counted only when
        # a rule needs their number
        first = []
        for v in row:
            if v is not None and v != "" and not (isinstance(v, str) and v.isspace()):
                first.append(v)
                if len(first) == 3:
                    break
        if not first:
            continue
        texts = [text(v).replace(" ", "") for v in first]
        head = texts[0]
        if (head[:1] in _NOTE_FIRST and _NOTE.match(head)) or (
                in_notes and sum(1 for v in row if _filled(v)) == 1):
            in_notes = True
            skipped.append(Skipped(r, f"说明文字“{_short(text(first[0]))}”，未导入"))
            continue
        total = None
        for t in texts:
            if t.endswith(_TOTAL_END) and _TOTAL.match(t):
                total = t
                break
        if total is not None:
            skipped.append(Skipped(r, f"“{_short(total)}”为合计行，未导入"))
            continue
        seq = text(row[seq_index]) if seq_index is not None and seq_index < len(row) else ""
        name = text(row[name_index]) if name_index is not None and name_index < len(row) else ""
        if seq in _EXAMPLE or name.startswith("示例") or name.startswith("（示例）"):
            skipped.append(Skipped(r, "示例行，未导入"))
            continue
        if head in header_texts:
            filled = [v for v in row if _filled(v)]
            if sum(1 for v in filled if isinstance(v, str) and text(v) in header_texts) \
                    >= max(2, len(filled) // 2):
                skipped.append(Skipped(r, "重复的表头行，未导入"))
                continue
        keep.append(r)
    return keep, skipped


# a line of a column's joined texts starting as a note or an example does: searched as
# "\n" + the start (a literal the regex engine skips to) and at the very start, which is
# what "(?:^|\n)…" finds, without trying the alternation at every character of the column
_NOTE_START = re.compile("\n[" + "".join(sorted(_NOTE_FIRST)) + "]")
_EXAMPLE_STARTS = ("示例", "（示例）")
_EXAMPLE_NAME = re.compile("\n(?:示例|（示例）)")


def _plain_rows(layout: Layout, header_texts: set[str], seq_index: int | None,
                name_index: int | None) -> list[bool]:
    """For each row below the header: True when its first three cells are filled and none
    can make it a note (which starts with one of _NOTE_FIRST), a total (which ends in 计),
    a repeated header (which starts with a header's text) or an example (which says so in
    its 序号 or name). A row after a note is kept the same way: only a row of one filled
    cell continues a note.

    Each column is first searched whole (its texts joined); only a column where something
    turns up (most often in the 合计 and 注 rows at the end) is judged cell by cell."""
    grid = layout.grid
    indexes = [0, 1, 2, *(i for i in (seq_index, name_index) if i is not None)]
    columns = cut_columns(grid.rows, range(layout.first_data_row, len(grid.rows)), indexes)
    roles = ["head", "other", "other"]
    roles += ["seq"] * (seq_index is not None) + ["name"] * (name_index is not None)
    checks = []
    seen: dict[int, tuple[list[str], str]] = {}  # 序号 may be the first column too
    for role, index, column in zip(roles, indexes, columns):
        if index not in seen:
            texts = cell_texts(column)
            seen[index] = texts, "\n".join(texts)
        texts, joined = seen[index]
        if role == "head":
            if "" in texts or "计" in joined or joined[:1] in _NOTE_FIRST or \
                    _NOTE_START.search(joined) or \
                    not header_texts.isdisjoint(joined.replace(" ", "").split("\n")):
                checks.append([bool(t) and t[:1] not in _NOTE_FIRST and "计" not in t
                               and t.replace(" ", "") not in header_texts for t in texts])
        elif role == "other":
            if "" in texts or "计" in joined:
                checks.append([bool(t) and "计" not in t for t in texts])
        elif role == "seq":
            if not _EXAMPLE.isdisjoint(texts):
                checks.append([t not in _EXAMPLE for t in texts])
        elif joined.startswith(_EXAMPLE_STARTS) or _EXAMPLE_NAME.search(joined):
            checks.append([not t.startswith(("示例", "（示例）")) for t in texts])
    if not checks:
        return [True] * len(columns[0])
    return list(map(all, zip(*checks)))


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

"""What a column header means: field synonyms and units.

Lists from the statistics bureau, the tax office and the townships name the same thing in
many ways (企业名称 / 单位名称 / 单位详细名称 …) and put the unit in the header
("营业收入（万元）") or in a line above it ("单位：万元").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain.text import clean

# field → Chinese label used in reports
LABELS = {
    "seq": "序号", "name": "企业名称", "credit_code": "统一社会信用代码", "township": "乡镇（街道）",
    "township_code": "乡镇代码", "industry_code": "行业代码", "industry_name": "行业名称",
    "stat_status": "统计状态", "pool": "库别", "source": "来源", "department": "责任单位",
    "liaison_cadre": "包联干部", "legal_person": "法定代表人", "contact_person": "联系人",
    "contact_phone": "联系电话", "address": "地址", "established_date": "成立日期",
    "entered_stats_date": "入统日期", "exited_stats_date": "退规日期", "tags": "企业资质",
    "note": "备注", "period": "月份", "year": "年份", "month": "月",
    "revenue": "主营业务收入", "output_value": "工业总产值", "tax_paid": "税收",
    "electricity_kwh": "用电量", "employees": "从业人员", "annual_source": "年度数来源",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序", "行号", "No", "NO", "No."),
    "name": ("企业名称", "单位名称", "单位详细名称", "企业全称", "公司名称", "企业(单位)名称",
             "法人单位名称", "法人单位详细名称", "纳税人名称", "名称", "企业"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "纳税人识别号",
                    "统一社会信用代码(纳税人识别号)", "组织机构代码/统一社会信用代码"),
    "township": ("乡镇", "乡镇(街道)", "所属乡镇", "乡镇街道", "所在乡镇", "乡(镇、街道)",
                 "所属乡镇(街道)", "乡镇名称", "街道", "所属乡镇街道", "乡镇(街道、开发区)",
                 "所在乡镇(街道)", "属地"),
    "township_code": ("乡镇代码", "乡镇区划代码", "区划代码", "统计用区划代码", "乡镇街道代码"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业小类代码", "行业类别代码", "行业",
                      "所属行业", "行业类别", "行业分类"),
    "industry_name": ("行业名称", "行业门类", "行业大类", "所属行业名称"),
    "stat_status": ("统计状态", "是否规上", "规上规下", "规模"),
    "pool": ("库别", "所在库", "入库类别", "培育库别", "当前库别"),
    "source": ("来源", "企业来源", "培育来源", "入库来源"),
    "department": ("责任单位", "主管部门", "责任部门", "行业主管部门"),
    "liaison_cadre": ("包联干部", "包联领导", "联系干部", "帮扶干部", "包联责任人"),
    "legal_person": ("法定代表人", "法人代表", "法人", "负责人"),
    "contact_person": ("联系人", "企业联系人"),
    "contact_phone": ("联系电话", "电话", "手机", "联系方式", "手机号码", "联系人电话"),
    "address": ("地址", "详细地址", "企业地址", "注册地址", "生产经营地址", "单位地址"),
    "established_date": ("成立日期", "成立时间", "注册日期", "开业日期", "开业时间"),
    "entered_stats_date": ("入统日期", "入规日期", "入统时间", "入规时间"),
    "exited_stats_date": ("退规日期", "退库日期", "退规时间"),
    "tags": ("企业资质", "资质", "标签", "企业类型标签"),
    "note": ("备注", "说明"),
    "period": ("月份", "统计月份", "年月", "所属月份", "报告期", "期别", "统计期", "日期"),
    "year": ("年份", "年度"),
    "month": ("月",),
    "revenue": ("主营业务收入", "营业收入", "营收", "主营收入", "销售收入", "主营业务收入(营业收入)"),
    "output_value": ("工业总产值", "总产值", "产值", "工业产值"),
    "tax_paid": ("税收", "纳税", "税金", "实缴税金", "入库税收", "纳税额", "税收收入", "实缴税收"),
    "electricity_kwh": ("用电量", "用电", "电量", "工业用电量"),
    "employees": ("从业人员", "从业人员期末人数", "从业人数", "职工人数", "员工人数", "用工人数",
                  "平均用工人数", "从业人员平均人数", "期末从业人数"),
    # which list an annual figure came from (the enterprise export writes it; 月报合计 there
    # means the ledger's own months, not a list's figure)
    "annual_source": ("年度数来源", "收入来源", "营收来源", "数据来源"),
}
MONEY_FIELDS = ("revenue", "output_value", "tax_paid")
FIGURE_FIELDS = (*MONEY_FIELDS, "electricity_kwh", "employees")
# Words that mark a field inside a longer header ("本月主营业务收入", "1-3月工业总产值"),
# tried longest first; short ambiguous synonyms (名称, 产值, 行业) are exact matches only.
_CONTAINED = sorted(
    [(s, f) for f in ("revenue", "output_value", "tax_paid", "electricity_kwh", "employees",
                      "credit_code", "name", "contact_phone", "township", "industry_code")
     for s in SYNONYMS[f] if len(s) >= 3] + [("税收", "tax_paid"), ("营收", "revenue")],
    key=lambda p: -len(p[0]))

UNIT_WORDS = ("亿元", "万元", "千元", "元", "万千瓦时", "千瓦时", "kWh", "KWH", "kwh", "度", "人")
_UNIT_IN_HEADER = re.compile(
    r"[(（\[【]\s*(?:单位\s*[:：]?\s*)?(亿元|万元|千元|元|万千瓦时|千瓦时|kwh|度|人)\s*[)）\]】]", re.I)
_UNIT_SUFFIX = re.compile(r"(?:单位\s*[:：]?\s*)?(亿元|万元|千元|万千瓦时|千瓦时)$", re.I)
UNIT_LINE = re.compile(r"(?:金额)?单位\s*[:：]\s*(亿元|万元|千元|元)")
_MONTH_HEADER = [
    re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(?:份)?(.*)$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})(.*)$"),
]
_CUMULATIVE = re.compile(r"累计|(\d{1,2})\s*[-—~至]\s*(\d{1,2})\s*月|全年|本年|上年|年度|\d{4}年(?!\d{1,2}月)")
# What marks a figure column as a year's amount (年度数) rather than a month's, and which year:
# a year written out ("2025年营业收入", "营业收入（2025年）", "2025年1-12月"), or one counted
# from the list's year ("上年营业收入": the year before; "本年"/"全年"/"年度": that year).
_RANGE = re.compile(r"(\d{1,2})\s*[-—~至]\s*(\d{1,2})\s*月")
_YEAR_WRITTEN = re.compile(r"((?:19|20)\d{2})\s*年(?!\d{1,2}月)")
_YEAR_BEFORE = re.compile(r"上年|去年|上一年|前一年")
_YEAR_SAME = re.compile(r"本年|当年|全年|年度|年报")
# not an amount at all: a rate, a share or a change ("营业收入增速(%)", "比上年增长")
_RATE = re.compile(r"增长|增速|增幅|增减|同比|环比|比上年|比重|占比|%|％|率")
_YEAR_PREFIX = re.compile(r"^(?:(?:19|20)\d{2}年度?|上年度?|本年度?)")
CUMULATIVE_NOTE = "累计数或年度数不导入（月度数据应为当月数）"


@dataclass
class Header:
    """What one header cell says."""

    text: str  # as shown (cleaned)
    field: str | None = None
    unit: str | None = None  # a unit word written in the header
    month: tuple[int | None, int] | None = None  # wide layout: (year or None, month)
    note: str | None = None  # why a recognisable column is not imported
    # a year's amount (年度数): the year written in the header, or the years from the list's
    # year (-1 for 上年, 0 for 本年/全年/年度); both None for a plain header ("营业收入")
    figure_year: int | None = None
    year_offset: int | None = None

    @property
    def annual(self) -> bool:
        """The header says the column holds a year's amounts."""
        return self.figure_year is not None or self.year_offset is not None


def _key(text: str) -> str:
    text = clean(text).replace("（", "(").replace("）", ")").replace(" ", "")
    return text.strip("*★※△ ").replace("*", "")


_EXACT = {_key(s): f for f, words in SYNONYMS.items() for s in words}


def unit_of(text: str) -> str | None:
    t = clean(text).replace(" ", "")
    m = _UNIT_IN_HEADER.search(t) or _UNIT_SUFFIX.search(t)
    if not m:
        return None
    unit = m.group(1)
    return "千瓦时" if unit.lower() == "kwh" or unit == "度" else unit


def field_of(text: str) -> str | None:
    """The field a header names, or None."""
    key = _key(text)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    bare = _UNIT_IN_HEADER.sub("", key)
    bare = re.sub(r"\((?:单位[:：]?)?[^()]*\)$", "", bare) if bare not in _EXACT else bare
    bare = _UNIT_SUFFIX.sub("", bare) or bare
    if bare in _EXACT:
        return _EXACT[bare]
    for word, field in _CONTAINED:
        if word in bare:
            return field
    return None


def parse_header(text: object) -> Header:
    shown = clean(text)
    header = Header(shown, unit=unit_of(shown))
    key = _key(shown)
    if not key:
        return header
    for form in _MONTH_HEADER:
        m = form.match(key)
        if m:
            rest = m.group(3)
            if rest and _CUMULATIVE.search(rest):
                break
            year = int(m.group(1)) if m.group(1) else None
            month = int(m.group(2))
            if 1 <= month <= 12 and (not rest or field_of(rest) in FIGURE_FIELDS):
                header.month = (year, month)
                header.field = field_of(rest) if rest else None
                return header
    field = field_of(key)
    if field is None:
        bare = _YEAR_PREFIX.sub("", key)
        if _EXACT.get(bare) == "annual_source":  # "2025年收入来源"
            field = "annual_source"
    if field in FIGURE_FIELDS:
        if _RATE.search(_UNIT_IN_HEADER.sub("", key)):
            header.note = "增长率、占比等比率不导入"
            return header
        when = annual_of(key)
        if when is False:
            header.note = CUMULATIVE_NOTE
            return header
        if when is not None:
            header.figure_year, header.year_offset = when
    header.field = field
    return header


def annual_of(text: str) -> tuple[int | None, int | None] | bool | None:
    """What a figure header says of its year: (year, None) for a year written out, (None,
    offset) for one counted from the list's year, None when it says nothing, False for a
    sum of some months (累计, 1-3月, 上年同期): not a year's amount."""
    key = _key(text)
    if "累计" in key or "同期" in key:
        return False
    found = _RANGE.search(key)
    if found and (int(found.group(1)), int(found.group(2))) != (1, 12):
        return False
    written = _YEAR_WRITTEN.search(key)
    if written:
        return int(written.group(1)), None
    if _YEAR_BEFORE.search(key):
        return None, -1
    if found or _YEAR_SAME.search(key):
        return None, 0
    return None


def money_factor_unit(unit: str | None) -> str | None:
    return unit if unit in ("亿元", "万元", "千元", "元") else None


def electricity_factor(unit: str | None) -> int:
    return 10_000 if unit == "万千瓦时" else 1

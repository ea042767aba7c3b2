"""The records a ledger holds, their vocabulary and their validation (Chinese messages).

Validation lives here so the form, the CLI and the spreadsheet import say the same thing
about the same mistake.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from ..errors import ValidationError
from . import credit_code as cc
from . import industry
from .text import clean, clean_name, clean_narrative, control_characters, name_problem

STAT_STATUSES = {"below_scale": "规下", "above_scale": "规上", "exited": "已退规"}
POOLS = {
    "none": "未入库",
    "base": "基础信息库",
    "reserve": "储备库",
    "cultivation": "培育库",
    "entry": "入统库",
    "exit_risk": "退规风险库",
}
SOURCES = {
    "upgrade": "提升",
    "attract": "招引",
    "spin_off": "裂变",
    "reserve": "储备",
    "sole_to_company": "个转企",
    "sector_switch": "转规",
    "new_project": "新建投产",
}
VISIT_KINDS = {"onsite": "上门走访", "phone": "电话", "meeting": "座谈会"}
ISSUE_CATEGORIES = {
    "finance": "融资", "land": "用地", "labour": "用工", "energy": "用能",
    "approval": "审批", "market": "市场", "technology": "技术", "other": "其他",
}
ISSUE_STATUSES = {"open": "待办理", "in_progress": "办理中", "resolved": "已解决", "closed": "已关闭"}
OPEN_ISSUE_STATUSES = ("open", "in_progress")  # not yet settled: 待办理, 办理中
TARGET_SCOPES = {"county": "全县", "township": "乡镇", "department": "部门"}
# What a target counts: 净增 = entries − exits in a year; 新增 = entries in a year; 累计新增 =
# entries over a period of years; 规上企业总数 = enterprises above scale at the end of a period.
TARGET_KINDS = {"net": "净增", "new": "新增", "cumulative": "累计新增", "stock": "规上企业总数"}
PERIOD_KINDS = ("cumulative", "stock")  # the kinds that run over years (until_year)

# The earliest visit and the first year of monthly figures a ledger takes: the programme and
# the 小升规 statistics began long after; 0001-01-01 or 1900 is a typing slip. Figures may be
# entered up to next year (a plan); later ones are a slip too.
EARLIEST_VISIT = "2000-01-01"
FIRST_FIGURE_YEAR = 2000
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
_TOWNSHIP_CODE = re.compile(r"\d{9}")
_DATE_LABELS = (("established_date", "成立日期"), ("entered_stats_date", "入统日期"),
                ("exited_stats_date", "退规日期"))
# people's names are stored as given (clean_name), the address and the note as typed
_NAME_KEYS = (("legal_person", "法定代表人"), ("contact_person", "联系人"), ("liaison_cadre", "包联干部"))
_NARRATIVE_KEYS = (("address", "地址"), ("note", "备注"))
# industry code text → (normalised code, problem, warning): a spreadsheet import checks the
# same few codes thousands of times
_INDUSTRY_SEEN: dict[str, tuple[str, str | None, str | None]] = {}


def _industry_check(raw: object) -> tuple[str, str | None, str | None]:
    found = _INDUSTRY_SEEN.get(raw) if type(raw) is str else None
    if found is None:
        code = industry.normalise(raw)
        message = industry.check(code)
        warning = None
        if not message and code and not industry.is_industrial(code):
            warning = f"行业代码{code}不属于工业（B、C、D门类）"
        found = (code, message, warning)
        if type(raw) is str:
            if len(_INDUSTRY_SEEN) > 10_000:
                _INDUSTRY_SEEN.clear()
            _INDUSTRY_SEEN[raw] = found
    return found


def parse_iso_date(value: object, label: str, problems: dict, key: str) -> str | None:
    text = clean(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        problems[key] = f"{label}“{text}”不是有效日期（应为YYYY-MM-DD）"
        return None


def _require(record: dict, key: str, label: str, problems: dict, kind: str = "enterprise") -> str:
    """A required name (企业名称, 走访人员, 决定人): as given, trimmed; nothing hidden in
    it, not too long (domain.text.name_problem, `kind` a key of NAME_LIMITS)."""
    text = clean_name(record.get(key))
    if not text:
        problems[key] = f"{label}不能为空"
    else:
        problem = name_problem(text, label, kind)
        if problem:
            problems[key] = problem
    return text


def narrative(value: object, label: str, problems: dict, key: str) -> str:
    """A narrative as typed (clean_narrative); a control character other than the line
    break and the tab is a problem (pasted from another program, it prints as nothing)."""
    text = clean_narrative(value)
    found = control_characters(text)
    if found:
        problems[key] = f"{label}含有不可见的控制字符（{'、'.join(found)}），请删除后再保存"
    return text


def _require_narrative(record: dict, key: str, label: str, problems: dict) -> str:
    text = narrative(record.get(key), label, problems, key)
    if not text and key not in problems:
        problems[key] = f"{label}不能为空"
    return text


def _choice(record: dict, key: str, choices: dict, label: str, problems: dict, default=None):
    value = record.get(key) or default
    if value is None:
        return None
    if value not in choices:
        # accept the Chinese label too
        reverse = {v: k for k, v in choices.items()}
        if value in reverse:
            return reverse[value]
        problems[key] = f"{label}“{value}”无效，应为：{'、'.join(choices.values())}"
    return value


def _non_negative_int(record: dict, key: str, label: str, problems: dict) -> int | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems[key] = f"{label}应为整数"
        return None
    if value < 0:
        problems[key] = f"{label}不能为负数"
    return value


def phone_problem(phone: str) -> str | None:
    """What is wrong with a cleaned phone number, or None."""
    return None if _PHONE.match(phone) else f"联系电话“{phone}”格式不正确"


def validate_enterprise(record: dict, *, partial: bool = False) -> tuple[dict, list[str]]:
    """Normalise and check an enterprise (or, with partial=True, the fields given).

    Returns (clean record, warnings); raises ValidationError listing every problem.
    """
    problems: dict[str, str] = {}
    warnings: list[str] = []
    out = dict(record)
    if not partial or "name" in record:
        out["name"] = _require(record, "name", "企业名称", problems)
    if not partial or "credit_code" in record:
        result = cc.check(record.get("credit_code"))
        out["credit_code"] = result.code
        if result.error:
            problems["credit_code"] = result.error
        elif result.warning:
            warnings.append(result.warning)
    if not partial or "township_code" in record:
        code = clean(record.get("township_code"))
        out["township_code"] = code
        if not _TOWNSHIP_CODE.fullmatch(code):
            problems["township_code"] = "乡镇代码应为9位数字（统计用区划代码前9位）"
    if "industry_code" in record:
        code, message, warning = _industry_check(record.get("industry_code"))
        out["industry_code"] = code or None
        if message:
            problems["industry_code"] = message
        elif warning:
            warnings.append(warning)
    if "stat_status" in record or not partial:
        out["stat_status"] = _choice(record, "stat_status", STAT_STATUSES, "统计状态", problems,
                                     default="below_scale")
    if "pool" in record or not partial:
        out["pool"] = _choice(record, "pool", POOLS, "库别", problems, default="none")
    if record.get("source"):
        out["source"] = _choice(record, "source", SOURCES, "来源", problems)
    if record.get("contact_phone"):
        phone = clean(record["contact_phone"])
        out["contact_phone"] = phone
        problem = phone_problem(phone)
        if problem:
            problems["contact_phone"] = problem
    for key, label in _DATE_LABELS:
        if key in record:
            out[key] = parse_iso_date(record[key], label, problems, key)
    for key, label in _NAME_KEYS:
        if key in record:
            out[key] = clean_name(record[key]) or None
            problem = name_problem(out[key] or "", label, "person")
            if problem:
                problems[key] = problem
    for key, label in _NARRATIVE_KEYS:
        if key in record:
            out[key] = narrative(record[key], label, problems, key) or None
    if problems:
        raise ValidationError(problems)
    return out, warnings


FIGURE_FIELDS = {
    "revenue": "主营业务收入",
    "output_value": "工业总产值",
    "tax_paid": "税收",
    "electricity_kwh": "用电量",
    "employees": "从业人员",
}


def figure_years() -> tuple[int, int]:
    """The years monthly figures may be for: FIRST_FIGURE_YEAR to next year."""
    return FIRST_FIGURE_YEAR, date.today().year + 1


def figure_year_problem(year: int) -> str | None:
    """What is wrong with the year of a monthly figure (2099, 1900), or None."""
    first, last = figure_years()
    if first <= year <= last:
        return None
    return f"年份{year}超出合理范围（{first}年至{last}年），请核对年份"


def validate_monthly_figure(record: dict) -> dict:
    problems: dict[str, str] = {}
    out = dict(record)
    period = clean(record.get("period"))
    m = _PERIOD.match(period)
    if not m:
        problems["period"] = f"月份“{period}”格式不正确，应为YYYY-MM"
    elif figure_year_problem(int(m.group(1))):
        problems["period"] = f"月份“{period}”：{figure_year_problem(int(m.group(1)))}"
    out["period"] = period
    for key, label in FIGURE_FIELDS.items():
        if key in record:
            out[key] = _non_negative_int(record, key, label, problems)
    if problems:
        raise ValidationError(problems)
    return out


def validate_visit(record: dict) -> dict:
    problems: dict[str, str] = {}
    out = dict(record)
    out["visit_date"] = parse_iso_date(record.get("visit_date"), "走访日期", problems, "visit_date")
    if not out["visit_date"] and "visit_date" not in problems:
        problems["visit_date"] = "走访日期不能为空"
    elif out["visit_date"] and out["visit_date"] > date.today().isoformat():
        problems["visit_date"] = "走访日期不能晚于今天"
    elif out["visit_date"] and out["visit_date"] < EARLIEST_VISIT:
        problems["visit_date"] = f"走访日期“{out['visit_date']}”过早（最早为{EARLIEST_VISIT}），请核对年份"
    out["visitors"] = _require(record, "visitors", "走访人员", problems, "people")
    out["summary"] = _require_narrative(record, "summary", "走访情况", problems)
    out["kind"] = _choice(record, "kind", VISIT_KINDS, "走访方式", problems, default="onsite")
    if "demands" in record:
        out["demands"] = narrative(record["demands"], "企业诉求", problems, "demands") or None
    if problems:
        raise ValidationError(problems)
    return out


# Between the names in a visit's 走访人员: 、 as the form suggests, or a comma of either width.
VISITOR_SEPARATORS = ("、", "，", ",")
_VISITOR_SEPARATOR = re.compile("|".join(map(re.escape, VISITOR_SEPARATORS)))


def split_visitors(text: str | None) -> list[str]:
    """The names in a visit's 走访人员, e.g. "张三、李四,王五" → ["张三", "李四", "王五"];
    spaces around a name and empty names are dropped."""
    return [name for name in (part.strip() for part in _VISITOR_SEPARATOR.split(text or "")) if name]


def typed_visitor(text: str) -> tuple[str, str]:
    """(everything up to the last separator, the name after it): what a completer keeps and
    what it completes, e.g. "张三、李" → ("张三、", "李")."""
    cut = max(text.rfind(separator) for separator in VISITOR_SEPARATORS)
    return text[:cut + 1], text[cut + 1:]


def validate_issue(record: dict, *, partial: bool = False) -> dict:
    problems: dict[str, str] = {}
    out = dict(record)
    if not partial or "description" in record:
        out["description"] = _require_narrative(record, "description", "问题描述", problems)
    if not partial or "category" in record:
        out["category"] = _choice(record, "category", ISSUE_CATEGORIES, "问题类别", problems,
                                  default="other")
    if not partial or "status" in record:
        out["status"] = _choice(record, "status", ISSUE_STATUSES, "办理状态", problems,
                                default="open")
    for key, label in (("deadline", "办结时限"), ("raised_date", "提出日期"),
                       ("resolved_date", "办结日期")):
        if key in record:
            out[key] = parse_iso_date(record[key], label, problems, key)
    if "resolution" in record:
        out["resolution"] = narrative(record["resolution"], "办理结果", problems, "resolution") or None
    if out.get("status") in ("resolved", "closed") and not (out.get("resolution") or partial):
        problems["resolution"] = "问题办结时须填写办理结果"
    if problems:
        raise ValidationError(problems)
    return out


def is_overdue(issue: Mapping, on: date | str) -> bool:
    """An issue is overdue on a day when it is still open (待办理 or 办理中) and its deadline
    is before that day; one without a deadline never is. `on` is a date or an ISO date.
    services.ledger.visits.overdue_sql says the same in SQL."""
    deadline = issue.get("deadline")
    day = on if isinstance(on, str) else on.isoformat()
    if not deadline or issue.get("status") not in OPEN_ISSUE_STATUSES:
        return False
    return str(deadline) < day


def validate_pool_move(record: dict) -> dict:
    problems: dict[str, str] = {}
    out = dict(record)
    out["to_pool"] = _choice(record, "to_pool", POOLS, "目标库别", problems)
    if not out.get("to_pool") and "to_pool" not in problems:
        problems["to_pool"] = "目标库别不能为空"
    out["reason"] = _require_narrative(record, "reason", "调库理由", problems)
    out["decided_by"] = _require(record, "decided_by", "决定人", problems, "people")
    out["moved_on"] = parse_iso_date(record.get("moved_on"), "调库日期", problems, "moved_on")
    if not out["moved_on"] and "moved_on" not in problems:
        problems["moved_on"] = "调库日期不能为空"
    if problems:
        raise ValidationError(problems)
    return out


def validate_target(record: dict) -> dict:
    """A target row: `net_increase` holds the number asked for, whatever the kind (the column
    predates the kinds); a cumulative or stock target runs from `year` to `until_year`."""
    problems: dict[str, str] = {}
    out = dict(record)
    year = record.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems["year"] = "年度应为2000–2100之间的整数"
    out["scope"] = _choice(record, "scope", TARGET_SCOPES, "目标范围", problems)
    if out.get("scope") == "township" and not re.fullmatch(r"\d{9}", str(record.get("township_code") or "")):
        problems["township_code"] = "乡镇目标须指定9位乡镇代码"
    if out.get("scope") == "department" and not record.get("department_id"):
        problems["department_id"] = "部门目标须指定责任单位"
    kind = out["kind"] = _choice(record, "kind", TARGET_KINDS, "目标类别", problems, default="net")
    until = record.get("until_year")
    if kind in PERIOD_KINDS:
        if not isinstance(until, int) or isinstance(until, bool) or not 2000 <= until <= 2100:
            problems["until_year"] = f"{TARGET_KINDS[kind]}目标须指定截止年度（2000–2100之间的整数）"
        elif isinstance(year, int) and until < year:
            problems["until_year"] = f"截止年度{until}不能早于起始年度{year}"
    elif until not in (None, year):
        problems["until_year"] = f"{TARGET_KINDS.get(kind, kind)}目标按年度设定，不能指定截止年度"
    else:
        out["until_year"] = None
    value = record.get("net_increase")
    label = f"{TARGET_KINDS.get(kind, '净增')}目标"
    if not isinstance(value, int) or isinstance(value, bool):
        problems["net_increase"] = f"{label}应为整数"
    elif kind != "net" and value < 0:
        problems["net_increase"] = f"{label}不能为负数（实际为{value}）"
    if problems:
        raise ValidationError(problems)
    return out


# Chinese names of the fields a conflict can be about (the window's conflicts, an enterprise's 修改记录).
FIELD_LABELS = {
    "name": "企业名称", "credit_code": "统一社会信用代码", "township_code": "乡镇（街道）",
    "industry_code": "行业代码", "stat_status": "统计状态", "pool": "库别", "source": "来源",
    "department_id": "责任单位", "liaison_cadre": "包联干部", "legal_person": "法定代表人",
    "contact_person": "联系人", "contact_phone": "联系电话", "address": "地址",
    "established_date": "成立日期", "entered_stats_date": "入统日期", "exited_stats_date": "退规日期",
    "tags": "企业资质", "note": "备注", "period": "月份", **FIGURE_FIELDS,
    "visit_date": "走访日期", "kind": "走访方式", "visitors": "走访人员", "summary": "走访情况",
    "demands": "企业诉求", "category": "问题类别", "description": "问题描述", "raised_date": "提出日期",
    "deadline": "办结时限", "status": "办理状态", "resolution": "办理结果", "resolved_date": "办结日期",
    "from_pool": "原库别", "to_pool": "新库别", "moved_on": "调整日期", "reason": "调整理由",
    "decided_by": "决定人", "confirmed": "县级确认", "year": "年份", "net_increase": "净增目标",
}

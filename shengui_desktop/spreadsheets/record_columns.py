"""The columns of the sheets for what the policy rules read: projects, their milestones
(节点任务), reward claims and earlier above-scale periods. One list per kind serves the
template (spreadsheets/templates.py) and the import (services/excel/record_sheets.py), which
recognises such a sheet by the headers only it has (项目名称, 节点任务, 申报类别, 当时企业名称).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.text import clean


@dataclass(frozen=True)
class RecordColumn:
    header: str
    field: str | None  # None: 序号 and 企业名称, read but not stored
    required: bool = False
    width: int = 12
    hint: str = ""
    kind: str = "text"  # text | name | narrative | date | money | year | flag | choice
    choices: str | None = None  # the options list of the template (选项 sheet)
    synonyms: tuple[str, ...] = ()


def _c(header, field, required=False, width=12, hint="", kind="text", choices=None, synonyms=()):
    return RecordColumn(header, field, required, width, hint, kind, choices, tuple(synonyms))


_ENTERPRISE = [
    _c("序号", None, width=6, hint="可填“示例”：该行不会导入"),
    _c("统一社会信用代码", "credit_code", True, 22, "企业须已在台账中或在同一文件的企业名单表中",
       synonyms=("社会信用代码", "信用代码")),
    _c("企业名称", "enterprise_name", False, 28, "不填代码时按企业名称查找", kind="name",
       synonyms=("单位名称",)),
]

RECORD_COLUMNS: dict[str, list[RecordColumn]] = {
    "projects": [
        *_ENTERPRISE,
        _c("项目名称", "name", True, 28, "同一企业的项目名称不重复；已有的项目按名称更新", kind="name"),
        _c("项目类别", "kind", False, 10, "新建项目、技改项目或重点项目，默认新建项目", kind="choice",
           choices="project_kind", synonyms=("项目类型",)),
        _c("项目状态", "status", False, 10, "不填时按日期判断", kind="choice", choices="project_status"),
        _c("总投资（万元）", "investment", False, 12, kind="money", synonyms=("总投资", "计划总投资")),
        _c("计划开工日期", "planned_start_date", kind="date"),
        _c("实际开工日期", "actual_start_date", kind="date", synonyms=("开工日期",)),
        _c("计划竣工日期", "planned_completion_date", kind="date"),
        _c("实际竣工日期", "actual_completion_date", kind="date", synonyms=("竣工日期",)),
        _c("计划投产日期", "planned_production_date", kind="date"),
        _c("实际投产日期", "production_start_date", kind="date", synonyms=("投产日期",)),
        _c("预计达产年产值（万元）", "expected_output", False, 14, kind="money",
           synonyms=("预计达产产值", "达产产值", "预计年产值")),
        _c("预计达产升规", "expected_to_reach_scale", False, 10, "是或否", kind="flag", choices="yes_no"),
        _c("预计升规年度", "expected_scale_year", False, 10, kind="year"),
        _c("责任单位", "responsible_unit", False, 14, kind="name", choices="department",
           synonyms=("项目责任单位", "责任部门")),
        _c("备注", "note", False, 20, kind="narrative"),
    ],
    "milestones": [
        *_ENTERPRISE,
        _c("项目名称", "project", True, 28, "与项目表中的项目名称一致", kind="name"),
        _c("节点任务", "name", True, 24, "同一项目的节点任务不重复；已有的按名称更新", kind="name",
           synonyms=("节点", "节点名称")),
        _c("计划完成日期", "due_date", kind="date", synonyms=("完成时限", "计划完成时间")),
        _c("实际完成日期", "done_date", kind="date", synonyms=("完成日期", "实际完成时间")),
        _c("备注", "note", False, 20, kind="narrative"),
    ],
    "claims": [
        *_ENTERPRISE,
        _c("申报类别", "kind", True, 16, "技术改造投资、中标合同、新增地方经济贡献或奖补项目申报",
           kind="choice", choices="claim_kind"),
        _c("奖补项目", "rule", False, 20, "申报类别为奖补项目申报时填写政策配置中的奖补项目名称",
           kind="name"),
        _c("年度", "year", True, 8, kind="year", synonyms=("申报年度",)),
        _c("项目或合同名称", "description", True, 24, kind="name", synonyms=("项目名称", "合同名称")),
        _c("金额（万元）", "amount", True, 12, "技改投资额、中标合同金额、核定的新增地方经济贡献或申报的奖励",
           kind="money", synonyms=("金额", "申报金额")),
        _c("中标项目所在地", "bid_region", False, 14, "本市、本省其他地市或省外（中标合同必填）",
           kind="choice", choices="bid_region"),
        _c("是否公开招标", "public_tender", False, 10, "是或否（中标合同默认是）", kind="flag",
           choices="yes_no"),
        _c("申报日期", "recorded_on", kind="date"),
        _c("证明材料", "evidence", False, 24, kind="narrative"),
        _c("状态", "status", False, 8, "申报、审核、兑现或不予；审核、兑现、不予由县级填写",
           kind="choice", choices="claim_status", synonyms=("审核状态",)),
        _c("决定日期", "decided_on", kind="date"),
        _c("审核意见", "decision_note", False, 20, kind="narrative"),
    ],
    "scale_periods": [
        _c("序号", None, width=6, hint="可填“示例”：该行不会导入"),
        _c("统一社会信用代码", "credit_code", True, 22, synonyms=("社会信用代码", "信用代码")),
        _c("当时企业名称", "name", True, 28, "该时段在规时使用的企业名称", kind="name",
           synonyms=("当时名称", "入规时企业名称")),
        _c("入规日期", "entered_on", True, kind="date"),
        _c("退规日期", "exited_on", kind="date"),
        _c("备注", "note", False, 20, kind="narrative"),
    ],
}
# headers only a sheet of that kind has, in the order they are tried
MARKS = (("milestones", "节点任务"), ("claims", "申报类别"), ("projects", "项目名称"),
         ("scale_periods", "当时企业名称"), ("scale_periods", "当时名称"))
KIND_LABELS = {"projects": "项目", "milestones": "项目节点任务", "claims": "奖补申报",
               "scale_periods": "此前在规时段"}


def header_key(text: object) -> str:
    """A header as compared: no marks of required columns, no spaces, half-width brackets."""
    return clean(text).replace("（", "(").replace("）", ")").replace(" ", "").strip("*★※△")


# a list of enterprises may have a 项目名称 column: a projects sheet has one of these too
_PROJECT_ONLY = {header_key(c.header).split("(")[0] for c in RECORD_COLUMNS["projects"][4:]
                 if c.field not in ("responsible_unit", "note")}


def record_kind(headers: list[str]) -> str | None:
    keys = {header_key(h) for h in headers}
    for kind, mark in MARKS:
        if mark in keys and (kind != "projects" or {k.split("(")[0] for k in keys} & _PROJECT_ONLY):
            return kind
    return None


def column_fields(kind: str, headers: list[str]) -> dict[int, RecordColumn]:
    """Column index → the column spec its header names (the first one of each)."""
    lookup: dict[str, RecordColumn] = {}
    for col in RECORD_COLUMNS[kind]:
        for name in (col.header, *col.synonyms):
            lookup.setdefault(header_key(name), col)
            lookup.setdefault(header_key(name).split("(")[0], col)
    found: dict[int, RecordColumn] = {}
    taken: set[str] = set()
    for i, h in enumerate(headers):
        key = header_key(h)
        col = lookup.get(key) or lookup.get(key.split("(")[0])
        if col is not None and col.header not in taken:
            found[i] = col
            taken.add(col.header)
    return found

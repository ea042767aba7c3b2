"""The catalogue of reports: what the window lists and the command line names.

Light on purpose (no reportlab, no ledger): the command line builds its parser from it at
start-up and the window lists it before anything is printed. services/reports.py has the
maker of each kind in MAKERS; a new report is its module in reports/, one entry here and
its maker there (a test checks the two tables name the same kinds).
"""

from __future__ import annotations

from dataclasses import dataclass

# The filters a report may read, in the order the window shows them, with their Chinese names.
FILTERS = {"enterprise": "企业", "township": "乡镇", "pool": "库别", "department": "责任单位",
           "year": "年度", "period": "起止日期", "month": "月份", "group_by": "分组"}


@dataclass(frozen=True)
class ReportKind:
    code: str  # the command line's KIND
    title: str  # what people pick, and what messages call it
    filters: tuple[str, ...]  # keys of FILTERS it reads; the window offers only these
    note: str  # one line on what it prints
    needs_choice: bool = False  # one enterprise or a narrowed set, never the whole ledger


REPORT_KINDS: dict[str, ReportKind] = {k.code: k for k in (
    ReportKind("ledger", "企业台账", ("township", "pool", "department", "year", "group_by"),
               "企业名录及本年度主要指标、库别和入规研判，按乡镇或库别分组（横向A4）。"),
    ReportKind("dossier", "一户一册", ("enterprise", "township", "pool", "department", "year"),
               "每户企业的基本情况、近三年月度数据、调库、走访、问题、奖补和入规材料清单，每户另起一页。"
               "选一户企业，或按乡镇、库别、责任单位选一批。", needs_choice=True),
    ReportKind("visits", "走访记录", ("township", "pool", "department", "period"),
               "选定期间内的走访记录及企业诉求（横向A4）。"),
    ReportKind("visit_form", "空白走访登记表", ("enterprise",),
               "一页走访记录表，走访时手工填写；选定企业时预先填好企业名称、信用代码和乡镇。"),
    ReportKind("issues", "问题台账", ("township", "pool", "department", "year"),
               "未办结的问题和本年度提出或办结的问题，按责任单位分组，标出逾期。"),
    ReportKind("targets", "目标完成情况", ("township", "department", "year"),
               "各乡镇、各责任单位的年度入规目标和完成情况，以及各库企业数。"),
    ReportKind("monitor", "企业月度监测表", ("month", "township", "pool", "department"),
               "监测企业所选月份（默认最近有数据的月份）的产值、营收、用电、税收及同比、环比、累计，政策提示，"
               "以及该月所在季度与规上标准线的对标（横向A4）。"),
    ReportKind("projects", "重点项目清单", ("township", "pool", "department", "year"),
               "重点项目的投产计划、节点任务、责任单位和所属企业的库别、营业收入，列出逾期事项（横向A4）。"),
    ReportKind("rewards", "奖补测算", ("township", "year"),
               "各企业本年度的奖补条目（规则、兑付主体、状态、金额和理由），按乡镇和年度合计，"
               "另列应追回和不再兑现的情形（横向A4）。"),
)}
KINDS = {code: kind.title for code, kind in REPORT_KINDS.items()}

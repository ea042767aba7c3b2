"""走访记录 and 问题台账 as xlsx, the rows the window's pages list: the visits newest first,
the issues by deadline under the 问题台账 page's filters (责任单位, 状态, 只看逾期), which the
sheet's note repeats. `shengui excel export --what visits|issues` (with --department,
--status, --overdue) and the pages' 导出Excel button call the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...domain.records import ISSUE_CATEGORIES, ISSUE_STATUSES, OPEN_ISSUE_STATUSES, VISIT_KINDS, is_overdue
from ...errors import UserError
from ...progress import Cancel, Job, Progress
from ..ledger.visits import list_issues, list_visits
from ..office.site import this_site

if TYPE_CHECKING:
    from ...spreadsheets.writer import TableBook
    from ...storage.ledger import Ledger

ALL_ROWS = -1  # SQLite's LIMIT -1: no limit (the pages show the latest 2,000 / 5,000)
# the 状态 choices of the 问题台账 page and of --status
STATUS_CHOICES = {"unsettled": ("未办结", OPEN_ISSUE_STATUSES),
                  **{code: (label, (code,)) for code, label in ISSUE_STATUSES.items()}}


@dataclass(frozen=True)
class IssueFilter:
    """The 问题台账 page's filters (None: all)."""

    department_id: str | None = None
    statuses: tuple[str, ...] | None = None
    overdue_on: str | None = None  # 'YYYY-MM-DD': only the unsettled ones past their deadline then

    def describe(self, department_name: str | None) -> str:
        """The filters in words, for the sheet's note ('' when none is set)."""
        parts = []
        if department_name:
            parts.append(f"责任单位：{department_name}")
        if self.statuses:
            label = next((lab for lab, codes in STATUS_CHOICES.values() if codes == tuple(self.statuses)),
                         "、".join(ISSUE_STATUSES.get(s, s) for s in self.statuses))
            parts.append(f"状态：{label}")
        if self.overdue_on:
            parts.append(f"只看截至{self.overdue_on}逾期的问题")
        return "；".join(parts)


def _enterprise_facts(ledger: Ledger) -> dict[str, tuple[str, str | None]]:
    """enterprise id → (credit code, township name)."""
    townships = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
    return {r["id"]: (r["credit_code"], townships.get(r["township_code"]))
            for r in ledger.rows("SELECT id, credit_code, township_code FROM enterprises")}


def write_visits(ledger: Ledger, book: TableBook, *, enterprise_ids: list[str] | None = None,
                 check_cancel: Callable[[], None] = lambda: None) -> int:
    """The 走访记录 sheet, newest first (as the page lists them); returns its rows."""
    from ...spreadsheets.writer import Col

    visits = list_visits(ledger, limit=ALL_ROWS)
    if enterprise_ids is not None:
        wanted = set(enterprise_ids)
        visits = [v for v in visits if v["enterprise_id"] in wanted]
    check_cancel()
    facts = _enterprise_facts(ledger)
    columns = [Col("序号", "int", 6), Col("走访日期", "date"), Col("企业名称"), Col("统一社会信用代码"),
               Col("乡镇（街道）"), Col("走访方式"), Col("走访人员"), Col("走访情况", width=36),
               Col("企业诉求", width=28), Col("问题数", "int", total=True), Col("记录人")]
    return book.add_table("走访记录", f"{book.office}企业走访记录", columns, (
        [i, v["visit_date"], v["enterprise_name"], *facts.get(v["enterprise_id"], (None, None)),
         VISIT_KINDS.get(v["kind"], v["kind"]), v["visitors"], v["summary"], v["demands"],
         v["issue_count"] or 0, v["recorded_by"]] for i, v in enumerate(visits, start=1)),
        title_columns=3)


def write_issues(ledger: Ledger, book: TableBook, *, today: date, filters: IssueFilter | None = None,
                 enterprise_ids: list[str] | None = None,
                 check_cancel: Callable[[], None] = lambda: None) -> int:
    """The 问题台账 sheet under `filters`, by deadline (as the page lists them); returns its rows."""
    from ...spreadsheets.writer import Col

    filters = filters or IssueFilter()
    issues = list_issues(ledger, department_id=filters.department_id, statuses=filters.statuses,
                         overdue_on=filters.overdue_on, limit=ALL_ROWS)
    if enterprise_ids is not None:
        wanted = set(enterprise_ids)
        issues = [i for i in issues if i["enterprise_id"] in wanted]
    check_cancel()
    facts = _enterprise_facts(ledger)
    department = ledger.scalar("SELECT name FROM departments WHERE id = ?", (filters.department_id,)) \
        if filters.department_id else None
    iso = today.isoformat()
    columns = [Col("序号", "int", 6), Col("提出日期", "date"), Col("企业名称"), Col("统一社会信用代码"),
               Col("乡镇（街道）"), Col("问题类别"), Col("问题描述", width=36), Col("责任单位"),
               Col("办结时限", "date"), Col("办理状态"), Col("是否超期"), Col("办理结果", width=28),
               Col("办结日期", "date")]

    def overdue(i: dict) -> str | None:
        if i["status"] not in OPEN_ISSUE_STATUSES or not i["deadline"]:
            return None
        return "是" if is_overdue(i, iso) else "否"
    return book.add_table("问题台账", f"{book.office}企业问题（诉求）台账", columns, (
        [n, i["raised_date"], i["enterprise_name"], *facts.get(i["enterprise_id"], (None, None)),
         ISSUE_CATEGORIES.get(i["category"], i["category"]), i["description"], i["department_name"],
         i["deadline"], ISSUE_STATUSES.get(i["status"], i["status"]), overdue(i), i["resolution"],
         i["resolved_date"]] for n, i in enumerate(issues, start=1)),
        note=filters.describe(department), title_columns=3)


def _export(ledger: Ledger, out: Path | str, title: str, write, progress: Progress | None,
            cancel: Cancel, today: date | None) -> dict:
    from ...spreadsheets.writer import TableBook

    job = Job(progress, cancel)
    today = today or date.today()
    site = this_site(ledger)
    book = TableBook(site["name"] if site else "", today)
    job.report("读取台账", 0, 1)
    rows = write(book, today, job.check)
    job.report("写入文件", 0, 1)
    path = book.save(Path(out))
    job.tell("写入文件", 1, 1)
    return {"path": str(path), "title": title, "rows": rows, "notes": []}


def export_visits(ledger: Ledger, out: Path | str, *, progress: Progress | None = None,
                  cancel: Cancel = None, today: date | None = None) -> dict:
    """Every visit to an .xlsx (the 走访记录 page's 导出Excel); {"path", "title", "rows", "notes"}.
    A cancel (Cancelled) leaves no file."""
    return _export(ledger, out, "走访记录",
                   lambda book, _today, check: write_visits(ledger, book, check_cancel=check),
                   progress, cancel, today)


def export_issues(ledger: Ledger, out: Path | str, *, filters: IssueFilter | None = None,
                  progress: Progress | None = None, cancel: Cancel = None,
                  today: date | None = None) -> dict:
    """The issues under `filters` to an .xlsx (the 问题台账 page's 导出Excel)."""
    return _export(ledger, out, "问题台账",
                   lambda book, day, check: write_issues(ledger, book, today=day, filters=filters,
                                                         check_cancel=check),
                   progress, cancel, today)


def issue_filter(ledger: Ledger, *, department: str | None = None, status: str | None = None,
                 overdue: bool = False, today: date | None = None) -> IssueFilter:
    """The command line's --department (a name), --status (a key of STATUS_CHOICES) and
    --overdue as an IssueFilter; an unknown name or status is a Chinese error."""
    from ..ledger.reference import department_id

    if status is not None and status not in STATUS_CHOICES:
        raise UserError(f"未知的办理状态“{status}”，可选：" +
                        "、".join(f"{k}（{label}）" for k, (label, _c) in STATUS_CHOICES.items()))
    return IssueFilter(department_id=department_id(ledger, department),
                       statuses=STATUS_CHOICES[status][1] if status else None,
                       overdue_on=(today or date.today()).isoformat() if overdue else None)

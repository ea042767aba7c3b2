"""The 奖补测算 as xlsx: every reward line with its rule, status and reason, the totals by
township and by year, and the clawback cases (追回与不再兑现) on a sheet of their own. The
same numbers as `shengui rewards` and the 奖补测算 page (services/policy/reward_lines.py
reward_overview); used by `shengui rewards --xlsx`, `excel export --what rewards` and the page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ...progress import Cancel, Job, Progress
from ..office.site import this_site
from ..policy.reward_lines import RewardOverview, reward_overview

if TYPE_CHECKING:
    from ...spreadsheets.writer import TableBook
    from ...storage.ledger import Ledger

TITLE = "奖补测算"


def write_rewards(book: TableBook, overview: RewardOverview, notes: list[str]) -> int:
    """The four sheets of one overview; returns the number of reward lines."""
    from ...spreadsheets.writer import Col

    o = overview
    scope = f"{o.township_name}" if o.township_name else ""
    head = f"{book.office}{scope}{o.year}年小升规奖补测算"
    policy = f"政策配置：{o.profile.name}" if o.profile else "尚未选择政策配置"
    columns = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
               Col("入规年度", "int", total=False), Col("入规第几年", "int", total=False), Col("奖补项目", width=24),
               Col("兑付主体"), Col("状态"), Col("应兑现金额（万元）", "wan"), Col("测算金额（万元）", "wan", total=False),
               Col("金额说明", width=24), Col("理由", width=48)]
    rows = [[i, ln.name, ln.credit_code, o.township_of(ln), ln.entry_year, ln.reward_year, ln.rule_name, ln.payer,
             ln.status_text, ln.amount, ln.computed_amount, ln.amount_text or None, ln.reason]
            for i, ln in enumerate(o.lines, start=1)]
    t = o.totals
    note = (f"{policy}。应兑现合计{t.due_amount / 10_000:,.2f}万元（{t.enterprises}户）"
            + (f"，另有{t.due_without_amount}项金额由上级或财政部门确定" if t.due_without_amount else "")
            + "。合计行只计“应兑现”的金额。")
    count = book.add_table("奖补明细", head, columns, rows, note=note, title_columns=2)
    sums = [Col("序号", "int", 6), Col("乡镇（街道）"), Col("应兑现金额（万元）", "wan"),
            Col("应兑现企业（户）", "int", total=True), Col("金额待定（项）", "int", total=True),
            Col("奖补条目（项）", "int", total=True)]
    book.add_table("按乡镇合计", f"{head}（按乡镇合计）", sums, (
        [i, s.label, s.due_amount, s.enterprises, s.due_without_amount, s.lines]
        for i, s in enumerate(o.townships, start=1)))
    book.add_table("按年度合计", f"{book.office}{scope}小升规奖补测算（按年度合计）",
                   [Col("年度"), *sums[2:]],
                   ([s.label, s.due_amount, s.enterprises, s.due_without_amount, s.lines] for s in o.years),
                   note="各年度按同一政策配置、以今天的台账测算")
    back = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
            Col("奖补项目", width=24), Col("处理"), Col("金额（万元）", "wan"), Col("兑现日期", "date"),
            Col("理由", width=48)]
    book.add_table("追回与不再兑现", f"{head}（追回与不再兑现）", back, (
        [i, c.line.name, c.line.credit_code, c.township, c.line.rule_name, c.action_text, c.amount, c.paid_on,
         c.line.reason] for i, c in enumerate(o.clawbacks, start=1)),
        note="已兑现但按规则不予享受的，应追回；入规后规定年限内退出规上的，未兑现部分不再兑现")
    if o.profile is None:
        notes.extend(o.notes)
    elif not o.lines:
        notes.append(f"{o.year}年没有奖补条目")
    return count


def export_rewards(ledger: Ledger, out: Path | str, *, year: int, today: date | None = None,
                   township_code: str | None = None, progress: Progress | None = None,
                   cancel: Cancel = None) -> dict:
    """Write the 奖补测算 of `year` (one township's, or the county's) to `out`. Returns
    {"path", "title", "rows", "notes", "due_amount", "enterprises", "due_without_amount",
    "clawbacks"}; a cancelled export raises Cancelled and leaves `out` as it was."""
    from ...spreadsheets.writer import TableBook

    today = today or date.today()
    job = Job(progress, cancel)
    overview = reward_overview(ledger, year, today, township_code=township_code, progress=progress,
                               cancel=cancel)
    site = this_site(ledger)
    book = TableBook(site["name"] if site else "", today)
    notes: list[str] = []
    rows = write_rewards(book, overview, notes)
    job.report("写入文件", 0, 1)
    path = book.save(Path(out))
    job.tell("写入文件", 1, 1)
    t = overview.totals
    return {"path": str(path), "title": TITLE, "rows": rows, "notes": notes, "due_amount": t.due_amount,
            "enterprises": t.enterprises, "due_without_amount": t.due_without_amount,
            "clawbacks": len(overview.clawbacks)}

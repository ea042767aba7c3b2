"""Spreadsheet import and export: the use cases behind `shengui excel` and the window.

Import is all or nothing: every row of every sheet is read and checked first; only when no
row has a problem is anything written, in one transaction. Both directions take a progress
callback (stage, done, total) and a cancel flag (a callable or a threading.Event), so the
window can run them on a worker thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...domain.records import POOLS
from ...errors import UserError
from ...gc_pause import collector_paused
from ...spreadsheets.reader import read_workbook
from ...spreadsheets.report import Finding, write_marked_copy

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

Progress = Callable[[str, int, int], None]
ENTERPRISE_FIELDS = ("name", "credit_code", "township", "township_code", "industry_code",
                     "industry_name", "stat_status", "pool", "source", "department",
                     "liaison_cadre", "legal_person", "contact_person", "contact_phone",
                     "address", "established_date", "entered_stats_date", "exited_stats_date",
                     "tags", "note")
_TEXT_FIELDS = ("liaison_cadre", "legal_person", "contact_person", "address", "note")
_DATE_FIELDS = ("established_date", "entered_stats_date", "exited_stats_date")
_STATUS_WORDS = {"规上": "above_scale", "规模以上": "above_scale", "是": "above_scale",
                 "规下": "below_scale", "规模以下": "below_scale", "否": "below_scale",
                 "已退规": "exited", "退规": "exited"}
_POOL_WORDS = {**{v: k for k, v in POOLS.items()}, "基础库": "base", "入统": "entry",
               "退规风险": "exit_risk", "无": "none", "": "none"}
DEFAULT_MONEY_UNIT = "万元"
# Beyond this a cell is surely in a smaller unit than assumed (1e12 yuan = 1万亿).
_IMPLAUSIBLE_YUAN = 10 ** 12
_NINE_DIGITS = re.compile(r"\d{9}")
_CODE_DIGITS = re.compile(r"\d{2,4}")
_DIVISION_PREFIX = re.compile(r"^[A-T]?\d{2,4}")
_TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class ImportCancelled(UserError):
    exit_code = 130

    def __init__(self):
        super().__init__("已取消导入，台账未作任何修改")


@dataclass
class SheetSummary:
    name: str
    kind: str | None  # "enterprises" | "figures" | None (not a table)
    header_row: int | None = None  # Excel row number
    rows: int = 0
    unit: str | None = None
    skipped: list[Finding] = field(default_factory=list)
    unused_columns: list[Finding] = field(default_factory=list)


@dataclass
class Change:
    """An existing record the import would change: field label → (old, new) as shown."""

    sheet: str
    row: int
    what: str
    fields: dict[str, tuple[str, str]]

    def text(self) -> str:
        parts = "；".join(f"{k}：{old or '（空）'} → {new}" for k, (old, new) in self.fields.items())
        return f"第{self.row}行 {self.what}：{parts}"


@dataclass
class ImportResult:
    path: str
    dry_run: bool
    applied: bool = False
    sheets: list[SheetSummary] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)  # enterprises
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    figures_created: int = 0
    figures_updated: list[Change] = field(default_factory=list)
    figures_unchanged: int = 0
    new_townships: list[dict] = field(default_factory=list)
    enterprise_ids: set[str] = field(default_factory=set)  # touched, for views to refresh
    report_path: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        many = len({p.sheet for p in self.problems}) > 1
        return [p.text(with_sheet=many) for p in self.problems]

    def summary_lines(self) -> list[str]:
        verb = "将" if self.dry_run or not self.applied else "已"
        lines = []
        for s in self.sheets:
            if s.kind is None:
                lines.append(f"工作表“{s.name}”：未找到表头，已跳过")
                continue
            what = "企业名单" if s.kind == "enterprises" else "月度数据"
            unit = f"，金额单位{s.unit}" if s.unit else ""
            lines.append(f"工作表“{s.name}”：{what}，表头在第{s.header_row}行，数据{s.rows}行{unit}")
            for f in s.skipped:
                lines.append(f"  跳过第{f.row}行：{f.message}")
            for f in s.unused_columns:
                lines.append(f"  未导入的列 {f.column_letter}（{f.header}）：{f.message}")
        for t in self.new_townships:
            lines.append(f"{verb}新建乡镇：{t['name']}（代码{t['code']}，临时分配，请核对）")
        lines.append(f"{verb}新增企业{len(self.created)}户，更新{len(self.updated)}户，"
                     f"无变化{self.unchanged}户")
        for change in self.updated:
            lines.append("  " + change.text())
        if self.figures_created or self.figures_updated or self.figures_unchanged:
            lines.append(f"{verb}新增月度数据{self.figures_created}条，更新{len(self.figures_updated)}条，"
                         f"无变化{self.figures_unchanged}条")
            for change in self.figures_updated:
                lines.append("  " + change.text())
        for w in self.warnings:
            lines.append("提示：" + w.text())
        return lines

    def to_dict(self) -> dict:
        return {
            "path": self.path, "dry_run": self.dry_run, "applied": self.applied, "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
            "sheets": [{"name": s.name, "kind": s.kind, "header_row": s.header_row,
                        "rows": s.rows, "unit": s.unit,
                        "skipped": [f.to_dict() for f in s.skipped],
                        "unused_columns": [f.to_dict() for f in s.unused_columns]}
                       for s in self.sheets],
            "created": self.created,
            "updated": [{"row": c.row, "sheet": c.sheet, "what": c.what,
                         "fields": {k: list(v) for k, v in c.fields.items()}} for c in self.updated],
            "unchanged": self.unchanged,
            "figures_created": self.figures_created,
            "figures_updated": [{"row": c.row, "sheet": c.sheet, "what": c.what,
                                 "fields": {k: list(v) for k, v in c.fields.items()}}
                                for c in self.figures_updated],
            "figures_unchanged": self.figures_unchanged,
            "new_townships": self.new_townships,
            "report_path": self.report_path,
        }


def _cancel_check(cancel) -> Callable[[], None]:
    if cancel is None:
        return lambda: None
    test = cancel.is_set if hasattr(cancel, "is_set") else cancel

    def check() -> None:
        if test():
            raise ImportCancelled()
    return check


# -- import ----------------------------------------------------------------------------------
def import_file(ledger: Ledger, path: Path | str, *, sheet: str | None = None,
                kind: str | None = None, dry_run: bool = False, report: Path | str | None = None,
                progress: Progress | None = None, cancel=None) -> ImportResult:
    """Read, check and (unless dry_run or any problem) write the file's enterprises and
    monthly figures. Problems never raise: they are in the result (`ok` is False), and
    with `report` a marked-up copy of the file is written."""
    path = Path(path)
    check_cancel = _cancel_check(cancel)
    progress = progress or (lambda stage, done, total: None)
    progress("读取文件", 0, 1)
    grids = read_workbook(path, sheet)
    progress("读取文件", 1, 1)
    check_cancel()
    plan = _Planner(ledger, ImportResult(str(path), dry_run), progress, check_cancel)
    with collector_paused():
        plan.run(grids, kind=kind, sheet_named=sheet is not None)
    result = plan.result
    if result.problems:
        if report:
            result.report_path = str(write_marked_copy(path, grids, result.problems,
                                                       result.warnings, Path(report)))
        return result
    if not dry_run:
        with collector_paused():
            plan.apply()
        result.applied = True
    elif report:
        result.report_path = str(write_marked_copy(path, grids, [], result.warnings, Path(report)))
    return result


from .planner import _Planner  # noqa: E402  (the planner imports the types above)
from .export import EXPORT_TITLES, export_enterprises, export_table, write_import_template  # noqa: E402

__all__ = ["ImportResult", "ImportCancelled", "import_file", "EXPORT_TITLES",
           "export_enterprises", "export_table"]

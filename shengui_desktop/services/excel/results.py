"""What an import found and did: per sheet, the problems and warnings, and the records it
creates or changes (the same result for a dry run and a real import)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...spreadsheets.report import Finding


@dataclass
class SheetSummary:
    name: str
    kind: str | None  # "enterprises" | "figures" | None (not a table)
    header_row: int | None = None  # Excel row number
    rows: int = 0
    unit: str | None = None
    # an enterprise list's annual figures (年度数): what they are and of which year, in
    # words, e.g. "主营业务收入、工业总产值，2025年（取自标题）"
    annual: str | None = None
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
class RecordCounts:
    """Projects, milestones, claims or earlier periods an import creates or changes."""

    created: int = 0
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0


SHEET_KINDS = {"enterprises": "企业名单", "figures": "月度数据", "projects": "项目",
               "milestones": "项目节点任务", "claims": "奖补申报", "scale_periods": "此前在规时段"}


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
    records: dict[str, RecordCounts] = field(default_factory=dict)  # by sheet kind
    annual_created: int = 0  # annual figures (年度数): one per enterprise and year
    annual_updated: list[Change] = field(default_factory=list)
    annual_unchanged: int = 0
    # a list gives a year's amounts but nothing says which year: give it (year=…, --year)
    needs_year: bool = False
    # township names the ledger's list does not know (a problem unless creating them was
    # confirmed): {name, code (the file's, or None), nearest (known names), rows}
    unknown_townships: list[dict] = field(default_factory=list)
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
            what = SHEET_KINDS.get(s.kind, s.kind)
            unit = f"，金额单位{s.unit}" if s.unit else ""
            lines.append(f"工作表“{s.name}”：{what}，表头在第{s.header_row}行，数据{s.rows}行{unit}")
            if s.annual:
                lines.append(f"  年度数：{s.annual}")
            for f in s.skipped:
                lines.append(f"  跳过第{f.row}行：{f.message}")
            for f in s.unused_columns:
                lines.append(f"  未导入的列 {f.column_letter}（{f.header}）：{f.message}")
        for t in self.new_townships:
            origin = "临时分配，请核对" if t.get("allocated", True) else "取自表格"
            lines.append(f"{verb}新建乡镇：{t['name']}（代码{t['code']}，{origin}）")
        for t in self.unknown_townships:
            nearest = f"，最接近的有：{'、'.join(t['nearest'])}" if t["nearest"] else ""
            lines.append(f"本台账没有乡镇“{t['name']}”（{t['rows']}行）{nearest}")
        if self.created or self.updated or self.unchanged or not self.records:
            lines.append(f"{verb}新增企业{len(self.created)}户，更新{len(self.updated)}户，"
                         f"无变化{self.unchanged}户")
        for change in self.updated:
            lines.append("  " + change.text())
        for kind, counts in self.records.items():
            lines.append(f"{verb}新增{SHEET_KINDS[kind]}{counts.created}条，更新{len(counts.updated)}条，"
                         f"无变化{counts.unchanged}条")
            lines.extend("  " + change.text() for change in counts.updated)
        if self.figures_created or self.figures_updated or self.figures_unchanged:
            lines.append(f"{verb}新增月度数据{self.figures_created}条，更新{len(self.figures_updated)}条，"
                         f"无变化{self.figures_unchanged}条")
            for change in self.figures_updated:
                lines.append("  " + change.text())
        if self.annual_created or self.annual_updated or self.annual_unchanged:
            lines.append(f"{verb}新增年度数据{self.annual_created}条，更新{len(self.annual_updated)}条，"
                         f"无变化{self.annual_unchanged}条")
            for change in self.annual_updated:
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
                        "rows": s.rows, "unit": s.unit, "annual": s.annual,
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
            "annual_created": self.annual_created,
            "annual_updated": [{"row": c.row, "sheet": c.sheet, "what": c.what,
                                "fields": {k: list(v) for k, v in c.fields.items()}}
                               for c in self.annual_updated],
            "annual_unchanged": self.annual_unchanged,
            "needs_year": self.needs_year,
            "new_townships": self.new_townships,
            "records": {kind: {"created": c.created, "unchanged": c.unchanged,
                               "updated": [{"row": u.row, "sheet": u.sheet, "what": u.what,
                                            "fields": {k: list(v) for k, v in u.fields.items()}}
                                           for u in c.updated]}
                        for kind, c in self.records.items()},
            "unknown_townships": self.unknown_townships,
            "report_path": self.report_path,
        }

"""The audit log (审计日志) as an xlsx list: one row per entry, with the result of the
chain's verification under the title (services/office/audit.py export_xlsx)."""

from __future__ import annotations

from pathlib import Path


def write_audit(rows: list[dict], out: Path, *, office: str, note: str) -> Path:
    """Write `rows` (Entry.as_dict of services.office.audit) to `out`; returns the path."""
    from ...spreadsheets.writer import Col, TableBook

    book = TableBook(office)
    columns = [Col("序号", "int", 6), Col("时间", width=19), Col("单位"), Col("人员"), Col("操作"),
               Col("对象", width=30), Col("详情", width=50), Col("日志编号", "int", 8, total=False)]
    book.add_table("审计日志", f"{office}审计日志", columns,
                   ([n, r["time"], r["copy"], r["person"], r["action"], r["object"] or None,
                     r["detail"] or None, r["no"]] for n, r in enumerate(rows, 1)),
                   note=note)
    return book.save(Path(out))

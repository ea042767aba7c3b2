"""Looking after the ledger file: an integrity check and an encrypted backup."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ...progress import Cancel, Job, Progress
from ...storage.connection import DatabaseError
from ...storage.ledger import Ledger
from ...sync.rules import label as table_label
from .audit import BACKUP, record

# The tables whose sizes the check reports beside its verdict.
COUNTED_TABLES = ("enterprises", "monthly_figures", "visits", "issues", "change_log")
DAMAGED_ADVICE = ("台账文件已损坏，部分数据可能无法读取。请不要继续录入，先在“设置 → 备份与恢复”中"
                  "用最近的一份备份恢复；恢复后可让县里（或乡镇）导出“完整包（恢复用）”找回备份之后的修改。")


def check_ledger(ledger: Ledger, progress: Progress | None = None, cancel: Cancel = None) -> dict:
    """{"ok", "problems" (Chinese, empty when sound), "counts" (rows per main table; None
    for a table that cannot be read)}. A damaged file is reported, never raised: the check
    is what a person runs when something is wrong. Cancelled between its steps."""
    job = Job(progress, cancel)
    job.report("检查数据页", 0, 2)
    try:
        problems = ledger.verify()
    except DatabaseError:  # a page damaged where even the checks stop
        problems = ["数据库结构检查失败：有数据页无法读取"]
    counts: dict[str, int | None] = {}
    for i, table in enumerate(COUNTED_TABLES):
        job.report("统计记录", i, len(COUNTED_TABLES))
        try:
            counts[table] = ledger.scalar(f"SELECT count(*) FROM {table}")  # noqa: S608
        except DatabaseError:
            counts[table] = None
    unread = [table_label(t) for t, n in counts.items() if n is None]
    if unread and not problems:
        problems.append("无法读取：" + "、".join(unread))
    return {"ok": not problems, "problems": problems, "counts": counts}


def counts_text(counts: dict[str, int | None]) -> str:
    """企业 40，月度数据 1,440，… (a table that could not be read: 无法读取)."""
    return "，".join(f"{table_label(t)} {'无法读取' if n is None else f'{n:,}'}" for t, n in counts.items())


def check_text(result: dict) -> str:
    """The verdict of :func:`check_ledger` for a person: sound with the counts, or what is
    damaged and what to do."""
    if result["ok"]:
        return "台账检查通过：文件完整，所有数据页校验无误。\n" + counts_text(result["counts"])
    return ("台账检查发现问题：\n" + "\n".join(f"• {p}" for p in result["problems"])
            + "\n\n" + DAMAGED_ADVICE + "\n\n能读取的记录：" + counts_text(result["counts"]))


def backup_ledger(ledger: Ledger, out: Path | str,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """An encrypted copy (same key) at `out`, its key slots beside it (`out`.keys).
    `progress(done, total)` counts pages; an exception it raises stops the copy (no file).
    The backups folder, its names and restoring are services/office/backups.py."""
    made = ledger.backup(Path(out), progress)
    record(ledger, BACKUP, made.name, f"加密备份至“{made.parent}”")
    return made

"""Looking after the ledger file: an integrity check and an encrypted backup."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ...storage.connection import RESTORE_ADVICE, DatabaseError
from ...storage.ledger import Ledger

# The tables whose sizes the check reports beside its verdict.
COUNTED_TABLES = ("enterprises", "monthly_figures", "visits", "issues", "change_log")
COUNTED_LABELS = {"enterprises": "企业", "monthly_figures": "月度数据", "visits": "走访记录",
                  "issues": "问题", "change_log": "变更记录"}


def check_ledger(ledger: Ledger) -> dict:
    """{"ok", "problems" (Chinese, empty when sound), "counts" (rows per main table)}."""
    problems = ledger.verify()
    counts: dict[str, int | None] = {}
    for table in COUNTED_TABLES:
        try:
            counts[table] = ledger.scalar(f"SELECT count(*) FROM {table}")
        except DatabaseError as e:  # a damaged page of that table: a finding, not a crash
            counts[table] = None
            problems.append(f"无法读取{COUNTED_LABELS[table]}（{e}）")
    advice = RESTORE_ADVICE if problems else ""
    return {"ok": not problems, "problems": problems, "counts": counts, "advice": advice}


def backup_ledger(ledger: Ledger, out: Path | str,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """An encrypted copy (same key) at `out`, its key slots beside it (`out`.keys).
    `progress(done, total)` counts pages; an exception it raises stops the copy (no file).
    The backups folder, its names and restoring are services/office/backups.py."""
    return ledger.backup(Path(out), progress)

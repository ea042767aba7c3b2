"""Looking after the ledger file: an integrity check and an encrypted backup."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ...storage.ledger import Ledger
from .audit import BACKUP, record

# The tables whose sizes the check reports beside its verdict.
COUNTED_TABLES = ("enterprises", "monthly_figures", "visits", "issues", "change_log")


def check_ledger(ledger: Ledger) -> dict:
    """{"ok", "problems" (Chinese, empty when sound), "counts" (rows per main table)}."""
    problems = ledger.verify()
    counts = {t: ledger.scalar(f"SELECT count(*) FROM {t}") for t in COUNTED_TABLES}
    return {"ok": not problems, "problems": problems, "counts": counts}


def backup_ledger(ledger: Ledger, out: Path | str,
                  progress: Callable[[int, int], None] | None = None) -> Path:
    """An encrypted copy (same key) at `out`, its key slots beside it (`out`.keys).
    `progress(done, total)` counts pages; an exception it raises stops the copy (no file).
    The backups folder, its names and restoring are services/office/backups.py."""
    made = ledger.backup(Path(out), progress)
    record(ledger, BACKUP, made.name, f"加密备份至“{made.parent}”")
    return made

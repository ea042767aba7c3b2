"""The stored policy evaluations (schema 14): rows of `policy_evaluations` and their stamp.

Only the SQL lives here; what is stored and when it is brought up to date is decided by
services/policy/evaluation_store.py. The tables are local (never in the change log, never
synced), so writing them records nothing in the audit log and changes no record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from .ledger import Ledger

COLUMNS = ("enterprise_id", "pool", "suggested_pool", "has_suggestion", "flags", "prior_year_revenue",
           "prior_source", "prior_months", "projected_revenue", "projection_method", "growth_rate",
           "stale_on", "computed_seq")
_INSERT = (f"INSERT OR REPLACE INTO policy_evaluations ({', '.join(COLUMNS)})"
           f" VALUES ({', '.join('?' * len(COLUMNS))})")
_CHUNK = 900  # below SQLite's bound-parameter limit


@dataclass(frozen=True)
class EvaluationStamp:
    """What the stored rows were computed against."""

    rules: str  # the program's rules and the schema
    profile: str  # the active profile (id, version, a hash of its content), "" without one
    as_of: str  # the day (YYYY-MM-DD)
    latest: str | None  # the latest month of this year anybody reported ("months so far")
    log_seq: int | None  # the change log's last entry then
    log_hlc: int | None  # that entry's hybrid clock (a number used again is not the same entry)


def has_table(ledger: Ledger) -> bool:
    """Is the ledger at schema 14 or later (migrations applied)?"""
    return ledger.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'policy_evaluation_stamp'") == 1


def read_stamp(ledger: Ledger) -> EvaluationStamp | None:
    row = ledger.conn.execute("SELECT rules, profile, as_of, latest, log_seq, log_hlc"
                              " FROM policy_evaluation_stamp WHERE id = 1").fetchone()
    return EvaluationStamp(*row) if row else None


def log_mark(ledger: Ledger) -> tuple[int | None, int | None]:
    """(seq, hlc) of the change log's last entry; (None, None) while it is empty."""
    row = ledger.conn.execute("SELECT seq, hlc FROM change_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (None, None)


def entry_hlc(ledger: Ledger, seq: int) -> int | None:
    """The hybrid clock of the change-log entry `seq` (None: no such entry any more)."""
    return ledger.scalar("SELECT hlc FROM change_log WHERE seq = ?", (seq,))


READ_COLUMNS = COLUMNS[:11]  # what a reader keeps: without stale_on and computed_seq


def read_rows(ledger: Ledger) -> Iterator[tuple]:
    """Every stored row, as READ_COLUMNS (one read in key order)."""
    return ledger.conn.execute(f"SELECT {', '.join(READ_COLUMNS)} FROM policy_evaluations")


def stale_ids(ledger: Ledger, day: str) -> list[str]:
    """Enterprises whose row the passing of time may have changed by `day` (the partial index)."""
    return [r[0] for r in ledger.conn.execute(
        "SELECT enterprise_id FROM policy_evaluations WHERE stale_on IS NOT NULL AND stale_on <= ?",
        (day,))]


def enterprise_ids(ledger: Ledger) -> set[str]:
    return {r[0] for r in ledger.conn.execute("SELECT id FROM enterprises")}


def write(ledger: Ledger, stamp: EvaluationStamp, rows: Iterable[tuple], *, replace_all: bool,
          remove: Iterable[str] = ()) -> None:
    """Store rows (as COLUMNS) and the stamp in one transaction: every row when `replace_all`
    (the old ones go), else these rows replace their enterprises' and `remove` goes."""
    with ledger.transaction():
        conn = ledger.conn
        if replace_all:
            conn.execute("DELETE FROM policy_evaluations")
        else:
            gone = list(remove)
            for i in range(0, len(gone), _CHUNK):
                chunk = gone[i:i + _CHUNK]
                conn.execute(f"DELETE FROM policy_evaluations WHERE enterprise_id IN"
                             f" ({','.join('?' * len(chunk))})", chunk)
        conn.executemany(_INSERT, rows)
        conn.execute("INSERT OR REPLACE INTO policy_evaluation_stamp"
                     " (id, rules, profile, as_of, latest, log_seq, log_hlc) VALUES (1, ?, ?, ?, ?, ?, ?)",
                     (stamp.rules, stamp.profile, stamp.as_of, stamp.latest, stamp.log_seq, stamp.log_hlc))


def clear(ledger: Ledger) -> None:
    """Forget every stored row and the stamp (the next read evaluates everything)."""
    with ledger.transaction():
        ledger.conn.execute("DELETE FROM policy_evaluations")
        ledger.conn.execute("DELETE FROM policy_evaluation_stamp")

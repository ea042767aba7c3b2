"""Which columns of a synced table travel: all but the id, the columns computed here from
the others (DERIVED_COLUMNS) and the pointer to a row-held insert (HELD_COLUMN, held.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The tables whose records sync (each change logged, storage/held.py and docs/sync-format.md).
SYNCED_TABLES = (
    "townships", "departments", "enterprises", "monthly_figures", "visits", "issues",
    "pool_events", "targets", "policy_profiles",
    "projects", "scale_history", "reward_claims", "entry_checklist", "annual_figures",
    "project_milestones", "form_templates", "form_returns",
)
# A synced table's pointer to its row-held insert (held.py). Only a synced table's column of
# this name is one: policy_evaluation_stamp.log_seq (schema 14) is the log's high-water mark
# an evaluation was made at, a local table's own column.
HELD_COLUMN = "log_seq"
# Columns computed locally from synced ones (never logged, recomputed on every write).
DERIVED_COLUMNS = {"enterprises": {"search_key"}}


@dataclass(frozen=True)
class TableSpec:
    """A synced table's columns as the ledger reads them (Ledger.spec)."""
    name: str
    columns: tuple[str, ...]  # synced columns without id
    defaults: dict[str, Any]


def local_columns(table: str) -> set[str]:
    """The columns of `table` that are not synced."""
    return {"id", HELD_COLUMN, *DERIVED_COLUMNS.get(table, ())}


def derived_values(table: str, values: dict) -> dict:
    """The local columns computed from a record's synced values (an enterprise's search key)."""
    if table == "enterprises" and "name" in values:
        from ..domain.search import search_key  # pypinyin: 0.5 s to import, not before a write

        return {"search_key": search_key(values["name"])}
    return {}


def derived_columns(table: str, columns: dict) -> dict[str, list]:
    """derived_values for many rows at once: {derived column: a value per row}."""
    if table == "enterprises" and "name" in columns:
        from ..domain.search import search_key

        return {"search_key": list(map(search_key, columns["name"]))}
    return {}

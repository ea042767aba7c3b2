"""Which columns of a synced table travel: all but the id, the columns computed here from
the others (DERIVED_COLUMNS) and the pointer to a row-held insert (HELD_COLUMN, held.py)."""

from __future__ import annotations

HELD_COLUMN = "log_seq"
# Columns computed locally from synced ones (never logged, recomputed on every write).
DERIVED_COLUMNS = {"enterprises": {"search_key"}}


def local_columns(table: str) -> set[str]:
    """The columns of `table` that are not synced."""
    return {"id", HELD_COLUMN, *DERIVED_COLUMNS.get(table, ())}

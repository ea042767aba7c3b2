"""This office in its own ledger: its site row and how much of its work is still unsent.

Setting an office up lives in :mod:`.setup`; its names are importable from here as before.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import TYPE_CHECKING

from ...storage import migrations

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def this_site(ledger: Ledger) -> dict:
    """This office: role, name, area code, keys' fingerprint (the row of `sites`)."""
    return ledger.this_site()


def unsynced_change_count(ledger: Ledger) -> int:
    """Changes made at this site that no package has carried yet.

    First approximation until sync records what was exported: this site's change-log entries
    beyond the highest sequence a peer has acknowledged (0 when nothing was ever sent). Site
    sequence numbers are consecutive, so this is a subtraction, not a count over the log.
    """
    acked = 0
    for (vector,) in ledger.conn.execute("SELECT acked_vector FROM peer_state"):
        try:
            acked = max(acked, int(json.loads(vector or "{}").get(ledger.site_id, 0)))
        except (ValueError, TypeError, AttributeError):
            continue
    latest = ledger.scalar("SELECT max_seq FROM version_vector WHERE site_id = ?",
                           (ledger.site_id,)) or 0
    return max(0, latest - acked)


def program_version() -> str:
    """The installed package's version, from its metadata (installer/shengui.spec copies it
    into the bundle)."""
    try:
        return metadata.version("shengui-desktop")
    except metadata.PackageNotFoundError:
        return "未知"


def schema_version(ledger: Ledger) -> tuple[int, int]:
    """(the ledger's schema version, the newest this program knows); equal once unlocked,
    since unlocking migrates."""
    return migrations.current_version(ledger.conn), migrations.latest_version()


def about(ledger: Ledger) -> dict:
    """What 关于 shows: program and schema version, this office and its key fingerprint,
    the ledger file."""
    me = this_site(ledger)
    schema, latest = schema_version(ledger)
    return {"version": program_version(), "schema": schema, "schema_latest": latest,
            "name": me["name"], "role": me["role"], "area_code": me["area_code"],
            "fingerprint": me["fingerprint"], "path": str(ledger.path), "user": ledger.user}

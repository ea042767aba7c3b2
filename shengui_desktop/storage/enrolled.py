"""A township office a county enrolled is a township of the county's list.

Enrolling a township (`sync import --accept-new-site`, the 数据同步 page) pins its keys in
`sites`; the county's list of townships is the synced table `townships`. Both must name the
office: without the row the county showed the township's enterprises without a township,
refused spreadsheets naming its code, listed no target for it, and let a spreadsheet naming
it create a second township of that name with a made-up code.

So enrolment writes the row (the code and the name from the office's signed certificate) as
an ordinary tracked insert: it travels to the townships like any county-wide record, and its
id is the one the township made for its own row at set-up (``reference_id``), so the two
meet as one record there. A county enrolled before schema version 8 gets the rows of its
enrolled offices when it is next opened (:func:`finish_upgrade`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..domain.text import clean, clean_name, match_key
from .ledger import reference_id

if TYPE_CHECKING:
    from .ledger import Ledger

# Set in `meta` by migration 0008 when a county has enrolled townships without a row. The
# rows are written when the ledger is next opened, through the Ledger (see finish_upgrade).
PENDING = "pending_enrolled_townships"

_CODE = re.compile(r"\d{9}")


def add_office_township(ledger: Ledger, code: str, name: str) -> dict | None:
    """At a county, the `townships` row of the township office with this area code and name:
    inserted (tracked) when no row has the code; a row the county already has, under
    whatever name it gave it, is kept as it is. Returns the row inserted, or None."""
    code, name = clean(code), clean_name(name)
    if ledger.meta("role") != "county" or not _CODE.fullmatch(code) or not name:
        return None
    if ledger.scalar("SELECT 1 FROM townships WHERE code = ?", (code,)):
        return None
    row = {"id": reference_id("township", code), "code": code, "name": name}
    ledger.insert("townships", row)
    return row


def same_name_elsewhere(ledger: Ledger, code: str) -> list[dict]:
    """Other townships of the list whose name is the same as the one with `code` (a twin a
    spreadsheet import made up a code for, before enrolment made the real one)."""
    name = ledger.scalar("SELECT name FROM townships WHERE code = ?", (code,))
    if name is None:
        return []
    key = match_key(name)  # spaces, widths and bracket forms do not count
    return [r for r in ledger.rows("SELECT code, name FROM townships WHERE code != ? ORDER BY code",
                                   (code,)) if match_key(r["name"]) == key]


def enrolled_without_row(ledger: Ledger) -> list[dict]:
    """Trusted township offices whose area code has no `townships` row."""
    return ledger.rows(
        "SELECT area_code, name FROM sites s WHERE s.is_self = 0 AND s.trusted = 1"
        " AND s.role = 'township' AND NOT EXISTS"
        " (SELECT 1 FROM townships t WHERE t.code = s.area_code) ORDER BY area_code, created_at")


def finish_upgrade(ledger: Ledger) -> list[dict]:
    """The second half of migration 0008, run when the ledger is opened: the township rows of
    offices enrolled before it, written through the Ledger in one transaction.

    Not in the SQL of the migration: the rows must be tracked changes (a change-log entry
    stamped by this office's clock, or the townships would never receive them), and their
    ids are name-based UUIDs that SQL cannot make; migrations run on the bare connection,
    before there is a Ledger. The flag the migration sets stays until this has committed,
    so an opening that stops half-way does it again the next time."""
    if ledger.meta(PENDING) is None:
        return []
    added = []
    with ledger.transaction():
        for site in enrolled_without_row(ledger):
            row = add_office_township(ledger, site["area_code"], site["name"])
            if row:
                added.append(row)
        ledger.conn.execute("DELETE FROM meta WHERE key = ?", (PENDING,))
    return added

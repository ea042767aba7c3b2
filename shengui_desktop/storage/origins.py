"""Which copy of a ledger writes a change: its origin id (issue 15, docs/sync-format.md
"Copies of a ledger").

A township often copies its ledger file to a second computer (the office's desktop and a
cadre's laptop). Both copies have the same site id, the same keys and the same counter of
change numbers, so before this each gave *different* changes the same (site, number): the
county took one for the other and lost it, and later refused packages naming both.

Every change is stamped with the ledger's *origin* (``Ledger.origin_id``): the site id for
the ledger as it was made, and a new random id (16 hex digits, like a site id) for a copy.
A copy is found when the ledger is opened: the ledger records the computer it was last
opened on (a random machine id kept in a file in the user's data folder, outside the
ledger, and the host name); a ledger opened on another computer starts a new origin and
tells the person (:data:`COPY_NOTICE`). The office, its keys and its packages stay the
same; the county learns the new origin from the first signed package that carries it
(sync/importer.py) and acknowledges each device apart.
"""

from __future__ import annotations

import json
import secrets
import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from .ledger import Ledger

PLACE = "ledger_place"          # meta: the computer the ledger was last opened on (JSON)
ORIGIN = "origin_id"            # meta: this copy's origin (absent: the site id)
NOTICE = "copy_notice"          # meta: what the person is told once, after a copy
PENDING = "pending_new_origin"  # meta: set by migration 0012 for ledgers made before it
RETIRED = "retired_origins"     # meta: origins this ledger stopped using itself (JSON list)
MOVE_PENDING = "pending_unacknowledged_move"  # meta: [old, new] origin, see move_unacknowledged
FIRST_SEQS = "origin_first_seqs"  # meta: {origin: its first change number} (JSON), see first_seq

MACHINE_FILE = "machine-id"


def machine_file() -> Path:
    return Path(platformdirs.user_data_dir("shengui_desktop", appauthor=False)) / MACHINE_FILE


def machine_id() -> str:
    """This computer's random id, made the first time it is asked for (in the user's data
    folder, never in a ledger). '' when the folder cannot be written (nothing is then
    detected by it; the host name still counts)."""
    path = machine_file()
    try:
        text = path.read_text("ascii").strip()
        if text:
            return text
    except OSError:
        pass
    made = secrets.token_hex(16)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(made + "\n", "ascii")
    except OSError:
        return ""
    return made


def current_place() -> dict:
    return {"machine": machine_id(), "host": socket.gethostname()}


def new_origin_id() -> str:
    return secrets.token_hex(8)


def own_origins(ledger: Ledger) -> list[str]:
    """Every origin this ledger (and the copies it descends from) wrote its own changes
    under: the site id, then the copies' origins, oldest first."""
    site = str(ledger.site_id)
    more = [r[0] for r in ledger.conn.execute(
        "SELECT origin_id FROM site_origins WHERE site_id = ? AND origin_id != ?"
        " ORDER BY bound_at, origin_id", (site, site))]
    return [site, *more]


def origins_of(ledger: Ledger, site_id: str) -> set[str]:
    """The origins bound to an office in this ledger (its site id included)."""
    return {site_id, *(r[0] for r in ledger.conn.execute(
        "SELECT origin_id FROM site_origins WHERE site_id = ?", (site_id,)))}


def foreign_origins(ledger: Ledger, site_id: str) -> set[str]:
    """Origins an office may not claim: every other site's id and every origin bound to
    another office (this one's included)."""
    return ({r[0] for r in ledger.conn.execute("SELECT id FROM sites WHERE id != ?", (site_id,))}
            | {r[0] for r in ledger.conn.execute(
                "SELECT origin_id FROM site_origins WHERE site_id != ?", (site_id,))})


def bind(ledger: Ledger, origin: str, site_id: str, package_id: str | None = None) -> bool:
    """Record that `origin` stamps `site_id`'s changes (inside the caller's transaction).
    True when it was new."""
    if origin == site_id:
        return False
    before = ledger.conn.total_changes
    ledger.conn.execute(
        "INSERT OR IGNORE INTO site_origins(origin_id, site_id, bound_at, package_id) VALUES (?, ?, ?, ?)",
        (origin, site_id, datetime.now().isoformat(timespec="seconds"), package_id))
    return ledger.conn.total_changes > before


def retired_origins(ledger: Ledger) -> list[str]:
    """Origins this very ledger stopped writing under (not left to a copy): its packages
    name them, so the recipient stops waiting for that device's acknowledgements."""
    return json.loads(ledger.meta(RETIRED, "[]"))


def start_new_origin(ledger: Ledger, notice: str | None, *, retire: bool = False) -> str:
    """From now on this ledger stamps its changes with a new origin (one transaction).
    The clock's counter goes on from where it was: numbers are unique per origin.
    `retire`: no copy goes on with the old origin (an upgrade, not a copy)."""
    origin = new_origin_id()
    with ledger.transaction():
        if retire:
            gone = [*retired_origins(ledger), ledger.origin_id]
            ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                (RETIRED, json.dumps(gone)))
        bind(ledger, origin, str(ledger.site_id))
        # the ledger's one counter goes on: the new origin's numbers start after it
        _set_first_seq(ledger, origin, int(ledger.meta("site_seq", "0")) + 1)
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (ORIGIN, origin))
        if notice:
            ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (NOTICE, notice))
    ledger.origin_id = origin
    return origin


def _first_seqs(ledger: Ledger) -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(ledger.meta(FIRST_SEQS, "{}")).items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def _set_first_seq(ledger: Ledger, origin: str, seq: int) -> None:
    """Inside the caller's transaction."""
    seqs = _first_seqs(ledger)
    seqs[origin] = seq
    ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (FIRST_SEQS, json.dumps(seqs)))


def first_seq(ledger: Ledger, origin: str) -> int:
    """The first change number `origin` carries in this ledger (one of own_origins).

    One counter numbers every change the ledger writes, whichever origin stamps it: the
    site id's from 1, a copy's origin's from where the counter stood when the copy began
    (recorded then, and lowered when move_unacknowledged hands it older numbers). An origin
    begun by a program that did not record it comes after the origin before it in
    own_origins: its first number is one past that one's highest. So what is unsent of an
    origin is a subtraction (services/office/site.py), not a count over the change log."""
    if origin == str(ledger.site_id):
        return 1
    recorded = _first_seqs(ledger).get(origin)
    if recorded is not None:
        return recorded
    mine = own_origins(ledger)
    if origin not in mine[1:]:
        return 1
    before = mine[mine.index(origin) - 1]
    row = ledger.conn.execute("SELECT max_seq FROM version_vector WHERE site_id = ?", (before,)).fetchone()
    return (row[0] if row else 0) + 1


def copy_notice(origin: str) -> str:
    return (f"检测到台账被复制到另一台电脑（或在另一台电脑上打开）。为避免两份台账给各自的修改编同样的号，"
            f"本台账此后的修改改用新的设备编号{origin[:8]}记录。两份台账都可继续使用并各自与县级同步，"
            "两边的修改由县级汇总后互相送达，不会丢失、也不会被拒收。如果只是重装了系统或换了电脑、"
            "旧电脑上的台账不再使用，可忽略此提示。")


def record_place(ledger: Ledger) -> None:
    """At creation: the computer the ledger is made on."""
    with ledger.transaction():
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                            (PLACE, json.dumps(current_place())))
        ledger.conn.execute("DELETE FROM meta WHERE key = ?", (PENDING,))


def check_place(ledger: Ledger) -> str | None:
    """When a ledger is opened: is it on the computer it was last opened on? If not (a
    copy, or the first opening of a ledger made before schema 12), it starts a new origin.
    Returns the notice for the person (Chinese) when a copy was detected, else None."""
    if not ledger.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_origins'"):
        return None  # opened without the upgrade to schema 12 (migrate=False, or a test's upto)
    place = current_place()
    recorded = ledger.meta(PLACE)
    pending = ledger.meta(PENDING) is not None
    try:
        then = json.loads(recorded) if recorded else None
    except ValueError:
        then = None
    moved = then is not None and then != place
    if not moved and not pending and then is not None:
        return None
    notice = None
    if (moved or pending) and ledger.site_id:
        # a copy made before the upgrade cannot be told from its original: every ledger
        # upgraded starts a new origin, so two such copies stop colliding from now on
        old = str(ledger.origin_id)
        origin = start_new_origin(ledger, None, retire=not moved)
        if moved:
            notice = copy_notice(origin)
        elif ledger.meta("role") == "township":
            # done before its next export (opening leaves the log as it was)
            last = ledger.scalar("SELECT coalesce(max(seq), 0) FROM change_log")
            ledger.set_meta(MOVE_PENDING, json.dumps([old, origin, last]))
    with ledger.transaction():
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                            (PLACE, json.dumps(place)))
        ledger.conn.execute("DELETE FROM meta WHERE key = ?", (PENDING,))
        if notice:
            ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (NOTICE, notice))
    return notice


def finish_upgrade_move(ledger: Ledger) -> int:
    """Before a township's first export after the upgrade to schema 12: its unacknowledged
    changes go under its new origin (move_unacknowledged). Nothing when done already."""
    pending = ledger.meta(MOVE_PENDING)
    if not pending:
        return 0
    old, new, last = json.loads(pending)
    with ledger.transaction():
        moved = move_unacknowledged(ledger, old, new, last)
        ledger.conn.execute("DELETE FROM meta WHERE key = ?", (MOVE_PENDING,))
    return moved


def move_unacknowledged(ledger: Ledger, old: str, new: str, last: int | None = None) -> int:
    """At a township upgraded to schema 12: its own changes under the old origin that the
    county has not acknowledged go under the new origin, keeping their numbers (the new
    origin has none yet) and stamps. Two copies made before the upgrade numbered their
    unsent changes alike; now each copy sends them under its own origin. (A package already
    written with them may still be imported: the county then holds the change twice with the
    same values, which changes nothing.) `last`: the log's last entry when the ledger was
    upgraded: what came after it was not written here (another copy's, relayed). Returns the
    number of changes moved."""
    acked = 0
    for (vector,) in ledger.conn.execute("SELECT acked_vector FROM peer_state"):
        acked = max(acked, int(json.loads(vector or "{}").get(old, 0)))
    with ledger.transaction():
        before = ledger.conn.total_changes
        ledger.conn.execute("UPDATE change_log SET site_id = ? WHERE site_id = ? AND site_seq > ?"
                            " AND seq <= ?", (new, old, acked, last if last is not None else 2 ** 62))
        moved = ledger.conn.total_changes - before
        if moved:
            top = ledger.conn.execute("SELECT max(site_seq) FROM change_log WHERE site_id = ?", (new,)).fetchone()[0]
            ledger.conn.execute(
                "INSERT INTO version_vector(site_id, max_seq) VALUES (?, ?) ON CONFLICT(site_id)"
                " DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)", (new, top))
            # the new origin now carries numbers from just past the acknowledged on
            _set_first_seq(ledger, new, min(first_seq(ledger, new), acked + 1))
            # what is left of the old origin: up to the acknowledged, and relayed entries
            left = ledger.conn.execute("SELECT max(site_seq) FROM change_log WHERE site_id = ?"
                                       " AND data IS NOT NULL", (old,)).fetchone()[0] or 0
            ledger.conn.execute("UPDATE version_vector SET max_seq = ? WHERE site_id = ?",
                                (max(acked, left), old))
    return moved


def pending_notice(ledger: Ledger, *, clear: bool = False) -> str | None:
    """The copy notice not yet shown with a sync (services/sync.py shows it once)."""
    text = ledger.meta(NOTICE)
    if text and clear:
        with ledger.transaction():
            ledger.conn.execute("DELETE FROM meta WHERE key = ?", (NOTICE,))
    return text

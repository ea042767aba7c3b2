"""A township's audit log travelling to the county in its packages (docs/sync-format.md).

The township sends the entries of its own chain the county has not yet acknowledged, as
lines ``{"audit": {...}}`` after the changes of the payload (the manifest's
``audit_entries`` says how many; a package without it has none). A copy of the ledger on
another computer has its own chain (its origin, storage/origins.py) and sends that one: the
entries name it (``origin``, the manifest's ``sender.origin``). The county stores them under
the township's site id and the copy's origin, each chain apart (storage/audit.py), so its
verify checks every copy's chain; a re-delivered entry is already there and is skipped. The
county's packages tell each copy how much of its chain arrived (``audit_seen``, by origin),
and its next package leaves that out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..storage import audit
from .errors import PackageRejected

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

_SITE_ID = re.compile(r"[0-9a-f]{16}\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")
MAX_AUDIT = 1_000_000  # entries in one package, far above years of a township's work


def _acked_key(peer_id: str, origin: str) -> str:
    return f"audit_acked:{peer_id}:{origin}"


def select_audit(ledger: Ledger, peer: dict, full: bool) -> list[dict]:
    """The audit entries of this copy's own chain (its origin) the county `peer` has not
    acknowledged (all of them in a full package). A county sends none: a township keeps
    only its own chain; the chains of other copies of its ledger are theirs to send."""
    me = ledger.this_site()
    if me is None or me["role"] != "township" or peer["role"] != "county" \
            or not audit.has_log(ledger.conn):
        return []
    origin = ledger.origin_id or me["id"]
    after = 0 if full else int(ledger.meta(_acked_key(peer["id"], origin), "0"))
    cur = ledger.conn.execute(f"SELECT {', '.join(audit.COLUMNS)} FROM audit_log"
                              " WHERE office_id = ? AND origin = ? AND no > ? ORDER BY no",
                              (me["id"], origin, after))
    return [dict(zip(audit.COLUMNS, r)) for r in cur]


def seen_for(ledger: Ledger, peer: dict) -> dict[str, int]:
    """How much of each chain of `peer`'s copies this ledger holds, by origin (the
    manifest's ``audit_seen``; the ledger as made has its site id as origin)."""
    if not audit.has_log(ledger.conn):
        return {}
    return {origin: int(top) for origin, top in ledger.conn.execute(
        "SELECT origin, max(no) FROM audit_log WHERE office_id = ? GROUP BY origin", (peer["id"],))}


def split(items: list, manifest: dict, name: str) -> tuple[list, list[dict]]:
    """The payload's changes and its audit entries (the last ``audit_entries`` lines),
    each audit entry checked for shape: the whole package is refused otherwise."""
    count = manifest.get("audit_entries", 0)
    if type(count) is not int or not 0 <= count <= MAX_AUDIT:
        raise PackageRejected("manifest", f"“{name}”的清单无效：审计日志条数无效，拒绝导入。")
    if count > len(items):
        raise PackageRejected("invalid", f"“{name}”中的审计日志条数与清单不符（数据不完整或被改动），拒绝导入。")
    if not count:
        return items, []
    changes, lines = items[:len(items) - count], items[len(items) - count:]
    sender = manifest["sender"]["site_id"]
    # the copy that made the package sends its own chain (a package of schema 13-15 has
    # entries without an origin: the office's one chain then, kept as the ledger as made's)
    device = manifest["sender"].get("origin", sender)
    entries = []
    for i, line in enumerate(lines):
        e = line.get("audit") if type(line) is dict and len(line) == 1 else None
        if type(e) is dict and "origin" not in e and e.keys() == set(audit.LEGACY_COLUMNS):
            e = dict(e, origin=sender)
            if device != sender:
                e = None  # a copy's package without origins on its entries: not of any program
        if not _well_formed(e, sender, device):
            raise PackageRejected("invalid", f"“{name}”中的审计日志数据不合规，拒绝导入：",
                                  [f"第{i + 1}条审计记录：结构无效"])
        entries.append(e)
    return changes, entries


def _well_formed(e: object, sender: str, device: object) -> bool:
    if type(e) is not dict or e.keys() != set(audit.COLUMNS):
        return False
    if e["office_id"] != sender or not _SITE_ID.match(e["office_id"]):
        return False  # an office sends its own chain, no one else's
    if e["origin"] != device or type(device) is not str or not _SITE_ID.match(device):
        return False  # and the copy that made the package, its own
    if type(e["no"]) is not int or not 0 < e["no"] < 2**62:
        return False
    for key in ("at", "office", "person", "action", "object", "detail"):
        if type(e[key]) is not str or len(e[key]) > audit.MAX_TEXT:
            return False
    return all(type(e[k]) is str and _HASH.match(e[k]) for k in ("prev_hash", "hash"))


def store(ledger: Ledger, sender: dict, entries: list[dict]) -> tuple[int, list[str]]:
    """Keep the audit entries of a township's copy (inside the import's transaction): (how
    many were new, what a person should know). Each copy's chain is kept apart (split has
    checked that every entry names the package's copy). An entry already held is skipped;
    one whose number is held with another content is not stored and is reported (the
    copy was restored from a backup, or its log tampered with)."""
    if not entries or not audit.has_log(ledger.conn):
        return 0, []
    conn = ledger.conn
    origin = entries[0]["origin"]
    held = dict(conn.execute("SELECT no, hash FROM audit_log WHERE office_id = ? AND origin = ?",
                             (sender["site_id"], origin)).fetchall())
    new, clashes = 0, []
    for e in sorted(entries, key=lambda x: x["no"]):
        if e["no"] in held:
            if held[e["no"]] != e["hash"]:
                clashes.append(e["no"])
            continue
        conn.execute(f"INSERT INTO audit_log({', '.join(audit.COLUMNS)}) VALUES"
                     f" ({', '.join('?' * len(audit.COLUMNS))})", tuple(e[c] for c in audit.COLUMNS))
        held[e["no"]] = e["hash"]
        new += 1
    notes = []
    who = sender["name"] + (f"（设备{origin[:4]}）" if origin != sender["site_id"] else "")
    if clashes:
        notes.append(f"“{who}”发来的审计日志第{'、'.join(map(str, clashes[:10]))}条与此前收到的不同，"
                     "未保存：对方的台账可能从备份恢复过，或审计日志被改动。请与对方核实。")
    broken = audit.check_chain(sender["site_id"], audit.chain(conn, sender["site_id"], origin),
                               origin=origin)
    if broken is not None and new:
        notes.append(f"“{who}”的审计日志校验不通过：{broken.what}。")
    return new, notes


def acknowledge(ledger: Ledger, sender: dict, manifest: dict) -> None:
    """The county's package says how much of this township's chain it holds."""
    seen = manifest.get("audit_seen")
    if not isinstance(seen, dict) or ledger.site_id is None:
        return
    origin = ledger.origin_id or ledger.site_id
    top = seen.get(origin)
    key = _acked_key(sender["site_id"], origin)
    if type(top) is int and top > int(ledger.meta(key, "0")):
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(top)))
